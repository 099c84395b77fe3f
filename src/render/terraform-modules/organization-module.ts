import { CAPABILITIES, CAPABILITY_NAMES, capabilityManagedPolicyArns } from '../../model/permissions';
import { DEFAULT_OPERATION_TIMEOUT, DEFAULT_STACK_SET_NAME, STACK_SET_DESCRIPTION } from '../../plan/organization';
import { buildConnectorRoleModel } from '../../plan/role';
import { MEMBER_REGION_ARGUMENT_OF_EVERY_MAJOR } from '../../rules/aws-provider';
import { QUALYS_ACCOUNT_TYPE_FACTS, roleArn } from '../../rules/partition';
import { hclString, hclStringList, hclStringMap } from '../../rules/terraform-text';
import {
  accountIdRule,
  organizationRootIdRule,
  organizationalUnitIdRule,
  stackSetNameRule,
  terraformCondition,
} from '../../rules/value-rules';
import {
  CONDITIONS_PER_OR,
  CREATE_ROLE_CONDITION,
  PREVIOUS_EXTERNAL_ID_PARAMETERS,
  ROLE_LOGICAL_ID,
  TEMPLATE_BODY_LIMIT,
  TemplateValue,
  exclusionConditionName,
  policyLogicalId,
  renderRoleTemplate,
} from '../cloudformation/role-template';
import { connectorRoleModule } from './connector-modules';
import { ModuleOutput, ModuleSpec, ModuleVariable, TerraformJson, dataFile, expr } from './module-spec';

/*
 * An AWS Organization as a plain Terraform module: the management account's role (the connector role module
 * with Organization added) and a service-managed StackSet with one instance per target. The member template
 * is the app's, rendered once for every member capability into member-template-parts.json; the HCL keeps the
 * chosen capabilities' policies and adds what depends on the call (settings, tags, exclusions), so the
 * template Terraform sends equals the app's for the same settings.
 */

/** Capabilities a member role can have: Organization is the management role's only. */
const MEMBER_CAPABILITIES = CAPABILITY_NAMES.filter((c) => c !== 'organization');
/** Exclusion condition levels: three levels of `Fn::Or` cover 1,000 accounts, beyond what fits the template. */
const EXCLUSION_LEVELS = 3;
const PARTS_FILE = 'member-template-parts.json';

/** An object with `key` only when `condition` holds: HCL's conditional needs both branches of one type. */
function objectIf(condition: string, key: string, value: string): string {
  return `{ for k, v in { ${hclString(key)} = ${value} } : k => v if ${condition} }`;
}

/** The member template for every member capability as the app renders it, in the pieces the HCL puts together. */
function memberTemplateParts(): Record<string, unknown> {
  const model = buildConnectorRoleModel(
    { externalId: { variable: 'external_id' }, capabilities: MEMBER_CAPABILITIES },
    'module',
  );
  const { Resources, ...skeleton } = renderRoleTemplate(model, { kind: 'member' }) as Record<
    string,
    Record<string, Record<string, TemplateValue>>
  >;
  const roleProperties = Resources[ROLE_LOGICAL_ID].Properties as Record<string, TemplateValue>;
  // The role lists its customer managed policies, then the AWS managed ones in capability order.
  const awsManaged = (roleProperties.ManagedPolicyArns as TemplateValue[]).slice(model.customerManagedPolicies.length);
  let taken = 0;
  const awsManagedPolicyArns = Object.fromEntries(
    MEMBER_CAPABILITIES.map((capability) => {
      const count = capabilityManagedPolicyArns(CAPABILITIES[capability], model.partition).length;
      taken += count;
      return [capability, awsManaged.slice(taken - count, taken)];
    }),
  );
  const policies = Object.fromEntries(
    MEMBER_CAPABILITIES.map((capability) => {
      const ids = model.customerManagedPolicies
        .filter((p) => p.capability === capability)
        .map((p) => policyLogicalId(p.suffix));
      return [capability, Object.fromEntries(ids.map((id) => [id, Resources[id]]))];
    }),
  );
  // The role resource as the app writes it (type, scanner metadata), without what the HCL fills in.
  const {
    Properties: _properties,
    Condition: _condition,
    ...role
  } = Resources[ROLE_LOGICAL_ID] as Record<string, TemplateValue>;
  return { template: skeleton, role, roleProperties, policies, awsManagedPolicyArns };
}

