import { capabilityProblems, resolveCapabilities } from '../model/permissions';
import { CAPABILITY_NAMES, CapabilityName } from '../model/permissions/types';
import { IAM_LIMITS, checkManagedPolicyCount, checkTrustPolicySize, describeViolation } from '../model/policy/limits';
import { InputProblem, showValue, fieldPath } from '../rules/errors';
import {
  QUALYS_ACCOUNT_TYPES,
  QUALYS_ACCOUNT_TYPE_FACTS,
  QualysAccountType,
  accountRootArn,
  accountTypeOf,
  describeRegion,
} from '../rules/partition';
import {
  MAX_EXTERNAL_IDS,
  TAG_LIMITS,
  ValueRule,
  accountIdRule,
  breaks,
  externalIdRule,
  iamPathRule,
  managedPolicyQuotaRule,
  maxSessionDurationRule,
  policyArnRule,
  roleDescriptionRule,
  roleNameRule,
  tagKeyRule,
  tagValueRule,
  terraformIdentifierRule,
} from '../rules/value-rules';
import { DEFAULT_ROLE_NAME, connectorPolicies, trustPolicyDocument } from './policies';
import { ConnectorSettings, StackSettings } from './settings';

/*
 * The plan's checks, as plain functions that return every problem they find (as CDK's validateFor* do):
 * the construct props are checked here whole, and the configuration file's reader (src/config) adapts the
 * same functions to its schema after checking the shape. A problem names the field, the value and the rule.
 */

/** Accounts seen in third-party samples that are not Qualys accounts; trusting them is always a mistake. */
export const NOT_QUALYS_ACCOUNTS = new Set(['148141692175', '205767712438']);

/** Every field of the connector settings (the construct's props, a stack's `connector`). */
export const CONNECTOR_FIELDS = [
  'externalId',
  'qualysAccountType',
  'trustedAccountId',
  'capabilities',
  'roleName',
  'path',
  'permissionsBoundaryArn',
  'maxSessionDuration',
  'description',
  'tags',
  'managedPolicyQuota',
];

/** A field's path below a prefix: `stacks[0].connector.roleName`. */
export function fieldOf(prefix: string, ...path: (string | number)[]): string {
  return fieldPath(prefix, path);
}

/** An external ID is shown by its length only: the problem may end up in logs. */
function hiddenId(value: unknown): string {
  return typeof value === 'string'
    ? `a value of ${value.length} characters, not shown`
    : Array.isArray(value)
      ? `a list of ${value.length}, not shown`
      : showValue(value);
}

function checkRule(
  problems: InputProblem[],
  field: string,
  rule: ValueRule,
  value: unknown,
  shown = showValue(value),
): void {
  const message = breaks(rule, value);
  if (message !== undefined) problems.push({ field, value: shown, rule: message });
}

/** The external ID as a value, a list while rotating, or a variable. */
function externalIdProblems(value: unknown, field: string): InputProblem[] {
  const problems: InputProblem[] = [];
  if (value === undefined)
    return [
      {
        field,
        value: '(missing)',
        rule: 'is required: the external ID Qualys shows, a list of 1 to 5 while rotating, or {"variable": "external_id"}',
      },
    ];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'variable')
      problems.push({
        field,
        value: 'an object, not shown',
        rule: 'must be {"variable": "<Terraform variable name>"}',
      });
    else
      checkRule(
        problems,
        fieldOf(field, 'variable'),
        terraformIdentifierRule,
        (value as { variable: unknown }).variable,
      );
    return problems;
  }
  if (typeof value === 'string') {
    checkRule(problems, field, externalIdRule, value, hiddenId(value));
    return problems;
  }
  if (!Array.isArray(value))
    return [
      {
        field,
        value: hiddenId(value),
        rule: 'must be a string, a list of 1 to 5 strings, or {"variable": "<Terraform variable name>"}',
      },
    ];
  if (value.length < 1 || value.length > MAX_EXTERNAL_IDS)
    problems.push({
      field,
      value: hiddenId(value),
      rule: `must list 1 to ${MAX_EXTERNAL_IDS} external IDs (at most ${MAX_EXTERNAL_IDS}: several are only for rotating one without downtime)`,
    });
  value.forEach((id, i) => checkRule(problems, fieldOf(field, i), externalIdRule, id, hiddenId(id)));
  if (new Set(value).size !== value.length)
    problems.push({ field, value: hiddenId(value), rule: 'must not list the same external ID twice' });
  return problems;
}

