import { z } from 'zod';
import { CAPABILITY_NAMES } from '../permissions/types';
import { QUALYS_ACCOUNT_TYPES } from '../partition';
import { accountIdRule, externalIdRule, roleNameRule, zodString } from './rules';

/*
 * Field rules shared by the app's configuration file and the constructs' props, so a value is judged by
 * the same rule wherever it comes from. Messages state the rule; the error formatter adds field and value.
 */

export const EXTERNAL_ID_RULE = externalIdRule.message;
/** How many external IDs one trust policy accepts at once: enough to rotate without downtime. */
export const MAX_EXTERNAL_IDS = 5;

export const externalIdValue = zodString(externalIdRule).describe('External ID entered in the Qualys connector (sts:ExternalId).');

export const externalIdList = z
  .array(externalIdValue, { error: `must be an external ID or a list of 1 to ${MAX_EXTERNAL_IDS} of them` })
  .min(1, { error: `must list 1 to ${MAX_EXTERNAL_IDS} external IDs` })
  .max(MAX_EXTERNAL_IDS, {
    error: `must list at most ${MAX_EXTERNAL_IDS} external IDs (several are only for rotating one without downtime)`,
  })
  .refine((ids) => new Set(ids).size === ids.length, { error: 'must not list the same external ID twice' });

export const accountId = zodString(accountIdRule, 'must be an AWS account ID: exactly 12 digits, as a string');

export const qualysAccountType = z.enum(QUALYS_ACCOUNT_TYPES, {
  error: `must be one of ${QUALYS_ACCOUNT_TYPES.join(', ')} (the Qualys subscription's account type)`,
});

export const capabilityList = z
  .array(z.string({ error: `must be a capability name: one of ${CAPABILITY_NAMES.join(', ')}` }), {
    error: `must be a list of capability names (${CAPABILITY_NAMES.join(', ')})`,
  })
  .describe(`Capabilities on top of AssetView (always present): ${CAPABILITY_NAMES.join(', ')}.`);

export const roleName = zodString(roleNameRule, 'must be 1 to 64 characters of letters, digits and _ + = , . @ -');

/*
 * Patterns written in the syntax JavaScript and RE2 (Terraform's regex) share, so the plain Terraform modules
 * check a variable with the same pattern the configuration file is checked with.
 */
export const IAM_PATH_PATTERN = '^/([\\x21-\\x7E]*/)?$';
export const POLICY_ARN_PATTERN = '^arn:(aws|aws-us-gov|aws-cn):iam::(\\d{12}|aws):policy/([\\x21-\\x7E]*/)?[\\w+=,.@-]{1,128}$';
export const DESCRIPTION_PATTERN = '^[\\t\\n\\r\\x20-\\x7E\\xA1-\\xFF]*$';
/** Letters, separators and numbers of any script, and `_ . : / = + - @` (IAM tag rule). */
export const TAG_PATTERN = '^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$';

export const iamPath = z
  .string({ error: 'must be an IAM path: "/" or "/text/" of printable ASCII, at most 512 characters' })
  .max(512, { error: 'must be at most 512 characters (IAM path rule)' })
  .regex(new RegExp(IAM_PATH_PATTERN), {
    error: 'must start and end with "/" and contain only printable ASCII without spaces (IAM path rule)',
  });

export const policyArn = z
  .string({ error: 'must be an IAM policy ARN' })
  .regex(new RegExp(POLICY_ARN_PATTERN), {
    error: 'must be an IAM policy ARN: arn:<partition>:iam::<12-digit account or "aws">:policy/<path><name>',
  });

export const roleArn = z
  .string()
  .regex(/^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/([\x21-\x7E]*\/)?[\w+=,.@-]{1,64}$/, { error: 'must be an IAM role ARN: arn:<partition>:iam::<12 digits>:role/<name>' });

export const maxSessionDuration = z
  .number({ error: 'must be a whole number of seconds from 3600 to 43200' })
  .int({ error: 'must be a whole number of seconds from 3600 to 43200' })
  .min(3600, { error: 'must be at least 3600 seconds (1 hour, the IAM minimum)' })
  .max(43200, { error: 'must be at most 43200 seconds (12 hours, the IAM maximum)' });

export const roleDescription = z
  .string({ error: 'must be text' })
  .max(1000, { error: 'must be at most 1000 characters (IAM role description rule)' })
  .regex(new RegExp(DESCRIPTION_PATTERN), { error: 'must contain only printable Latin-1 characters (IAM role description rule)' });

const TAG_CHARS = new RegExp(TAG_PATTERN, 'u');

export const tags = z
  .record(
    z
      .string()
      .min(1, { error: 'tag key must be 1 to 128 characters' })
      .max(128, { error: 'tag key must be 1 to 128 characters' })
      .regex(TAG_CHARS, { error: 'tag key may contain only letters, digits, spaces and _ . : / = + - @' })
      .refine((k) => !k.toLowerCase().startsWith('aws:'), { error: 'tag keys starting with "aws:" are reserved by AWS' }),
    z
      .string({ error: 'tag value must be a string of 0 to 256 characters' })
      .max(256, { error: 'tag value must be at most 256 characters' })
      .regex(TAG_CHARS, { error: 'tag value may contain only letters, digits, spaces and _ . : / = + - @' }),
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object of tag keys to string values' : undefined) },
  )
  .refine((t) => Object.keys(t).length <= 50, { error: 'must have at most 50 tags (IAM limit per role and policy)' });

export const managedPolicyQuota = z
  .number({ error: 'must be a whole number from 10 to 20' })
  .int({ error: 'must be a whole number from 10 to 20' })
  .min(10, { error: 'must be at least 10 (the default IAM quota of managed policies per role)' })
  .max(20, { error: 'must be at most 20 (the highest quota AWS grants for managed policies per role)' });

/** Terraform variable names (identifiers). */
export const terraformVariableName = z
  .string({ error: 'must be a Terraform variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'must be a Terraform identifier: a letter or _ then letters, digits, _ or -' });

/** Settings of one connector role other than its external ID, common to config file and construct props. */
export const connectorRoleFields = {
  qualysAccountType: qualysAccountType
    .optional()
    .describe('Qualys account type: global (aws partition), govcloud (aws-us-gov) or china (aws-cn). Default: global.'),
  trustedAccountId: accountId
    .optional()
    .describe('AWS account trusted to assume the role. Default: the Qualys account for global; required for govcloud (your govAccountId) and china (your base account).'),
  capabilities: capabilityList.optional(),
  roleName: roleName.optional().describe('IAM role name. Default: QualysCVRole (the name in the Qualys procedure).'),
  path: iamPath.optional().describe('IAM path of the role and its policies. Default: "/".'),
  permissionsBoundaryArn: policyArn.optional().describe('Permissions boundary policy ARN for the role.'),
  maxSessionDuration: maxSessionDuration.optional().describe('Maximum session duration in seconds. Default: 3600.'),
  description: roleDescription.optional().describe('Role description.'),
  tags: tags.optional().describe('Tags on the role and its policies.'),
  managedPolicyQuota: managedPolicyQuota
    .optional()
    .describe('Managed policies allowed per role in your account (IAM quota, default 10).'),
};