/** The exclusion tree of `role-template.ts` in HCL: items travel as JSON text, so a raw condition and a reference have one type. */
function exclusionLocals(): Record<string, TerraformJson> {
  const locals: Record<string, TerraformJson> = {
    excluded_account_ids: expr('sort(distinct(var.excluded_account_ids))'),
    has_exclusions: expr('length(local.excluded_account_ids) > 0'),
    exclusion_items_0: expr(
      '[for account in local.excluded_account_ids : jsonencode({ "Fn::Equals" = [{ Ref = "AWS::AccountId" }, account] })]',
    ),
  };
  for (let level = 0; level < EXCLUSION_LEVELS; level++) {
    // A template string of HCL: the index is interpolated.
    const name = `"${exclusionConditionName(level, '${i}')}"`;
    locals[`exclusion_groups_${level}`] = expr(`chunklist(local.exclusion_items_${level}, ${CONDITIONS_PER_OR})`);
    locals[`exclusion_conditions_${level}`] = expr(
      `{\n    for i, group in local.exclusion_groups_${level} : ${name} => { "Fn::Or" = [for item in group : jsondecode(item)] }\n    if length(group) > 1\n  }`,
    );
    locals[`exclusion_items_${level + 1}`] = expr(
      `[\n    for i, group in local.exclusion_groups_${level} :\n    length(group) > 1 ? jsonencode({ Condition = ${name} }) : group[0]\n  ]`,
    );
  }
  return locals;
}

/** Locals that put the member template together from the parts file and this call's settings. */
function memberTemplateLocals(): Record<string, TerraformJson> {
  const levels = Array.from({ length: EXCLUSION_LEVELS }, (_, level) => `local.exclusion_conditions_${level}`);
  const createRole = `{ "Fn::Not" = [try(jsondecode(local.exclusion_items_${EXCLUSION_LEVELS}[0]), null)] }`;
  return {
    '//': `The member template is the app's (${PARTS_FILE}, every member capability), with the chosen\ncapabilities' policies, the settings and the exclusions of this call.`,
    parts: expr(dataFile(PARTS_FILE)),
    member_capabilities: expr(
      `[for c in ${hclStringList(MEMBER_CAPABILITIES)} : c if c == "asset-view" || contains(var.capabilities, c)]`,
    ),
    member_policy_refs: expr(
      'flatten([for c in local.member_capabilities : [for id in keys(local.parts.policies[c]) : { Ref = id }]])',
    ),
    member_aws_managed_arns: expr(
      'flatten([for c in local.member_capabilities : local.parts.awsManagedPolicyArns[c]])',
    ),
    member_tags: expr(
      objectIf(
        'length(var.tags) > 0',
        'Tags',
        '[for key in sort(keys(var.tags)) : { Key = key, Value = var.tags[key] }]',
      ),
    ),
    member_conditional: expr(objectIf('local.has_exclusions', 'Condition', hclString(CREATE_ROLE_CONDITION))),
    ...exclusionLocals(),
    member_conditions: expr(
      `merge(\n    local.parts.template.Conditions,\n    ${[...levels, 'local.create_role_condition'].join(',\n    ')},\n  )`,
    ),
    create_role_condition: expr(objectIf('local.has_exclusions', CREATE_ROLE_CONDITION, createRole)),
    member_role_properties: expr(
      [
        'merge(local.parts.roleProperties, {',
        '    Description        = var.description',
        '    MaxSessionDuration = var.max_session_duration',
        '    ManagedPolicyArns  = concat(local.member_policy_refs, local.member_aws_managed_arns)',
        '  }, local.member_tags)',
      ].join('\n'),
    ),
    member_policy_resources: expr(
      'merge([\n    for c in local.member_capabilities :\n    { for id, resource in local.parts.policies[c] : id => merge(resource, local.member_conditional) }\n  ]...)',
    ),
    member_placeholder: expr(
      objectIf(
        'local.has_exclusions',
        'QualysExclusionPlaceholder',
        '{ Type = "AWS::CloudFormation::WaitConditionHandle" }',
      ),
    ),
    member_resources: {
      [ROLE_LOGICAL_ID]: expr(
        'merge(local.parts.role, { Properties = local.member_role_properties }, local.member_conditional)',
      ),
    },
    // The role name and trusted account are this call's, as the parameters' defaults.
    member_parameters: expr(
      [
        'merge(local.parts.template.Parameters, {',
        '    RoleName         = merge(local.parts.template.Parameters.RoleName, { Default = var.role_name })',
        '    TrustedAccountId = merge(local.parts.template.Parameters.TrustedAccountId, { Default = module.management_role.trusted_account_id })',
        '  })',
      ].join('\n'),
    ),
    member_template: expr(
      [
        'merge(local.parts.template, {',
        '    Parameters = local.member_parameters',
        '    Conditions = local.member_conditions',
        '    Resources  = merge(local.member_policy_resources, local.member_resources, local.member_placeholder)',
        '    Outputs    = { RoleArn = merge(local.parts.template.Outputs.RoleArn, local.member_conditional) }',
        '  })',
      ].join('\n'),
    ),
    member_template_body: expr('jsonencode(local.member_template)'),
    // Terraform's length() counts characters; base64 counts the UTF-8 bytes CloudFormation measures.
    member_template_bytes: expr(
      'length(base64encode(local.member_template_body)) / 4 * 3 - length(regexall("=", base64encode(local.member_template_body)))',
    ),
  };
}