function tagProblems(value: unknown, field: string): InputProblem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ field, value: showValue(value), rule: 'must be an object of tag keys to string values' }];
  const problems: InputProblem[] = [];
  const entries = Object.entries(value);
  if (entries.length > TAG_LIMITS.maxTags)
    problems.push({
      field,
      value: `${entries.length} tags`,
      rule: `must have at most ${TAG_LIMITS.maxTags} tags (IAM limit per role and policy)`,
    });
  for (const [key, tag] of entries) {
    checkRule(problems, fieldOf(field, key), tagKeyRule, key, showValue(key));
    if (key.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix))
      problems.push({
        field: fieldOf(field, key),
        value: showValue(key),
        rule: `tag keys starting with "${TAG_LIMITS.reservedPrefix}" are reserved by AWS`,
      });
    checkRule(problems, fieldOf(field, key), tagValueRule, tag);
  }
  return problems;
}

/** Every field of connector settings given as construct props (the configuration file's schema checks its own). */
export function connectorFieldProblems(value: unknown, prefix: string): InputProblem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ field: prefix || '(root)', value: showValue(value), rule: 'must be an object of connector settings' }];
  const settings = value as Record<string, unknown>;
  const problems: InputProblem[] = [];
  for (const key of Object.keys(settings)) {
    if (!CONNECTOR_FIELDS.includes(key) && settings[key] !== undefined)
      problems.push({
        field: fieldOf(prefix, key),
        value: '(present)',
        rule: 'is not a known setting (check spelling; see the configuration reference)',
      });
  }
  problems.push(...externalIdProblems(settings.externalId, fieldOf(prefix, 'externalId')));
  const optional: [string, (v: unknown, field: string) => InputProblem[]][] = [
    [
      'qualysAccountType',
      (v, f) =>
        QUALYS_ACCOUNT_TYPES.includes(v as QualysAccountType)
          ? []
          : [
              {
                field: f,
                value: showValue(v),
                rule: `must be one of ${QUALYS_ACCOUNT_TYPES.join(', ')} (the Qualys subscription's account type)`,
              },
            ],
    ],
    ['trustedAccountId', (v, f) => ruleProblems(accountIdRule, v, f)],
    [
      'capabilities',
      (v, f) =>
        Array.isArray(v) && v.every((c) => typeof c === 'string')
          ? []
          : [
              {
                field: f,
                value: showValue(v),
                rule: `must be a list of capability names (${CAPABILITY_NAMES.join(', ')})`,
              },
            ],
    ],
    ['roleName', (v, f) => ruleProblems(roleNameRule, v, f)],
    ['path', (v, f) => ruleProblems(iamPathRule, v, f)],
    ['permissionsBoundaryArn', (v, f) => ruleProblems(policyArnRule, v, f)],
    ['maxSessionDuration', (v, f) => ruleProblems(maxSessionDurationRule, v, f)],
    ['description', (v, f) => ruleProblems(roleDescriptionRule, v, f)],
    ['tags', tagProblems],
    ['managedPolicyQuota', (v, f) => ruleProblems(managedPolicyQuotaRule, v, f)],
  ];
  for (const [key, check] of optional)
    if (settings[key] !== undefined) problems.push(...check(settings[key], fieldOf(prefix, key)));
  return problems;
}

function ruleProblems(rule: ValueRule, value: unknown, field: string): InputProblem[] {
  const problems: InputProblem[] = [];
  checkRule(problems, field, rule, value);
  return problems;
}

type FieldOf = (...path: (string | number)[]) => string;
type AccountTypeFacts = (typeof QUALYS_ACCOUNT_TYPE_FACTS)[QualysAccountType];

/** The trusted account: required where Qualys publishes none, and never a known non-Qualys account. */
function trustedAccountProblems(settings: ConnectorSettings, field: FieldOf, facts: AccountTypeFacts): InputProblem[] {
  const problems: InputProblem[] = [];
  const accountType = accountTypeOf(settings.qualysAccountType);
  if (settings.trustedAccountId === undefined && facts.defaultTrustedAccountId === undefined) {
    problems.push({
      field: field('trustedAccountId'),
      value: '(missing)',
      rule:
        accountType === 'govcloud'
          ? 'is required for qualysAccountType "govcloud": Qualys publishes no GovCloud account; use the govAccountId Qualys returns for your subscription'
          : 'is required for qualysAccountType "china": Qualys has no China account; use the base account you registered in Qualys',
    });
  }
  if (settings.trustedAccountId !== undefined && NOT_QUALYS_ACCOUNTS.has(settings.trustedAccountId)) {
    problems.push({
      field: field('trustedAccountId'),
      value: showValue(settings.trustedAccountId),
      rule: 'is not a Qualys account (it appears in third-party samples); leave it out for the Qualys global account or give your base account',
    });
  }
  return problems;
}

