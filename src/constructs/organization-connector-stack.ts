import { CloudformationStack } from '@cdktf/provider-aws/lib/cloudformation-stack';
import { CloudformationStackSet } from '@cdktf/provider-aws/lib/cloudformation-stack-set';
import { CloudformationStackSetInstance } from '@cdktf/provider-aws/lib/cloudformation-stack-set-instance';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { templateBody } from '../cloudformation/role-template';
import { OrganizationStackConfig } from '../config/schema';
import { OrganizationModels, buildOrganizationModels, templateParameters } from '../connector/organization';
import { QUALYS_ACCOUNT_TYPE_FACTS, accountTypeOf } from '../partition';
import { awsProvider, configureBackend, externalIdVariable, terraformLiteral } from './stack-parts';
import { addressName, readableAddress } from './addresses';
import { QualysConnectorRole } from './connector-role';

// The default names live with the plan, so every renderer and the deployer policy take them from one place.
export { DEFAULT_MANAGEMENT_STACK_NAME, DEFAULT_STACK_SET_NAME } from '../connector/organization';
const DEFAULT_TIMEOUT = '60m';

/**
 * An AWS Organization connected to Qualys: the management account's role (Terraform role or a
 * CloudFormation stack of the same template) and a service-managed StackSet that puts the member role into
 * every account of the target OUs, one stack set instance per OU.
 */
export class QualysOrganizationConnectorStack extends TerraformStack {
  readonly models: OrganizationModels;
  readonly stackSet: CloudformationStackSet;
  readonly instances: readonly CloudformationStackSetInstance[];

  constructor(scope: Construct, options: OrganizationStackConfig, fieldPrefix = options.name) {
    // Plan first: bad input leaves nothing behind.
    const models = buildOrganizationModels(options, fieldPrefix);
    super(scope, options.name);
    const given = options.connector.externalId;
    const literalIds = typeof given === 'string' ? [given] : Array.isArray(given) ? [...given] : undefined;

    const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountTypeOf(options.connector.qualysAccountType)];
    const region = options.region ?? facts.defaultRegion;
    configureBackend(this, options.name, options.backend);
    awsProvider(this, 'aws', { region, ...options.provider });
    const admin = options.delegatedAdmin;
    const stackSetProvider = admin ? awsProvider(this, 'aws-stackset-admin', { region, alias: 'stackset_admin', ...admin }) : undefined;
    const callAs = admin ? 'DELEGATED_ADMIN' : 'SELF';

    const externalId: string | TerraformVariable =
      literalIds?.[0] ??
      externalIdVariable(this, (options.connector.externalId as { variable: string }).variable, 'External ID entered in the Qualys organization connector (shared by every role)');
    this.models = models;
    const externalIdValue = typeof externalId === 'string' ? externalId : externalId.stringValue;
    const parameters = templateParameters(models, externalIdValue);

    // Management account role.
    let managementRoleArn: string;
    if (models.managementStackName !== undefined) {
      const stack = new CloudformationStack(this, 'management-role-stack', {
        name: models.managementStackName,
        templateBody: terraformLiteral(templateBody(models.templates.management)),
        parameters,
        capabilities: ['CAPABILITY_NAMED_IAM'],
        onFailure: 'ROLLBACK',
        timeouts: { create: options.members.timeouts?.create ?? DEFAULT_TIMEOUT, update: options.members.timeouts?.update ?? DEFAULT_TIMEOUT, delete: options.members.timeouts?.delete ?? DEFAULT_TIMEOUT },
      });
      readableAddress(stack, 'management_role');
      managementRoleArn = stack.outputs.lookup('RoleArn');
    } else {
      const role = new QualysConnectorRole(this, 'management-role', {
        plan: models.management,
        externalIdVariable: typeof externalId === 'string' ? undefined : externalId,
        importExistingRole: options.importExistingRole,
        addressName: 'management',
      });
      managementRoleArn = role.roleArn;
    }

