import { z } from 'zod';
import { CAPABILITY_NAMES } from '../model/permissions/types';
import { QUALYS_ACCOUNT_TYPES } from '../rules/partition';
import {
  MAX_EXTERNAL_IDS,
  TAG_LIMITS,
  accountIdRule,
  externalIdRule,
  iamPathRule,
  managedPolicyQuotaRule,
  maxSessionDurationRule,
  policyArnRule,
  roleArnRule,
  roleDescriptionRule,
  roleNameRule,
  tagKeyRule,
  tagValueRule,
  terraformIdentifierRule,
  zodRule,
} from '../rules/value-rules';

/*
 * The configuration file's fields, each rendered from its rule in src/rules, so the file, the construct props
 * (src/plan/checks.ts), the plain Terraform modules and the templates judge a value by the same rule.
 */

export const externalIdValue = zodRule(externalIdRule).describe(
  'External ID entered in the Qualys connector (sts:ExternalId).',
);

export const externalIdList = z
  .array(externalIdValue, { error: `must be an external ID or a list of 1 to ${MAX_EXTERNAL_IDS} of them` })
  .min(1, { error: `must list 1 to ${MAX_EXTERNAL_IDS} external IDs` })
  .max(MAX_EXTERNAL_IDS, {
    error: `must list at most ${MAX_EXTERNAL_IDS} external IDs (several are only for rotating one without downtime)`,
  })
  .refine((ids) => new Set(ids).size === ids.length, { error: 'must not list the same external ID twice' });

export const terraformVariableName = zodRule(terraformIdentifierRule, 'must be a Terraform variable name');

export const externalIdSetting = z
  .union(
    [
      externalIdValue,
      externalIdList,
      z.strictObject({
        variable: terraformVariableName.describe(
          'Name of the Terraform variable the stack declares for the external ID.',
        ),
      }),
    ],
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is required: the external ID Qualys shows, a list of 1 to 5 while rotating, or {"variable": "external_id"}'
          : 'must be a string, a list of 1 to 5 strings, or {"variable": "<Terraform variable name>"}',
    },
  )
  .describe(
    'External ID entered in the Qualys connector: a value, a list of values while rotating (the first is the current one), or {"variable": "external_id"} to take it from a sensitive Terraform variable at plan time.',
  );

export const accountId = zodRule(accountIdRule);

export const roleArn = zodRule(roleArnRule);

export const qualysAccountType = z.enum(QUALYS_ACCOUNT_TYPES, {
  error: `must be one of ${QUALYS_ACCOUNT_TYPES.join(', ')} (the Qualys subscription's account type)`,
});

export const capabilityList = z
  .array(z.string({ error: `must be a capability name: one of ${CAPABILITY_NAMES.join(', ')}` }), {
    error: `must be a list of capability names (${CAPABILITY_NAMES.join(', ')})`,
  })
  .describe(`Capabilities on top of AssetView (always present): ${CAPABILITY_NAMES.join(', ')}.`);

export const tags = z
  .record(
    zodRule(tagKeyRule).refine((k) => !k.toLowerCase().startsWith(TAG_LIMITS.reservedPrefix), {
      error: `tag keys starting with "${TAG_LIMITS.reservedPrefix}" are reserved by AWS`,
    }),
    zodRule(tagValueRule),
    {
      error: (issue) => (issue.code === 'invalid_type' ? 'must be an object of tag keys to string values' : undefined),
    },
  )
  .refine((t) => Object.keys(t).length <= TAG_LIMITS.maxTags, {
    error: `must have at most ${TAG_LIMITS.maxTags} tags (IAM limit per role and policy)`,
  });

/** Settings of one connector role other than its external ID. */
export const connectorRoleFields = {
  qualysAccountType: qualysAccountType
    .optional()
    .describe('Qualys account type: global (aws partition), govcloud (aws-us-gov) or china (aws-cn). Default: global.'),
  trustedAccountId: accountId
    .optional()
    .describe(
      'AWS account trusted to assume the role. Default: the Qualys account for global; required for govcloud (your govAccountId) and china (your base account).',
    ),
  capabilities: capabilityList.optional(),
  roleName: zodRule(roleNameRule)
    .optional()
    .describe('IAM role name. Default: QualysCVRole (the name in the Qualys procedure).'),
  path: zodRule(iamPathRule).optional().describe('IAM path of the role and its policies. Default: "/".'),
  permissionsBoundaryArn: zodRule(policyArnRule).optional().describe('Permissions boundary policy ARN for the role.'),
  maxSessionDuration: zodRule(maxSessionDurationRule)
    .optional()
    .describe('Maximum session duration in seconds. Default: 3600.'),
  description: zodRule(roleDescriptionRule, 'must be text').optional().describe('Role description.'),
  tags: tags.optional().describe('Tags on the role and its policies.'),
  managedPolicyQuota: zodRule(managedPolicyQuotaRule)
    .optional()
    .describe('Managed policies allowed per role in your account (IAM quota, default 10).'),
};