/** The organization's own variables, after the management role's. */
// eslint-disable-next-line max-lines-per-function -- a data table: the module's definition, one entry per variable, output and resource
function organizationVariables(): ModuleVariable[] {
  const timeout = hclString(DEFAULT_OPERATION_TIMEOUT);
  return [
    {
      name: 'organizational_unit_ids',
      type: 'list(string)',
      description:
        'OUs to deploy the member role to (one stack set instance each). Leave empty with organization_root_id.',
      default: [],
      validations: [
        {
          condition: `alltrue([for ou in var.organizational_unit_ids : ${terraformCondition(organizationalUnitIdRule, 'ou')}])`,
          message: `Each OU ID ${organizationalUnitIdRule.message}.`,
        },
        {
          condition: '(length(var.organizational_unit_ids) > 0) != (var.organization_root_id != null)',
          message: 'Give organizational_unit_ids or organization_root_id, not both and not neither.',
        },
      ],
    },
    {
      name: 'organization_root_id',
      type: 'string',
      description: 'The root (r-...) instead of OUs: the whole organization.',
      default: null,
      validations: [
        {
          condition: `var.organization_root_id == null || ${terraformCondition(organizationRootIdRule, 'var.organization_root_id')}`,
          message: `The root ID ${organizationRootIdRule.message}.`,
        },
      ],
    },
    {
      name: 'excluded_account_ids',
      type: 'list(string)',
      description: 'Accounts in the targets whose stack creates no role.',
      default: [],
      validations: [
        {
          condition: `alltrue([for account in var.excluded_account_ids : ${terraformCondition(accountIdRule, 'account')}])`,
          message: `Each excluded account ${accountIdRule.message}.`,
        },
      ],
    },
    {
      name: 'stack_set_region',
      type: 'string',
      description:
        'The one region of the member stacks (IAM is global: a second region would fail with "already exists"). Default: us-east-1, or us-gov-west-1 in GovCloud.',
      default: null,
    },
    {
      name: 'stack_set_name',
      type: 'string',
      description: 'Name of the stack set.',
      default: DEFAULT_STACK_SET_NAME,
      validations: [
        {
          condition: terraformCondition(stackSetNameRule, 'var.stack_set_name'),
          message: `The stack set name ${stackSetNameRule.message}.`,
        },
      ],
    },
    {
      name: 'retain_stacks_on_account_removal',
      type: 'bool',
      description: 'Keep the role in an account that leaves the targets (set at creation; see above).',
      default: false,
    },
    {
      name: 'retain_member_stacks',
      type: 'bool',
      description:
        "Protect the member roles from a change of targets: a target that leaves organizational_unit_ids (or a switch between OUs and the root) takes its stacks out of the stack set and keeps them, roles included, instead of deleting them. The equivalent of the app's protectFromDestroy for member roles; it must be in the state (one apply) before the change it protects against.",
      default: false,
    },
    {
      name: 'operation_preferences',
      type: [
        'object({',
        '    failure_tolerance_count      = optional(number)',
        '    failure_tolerance_percentage = optional(number)',
        '    max_concurrent_count         = optional(number)',
        '    max_concurrent_percentage    = optional(number)',
        '    concurrency_mode             = optional(string)',
        '  })',
      ].join('\n'),
      description:
        "How fast StackSet operations roll out and how many failures they tolerate. Default: CloudFormation's.",
      default: null,
    },
    {
      name: 'timeouts',
      type: `object({\n    create = optional(string, ${timeout})\n    update = optional(string, ${timeout})\n    delete = optional(string, ${timeout})\n  })`,
      description: 'Terraform timeouts of StackSet operations.',
      default: {},
    },
    {
      name: 'call_as',
      type: 'string',
      description:
        'SELF when aws.stackset is the management account, DELEGATED_ADMIN when it is a registered delegated administrator.',
      default: 'SELF',
      validations: [
        {
          condition: 'contains(["SELF", "DELEGATED_ADMIN"], var.call_as)',
          message: 'call_as must be SELF or DELEGATED_ADMIN.',
        },
      ],
    },
  ];
}

