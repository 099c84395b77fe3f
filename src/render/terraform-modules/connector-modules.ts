import { CAPABILITIES, CAPABILITY_NAMES, CapabilityName } from '../../model/permissions';
import { NOT_QUALYS_ACCOUNTS } from '../../plan/checks';
import { fillSlots } from '../../plan/parameters';
import { DEFAULT_ROLE_DESCRIPTION, trustPolicyTemplate } from '../../plan/role';
import { DEFAULT_ROLE_NAME, connectorPolicies, policyDescription } from '../../plan/policies';
import { AwsPartition, QUALYS_ACCOUNT_TYPE_FACTS, accountRootArn } from '../../rules/partition';
import { hclString, hclStringList, terraformLiteral } from '../../rules/terraform-text';
import {
  DEFAULT_MAX_SESSION_DURATION,
  MAX_EXTERNAL_IDS,
  TAG_LIMITS,
  accountIdRule,
  externalIdRule,
  iamPathRule,
  maxSessionDurationRule,
  policyArnRule,
  roleDescriptionRule,
  roleNameRule,
  tagKeyRule,
  tagValueRule,
  terraformCondition,
} from '../../rules/value-rules';
import { ModuleSpec, ModuleVariable, TerraformJson, dataFile, expr } from './module-spec';

/*
 * The plain Terraform modules of one connector role: one module per capability that attaches its policies to
 * a role given by name, and the connector role module that makes the role and composes them. Documents come
 * from the same model as the app's stacks (a data file per module); the partition is read from the provider
 * at plan time; every variable is checked by the rule the app checks its configuration with.
 */

/** Documents are split for the longest partition name, so a split fits wherever the module runs. */
const SPLIT_PARTITION: AwsPartition = 'aws-us-gov';
/** Where a document's ARNs take the partition the module runs in. */
const PARTITION_PLACEHOLDER = '${partition}';
const PARTITION = 'local.partition';

export function permissionsModuleName(capability: CapabilityName): string {
  return `qualys-permissions-${capability}`;
}

/** A module block name for a capability: `asset_view`. */
function moduleKey(capability: CapabilityName): string {
  return capability.replace(/-/g, '_');
}

/** A document of the model, with its partition as a placeholder for the one the module runs in. */
function withPartitionPlaceholder(json: unknown): unknown {
  if (typeof json === 'string')
    return json.startsWith(`arn:${SPLIT_PARTITION}:`)
      ? `arn:${PARTITION_PLACEHOLDER}:${json.slice(`arn:${SPLIT_PARTITION}:`.length)}`
      : json;
  if (Array.isArray(json)) return json.map(withPartitionPlaceholder);
  if (json !== null && typeof json === 'object')
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, withPartitionPlaceholder(v)]));
  return json;
}

/** A string of a model value as Terraform must take it (CloudFormation's and IAM's `${` literal), with the partition read at plan time. */
function withPlanPartition(json: unknown): TerraformJson {
  if (typeof json === 'string') {
    const prefix = `arn:${SPLIT_PARTITION}:`;
    return json.startsWith(prefix)
      ? `arn:${expr(PARTITION)}:${terraformLiteral(json.slice(prefix.length))}`
      : terraformLiteral(json);
  }
  if (Array.isArray(json)) return json.map(withPlanPartition);
  if (json !== null && typeof json === 'object')
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, withPlanPartition(v)]));
  return json as TerraformJson;
}

/** A variable's validation by a rule: `null` passes when the variable is optional. */
function ruleValidation(
  rule: Parameters<typeof terraformCondition>[0],
  variable: string,
  what: string,
  optional = false,
): { condition: string; message: string } {
  const condition = terraformCondition(rule, `var.${variable}`);
  return {
    condition: optional ? `var.${variable} == null || ${condition}` : condition,
    message: `${what} ${rule.message}.`,
  };
}

const roleNameVariable = (description: string, withDefault: boolean): ModuleVariable => ({
  name: 'role_name',
  type: 'string',
  description,
  ...(withDefault ? { default: DEFAULT_ROLE_NAME } : {}),
  validations: [ruleValidation(roleNameRule, 'role_name', 'The role name')],
});

const pathVariable: ModuleVariable = {
  name: 'path',
  type: 'string',
  description: 'IAM path of the policies (and of the role, in the connector role module).',
  default: '/',
  validations: [ruleValidation(iamPathRule, 'path', 'The path')],
};

