import { CloudformationStack } from '@cdktf/provider-aws/lib/cloudformation-stack';
import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { OrganizationPlan } from '../../plan/stack';
import { terraformLiteral } from '../../rules/terraform-text';
import { templateBody } from '../cloudformation/role-template';
import { OrganizationTemplates } from '../cloudformation/organization-templates';
import { readableAddress } from './addresses';
import { QualysConnectorRole } from './connector-role';

export interface ManagementRoleProps {
  readonly plan: OrganizationPlan;
  readonly templates: OrganizationTemplates;
  /** What the templates' parameters are given (the external ID as Terraform writes it, and the rest). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The stack's variable that holds the external ID, when the plan names one. */
  readonly externalIdVariable?: TerraformVariable;
}

/**
 * The management account's role: a Terraform role (the connector role with Organization added), or, with
 * `deployWith: cloudformation-stack`, a CloudFormation stack of the management template. `roleArn` either way.
 */
export class ManagementRole extends Construct {
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ManagementRoleProps) {
    super(scope, id);
    const { plan } = props;
    if (plan.managementStack) {
      // Scoped to the stack, not to this construct: the address stays the one earlier releases made.
      const stack = new CloudformationStack(scope, 'management-role-stack', {
        name: plan.managementStack.name,
        templateBody: terraformLiteral(templateBody(props.templates.management)),
        parameters: { ...props.parameters },
        capabilities: ['CAPABILITY_NAMED_IAM'],
        onFailure: 'ROLLBACK',
        timeouts: { ...plan.managementStack.timeouts },
      });
      readableAddress(stack, 'management_role');
      this.roleArn = stack.outputs.lookup('RoleArn');
      return;
    }
    const role = new QualysConnectorRole(scope, 'management-role', {
      plan: plan.management,
      externalIdVariable: props.externalIdVariable,
      importExistingRole: plan.stack.importExistingRole,
      addressName: 'management',
    });
    this.roleArn = role.roleArn;
  }
}
