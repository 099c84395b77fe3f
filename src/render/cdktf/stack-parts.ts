import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, LocalBackend, S3Backend, TerraformResource, TerraformStack, TerraformVariable } from 'cdktf';
import { isAbsolute, join, posix, relative, resolve, sep } from 'path';
import { BackendPlan, MINIMUM_TERRAFORM_VERSION, ProviderAccess } from '../../plan/stack-facts';
import { AwsProviderMajor, awsProviderMajor } from '../../rules/aws-provider';
import { ConfigurationError } from '../../rules/errors';
import { terraformExpression } from '../../rules/terraform-text';
import { externalIdRule, terraformCondition } from '../../rules/value-rules';

/** Terraform condition for the external ID variable: the STS rule, rendered for Terraform's RE2. */
export const EXTERNAL_ID_VARIABLE_CONDITION = (name: string): string =>
  terraformExpression(terraformCondition(externalIdRule, `var.${name}`));

/** A sensitive string variable named `name` (no hash suffix), validated like a literal external ID. */
export function externalIdVariable(stack: TerraformStack, name: string, description: string): TerraformVariable {
  const variable = new TerraformVariable(stack, `variable-${name}`, {
    type: 'string',
    sensitive: true,
    description,
    validation: [
      { condition: EXTERNAL_ID_VARIABLE_CONDITION(name), errorMessage: `The external ID ${externalIdRule.message}.` },
    ],
  });
  variable.overrideLogicalId(name);
  return variable;
}

/** The AWS provider major the installed bindings of a resource were generated from (20.x: 5, 21.x and cdktn: 6). */
export function bindingsMajor(resource: TerraformResource): AwsProviderMajor {
  return awsProviderMajor(resource.terraformGeneratorMetadata?.providerVersion ?? 'unknown');
}

/** An AWS provider as the plan gives it, guarded to one account when it is known. */
export function awsProvider(stack: TerraformStack, id: string, access: ProviderAccess): AwsProvider {
  return new AwsProvider(stack, id, {
    alias: access.alias,
    region: access.region,
    profile: access.profile,
    allowedAccountIds: access.accountId ? [access.accountId] : undefined,
    assumeRole: access.assumeRoleArn ? [{ roleArn: access.assumeRoleArn, sessionName: 'qualys-connector' }] : undefined,
  });
}

/** Where Terraform keeps the state of a local backend, and what happens for each output folder. */
export function localStatePath(
  outdir: string,
  stackId: string,
  fromProject: string,
  projectDir: string = process.cwd(),
): string {
  const project = resolve(projectDir);
  const output = resolve(project, outdir);
  const inside = relative(project, output);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigurationError([
      {
        field: 'output folder (cdktf --output, CDKTF_OUTDIR or the App outdir)',
        value: JSON.stringify(outdir),
        rule: `must be inside the project folder ${JSON.stringify(project)} when a stack keeps its state in a local backend (stack "${stackId}"): the state path is written relative to the project so no machine path lands in the output. Synthesize into the project, or use an S3 backend`,
      },
    ]);
  }
  // Terraform runs in <outdir>/stacks/<stack>; the state path is relative to that folder.
  const fromStack = relative(join(output, 'stacks', stackId), join(project, fromProject));
  return fromStack.split(sep).join(posix.sep);
}

/**
 * Local state in the project folder (a relative path, so output is portable) or S3 for teams; and the
 * stack's `required_version` (every stack has a backend, so every stack states its Terraform floor here).
 */
export function configureBackend(stack: TerraformStack, backend: BackendPlan): void {
  stack.addOverride('terraform.required_version', `>= ${MINIMUM_TERRAFORM_VERSION}`);
  if (backend.type === 's3') {
    const { bucket, key, region, encrypt, dynamodbTable, roleArn, useLockfile } = backend;
    new S3Backend(stack, {
      bucket,
      key,
      region,
      encrypt,
      dynamodbTable,
      assumeRole: roleArn ? { roleArn } : undefined,
    });
    // S3-native locking (Terraform 1.10+) postdates cdktf 0.21's backend bindings.
    if (useLockfile) stack.addOverride('terraform.backend.s3.use_lockfile', true);
    return;
  }
  new LocalBackend(stack, { path: localStatePath(App.of(stack).outdir, stack.node.id, backend.path) });
}
