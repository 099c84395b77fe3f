import { z } from 'zod';
import { QUALYS_PLATFORM_NAMES, QualysPlatform, apiUrlProblem } from '../rules/qualys-platforms';
import { AccountStackSettings, BackendSettings, OrganizationStackSettings, StackSettings } from '../plan/settings';
import {
  organizationRootIdRule,
  organizationalUnitIdRule,
  stackNameRule,
  stackSetNameRule,
  zodRule,
} from '../rules/value-rules';
import { accountId, connectorRoleFields, externalIdSetting, roleArn } from './fields';

/*
 * The app's configuration file: its shape, each field by its rule. Its JSON Schema
 * (schema/qualys-connector-config.schema.json) is generated from this definition, so editors check a file with
 * the same rules. What involves several fields is the plan's to check (src/plan/checks.ts), once, when the
 * configuration is planned.
 */

export const connectorSettingsSchema = z.strictObject({ externalId: externalIdSetting, ...connectorRoleFields });

const localBackend = z.strictObject({
  type: z.literal('local'),
  path: z
    .string()
    .regex(/^(?!\/)[^\0]+$/, {
      error: 'must be a relative path (relative to the project folder), so synthesized files are portable',
    })
    .optional()
    .describe('State file, relative to the project folder. Default: terraform.<stack name>.tfstate.'),
  allowInCi: z
    .boolean()
    .optional()
    .describe(
      'A deploy from CI may keep this state: the runner keeps its files from one run to the next. Default: false (a deploy with CI set refuses a local backend).',
    ),
});

const s3Backend = z.strictObject({
  type: z.literal('s3'),
  bucket: z
    .string()
    .min(3, { error: 'must be an S3 bucket name' })
    .max(63, { error: 'must be an S3 bucket name (at most 63 characters)' }),
  key: z.string().min(1, { error: 'must be the state object key' }),
  region: z.string().describe('Region of the bucket.'),
  encrypt: z.boolean().optional(),
  useLockfile: z.boolean().optional().describe('S3-native state locking (Terraform 1.10+). Default: true.'),
  dynamodbTable: z.string().optional().describe('Legacy DynamoDB lock table.'),
  roleArn: z.string().optional().describe('Role to assume for state access.'),
});

const backendSchema = z
  .discriminatedUnion('type', [localBackend, s3Backend], { error: 'must be {"type": "local"} or {"type": "s3", ...}' })
  .describe('Where Terraform keeps state. Default: local, next to this project.');

const providerSettings = z
  .strictObject({
    accountId: accountId
      .optional()
      .describe(
        'The account this stack must deploy to; Terraform refuses credentials of any other (allowed_account_ids).',
      ),
    profile: z.string().min(1).optional().describe('Shared config/credentials profile of the AWS provider.'),
    assumeRoleArn: roleArn
      .optional()
      .describe('Role the AWS provider assumes to reach the account (e.g. OrganizationAccountAccessRole).'),
  })
  .describe('How the AWS provider reaches the account.');

const stackFields = {
  name: zodRule(stackNameRule, 'must be a stack name').describe(
    'Stack name: the folder under cdktf.out/stacks and the argument of cdktf deploy.',
  ),
  region: z
    .string()
    .optional()
    .describe("Provider region. Default: the partition's main region (us-east-1, us-gov-west-1, cn-north-1)."),
  backend: backendSchema.optional(),
  provider: providerSettings.optional(),
  importExistingRole: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .describe(
      'Adopt a role of the same name made by hand: Terraform imports it on the next apply instead of failing with "already exists".',
    ),
};

export const accountStackSchema = z.strictObject({
  kind: z
    .literal('account', { error: 'must be "account" or "organization"' })
    .describe('One account connected with one role.'),
  ...stackFields,
  connector: connectorSettingsSchema,
});

const organizationalUnitId = zodRule(organizationalUnitIdRule, 'must be an OU ID');

const organizationRootId = zodRule(organizationRootIdRule, 'must be a root ID');

const percentage = (what: string) =>
  z
    .number({ error: `must be a whole ${what} percentage` })
    .int({ error: `must be a whole ${what} percentage` })
    .min(0, { error: 'must be 0 to 100' })
    .max(100, { error: 'must be 0 to 100' });