/** Capabilities that need another, or that the account type does not offer; a boundary in another partition. */
function capabilityAndPartitionProblems(
  settings: ConnectorSettings,
  field: FieldOf,
  facts: AccountTypeFacts,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const accountType = accountTypeOf(settings.qualysAccountType);
  const capabilities = settings.capabilities ?? [];
  for (const problem of capabilityProblems(capabilities)) {
    const index = capabilities.indexOf(problem.capability);
    problems.push({
      field: index >= 0 ? field('capabilities', index) : field('capabilities'),
      value: showValue(problem.capability),
      rule: problem.rule,
    });
  }
  if (capabilities.includes('organization') && !facts.organizationConnector) {
    problems.push({
      field: field('capabilities', capabilities.indexOf('organization')),
      value: '"organization"',
      rule: `is not available for qualysAccountType "${accountType}": Qualys offers organization connectors for global and govcloud only`,
    });
  }
  const boundary = settings.permissionsBoundaryArn;
  if (boundary !== undefined && boundary.split(':')[1] !== facts.partition) {
    problems.push({
      field: field('permissionsBoundaryArn'),
      value: showValue(boundary),
      rule: `must be in partition "${facts.partition}" (qualysAccountType "${accountType}"), not "${boundary.split(':')[1]}"`,
    });
  }
  return problems;
}

/** AWS quotas that depend on the combination: managed policies per role, the trust policy's size. */
function quotaProblems(
  settings: ConnectorSettings,
  field: FieldOf,
  facts: AccountTypeFacts,
  trustedAccountId: string,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const capabilities = settings.capabilities ?? [];
  const roleName = settings.roleName ?? DEFAULT_ROLE_NAME;
  const policies = connectorPolicies(resolveCapabilities(capabilities as CapabilityName[]), facts.partition);
  const count = checkManagedPolicyCount(
    roleName,
    policies.customerManagedPolicies.length + policies.awsManagedPolicyArns.length,
    settings.managedPolicyQuota ?? IAM_LIMITS.managedPoliciesPerRole,
  );
  if (count) {
    problems.push({
      field: field('capabilities'),
      value: showValue(capabilities),
      rule: `need more managed policies than the role may have: ${describeViolation(count)}; raise managedPolicyQuota if your account's quota is higher`,
    });
  }
  const given = settings.externalId;
  const ids = typeof given === 'string' ? [given] : Array.isArray(given) ? (given as string[]) : undefined;
  if (ids) {
    const principal = accountRootArn(facts.partition, trustedAccountId);
    const trust = checkTrustPolicySize(`role ${roleName} trust policy`, trustPolicyDocument(principal, ids));
    if (trust) {
      problems.push({
        field: field('externalId'),
        value: hiddenId(ids),
        rule: `makes the trust policy too large: ${describeViolation(trust)}`,
      });
    }
  }
  return problems;
}

/**
 * Rules that involve more than one field of a connector role, the same for the configuration file and the
 * construct props; the fields themselves are already well formed.
 */
export function connectorProblems(settings: ConnectorSettings, prefix: string): InputProblem[] {
  const field: FieldOf = (...path) => fieldOf(prefix, ...path);
  const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountTypeOf(settings.qualysAccountType)];
  if (!facts) return [];
  const problems = [
    ...trustedAccountProblems(settings, field, facts),
    ...capabilityAndPartitionProblems(settings, field, facts),
  ];
  const trustedAccountId = settings.trustedAccountId ?? facts.defaultTrustedAccountId;
  // Quotas are counted for a valid combination only.
  if (capabilityProblems(settings.capabilities ?? []).length > 0 || trustedAccountId === undefined) return problems;
  return [...problems, ...quotaProblems(settings, field, facts, trustedAccountId)];
}

function regionProblem(
  field: string,
  region: string,
  partition: string,
  accountType: string,
): InputProblem | undefined {
  const info = describeRegion(region);
  if (info.known && info.partition === partition) return undefined;
  return {
    field,
    value: showValue(region),
    rule: info.known
      ? `must be a region of partition "${partition}" (qualysAccountType "${accountType}"); it is in "${info.partition}"`
      : `is not an AWS region the AWS SDK knows (partition "${partition}" for qualysAccountType "${accountType}")`,
  };
}

/** Rules of a stack as a whole: regions and role ARNs in the connector's partition, and the organization's own. */
export function stackProblems(stack: StackSettings, prefix: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const field = (...path: (string | number)[]) => fieldOf(prefix, ...path);
  const accountType = accountTypeOf(stack.connector.qualysAccountType);
  const partition = QUALYS_ACCOUNT_TYPE_FACTS[accountType]?.partition;
  if (partition === undefined) return problems;
  const organization = stack.kind === 'organization' ? stack : undefined;
  const roleArns: [string, string | undefined][] = [
    [field('provider', 'assumeRoleArn'), stack.provider?.assumeRoleArn],
    [field('delegatedAdmin', 'assumeRoleArn'), organization?.delegatedAdmin?.assumeRoleArn],
  ];
  for (const [where, arn] of roleArns) {
    if (arn !== undefined && arn.split(':')[1] !== partition)
      problems.push({
        field: where,
        value: showValue(arn),
        rule: `must be in partition "${partition}" (qualysAccountType "${accountType}")`,
      });
  }
  const regions: [string, string | undefined][] = [
    [field('region'), stack.region],
    [field('backend', 'region'), stack.backend?.type === 's3' ? stack.backend.region : undefined],
    [field('members', 'region'), organization?.members.region],
  ];
  for (const [where, region] of regions) {
    const problem = region === undefined ? undefined : regionProblem(where, region, partition, accountType);
    if (problem) problems.push(problem);
  }
  if (organization) problems.push(...organizationProblems(organization, prefix));
  return problems;
}

