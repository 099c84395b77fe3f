import { CREATE_ROLE_CONDITION, PREVIOUS_EXTERNAL_ID_PARAMETERS, ROLE_LOGICAL_ID, TEMPLATE_BODY_LIMIT, TemplateValue, policyLogicalId, renderRoleTemplate } from '../cloudformation/role-template';
import { organizationRootIdRule, organizationalUnitIdRule, terraformCondition } from '../config/rules';
import { buildConnectorRoleModel } from '../connector/model';
import { QUALYS_ACCOUNT_TYPE_FACTS } from '../partition';
import { CAPABILITIES, CAPABILITY_NAMES, CapabilityName, capabilityManagedPolicyArns } from '../permissions';
import { DEFAULT_STACK_SET_NAME } from '../constructs/organization-connector-stack';
import { connectorRoleModule } from './connector-modules';
import { ModuleSpec, ModuleVariable, TerraformJson, expr, hclString, literal } from './terraform-json';

/*
 * An AWS Organization as a plain Terraform module: the management account's role (the connector role module
 * with Organization added) and a service-managed StackSet with one instance per target. The member template's
 * pieces come from the same renderer as the app's; what depends on variables (capabilities, tags, exclusions)
 * is put together in HCL, so the template Terraform sends equals the app's for the same settings.
 */

/** Capabilities a member role can have: Organization is the management role's only. */
const MEMBER_CAPABILITIES = CAPABILITY_NAMES.filter((c) => c !== 'organization');
/** Exclusion condition levels: 10 per Fn::Or, so three levels cover 1,000 accounts, beyond what fits the template. */
const EXCLUSION_LEVELS = 3;

/** Every string as Terraform must take it literally (CloudFormation's own `${AWS::Partition}` included). */
function literalJson(json: unknown): TerraformJson {
  if (typeof json === 'string') return literal(json);
  if (Array.isArray(json)) return json.map(literalJson);
  if (json !== null && typeof json === 'object') return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, literalJson(v)]));
  return json as TerraformJson;
}

/** An object with `key` only when `condition` holds: HCL's conditional needs both branches of one type. */
function only(condition: string, key: string, value: string): string {
  return `{ for k, v in { ${hclString(key)} = ${value} } : k => v if ${condition} }`;
}

function exclusionLocals(): Record<string, TerraformJson> {
  const locals: Record<string, TerraformJson> = {
    excluded_account_ids: expr('sort(distinct(var.excluded_account_ids))'),
    has_exclusions: expr('length(local.excluded_account_ids) > 0'),
    // Items travel as JSON text so that a raw condition and a reference to a named one have one type.
    exclusion_items_0: expr('[for account in local.excluded_account_ids : jsonencode({ "Fn::Equals" = [{ Ref = "AWS::AccountId" }, account] })]'),
  };
  for (let level = 0; level < EXCLUSION_LEVELS; level++) {
    locals[`exclusion_groups_${level}`] = expr(`chunklist(local.exclusion_items_${level}, 10)`);
    locals[`exclusion_conditions_${level}`] = expr(`{ for i, group in local.exclusion_groups_${level} : "Excluded${level}x\${i}" => { "Fn::Or" = [for item in group : jsondecode(item)] } if length(group) > 1 }`);
    locals[`exclusion_items_${level + 1}`] = expr(`[for i, group in local.exclusion_groups_${level} : length(group) > 1 ? jsonencode({ Condition = "Excluded${level}x\${i}" }) : group[0]]`);
  }
  return locals;
}