const count = (min: number) =>
  z
    .number({ error: `must be a whole number of at least ${min}` })
    .int({ error: `must be a whole number of at least ${min}` })
    .min(min, { error: `must be at least ${min}` });

const operationPreferences = z
  .strictObject({
    failureToleranceCount: count(0)
      .optional()
      .describe('Accounts that may fail before CloudFormation stops the operation.'),
    failureTolerancePercentage: percentage('failure tolerance').optional(),
    maxConcurrentCount: count(1).optional().describe('Accounts deployed at once.'),
    maxConcurrentPercentage: percentage('concurrency').min(1, { error: 'must be 1 to 100' }).optional(),
    concurrencyMode: z
      .enum(['STRICT_FAILURE_TOLERANCE', 'SOFT_FAILURE_TOLERANCE'], {
        error: 'must be STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE',
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.failureToleranceCount !== undefined && p.failureTolerancePercentage !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['failureTolerancePercentage'],
        input: p.failureTolerancePercentage,
        message: 'conflicts with failureToleranceCount: give one of them',
      });
    }
    if (p.maxConcurrentCount !== undefined && p.maxConcurrentPercentage !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConcurrentPercentage'],
        input: p.maxConcurrentPercentage,
        message: 'conflicts with maxConcurrentCount: give one of them',
      });
    }
    if (
      p.maxConcurrentCount !== undefined &&
      p.failureToleranceCount !== undefined &&
      p.failureToleranceCount >= p.maxConcurrentCount &&
      p.concurrencyMode !== 'SOFT_FAILURE_TOLERANCE'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['failureToleranceCount'],
        input: p.failureToleranceCount,
        message: `must be lower than maxConcurrentCount (${p.maxConcurrentCount}) unless concurrencyMode is SOFT_FAILURE_TOLERANCE`,
      });
    }
  })
  .describe('How fast StackSet operations roll out and how many failures they tolerate.');

const duration = z
  .string({ error: 'must be a duration such as "30m" or "1h30m"' })
  .regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, { error: 'must be a duration such as "30m" or "1h30m"' });

const membersSchema = z
  .strictObject({
    organizationRootId: organizationRootId.optional().describe('Deploy to the whole organization (the root, r-...).'),
    organizationalUnitIds: z
      .array(organizationalUnitId, { error: 'must be a list of OU IDs' })
      .min(1, { error: 'must list at least one OU' })
      .optional()
      .describe('Deploy to these OUs (and the OUs nested in them); one StackSet instance each.'),
    excludedAccountIds: z
      .array(accountId, { error: 'must be a list of account IDs' })
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not list an account twice' })
      .optional()
      .describe('Accounts in the targets whose stack creates no role.'),
    region: z
      .string({
        error: (issue) =>
          Array.isArray(issue.input)
            ? 'must be exactly one region, not a list: IAM is global, so a stack in a second region fails with "already exists"'
            : 'must be a region name',
      })
      .optional()
      .describe(
        'The one region the member stacks are deployed in. Default: us-east-1 (global) or us-gov-west-1 (GovCloud).',
      ),
    stackSetName: zodRule(stackSetNameRule, 'must be a stack set name')
      .optional()
      .describe('Default: QualysConnectorMemberRoles.'),
    retainStacksOnAccountRemoval: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Keep the role in an account that leaves the targets. Default: false.'),
    operationPreferences: operationPreferences.optional(),
    timeouts: z
      .strictObject({ create: duration.optional(), update: duration.optional(), delete: duration.optional() })
      .optional()
      .describe('Terraform timeouts of StackSet operations. Default: 60m each.'),
    protectFromDestroy: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Add prevent_destroy to the stack set and its instances.'),
  })
  .superRefine((members, ctx) => {
    const hasRoot = members.organizationRootId !== undefined;
    const hasOus = members.organizationalUnitIds !== undefined;
    if (hasRoot && hasOus) {
      ctx.addIssue({
        code: 'custom',
        path: ['organizationalUnitIds'],
        input: members.organizationalUnitIds,
        message: 'conflicts with organizationRootId: target the root or a list of OUs, not both',
      });
    } else if (!hasRoot && !hasOus) {
      ctx.addIssue({
        code: 'custom',
        path: ['organizationalUnitIds'],
        input: undefined,
        message: 'is required unless organizationRootId is given: the member roles need targets',
      });
    }
  });

