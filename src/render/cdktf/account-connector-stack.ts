import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AccountPlan } from '../../plan/stack';
import { QualysConnectorRole } from './connector-role';
import { awsProvider, configureBackend, externalIdVariable } from './stack-parts';

/**
 * A deployable stack for one account, rendered from its plan: the AWS provider, the backend, the connector
 * role and outputs under fixed names (`role_arn`, `role_name`, `external_id`, `trusted_principal`, `policy_arns`).
 */
export class QualysAccountConnectorStack extends TerraformStack {
  readonly connector: QualysConnectorRole;

  constructor(scope: Construct, plan: AccountPlan) {
    super(scope, plan.stack.name);
    configureBackend(this, plan.stack.backend);
    awsProvider(this, 'aws', plan.stack.provider);
    const variable = plan.role.externalId.variable;
    this.connector = new QualysConnectorRole(this, 'connector', {
      plan: plan.role,
      externalIdVariable:
        variable === undefined
          ? undefined
          : externalIdVariable(
              this,
              variable,
              'External ID entered in the Qualys connector (sts:ExternalId of the trust policy)',
            ),
      importExistingRole: plan.stack.importExistingRole,
      addressName: 'this',
    });

    const outputs: [string, unknown, string, boolean?][] = [
      ['role_arn', this.connector.roleArn, 'Role ARN to enter in the Qualys connector'],
      ['role_name', this.connector.roleName, 'Name of the connector role'],
      ['external_id', this.connector.externalIdValue, 'External ID to enter in the Qualys connector', true],
      ['trusted_principal', this.connector.model.trustedPrincipal, 'Principal allowed to assume the role'],
      ['policy_arns', this.connector.policyArns, 'Managed policies attached to the role'],
      [
        'capabilities',
        [...plan.role.capabilities].sort(),
        'Capabilities of the role, from which registration chooses the connector apps',
      ],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive, staticId: true });
    }
  }
}