    // Member roles.
    const protect = options.members.protectFromDestroy === true;
    const preferences = options.members.operationPreferences;
    const stackSetPreferences = preferences
      ? {
          failureToleranceCount: preferences.failureToleranceCount,
          failureTolerancePercentage: preferences.failureTolerancePercentage,
          maxConcurrentCount: preferences.maxConcurrentCount,
          maxConcurrentPercentage: preferences.maxConcurrentPercentage,
        }
      : undefined;
    this.stackSet = new CloudformationStackSet(this, 'member-roles', {
      provider: stackSetProvider,
      name: models.stackSetName,
      description: 'Qualys connector role in every member account',
      permissionModel: 'SERVICE_MANAGED',
      callAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: options.members.retainStacksOnAccountRemoval ?? false },
      managedExecution: { active: true },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // A literal, not jsonencode(): the text Terraform passes on is exactly the text the size check measured.
      templateBody: terraformLiteral(templateBody(models.templates.member)),
      parameters,
      operationPreferences: stackSetPreferences,
      timeouts: { update: options.members.timeouts?.update ?? DEFAULT_TIMEOUT },
      lifecycle: {
        // administration_role_arn: perpetual diff with SERVICE_MANAGED + auto_deployment before provider 6.29.
        // auto_deployment: the provider replaces the stack set when it changes, which deletes every member
        // role; retainStacksOnAccountRemoval is therefore set at creation and changed in place by hand (README).
        ignoreChanges: ['administration_role_arn', 'auto_deployment'],
        preventDestroy: protect,
      },
    });

    readableAddress(this.stackSet, 'member_roles');
    const stackSetName = this.stackSet.name;
    this.instances = models.targets.map((target) => {
      const instance = new CloudformationStackSetInstance(this, `member-roles-${target}`, {
          provider: stackSetProvider,
          stackSetName,
          callAs,
          stackSetInstanceRegion: models.stackSetRegion,
          deploymentTargets: { organizationalUnitIds: [target] },
          // Used at creation only: an edit of an OU-targeted instance would force an update it cannot make in place.
          operationPreferences: preferences ? { ...stackSetPreferences, concurrencyMode: preferences.concurrencyMode } : undefined,
          // With protection, an instance that leaves the configuration (an OU removed, OUs switched with the
          // root) takes its stacks out of the stack set and keeps them, roles included: prevent_destroy only
          // guards a resource block that is still there. The value must be in the state before that apply.
          retainStack: protect,
          timeouts: {
            create: options.members.timeouts?.create ?? DEFAULT_TIMEOUT,
            update: options.members.timeouts?.update ?? DEFAULT_TIMEOUT,
            delete: options.members.timeouts?.delete ?? DEFAULT_TIMEOUT,
          },
          lifecycle: {
            ignoreChanges: ['operation_preferences'],
            preventDestroy: protect,
            // Whatever replaces the stack set (a new name, a taint, -replace) replaces its instances first:
            // DeleteStackSet refuses a stack set that still has instances. Only a new stack set ID triggers
            // this, never an in-place update of the template.
            // A reference in Terraform JSON's lifecycle is a plain traversal, not a ${...} expression.
            replaceTriggeredBy: [`${this.stackSet.terraformResourceType}.${this.stackSet.friendlyUniqueId}.stack_set_id`],
          },
        });
      readableAddress(instance, `member_roles_${addressName(target)}`);
      return instance;
    });

    const summaries = this.instances.map((i) => `${i.fqn}.stack_instance_summaries`).join(', ');
    const excluded = models.excludedAccountIds.map((id) => `"${id}"`).join(', ');
    const arnOf = `arn:${models.member.partition}:iam::\${s.account_id}:role${models.member.path}${models.member.roleName}`;
    // Group by account so an account listed by two instances cannot break the map, then take one ARN each.
    const memberRoleArns = `\${{ for id, arns in { for s in flatten([${summaries}]) : s.account_id => "${arnOf}"... if !contains([${excluded}], s.account_id) } : id => arns[0] }}`;

    const outputs: [string, unknown, string, boolean?][] = [
      ['management_role_arn', managementRoleArn, 'Role ARN of the management account, for the Qualys organization connector'],
      ['member_role_name', models.member.roleName, 'Name of the role in every member account'],
      ['member_role_arns', memberRoleArns, 'Member account ID to role ARN, for every account with a stack instance of the stack set, whatever its status (a failed one too)'],
      ['stack_set_id', this.stackSet.id, 'ID of the member role stack set'],
      ['stack_set_arn', this.stackSet.arn, 'ARN of the member role stack set'],
      ['external_id', externalIdValue, 'External ID to enter in the Qualys connector', true],
    ];
    for (const [name, value, description, sensitive] of outputs) {
      new TerraformOutput(this, name, { value, description, sensitive, staticId: true });
    }
  }
}