const delegatedAdminSchema = z
  .strictObject({
    accountId: accountId.describe('The delegated administrator account for CloudFormation StackSets.'),
    assumeRoleArn: roleArn.optional(),
    profile: z.string().min(1).optional(),
  })
  .describe(
    'Create the stack set from a registered delegated administrator (call_as DELEGATED_ADMIN) instead of the management account.',
  );

export const organizationConnectorSettingsSchema = z.strictObject({
  ...connectorRoleFields,
  externalId: externalIdSetting.describe(
    'The external ID of the organization connector, shared by the management role and every member role: a value, a list while rotating (the first is the current one; every role accepts all of them), or {"variable": "external_id"}.',
  ),
  permissionsBoundaryArn: z
    .never({
      error:
        'is not supported for organization connectors: a boundary ARN names one account, member roles live in many',
    })
    .optional(),
  path: z
    .literal('/', {
      error:
        'must be "/" for organization connectors: CloudFormation cannot change the path of a named role in place (it would have to replace it, which it refuses), and Qualys takes only the member role name',
    })
    .optional()
    .describe('IAM path of the roles: only "/" for organizations.'),
});

export const organizationStackSchema = z.strictObject({
  kind: z
    .literal('organization')
    .describe('The management account role plus member roles rolled out by a service-managed StackSet.'),
  ...stackFields,
  delegatedAdmin: delegatedAdminSchema.optional(),
  managementRole: z
    .strictObject({
      deployWith: z
        .enum(['terraform', 'cloudformation-stack'], { error: 'must be "terraform" or "cloudformation-stack"' })
        .optional(),
      stackName: zodRule(stackSetNameRule, 'must be a stack name').optional(),
    })
    .optional()
    .describe(
      'How the management account gets its role: a Terraform role (default) or a CloudFormation stack of the management template.',
    ),
  members: membersSchema,
  connector: organizationConnectorSettingsSchema,
});

export const stackSchema = z.discriminatedUnion('kind', [accountStackSchema, organizationStackSchema], {
  error: 'must have kind "account" or "organization"',
});

/** Where the register command finds the Qualys Connector API: a platform of the table, or its URL. */
export const qualysApiSchema = z
  .strictObject({
    platform: z
      .enum(QUALYS_PLATFORM_NAMES as [QualysPlatform, ...QualysPlatform[]], {
        error: `must be a Qualys platform: ${QUALYS_PLATFORM_NAMES.join(', ')}`,
      })
      .optional()
      .describe(
        'The Qualys platform of your subscription (Help > About in Qualys); its API URL is taken from the table.',
      ),
    url: z
      .string({ error: 'must be a string' })
      .superRefine((url, ctx) => {
        const problem = apiUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', input: url, message: problem });
      })
      .optional()
      .describe('The API server, e.g. https://qualysapi.qg2.apps.qualys.eu: wins over the platform table.'),
  })
  .refine((api) => !(api.platform !== undefined && api.url !== undefined), {
    error: 'give platform or url, not both',
  })
  .describe('Where qualys-connector-register sends its calls (the synthesis ignores it).');

export const appConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    qualysApi: qualysApiSchema.optional(),
    stacks: z
      .array(stackSchema, { error: 'must be a list of stacks' })
      .min(1, { error: 'must list at least one stack' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.stacks.forEach((stack, i) => {
      if (seen.has(stack.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stacks', i, 'name'],
          input: stack.name,
          message: `repeats the name of stacks[${seen.get(stack.name)}]; stack names must be unique`,
        });
      } else {
        seen.set(stack.name, i);
      }
    });
  })
  .describe('Qualys AWS connector: the stacks this app synthesizes.');

/** A configuration as the plan takes it: its stacks' settings (and where the register command calls Qualys). */
export interface AppConfig {
  readonly $schema?: string;
  readonly qualysApi?: { readonly platform?: QualysPlatform; readonly url?: string };
  readonly stacks: readonly StackSettings[];
}
export type StackConfig = StackSettings;
export type AccountStackConfig = AccountStackSettings;
export type OrganizationStackConfig = OrganizationStackSettings;
export type BackendConfig = BackendSettings;

/** The JSON Schema of the configuration file, as published in `schema/`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(appConfigSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}
