import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LocalBackend, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import { posix } from 'path';
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

/** Local state next to the project (a relative path, so output is portable) or S3 for teams. */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig | undefined): void {
  if (backend?.type === 's3') {
    const { bucket, key, region, encrypt, dynamodbTable, roleArn, useLockfile } = backend;
    new S3Backend(stack, { bucket, key, region, encrypt, dynamodbTable, assumeRole: roleArn ? { roleArn } : undefined });
    // S3-native locking (Terraform 1.10+) postdates cdktf 0.21's backend bindings.
    if (useLockfile ?? dynamodbTable === undefined) stack.addOverride('terraform.backend.s3.use_lockfile', true);
    return;
  }
  // Terraform runs in cdktf.out/stacks/<name>; the path is given relative to the project folder.
  const fromProject = backend?.path ?? `terraform.${stackName}.tfstate`;
  new LocalBackend(stack, { path: posix.join('..', '..', '..', fromProject) });
}
