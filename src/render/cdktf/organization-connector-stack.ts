import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { templateParameters } from '../../plan/organization';
import { OrganizationPlan } from '../../plan/stack';
import { organizationTemplates } from '../cloudformation/organization-templates';
import { ManagementRole } from './management-role';
import { MemberRoles } from './member-roles';
import { awsProvider, configureBackend, externalIdVariable } from './stack-parts';

/**
 * An AWS Organization connected to Qualys, rendered from its plan: the provider and backend, the management
 * account's role (`ManagementRole`) and the member roles (`MemberRoles`), and the outputs to enter in Qualys.
 */
export class QualysOrganizationConnectorStack extends TerraformStack {
  readonly management: ManagementRole;
  readonly members: MemberRoles;

  constructor(
    scope: Construct,
    readonly plan: OrganizationPlan,
  ) {
    super(scope, plan.stack.name);
    configureBackend(this, plan.stack.backend);
    awsProvider(this, 'aws', plan.stack.provider);
    const administrator = plan.stackSet.administrator
      ? awsProvider(this, 'aws-stackset-admin', plan.stackSet.administrator)
      : undefined;
    const variableName = plan.member.externalId.variable;
    const variable =
      variableName === undefined
        ? undefined
        : externalIdVariable(
            this,
            variableName,
            'External ID entered in the Qualys organization connector (shared by every role)',
          );
    const externalIdValue = variable ? variable.stringValue : (plan.member.externalId.values as readonly string[])[0];
    const templates = organizationTemplates(plan);
    const parameters = templateParameters(plan, externalIdValue);
    this.management = new ManagementRole(this, 'management', {
      plan,
      templates,
      parameters,
      externalIdVariable: variable,
    });
    this.members = new MemberRoles(this, 'members', { plan, templates, parameters, administrator });

    const outputs: [string, unknown, string, boolean?][] = [
      [
        'management_role_arn',
        this.management.roleArn,
        'Role ARN of the management account, for the Qualys organization connector',
      ],
      ['member_role_name', plan.member.roleName, 'Name of the role in every member account'],
      [
        'trusted_principal',
        plan.management.trustedPrincipal,
        'Principal allowed to assume the management and member roles',
      ],
      [
        'member_role_arns',
        this.members.memberRoleArns,
        'Member account ID to role ARN, for every account with a stack instance of the stack set, whatever its status (a failed one too)',
      ],
      ['stack_set_id', this.members.stackSet.id, 'ID of the member role stack set'],
      ['stack_set_arn', this.members.stackSet.arn, 'ARN of the member role stack set'],
      ['external_id', externalIdValue, 'External ID to enter in the Qualys connector', true],
      [
        'capabilities',
        [...plan.member.capabilities].sort(),
        'Capabilities of the member roles (the management role adds organization), from which registration chooses the connector apps',
      ],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive, staticId: true });
    }
  }
}
