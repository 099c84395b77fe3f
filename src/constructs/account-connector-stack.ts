import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { posix } from 'path';
import { EXTERNAL_ID_RULE } from '../config/fields';
import { AccountStackConfig, BackendConfig } from '../config/schema';
import { QUALYS_ACCOUNT_TYPE_FACTS } from '../partition';
import { CapabilityName } from '../permissions/types';
import { QualysConnectorRole } from './connector-role';

/** Terraform condition for the external ID variable: the STS rule, written for Terraform's RE2 (no {2,1224}). */
export const EXTERNAL_ID_VARIABLE_CONDITION = (name: string): string =>
  `\${length(var.${name}) >= 2 && length(var.${name}) <= 1224 && can(regex("^[\\\\w+=,.@:/-]+$", var.${name}))}`;

export type AccountConnectorStackOptions = AccountStackConfig;

/**
 * A deployable stack for one account: AWS provider in the partition's region, backend, the connector role
 * and outputs under fixed names (`role_arn`, `role_name`, `external_id`, `trusted_principal`, `policy_arns`).
 */
export class QualysAccountConnectorStack extends TerraformStack {
  readonly connector: QualysConnectorRole;

  constructor(scope: Construct, options: AccountConnectorStackOptions) {
    super(scope, options.name);
    const settings = options.connector;
    const facts = QUALYS_ACCOUNT_TYPE_FACTS[settings.qualysAccountType ?? 'global'];

    configureBackend(this, options.name, options.backend);
    new AwsProvider(this, 'aws', {
      region: options.region ?? facts.defaultRegion,
      profile: options.provider?.profile,
      allowedAccountIds: options.provider?.accountId ? [options.provider.accountId] : undefined,
      assumeRole: options.provider?.assumeRoleArn ? [{ roleArn: options.provider.assumeRoleArn, sessionName: 'qualys-connector' }] : undefined,
    });

    let externalId: string | string[] | TerraformVariable;
    if (typeof settings.externalId === 'object' && !Array.isArray(settings.externalId)) {
      const name = settings.externalId.variable;
      const variable = new TerraformVariable(this, `variable-${name}`, {
        type: 'string',
        sensitive: true,
        description: 'External ID entered in the Qualys connector (sts:ExternalId of the trust policy)',
        validation: [{ condition: EXTERNAL_ID_VARIABLE_CONDITION(name), errorMessage: `The external ID ${EXTERNAL_ID_RULE}.` }],
      });
      variable.overrideLogicalId(name);
      externalId = variable;
    } else {
      externalId = settings.externalId;
    }

    this.connector = new QualysConnectorRole(this, 'connector', {
      ...settings,
      // Names were checked against the capability list by the configuration schema.
      capabilities: settings.capabilities as CapabilityName[] | undefined,
      externalId,
      importExistingRole: options.importExistingRole,
    });

    const model = this.connector.model;
    const outputs: [string, unknown, string, boolean?][] = [
      ['role_arn', this.connector.roleArn, 'Role ARN to enter in the Qualys connector'],
      ['role_name', this.connector.roleName, 'Name of the connector role'],
      ['external_id', model.externalIds[0], 'External ID to enter in the Qualys connector', true],
      ['trusted_principal', model.trustedPrincipal, 'Principal allowed to assume the role'],
      ['policy_arns', this.connector.policyArns, 'Managed policies attached to the role'],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive, staticId: true });
    }
  }
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