function organizationOutputs(): ModuleOutput[] {
  const summaries =
    'flatten([for instance in aws_cloudformation_stack_set_instance.member_roles : instance.stack_instance_summaries])';
  const arn = roleArn(expr('local.partition'), expr('s.account_id'), '/', expr('var.role_name'));
  return [
    {
      name: 'management_role_arn',
      description: 'Role ARN of the management account, for the Qualys organization connector.',
      value: 'module.management_role.role_arn',
    },
    { name: 'member_role_name', description: 'Name of the role in every member account.', value: 'var.role_name' },
    {
      name: 'trusted_principal',
      description: 'Principal allowed to assume the management and member roles (what Qualys must assume them from).',
      value: 'module.management_role.trusted_principal',
    },
    {
      name: 'capabilities',
      description:
        'Capabilities of the member roles (the management role adds organization), from which registration chooses the connector apps.',
      value: 'sort(local.member_capabilities)',
    },
    {
      name: 'member_role_arns',
      description:
        'Member account ID to role ARN, for every account with a stack instance of the stack set, whatever its status.',
      // An account can have several summaries (one per target it is reached through): grouped, the first kept.
      value: `{\n    for id, arns in {\n      for s in ${summaries} :\n      s.account_id => "${arn}"... if !contains(local.excluded_account_ids, s.account_id)\n    } : id => arns[0]\n  }`,
    },
    {
      name: 'stack_set_id',
      description: 'ID of the member role stack set.',
      value: 'aws_cloudformation_stack_set.member_roles.id',
    },
    {
      name: 'stack_set_arn',
      description: 'ARN of the member role stack set.',
      value: 'aws_cloudformation_stack_set.member_roles.arn',
    },
    {
      name: 'member_template',
      description: "The member accounts' CloudFormation template (JSON) as the stack set receives it.",
      value: 'local.member_template_body',
    },
  ];
}

const PREFERENCE_FIELDS = [
  'failure_tolerance_count',
  'failure_tolerance_percentage',
  'max_concurrent_count',
  'max_concurrent_percentage',
];

/** `operation_preferences` from the variable, when it is set. */
function preferencesBlock(fields: readonly string[]): Record<string, TerraformJson> {
  return {
    operation_preferences: {
      for_each: expr('var.operation_preferences == null ? [] : [var.operation_preferences]'),
      content: Object.fromEntries(fields.map((field) => [field, expr(`operation_preferences.value.${field}`)])),
    },
  };
}