const tagsVariable: ModuleVariable = {
  name: 'tags',
  type: 'map(string)',
  description: 'Tags on every resource the module creates.',
  default: {},
  validations: [
    {
      condition: `length(var.tags) <= ${TAG_LIMITS.maxTags} && alltrue([for key, value in var.tags : ${terraformCondition(tagKeyRule, 'key')} && !startswith(lower(key), ${hclString(TAG_LIMITS.reservedPrefix)}) && ${terraformCondition(tagValueRule, 'value')}])`,
      message: `At most ${TAG_LIMITS.maxTags} tags; each ${tagKeyRule.message}, each ${tagValueRule.message}; keys starting with "${TAG_LIMITS.reservedPrefix}" are reserved by AWS.`,
    },
  ],
};

const partitionData = { data: { aws_partition: { current: {} } } };

/** The module that attaches one capability's policies to an existing role. */
// eslint-disable-next-line max-lines-per-function -- a data table: the module's definition, one entry per variable, output and resource
export function permissionsModule(capability: CapabilityName): ModuleSpec {
  const spec = CAPABILITIES[capability];
  const { customerManagedPolicies, awsManagedPolicyArns } = connectorPolicies([capability], SPLIT_PARTITION);
  const documents = Object.fromEntries(
    customerManagedPolicies.map((p) => [p.suffix, withPartitionPlaceholder(p.document.toJson())]),
  );
  const managed = Object.fromEntries(
    awsManagedPolicyArns.map((arn) => [arn.split('/').pop() as string, withPlanPartition(arn)]),
  );
  const requires =
    spec.requires.length > 0
      ? ` It needs ${spec.requires.map((r) => `\`${r}\``).join(', ')} on the same role for the checks to work; the module does not enforce it.`
      : '';
  return {
    name: permissionsModuleName(capability),
    title: `Qualys connector permissions: ${spec.title}`,
    about: [
      `${spec.summary} Attaches the ${spec.title} policies (${customerManagedPolicies.map((p) => `\`<role_name>-${p.suffix}\``).join(', ')}${
        awsManagedPolicyArns.length > 0
          ? `, plus AWS managed ${Object.keys(managed)
              .map((m) => `\`${m}\``)
              .join(', ')}`
          : ''
      }) to a role that is managed elsewhere.${requires}`,
      "On a role managed elsewhere: if that role has an exclusive attachment resource (`aws_iam_role_policy_attachments_exclusive`), list this module's `policy_arns` there, or it detaches them; the role's quota of managed policies (10 by default) is the caller's to keep.",
    ],
    usage: [
      `module "qualys_${moduleKey(capability)}" {`,
      `  source = "git::<repository URL>//modules/${permissionsModuleName(capability)}?ref=<tag>"`,
      '',
      '  role_name = aws_iam_role.scanner.name',
      '}',
    ].join('\n'),
    variables: [roleNameVariable('Name of the role the policies are attached to.', false), pathVariable, tagsVariable],
    outputs: [
      {
        name: 'policy_arns',
        description:
          'ARNs of every policy attached (customer managed, then AWS managed), for an exclusive attachment list.',
        value:
          'concat([for key in keys(local.documents) : aws_iam_policy.this[key].arn], values(local.aws_managed_policy_arns))',
      },
      {
        name: 'policy_names',
        description: 'Names of the customer managed policies.',
        value: '[for key in keys(local.documents) : aws_iam_policy.this[key].name]',
      },
      {
        name: 'policy_documents',
        description: 'The policy documents (JSON) by policy name suffix.',
        value: 'local.documents',
      },
    ],
    dataFiles: { 'policies.json': documents },
    blocks: {
      ...partitionData,
      locals: {
        partition: expr('data.aws_partition.current.partition'),
        '//': `The policy documents of the model (policies.json), their ARNs in the partition the provider is in.`,
        documents: expr(
          `{ for suffix, document in ${dataFile('policies.json')} : suffix => replace(jsonencode(document), ${hclString(PARTITION_PLACEHOLDER)}, local.partition) }`,
        ),
        aws_managed_policy_arns: managed,
        attached: expr(
          'merge({ for key, policy in aws_iam_policy.this : key => policy.arn }, local.aws_managed_policy_arns)',
        ),
      },
      resource: {
        aws_iam_policy: {
          this: {
            for_each: expr('local.documents'),
            name: `${expr('var.role_name')}-${expr('each.key')}`,
            path: expr('var.path'),
            description: policyDescription(expr('var.role_name'), expr('each.key')),
            policy: expr('each.value'),
            tags: expr('var.tags'),
            // As in the app's stacks: a reworded description never replaces a policy already made.
            lifecycle: { ignore_changes: ['description'] },
          },
        },
        aws_iam_role_policy_attachment: {
          this: { for_each: expr('local.attached'), role: expr('var.role_name'), policy_arn: expr('each.value') },
        },
      },
    },
  };
}

