import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, LocalBackend, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { isAbsolute, join, posix, relative, resolve, sep } from 'path';
import { ConfigurationError } from '../errors';
import { EXTERNAL_ID_RULE } from '../config/fields';
import { externalIdRule, terraformCondition } from '../config/rules';
import { BackendConfig } from '../config/schema';

/**
 * A literal string for a Terraform configuration: Terraform reads every string as a template, so `${` and
 * `%{` are doubled to stand for themselves. Terraform then passes the value through byte for byte.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, (_match, sign: string) => `${sign}${sign}{`);
}

/** Terraform condition for the external ID variable: the STS rule, rendered for Terraform's RE2. */
export const EXTERNAL_ID_VARIABLE_CONDITION = (name: string): string => `\${${terraformCondition(externalIdRule, `var.${name}`)}}`;

/** A sensitive string variable named `name` (no hash suffix), validated like a literal external ID. */
export function externalIdVariable(stack: TerraformStack, name: string, description: string): TerraformVariable {
  const variable = new TerraformVariable(stack, `variable-${name}`, {
    type: 'string',
    sensitive: true,
    description,
    validation: [{ condition: EXTERNAL_ID_VARIABLE_CONDITION(name), errorMessage: `The external ID ${EXTERNAL_ID_RULE}.` }],
  });
  variable.overrideLogicalId(name);
  return variable;
}

export interface ProviderAccess {
  readonly region: string;
  readonly profile?: string;
  /** The only account the provider may act in. */
  readonly accountId?: string;
  readonly assumeRoleArn?: string;
  readonly alias?: string;
}

/** An AWS provider guarded to one account when it is known. */
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
export function localStatePath(outdir: string, stackId: string, fromProject: string, projectDir: string = process.cwd()): string {
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
 * The oldest Terraform every synthesized stack works with. The features used: `import` blocks (1.5, with
 * importExistingRole), the S3 backend's `assume_role` block (1.6, with backend.roleArn) and its lock file
 * `use_lockfile` (experimental in 1.10, generally available in 1.11; on by default for S3 state). One floor
 * for every stack, so switching a stack's backend or adopting a role never raises it.
 */
export const MINIMUM_TERRAFORM_VERSION = '1.11.0';

/**
 * Local state in the project folder (a relative path, so output is portable) or S3 for teams; and the
 * stack's `required_version` (every stack has a backend, so every stack states its Terraform floor here).
 */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig | undefined): void {
  stack.addOverride('terraform.required_version', `>= ${MINIMUM_TERRAFORM_VERSION}`);
  if (backend?.type === 's3') {
    const { bucket, key, region, encrypt, dynamodbTable, roleArn, useLockfile } = backend;
    new S3Backend(stack, { bucket, key, region, encrypt, dynamodbTable, assumeRole: roleArn ? { roleArn } : undefined });
    // S3-native locking (Terraform 1.10+) postdates cdktf 0.21's backend bindings.
    if (useLockfile ?? dynamodbTable === undefined) stack.addOverride('terraform.backend.s3.use_lockfile', true);
    return;
  }
  const fromProject = backend?.path ?? `terraform.${stackName}.tfstate`;
  new LocalBackend(stack, { path: localStatePath(App.of(stack).outdir, stack.node.id, fromProject) });
}