function stackSetResources(): Record<string, TerraformJson> {
  return {
    aws_cloudformation_stack_set: {
      member_roles: {
        provider: 'aws.stackset',
        name: expr('var.stack_set_name'),
        description: STACK_SET_DESCRIPTION,
        permission_model: 'SERVICE_MANAGED',
        call_as: expr('var.call_as'),
        auto_deployment: {
          enabled: true,
          retain_stacks_on_account_removal: expr('var.retain_stacks_on_account_removal'),
        },
        managed_execution: { active: true },
        capabilities: ['CAPABILITY_NAMED_IAM'],
        template_body: expr('local.member_template_body'),
        parameters: {
          ExternalId: expr('var.external_id'),
          // Every template parameter gets a value: earlier IDs while rotating, else empty.
          ...Object.fromEntries(
            PREVIOUS_EXTERNAL_ID_PARAMETERS.map((name, i) => [
              name,
              expr(`length(var.previous_external_ids) > ${i} ? var.previous_external_ids[${i}] : ""`),
            ]),
          ),
          RoleName: expr('var.role_name'),
          TrustedAccountId: expr('module.management_role.trusted_account_id'),
        },
        dynamic: preferencesBlock(PREFERENCE_FIELDS),
        timeouts: { update: expr('var.timeouts.update') },
        lifecycle: {
          ignore_changes: ['administration_role_arn', 'auto_deployment'],
          precondition: [
            {
              condition: expr(`local.member_template_bytes <= ${TEMPLATE_BODY_LIMIT}`),
              error_message: `The member template is larger than CloudFormation's ${TEMPLATE_BODY_LIMIT}-byte template_body limit: exclude fewer accounts (leave whole OUs out of the targets instead) or use fewer or shorter tags.`,
            },
            {
              condition: expr('local.stack_set_region != null'),
              error_message: 'Qualys offers organization connectors in the aws and aws-us-gov partitions only.',
            },
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
        // One HCL source for every supported provider major: the member-region argument each of them reads.
        [MEMBER_REGION_ARGUMENT_OF_EVERY_MAJOR]: expr('local.stack_set_region'),
        deployment_targets: { organizational_unit_ids: [expr('each.key')] },
        retain_stack: expr('var.retain_member_stacks'),
        dynamic: preferencesBlock([...PREFERENCE_FIELDS, 'concurrency_mode']),
        timeouts: {
          create: expr('var.timeouts.create'),
          update: expr('var.timeouts.update'),
          delete: expr('var.timeouts.delete'),
        },
        lifecycle: {
          ignore_changes: ['operation_preferences'],
          replace_triggered_by: ['aws_cloudformation_stack_set.member_roles.stack_set_id'],
        },
      },
    },
  };
}

const ABOUT = [
  "The management account's role (the `qualys-connector-role` module with Organization added) and a service-managed CloudFormation StackSet that puts the member role into every account of the target OUs (or the whole organization), in one region, with one stack set instance per target: adding a target adds an instance instead of replacing one.",
  'The stack set and its instances use the `aws.stackset` provider configuration, which the caller always passes: the same configuration as `aws`, or one for the delegated administrator account (then `call_as = "DELEGATED_ADMIN"`). Excluded accounts keep their place in their OU; their stack creates only a placeholder, so an exclusion is an in-place update. A replaced stack set takes its instances along (`replace_triggered_by`), and `auto_deployment` is kept out of Terraform\'s diff after creation (its change would replace the stack set and delete every member role): change `retain_stacks_on_account_removal` in place with `aws cloudformation update-stack-set --auto-deployment ...`.',
  "What a module cannot take as input: `prevent_destroy` must be a literal, so protect the stack set from the caller (a `terraform plan` check or a policy on the deploying role); `import` blocks are allowed only in the caller's root module (`import { to = module.<name>.aws_iam_role.this ... }` for the management role made by hand).",
];

const USAGE = `module "qualys_organization" {
  source = "git::<repository URL>//modules/qualys-organization?ref=<tag>"
  providers = {
    aws          = aws
    aws.stackset = aws
  }

  external_id             = var.external_id
  capabilities            = ["cspm"]
  organizational_unit_ids = ["ou-ab12-11111111"]
}`;

export function organizationModule(): ModuleSpec {
  const role = connectorRoleModule();
  const variable = (name: string): ModuleVariable => {
    const found = role.variables.find((v) => v.name === name);
    if (!found) throw new Error(`the connector role module has no variable ${name}`);
    return found;
  };
  const regionByPartition = Object.fromEntries(
    Object.values(QUALYS_ACCOUNT_TYPE_FACTS)
      .filter((facts) => facts.organizationConnector)
      .map((facts) => [facts.partition, facts.defaultRegion]),
  );
  const passed = [
    'external_id',
    'previous_external_ids',
    'trusted_account_id',
    'role_name',
    'description',
    'max_session_duration',
    'tags',
  ];
  return {
    name: 'qualys-organization',
    title: 'Qualys organization connector',
    usage: USAGE,
    about: ABOUT,
    dataFiles: { [PARTS_FILE]: memberTemplateParts() },
    variables: [
      variable('external_id'),
      {
        ...variable('previous_external_ids'),
        description:
          'Earlier external IDs the management role and every member role still accept while one is rotated (list the new one as external_id, remove these once Qualys has the new one).',
      },
      {
        ...variable('capabilities'),
        description:
          'Capabilities of every role on top of AssetView: any of api-based-assessment, cspm, remediation. The management role also gets organization.',
      },
      ...['trusted_account_id', 'role_name', 'description', 'max_session_duration', 'tags'].map(variable),
      ...organizationVariables(),
    ],
    outputs: organizationOutputs(),
    configurationAliases: ['aws.stackset'],
    blocks: {
      data: { aws_partition: { current: {} } },
      locals: {
        partition: expr('data.aws_partition.current.partition'),
        targets: expr(
          'var.organization_root_id != null ? [var.organization_root_id] : distinct(var.organizational_unit_ids)',
        ),
        // Null outside the partitions Qualys offers organization connectors in: a precondition says so.
        stack_set_region: expr(
          `var.stack_set_region != null ? var.stack_set_region : lookup(${hclStringMap(regionByPartition)}, local.partition, null)`,
        ),
        ...memberTemplateLocals(),
      },
      module: {
        management_role: {
          source: '../qualys-connector-role',
          ...Object.fromEntries(passed.map((name) => [name, expr(`var.${name}`)])),
          capabilities: expr('setunion(var.capabilities, ["organization"])'),
        },
      },
      resource: stackSetResources(),
    },
  };
}