function organizationProblems(stack: Extract<StackSettings, { kind: 'organization' }>, prefix: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const field = (...path: (string | number)[]) => fieldOf(prefix, ...path);
  const accountType = accountTypeOf(stack.connector.qualysAccountType);
  if (QUALYS_ACCOUNT_TYPE_FACTS[accountType] && !QUALYS_ACCOUNT_TYPE_FACTS[accountType].organizationConnector) {
    problems.push({
      field: field('connector', 'qualysAccountType'),
      value: showValue(accountType),
      rule: 'has no organization connector at Qualys (global and govcloud only); connect China accounts one by one with kind "account"',
    });
  }
  const admin = stack.delegatedAdmin;
  if (admin && admin.assumeRoleArn === undefined && admin.profile === undefined) {
    problems.push({
      field: field('delegatedAdmin', 'assumeRoleArn'),
      value: '(missing)',
      rule: 'or profile is required: the stack set is created with credentials of the delegated administrator account',
    });
  }
  if (admin?.assumeRoleArn !== undefined && admin.assumeRoleArn.split(':')[4] !== admin.accountId) {
    problems.push({
      field: field('delegatedAdmin', 'assumeRoleArn'),
      value: showValue(admin.assumeRoleArn),
      rule: `must be a role in the delegated administrator account ${admin.accountId}`,
    });
  }
  const management = stack.provider?.accountId;
  if (management !== undefined && admin?.accountId === management) {
    problems.push({
      field: field('delegatedAdmin', 'accountId'),
      value: showValue(management),
      rule: 'is the management account (provider.accountId); leave delegatedAdmin out to create the stack set from the management account',
    });
  }
  const excluded = stack.members.excludedAccountIds ?? [];
  if (management !== undefined && excluded.includes(management)) {
    problems.push({
      field: field('members', 'excludedAccountIds', excluded.indexOf(management)),
      value: showValue(management),
      rule: 'is the management account, which a service-managed StackSet never deploys to; its role is the management role',
    });
  }
  if (stack.importExistingRole === true && stack.managementRole?.deployWith === 'cloudformation-stack') {
    problems.push({
      field: field('importExistingRole'),
      value: 'true',
      rule: 'only applies to the Terraform management role; a CloudFormation stack cannot adopt a role made by hand',
    });
  }
  if (stack.managementRole?.stackName !== undefined && stack.managementRole.deployWith !== 'cloudformation-stack') {
    problems.push({
      field: field('managementRole', 'stackName'),
      value: showValue(stack.managementRole.stackName),
      rule: 'only applies with deployWith "cloudformation-stack"',
    });
  }
  return problems;
}

const PERMISSIONS_FIELDS = ['capability', 'roleName', 'qualysAccountType', 'path', 'tags', 'addressName'];

/**
 * The props of one capability's permissions on a role made elsewhere. The role's name may be a reference
 * Terraform resolves (`roleNameIsReference`); a literal one follows the IAM rule.
 */
export function capabilityPermissionsProblems(
  value: Record<string, unknown>,
  prefix: string,
  roleNameIsReference: boolean,
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const key of Object.keys(value)) {
    if (!PERMISSIONS_FIELDS.includes(key) && value[key] !== undefined)
      problems.push({ field: fieldOf(prefix, key), value: '(present)', rule: 'is not a known setting' });
  }
  if (!CAPABILITY_NAMES.includes(value.capability as CapabilityName))
    problems.push({
      field: fieldOf(prefix, 'capability'),
      value: showValue(value.capability),
      rule: `must be one of ${CAPABILITY_NAMES.join(', ')}`,
    });
  if (!roleNameIsReference) problems.push(...ruleProblems(roleNameRule, value.roleName, fieldOf(prefix, 'roleName')));
  const { capability: _capability, roleName: _roleName, addressName: _addressName, ...settings } = value;
  // The other fields follow the connector settings' rules; an external ID they do not have is not asked for.
  problems.push(...connectorFieldProblems({ externalId: { variable: 'unused' }, ...settings }, prefix));
  return problems;
}
