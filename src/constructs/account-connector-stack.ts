import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AccountStackConfig } from '../config/schema';
import { QUALYS_ACCOUNT_TYPE_FACTS, accountTypeOf } from '../partition';
import { CapabilityName } from '../permissions/types';
import { QualysConnectorRole } from './connector-role';
import { awsProvider, configureBackend, externalIdVariable } from './stack-parts';

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
    const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountTypeOf(settings.qualysAccountType)];

    configureBackend(this, options.name, options.backend);
    awsProvider(this, 'aws', { region: options.region ?? facts.defaultRegion, ...options.provider });

    const externalId =
      typeof settings.externalId === 'object' && !Array.isArray(settings.externalId)
        ? externalIdVariable(this, settings.externalId.variable, 'External ID entered in the Qualys connector (sts:ExternalId of the trust policy)')
        : settings.externalId;

    this.connector = new QualysConnectorRole(this, 'connector', {
      ...settings,
      // Names were checked against the capability list by the configuration schema.
      capabilities: settings.capabilities as CapabilityName[] | undefined,
      externalId,
      importExistingRole: options.importExistingRole,
      addressName: 'this',
    });

    const outputs: [string, unknown, string, boolean?][] = [
      ['role_arn', this.connector.roleArn, 'Role ARN to enter in the Qualys connector'],
      ['role_name', this.connector.roleName, 'Name of the connector role'],
      ['external_id', this.connector.externalIdValue, 'External ID to enter in the Qualys connector', true],
      ['trusted_principal', this.connector.model.trustedPrincipal, 'Principal allowed to assume the role'],
      ['policy_arns', this.connector.policyArns, 'Managed policies attached to the role'],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive, staticId: true });
    }
  }
}