/** The connector role: trust, role settings, and the capability modules composed on it. */
// eslint-disable-next-line max-lines-per-function -- a data table: the module's definition, one entry per variable, output and resource
export function connectorRoleModule(): ModuleSpec {
  const capabilityChoices = CAPABILITY_NAMES.filter((c) => c !== 'asset-view');
  const defaultTrusted = Object.fromEntries(
    Object.values(QUALYS_ACCOUNT_TYPE_FACTS)
      .filter((f) => f.defaultTrustedAccountId !== undefined)
      .map((f) => [f.partition, f.defaultTrustedAccountId as string]),
  );
  const noOrganization = Object.values(QUALYS_ACCOUNT_TYPE_FACTS)
    .filter((f) => !f.organizationConnector)
    .map((f) => f.partition);
  // Null until the precondition on the role reports the missing account (a template of null is an error).
  const trustedPrincipal = expr(
    `local.trusted_account_id == null ? null : "${accountRootArn(expr(PARTITION), expr('local.trusted_account_id'))}"`,
  );
  const trust = fillSlots(withPlanPartition(trustPolicyTemplate().toJson()), {
    TrustedPrincipal: expr('local.trusted_principal'),
    ExternalId: expr('concat([var.external_id], var.previous_external_ids)'),
  });
  const requirements = CAPABILITY_NAMES.flatMap((name) =>
    CAPABILITIES[name].requires.map((required) => ({
      condition: `!contains(var.capabilities, ${hclString(name)}) || contains(var.capabilities, ${hclString(required)})`,
      message: `The capability "${name}" requires "${required}"; add it to capabilities.`,
    })),
  );
  const idCondition = (expression: string) => terraformCondition(externalIdRule, expression);
  const modules = Object.fromEntries(
    CAPABILITY_NAMES.map((capability) => [
      moduleKey(capability),
      {
        source: `../${permissionsModuleName(capability)}`,
        count: expr(`contains(local.capabilities, ${hclString(capability)}) ? 1 : 0`),
        role_name: expr('aws_iam_role.this.name'),
        path: expr('var.path'),
        tags: expr('var.tags'),
      },
    ]),
  );
  const fromModules = (attribute: string) =>
    `flatten([${CAPABILITY_NAMES.map((c) => `module.${moduleKey(c)}[*].${attribute}`).join(', ')}])`;
  return {
    name: 'qualys-connector-role',
    title: 'Qualys connector role',
    usage: [
      'module "qualys" {',
      '  source = "git::<repository URL>//modules/qualys-connector-role?ref=<tag>"',
      '',
      '  external_id  = var.external_id',
      '  capabilities = ["cspm"]',
      '}',
    ].join('\n'),
    about: [
      "One IAM role that Qualys (AssetView/CSAM, TotalCloud CSPM) assumes from its AWS account, or your base account, only with the external ID. It carries AssetView and the chosen capabilities, each from its `qualys-permissions-<capability>` module, and owns the role's managed policy attachments exclusively: a policy attached by hand shows as drift and is detached on the next apply.",
      `In the \`aws\` partition the trusted account defaults to the Qualys account ${defaultTrusted.aws}; in GovCloud (your subscription's \`govAccountId\`) and China (your base account) \`trusted_account_id\` is required, which a precondition checks against the provider's partition.`,
    ],
    variables: [
      {
        name: 'external_id',
        type: 'string',
        description: 'External ID shown in the Qualys connector (sts:ExternalId of the trust policy).',
        sensitive: true,
        validations: [
          { condition: idCondition('var.external_id'), message: `The external ID ${externalIdRule.message}.` },
        ],
      },
      {
        name: 'previous_external_ids',
        type: 'list(string)',
        description:
          'Earlier external IDs still accepted while one is rotated (list the new one as external_id, remove these once Qualys has the new one).',
        default: [],
        sensitive: true,
        validations: [
          {
            condition: `length(var.previous_external_ids) <= ${MAX_EXTERNAL_IDS - 1} && alltrue([for id in var.previous_external_ids : ${idCondition('id')}])`,
            message: `At most ${MAX_EXTERNAL_IDS - 1} previous external IDs, each of which ${externalIdRule.message}.`,
          },
          {
            condition:
              'length(distinct(concat([var.external_id], var.previous_external_ids))) == length(var.previous_external_ids) + 1',
            message: 'The external IDs must not repeat.',
          },
        ],
      },
      {
        name: 'capabilities',
        type: 'set(string)',
        description: `Capabilities on top of AssetView (always present): any of ${capabilityChoices.join(', ')}. [] is AssetView only.`,
        default: [],
        validations: [
          {
            condition: `alltrue([for capability in var.capabilities : contains(${hclStringList(CAPABILITY_NAMES)}, capability)])`,
            message: `Each capability must be one of ${CAPABILITY_NAMES.join(', ')}.`,
          },
          ...requirements,
        ],
      },
      {
        name: 'trusted_account_id',
        type: 'string',
        description: `The AWS account allowed to assume the role. Default: the Qualys account in the aws partition; required in aws-us-gov and aws-cn.`,
        default: null,
        validations: [
          ruleValidation(accountIdRule, 'trusted_account_id', 'The trusted account ID', true),
          {
            condition: `!contains(${hclStringList([...NOT_QUALYS_ACCOUNTS].sort())}, coalesce(var.trusted_account_id, "none"))`,
            message:
              'The trusted account is not a Qualys account (it appears in third-party samples); leave it null for the Qualys global account or give your base account.',
          },
        ],
      },
      roleNameVariable('Name of the role.', true),
      pathVariable,
      {
        name: 'permissions_boundary_arn',
        type: 'string',
        description: 'Permissions boundary policy of the role.',
        default: null,
        validations: [ruleValidation(policyArnRule, 'permissions_boundary_arn', 'The permissions boundary', true)],
      },
      {
        name: 'max_session_duration',
        type: 'number',
        description: 'Maximum session duration in seconds (3600 to 43200).',
        default: DEFAULT_MAX_SESSION_DURATION,
        validations: [ruleValidation(maxSessionDurationRule, 'max_session_duration', 'The maximum session duration')],
      },
      {
        name: 'description',
        type: 'string',
        description: 'Role description.',
        default: DEFAULT_ROLE_DESCRIPTION,
        validations: [ruleValidation(roleDescriptionRule, 'description', 'The description')],
      },
      tagsVariable,
    ],
    outputs: [
      { name: 'role_arn', description: 'Role ARN to enter in the Qualys connector.', value: 'aws_iam_role.this.arn' },
      { name: 'role_name', description: 'Name of the role.', value: 'aws_iam_role.this.name' },
      { name: 'policy_arns', description: 'Every managed policy attached to the role.', value: 'local.policy_arns' },
      {
        name: 'trusted_principal',
        description: 'The principal allowed to assume the role.',
        value: 'local.trusted_principal',
      },
      {
        name: 'trusted_account_id',
        description: 'The account allowed to assume the role.',
        value: 'local.trusted_account_id',
      },
      {
        name: 'capabilities',
        description: 'Capabilities of the role, from which registration chooses the connector apps.',
        value: 'sort(tolist(local.capabilities))',
      },
      {
        name: 'assume_role_policy',
        description: 'The trust policy (JSON); it holds the external IDs.',
        value: 'aws_iam_role.this.assume_role_policy',
        sensitive: true,
      },
      {
        name: 'policy_documents',
        description: 'The customer managed policy documents (JSON) by policy name suffix.',
        value: `merge(${fromModules('policy_documents')}...)`,
      },
    ],
    blocks: {
      ...partitionData,
      locals: {
        partition: expr('data.aws_partition.current.partition'),
        capabilities: expr('setunion(["asset-view"], var.capabilities)'),
        default_trusted_account_ids: defaultTrusted,
        trusted_account_id: expr(
          'var.trusted_account_id != null ? var.trusted_account_id : lookup(local.default_trusted_account_ids, local.partition, null)',
        ),
        trusted_principal: trustedPrincipal,
        trust_policy: trust,
        policy_arns: expr(fromModules('policy_arns')),
      },
      resource: {
        aws_iam_role: {
          this: {
            name: expr('var.role_name'),
            path: expr('var.path'),
            description: expr('var.description'),
            assume_role_policy: expr('jsonencode(local.trust_policy)'),
            max_session_duration: expr('var.max_session_duration'),
            permissions_boundary: expr('var.permissions_boundary_arn'),
            tags: expr('var.tags'),
            lifecycle: {
              precondition: [
                {
                  condition: expr('local.trusted_account_id != null'),
                  error_message:
                    'trusted_account_id is required outside the aws partition: in aws-us-gov the govAccountId Qualys returns for your subscription, in aws-cn the base account you registered in Qualys.',
                },
                {
                  condition: expr(
                    `!(contains(${hclStringList(noOrganization)}, local.partition) && contains(var.capabilities, "organization"))`,
                  ),
                  error_message: `The organization capability is not available in ${noOrganization.join(', ')}: Qualys offers organization connectors for the other partitions only.`,
                },
              ],
            },
          },
        },
        aws_iam_role_policy_attachments_exclusive: {
          this: { role_name: expr('aws_iam_role.this.name'), policy_arns: expr('local.policy_arns') },
        },
      },
      module: modules,
    },
  };
}
