import { CloudformationStackSet } from '@cdktf/provider-aws/lib/cloudformation-stack-set';
import { CloudformationStackSetInstance } from '@cdktf/provider-aws/lib/cloudformation-stack-set-instance';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Construct } from 'constructs';
import { memberRoleArn } from '../../plan/organization';
import { AWS_PROVIDER_MAJORS } from '../../rules/aws-provider';
import { OrganizationPlan } from '../../plan/stack';
import { terraformExpression, terraformLiteral } from '../../rules/terraform-text';
import { templateBody } from '../cloudformation/role-template';
import { OrganizationTemplates } from '../cloudformation/organization-templates';
import { addressName, readableAddress } from './addresses';
import { bindingsMajor } from './stack-parts';

export interface MemberRolesProps {
  readonly plan: OrganizationPlan;
  readonly templates: OrganizationTemplates;
  readonly parameters: Readonly<Record<string, string>>;
  /** The provider of a delegated administrator, when the plan has one. */
  readonly administrator?: AwsProvider;
}

/**
 * The member roles: a service-managed stack set of the member template and one instance per target (the
 * root, or each OU), in one region. `memberRoleArns` maps each account with a stack instance to its role ARN.
 */
export class MemberRoles extends Construct {
  readonly stackSet: CloudformationStackSet;
  readonly instances: readonly CloudformationStackSetInstance[];
  /** Terraform expression of the map: member account ID to role ARN. */
  readonly memberRoleArns: string;

  constructor(scope: Construct, id: string, props: MemberRolesProps) {
    super(scope, id);
    const { plan } = props;
    const set = plan.stackSet;
    const preferences = set.operationPreferences;
    const stackSetPreferences = preferences
      ? {
          failureToleranceCount: preferences.failureToleranceCount,
          failureTolerancePercentage: preferences.failureTolerancePercentage,
          maxConcurrentCount: preferences.maxConcurrentCount,
          maxConcurrentPercentage: preferences.maxConcurrentPercentage,
        }
      : undefined;
    // Scoped to the stack, not to this construct: the addresses stay the ones earlier releases made.
    this.stackSet = new CloudformationStackSet(scope, 'member-roles', {
      provider: props.administrator,
      name: set.name,
      description: set.description,
      permissionModel: 'SERVICE_MANAGED',
      callAs: set.callAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: set.retainStacksOnAccountRemoval },
      managedExecution: { active: true },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // A literal, not jsonencode(): the text Terraform passes on is exactly the text the size check measured.
      templateBody: terraformLiteral(templateBody(props.templates.member)),
      parameters: { ...props.parameters },
      operationPreferences: stackSetPreferences,
      timeouts: { update: set.timeouts.update },
      lifecycle: {
        // administration_role_arn: perpetual diff with SERVICE_MANAGED + auto_deployment before provider 6.29.
        // auto_deployment: the provider replaces the stack set when it changes, which deletes every member
        // role; retainStacksOnAccountRemoval is therefore set at creation and changed in place by hand (README).
        ignoreChanges: ['administration_role_arn', 'auto_deployment'],
        preventDestroy: set.protect,
      },
    });
    readableAddress(this.stackSet, 'member_roles');
    const stackSetId = `${this.stackSet.terraformResourceType}.${this.stackSet.friendlyUniqueId}.stack_set_id`;
    // The member region is the one argument whose name depends on the provider major of the installed bindings.
    const memberRegion = bindingArgument(AWS_PROVIDER_MAJORS[bindingsMajor(this.stackSet)].memberRegionArgument);
    this.instances = plan.targets.map((target) => {
      const instance = new CloudformationStackSetInstance(scope, `member-roles-${target}`, {
        provider: props.administrator,
        stackSetName: this.stackSet.name,
        callAs: set.callAs,
        [memberRegion]: set.region,
        deploymentTargets: { organizationalUnitIds: [target] },
        // Used at creation only: an edit of an OU-targeted instance would force an update it cannot make in place.
        operationPreferences: preferences
          ? { ...stackSetPreferences, concurrencyMode: preferences.concurrencyMode }
          : undefined,
        // With protection, an instance that leaves the configuration (an OU removed, OUs switched with the
        // root) takes its stacks out of the stack set and keeps them, roles included: prevent_destroy only
        // guards a resource block that is still there. The value must be in the state before that apply.
        retainStack: set.protect,
        timeouts: { ...set.timeouts },
        lifecycle: {
          ignoreChanges: ['operation_preferences'],
          preventDestroy: set.protect,
          // Whatever replaces the stack set (a new name, a taint, -replace) replaces its instances first:
          // DeleteStackSet refuses a stack set that still has instances. Only a new stack set ID triggers
          // this, never an in-place update of the template. A reference in Terraform JSON's lifecycle is a
          // plain traversal, not a ${...} expression.
          replaceTriggeredBy: [stackSetId],
        },
      });
      readableAddress(instance, `member_roles_${addressName(target)}`);
      return instance;
    });
    const summaries = this.instances.map((i) => `${i.fqn}.stack_instance_summaries`).join(', ');
    const excluded = plan.excludedAccountIds.map((account) => `"${account}"`).join(', ');
    // Group by account so an account listed by two instances cannot break the map, then take one ARN each.
    this.memberRoleArns = terraformExpression(
      `{ for id, arns in { for s in flatten([${summaries}]) : s.account_id => "${memberRoleArn(plan, '${s.account_id}')}"... if !contains([${excluded}], s.account_id) } : id => arns[0] }`,
    );
  }
}

/** A binding's property for a Terraform argument: cdktf names them in camel case. */
function bindingArgument(argument: string): string {
  return argument.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