export function organizationModule(): ModuleSpec {
  const role = connectorRoleModule();
  const variable = (name: string): ModuleVariable => {
    const found = role.variables.find((v) => v.name === name);
    if (!found) throw new Error(`the connector role module has no variable ${name}`);
    return found;
  };
  // The member template for every member capability, rendered as the app renders it; the module keeps the pieces.
  const model = buildConnectorRoleModel({ externalId: { variable: 'external_id' }, capabilities: MEMBER_CAPABILITIES as CapabilityName[] }, 'module');
  const template = renderRoleTemplate(model, { kind: 'member' }) as Record<string, Record<string, Record<string, unknown>>>;
  const policiesByCapability = Object.fromEntries(
    MEMBER_CAPABILITIES.map((c) => [
      c,
      Object.fromEntries(model.customerManagedPolicies.filter((p) => p.capability === c).map((p) => [policyLogicalId(p.suffix), literalJson(template.Resources[policyLogicalId(p.suffix)])])),
    ]),
  );
  const roleProperties = template.Resources[ROLE_LOGICAL_ID].Properties as Record<string, TemplateValue>;
  // The role lists its customer managed policies, then the AWS managed ones in capability order.
  const awsManagedInTemplate = (roleProperties.ManagedPolicyArns as TemplateValue[]).slice(model.customerManagedPolicies.length);
  let taken = 0;
  const managedByCapability = Object.fromEntries(
    MEMBER_CAPABILITIES.map((c) => {
      const count = capabilityManagedPolicyArns(CAPABILITIES[c], model.partition).length;
      const arns = awsManagedInTemplate.slice(taken, taken + count);
      taken += count;
      return [c, literalJson(arns)];
    }),
  );
  const parameters = literalJson(template.Parameters) as Record<string, Record<string, TerraformJson>>;
  parameters.TrustedAccountId.Default = expr('module.management_role.trusted_account_id');
  parameters.RoleName.Default = expr('var.role_name');
  const regionByPartition = Object.fromEntries(Object.values(QUALYS_ACCOUNT_TYPE_FACTS).filter((f) => f.organizationConnector).map((f) => [f.partition, f.defaultRegion]));
  const conditional = only('local.has_exclusions', 'Condition', hclString(CREATE_ROLE_CONDITION));
  const targets = (rule: typeof organizationalUnitIdRule, expression: string) => terraformCondition(rule, expression);
  const timeoutsType = 'object({ create = optional(string, "60m"), update = optional(string, "60m"), delete = optional(string, "60m") })';
  const preferencesType =
    'object({ failure_tolerance_count = optional(number), failure_tolerance_percentage = optional(number), max_concurrent_count = optional(number), max_concurrent_percentage = optional(number), concurrency_mode = optional(string) })';
  const preferenceContent = {
    failure_tolerance_count: expr('operation_preferences.value.failure_tolerance_count'),
    failure_tolerance_percentage: expr('operation_preferences.value.failure_tolerance_percentage'),
    max_concurrent_count: expr('operation_preferences.value.max_concurrent_count'),
    max_concurrent_percentage: expr('operation_preferences.value.max_concurrent_percentage'),
  };
  const summaries = 'flatten([for instance in aws_cloudformation_stack_set_instance.member_roles : instance.stack_instance_summaries])';

  return {
    name: 'qualys-organization',
    title: 'Qualys organization connector',
    about: [
      'The management account\'s role (the `qualys-connector-role` module with Organization added) and a service-managed CloudFormation StackSet that puts the member role into every account of the target OUs (or the whole organization), in one region, with one stack set instance per target: adding a target adds an instance instead of replacing one.',
      'The stack set and its instances use the `aws.stackset` provider configuration, which the caller always passes: the same configuration as `aws`, or one for the delegated administrator account (then `call_as = "DELEGATED_ADMIN"`). Excluded accounts keep their place in their OU; their stack creates only a placeholder, so an exclusion is an in-place update. A replaced stack set takes its instances along (`replace_triggered_by`), and `auto_deployment` is kept out of Terraform\'s diff after creation (its change would replace the stack set and delete every member role): change `retain_stacks_on_account_removal` in place with `aws cloudformation update-stack-set --auto-deployment ...`.',
      'What a module cannot take as input: `prevent_destroy` must be a literal, so protect the stack set from the caller (a `terraform plan` check or a policy on the deploying role); `import` blocks are allowed only in the caller\'s root module (`import { to = module.<name>.aws_iam_role.this ... }` for the management role made by hand).',
    ],
    variables: [
      variable('external_id'),
      { ...variable('previous_external_ids'), description: 'Earlier external IDs the management role and every member role still accept while one is rotated (list the new one as external_id, remove these once Qualys has the new one).' },
      { ...variable('capabilities'), description: 'Capabilities of every role on top of AssetView: any of api-based-assessment, cspm, remediation. The management role also gets organization.' },
      variable('trusted_account_id'),
      variable('role_name'),
      variable('description'),
      variable('max_session_duration'),
      variable('tags'),
      {
        name: 'organizational_unit_ids',
        type: 'list(string)',
        description: 'OUs to deploy the member role to (one stack set instance each). Leave empty with organization_root_id.',
        default: [],
        validations: [
          { condition: `alltrue([for ou in var.organizational_unit_ids : ${targets(organizationalUnitIdRule, 'ou')}])`, message: `Each OU ID ${organizationalUnitIdRule.message}.` },
          { condition: '(length(var.organizational_unit_ids) > 0) != (var.organization_root_id != null)', message: 'Give organizational_unit_ids or organization_root_id, not both and not neither.' },
        ],
      },
      {
        name: 'organization_root_id',
        type: 'string',
        description: 'The root (r-...) instead of OUs: the whole organization.',
        default: null,
        validations: [{ condition: `var.organization_root_id == null || ${targets(organizationRootIdRule, 'var.organization_root_id')}`, message: `The root ID ${organizationRootIdRule.message}.` }],
      },
      {
        name: 'excluded_account_ids',
        type: 'list(string)',
        description: 'Accounts in the targets whose stack creates no role.',
        default: [],
        validations: [{ condition: 'alltrue([for account in var.excluded_account_ids : can(regex("^\\\\d{12}$", account))])', message: 'Each excluded account must be 12 digits.' }],
      },
      { name: 'stack_set_region', type: 'string', description: 'The one region of the member stacks (IAM is global: a second region would fail with "already exists"). Default: us-east-1, or us-gov-west-1 in GovCloud.', default: null },
      {
        name: 'stack_set_name',
        type: 'string',
        description: 'Name of the stack set.',
        default: DEFAULT_STACK_SET_NAME,
        validations: [{ condition: 'can(regex("^[A-Za-z][A-Za-z0-9-]{0,127}$", var.stack_set_name))', message: 'The stack set name must start with a letter, then letters, digits and hyphens, at most 128 characters.' }],
      },
      { name: 'retain_stacks_on_account_removal', type: 'bool', description: 'Keep the role in an account that leaves the targets (set at creation; see above).', default: false },
      {
        name: 'retain_member_stacks',
        type: 'bool',
        description:
          'Protect the member roles from a change of targets: a target that leaves organizational_unit_ids (or a switch between OUs and the root) takes its stacks out of the stack set and keeps them, roles included, instead of deleting them. The equivalent of the app\'s protectFromDestroy for member roles; it must be in the state (one apply) before the change it protects against.',
        default: false,
      },
      { name: 'operation_preferences', type: preferencesType, description: 'How fast StackSet operations roll out and how many failures they tolerate. Default: CloudFormation\'s.', default: null },
      { name: 'timeouts', type: timeoutsType, description: 'Terraform timeouts of StackSet operations.', default: {} },
      {
        name: 'call_as',
        type: 'string',
        description: 'SELF when aws.stackset is the management account, DELEGATED_ADMIN when it is a registered delegated administrator.',
        default: 'SELF',
        validations: [{ condition: 'contains(["SELF", "DELEGATED_ADMIN"], var.call_as)', message: 'call_as must be SELF or DELEGATED_ADMIN.' }],
      },
    ],
    outputs: [
      { name: 'management_role_arn', description: 'Role ARN of the management account, for the Qualys organization connector.', value: 'module.management_role.role_arn' },
      { name: 'member_role_name', description: 'Name of the role in every member account.', value: 'var.role_name' },
      {
        name: 'member_role_arns',
        description: 'Member account ID to role ARN, for every account with a stack instance of the stack set, whatever its status.',
        value: `{ for id, arns in { for s in ${summaries} : s.account_id => "arn:\${local.partition}:iam::\${s.account_id}:role/\${var.role_name}"... if !contains(local.excluded_account_ids, s.account_id) } : id => arns[0] }`,
      },
      { name: 'stack_set_id', description: 'ID of the member role stack set.', value: 'aws_cloudformation_stack_set.member_roles.id' },
      { name: 'stack_set_arn', description: 'ARN of the member role stack set.', value: 'aws_cloudformation_stack_set.member_roles.arn' },
      { name: 'member_template', description: 'The member accounts\' CloudFormation template (JSON) as the stack set receives it.', value: 'local.member_template_body' },
    ],
    configurationAliases: ['aws.stackset'],
    blocks: {
      data: { aws_partition: { current: {} } },
      locals: {
        partition: expr('data.aws_partition.current.partition'),
        targets: expr('var.organization_root_id != null ? [var.organization_root_id] : distinct(var.organizational_unit_ids)'),
        stack_set_region: expr(`var.stack_set_region != null ? var.stack_set_region : lookup(${JSON.stringify(regionByPartition).replace(/":/g, '" =')}, local.partition, null)`),
        member_capabilities: expr(`[for c in ${JSON.stringify(MEMBER_CAPABILITIES)} : c if c == "asset-view" || contains(var.capabilities, c)]`),
        member_policies: policiesByCapability,
        member_managed_policy_arns: managedByCapability,
        ...exclusionLocals(),
        member_rotation_conditions: literalJson(template.Conditions),
        member_conditions: expr(
          `merge(local.member_rotation_conditions, ${Array.from({ length: EXCLUSION_LEVELS }, (_, l) => `local.exclusion_conditions_${l}`).join(', ')}, ${only('local.has_exclusions', CREATE_ROLE_CONDITION, `{ "Fn::Not" = [try(jsondecode(local.exclusion_items_${EXCLUSION_LEVELS}[0]), null)] }`)})`,
        ),
        member_conditional: expr(conditional),
        member_role: {
          Type: 'AWS::IAM::Role',
          Properties: expr(
            `merge({ RoleName = { Ref = "RoleName" }, Path = "/", Description = var.description, MaxSessionDuration = var.max_session_duration, AssumeRolePolicyDocument = local.member_trust_policy, ManagedPolicyArns = concat(flatten([for c in local.member_capabilities : [for id in keys(local.member_policies[c]) : { Ref = id }]]), flatten([for c in local.member_capabilities : local.member_managed_policy_arns[c]])) }, ${only('length(var.tags) > 0', 'Tags', '[for key in sort(keys(var.tags)) : { Key = key, Value = var.tags[key] }]')})`,
          ),
        },
        member_trust_policy: literalJson(roleProperties.AssumeRolePolicyDocument),
        member_resources: expr(
          `merge(merge([for c in local.member_capabilities : { for id, resource in local.member_policies[c] : id => merge(resource, local.member_conditional) }]...), { ${ROLE_LOGICAL_ID} = merge(local.member_role, local.member_conditional) }, ${only('local.has_exclusions', 'QualysExclusionPlaceholder', '{ Type = "AWS::CloudFormation::WaitConditionHandle" }')})`,
        ),
        member_template: expr(
          `{ AWSTemplateFormatVersion = ${hclString(template.AWSTemplateFormatVersion as unknown as string)}, Description = ${hclString(template.Description as unknown as string)}, Metadata = local.member_metadata, Parameters = local.member_parameters, Conditions = local.member_conditions, Resources = local.member_resources, Outputs = { RoleArn = merge(local.member_output, local.member_conditional) } }`,
        ),
        member_metadata: literalJson(template.Metadata),
        member_parameters: parameters,
        member_output: literalJson(template.Outputs.RoleArn),
        member_template_body: expr('jsonencode(local.member_template)'),
        // Terraform's length() counts characters; base64 counts the UTF-8 bytes CloudFormation measures.
        member_template_bytes: expr('length(base64encode(local.member_template_body)) / 4 * 3 - length(regexall("=", base64encode(local.member_template_body)))'),
      },
      module: {
        management_role: {
          source: '../qualys-connector-role',
          external_id: expr('var.external_id'),
          previous_external_ids: expr('var.previous_external_ids'),
          capabilities: expr('setunion(var.capabilities, ["organization"])'),
          trusted_account_id: expr('var.trusted_account_id'),
          role_name: expr('var.role_name'),
          description: expr('var.description'),
          max_session_duration: expr('var.max_session_duration'),
          tags: expr('var.tags'),
        },
      },
      resource: {
        aws_cloudformation_stack_set: {
          member_roles: {
            provider: 'aws.stackset',
            name: expr('var.stack_set_name'),
            description: 'Qualys connector role in every member account',
            permission_model: 'SERVICE_MANAGED',
            call_as: expr('var.call_as'),
            auto_deployment: { enabled: true, retain_stacks_on_account_removal: expr('var.retain_stacks_on_account_removal') },
            managed_execution: { active: true },
            capabilities: ['CAPABILITY_NAMED_IAM'],
            template_body: expr('local.member_template_body'),
            parameters: {
              ExternalId: expr('var.external_id'),
              // Every template parameter gets a value: earlier IDs while rotating, else empty.
              ...Object.fromEntries(PREVIOUS_EXTERNAL_ID_PARAMETERS.map((name, i) => [name, expr(`length(var.previous_external_ids) > ${i} ? var.previous_external_ids[${i}] : ""`)])),
              RoleName: expr('var.role_name'),
              TrustedAccountId: expr('module.management_role.trusted_account_id'),
            },
            dynamic: { operation_preferences: { for_each: expr('var.operation_preferences == null ? [] : [var.operation_preferences]'), content: preferenceContent } },
            timeouts: { update: expr('var.timeouts.update') },
            lifecycle: {
              ignore_changes: ['administration_role_arn', 'auto_deployment'],
              precondition: [
                {
                  condition: expr(`local.member_template_bytes <= ${TEMPLATE_BODY_LIMIT}`),
                  error_message: `The member template is larger than CloudFormation's ${TEMPLATE_BODY_LIMIT}-byte template_body limit: exclude fewer accounts (leave whole OUs out of the targets instead) or use fewer or shorter tags.`,
                },
                { condition: expr('local.stack_set_region != null'), error_message: 'Qualys offers organization connectors in the aws and aws-us-gov partitions only.' },
              ],
            },
          },
        },
        aws_cloudformation_stack_set_instance: {
          member_roles: {
            for_each: expr('toset(local.targets)'),
            provider: 'aws.stackset',
            stack_set_name: expr('aws_cloudformation_stack_set.member_roles.name'),
            call_as: expr('var.call_as'),
            stack_set_instance_region: expr('local.stack_set_region'),
            deployment_targets: { organizational_unit_ids: [expr('each.key')] },
            retain_stack: expr('var.retain_member_stacks'),
            dynamic: {
              operation_preferences: { for_each: expr('var.operation_preferences == null ? [] : [var.operation_preferences]'), content: { ...preferenceContent, concurrency_mode: expr('operation_preferences.value.concurrency_mode') } },
            },
            timeouts: { create: expr('var.timeouts.create'), update: expr('var.timeouts.update'), delete: expr('var.timeouts.delete') },
            lifecycle: { ignore_changes: ['operation_preferences'], replace_triggered_by: ['aws_cloudformation_stack_set.member_roles.stack_set_id'] },
          },
        },
      },
    },
  };
}
