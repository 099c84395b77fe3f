import { z } from 'zod';
import { checkConnectorConsistency } from '../connector/consistency';
import { QUALYS_ACCOUNT_TYPE_FACTS, accountTypeOf, describeRegion } from '../partition';
import { organizationRootIdRule, organizationalUnitIdRule, zodString } from './rules';
import { accountId, connectorRoleFields, externalIdList, externalIdValue, roleArn, terraformVariableName } from './fields';

/*
 * The app's configuration file. Its JSON Schema (schema/qualys-connector-config.schema.json) is generated
 * from this definition, so editors check a file with the same rules the app applies.
 */

const externalIdSetting = z
  .union([
    externalIdValue,
    externalIdList,
    z.strictObject({
      variable: terraformVariableName.describe('Name of the Terraform variable the stack declares for the external ID.'),
    }),
  ], {
    error: (issue) =>
      issue.input === undefined
        ? 'is required: the external ID Qualys shows, a list of 1 to 5 while rotating, or {"variable": "external_id"}'
        : 'must be a string, a list of 1 to 5 strings, or {"variable": "<Terraform variable name>"}',
  })
  .describe(
    'External ID entered in the Qualys connector: a value, a list of values while rotating (the first is the current one), or {"variable": "external_id"} to take it from a sensitive Terraform variable at plan time.',
  );

export const connectorSettingsSchema = z
  .strictObject({ externalId: externalIdSetting, ...connectorRoleFields })
  .superRefine(checkConnectorConsistency);

const localBackend = z.strictObject({
  type: z.literal('local'),
  path: z
    .string()
    .regex(/^(?!\/)[^\0]+$/, { error: 'must be a relative path (relative to the project folder), so synthesized files are portable' })
    .optional()
    .describe('State file, relative to the project folder. Default: terraform.<stack name>.tfstate.'),
});

const s3Backend = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(3, { error: 'must be an S3 bucket name' }).max(63, { error: 'must be an S3 bucket name (at most 63 characters)' }),
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
    accountId: accountId.optional().describe('The account this stack must deploy to; Terraform refuses credentials of any other (allowed_account_ids).'),
    profile: z.string().min(1).optional().describe('Shared config/credentials profile of the AWS provider.'),
    assumeRoleArn: roleArn
      .optional()
      .describe('Role the AWS provider assumes to reach the account (e.g. OrganizationAccountAccessRole).'),
  })
  .describe('How the AWS provider reaches the account.');

const stackFields = {
  name: z
    .string({ error: 'must be a stack name' })
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { error: 'must start with a letter and have at most 64 letters, digits, _ or -' })
    .describe('Stack name: the folder under cdktf.out/stacks and the argument of cdktf deploy.'),
  region: z.string().optional().describe("Provider region. Default: the partition's main region (us-east-1, us-gov-west-1, cn-north-1)."),
  backend: backendSchema.optional(),
  provider: providerSettings.optional(),
  importExistingRole: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .describe('Adopt a role of the same name made by hand: Terraform imports it on the next apply instead of failing with "already exists".'),
};

interface StackCommon {
  region?: string;
  backend?: BackendConfig;
  provider?: { assumeRoleArn?: string };
  connector: { qualysAccountType?: string };
}

function addRegionIssue(ctx: z.RefinementCtx, path: PropertyKey[], region: string, partition: string, accountType: string): void {
  const info = describeRegion(region);
  if (info.known && info.partition === partition) return;
  ctx.addIssue({
    code: 'custom',
    path,
    input: region,
    message: info.known
      ? `must be a region of partition "${partition}" (qualysAccountType "${accountType}"); it is in "${info.partition}"`
      : `is not an AWS region the AWS SDK knows (partition "${partition}" for qualysAccountType "${accountType}")`,
  });
}

/** Regions and role ARNs of a stack must belong to the connector's partition. */
function checkStackPartition(stack: StackCommon, ctx: z.RefinementCtx, extra: { path: PropertyKey[]; region?: string; roleArn?: string }[] = []): void {
  const accountType = accountTypeOf(stack.connector.qualysAccountType);
  const partition = QUALYS_ACCOUNT_TYPE_FACTS[accountType]?.partition;
  if (partition === undefined) return;
  const roleArns: { path: PropertyKey[]; arn?: string }[] = [
    { path: ['provider', 'assumeRoleArn'], arn: stack.provider?.assumeRoleArn },
    ...extra.filter((e) => e.roleArn !== undefined).map((e) => ({ path: e.path, arn: e.roleArn })),
  ];
  for (const { path, arn } of roleArns) {
    if (arn !== undefined && arn.split(':')[1] !== partition) {
      ctx.addIssue({ code: 'custom', path, input: arn, message: `must be in partition "${partition}" (qualysAccountType "${accountType}")` });
    }
  }
  const regions: { path: PropertyKey[]; region?: string }[] = [
    { path: ['region'], region: stack.region },
    { path: ['backend', 'region'], region: stack.backend?.type === 's3' ? stack.backend.region : undefined },
    ...extra.filter((e) => e.region !== undefined),
  ];
  for (const { path, region } of regions) {
    if (region !== undefined) addRegionIssue(ctx, path, region, partition, accountType);
  }
}

export const accountStackSchema = z
  .strictObject({
    kind: z.literal('account', { error: 'must be "account" or "organization"' }).describe('One account connected with one role.'),
    ...stackFields,
    connector: connectorSettingsSchema,
  })
  .superRefine((stack, ctx) => checkStackPartition(stack, ctx));

const organizationalUnitId = zodString(organizationalUnitIdRule, 'must be an OU ID');

const organizationRootId = zodString(organizationRootIdRule, 'must be a root ID');

const percentage = (what: string) =>
  z.number({ error: `must be a whole ${what} percentage` }).int({ error: `must be a whole ${what} percentage` }).min(0, { error: 'must be 0 to 100' }).max(100, { error: 'must be 0 to 100' });
const count = (min: number) =>
  z.number({ error: `must be a whole number of at least ${min}` }).int({ error: `must be a whole number of at least ${min}` }).min(min, { error: `must be at least ${min}` });

const operationPreferences = z
  .strictObject({
    failureToleranceCount: count(0).optional().describe('Accounts that may fail before CloudFormation stops the operation.'),
    failureTolerancePercentage: percentage('failure tolerance').optional(),
    maxConcurrentCount: count(1).optional().describe('Accounts deployed at once.'),
    maxConcurrentPercentage: percentage('concurrency').min(1, { error: 'must be 1 to 100' }).optional(),
    concurrencyMode: z.enum(['STRICT_FAILURE_TOLERANCE', 'SOFT_FAILURE_TOLERANCE'], { error: 'must be STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE' }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.failureToleranceCount !== undefined && p.failureTolerancePercentage !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['failureTolerancePercentage'], input: p.failureTolerancePercentage, message: 'conflicts with failureToleranceCount: give one of them' });
    }
    if (p.maxConcurrentCount !== undefined && p.maxConcurrentPercentage !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxConcurrentPercentage'], input: p.maxConcurrentPercentage, message: 'conflicts with maxConcurrentCount: give one of them' });
    }
    if (p.maxConcurrentCount !== undefined && p.failureToleranceCount !== undefined && p.failureToleranceCount >= p.maxConcurrentCount && p.concurrencyMode !== 'SOFT_FAILURE_TOLERANCE') {
      ctx.addIssue({ code: 'custom', path: ['failureToleranceCount'], input: p.failureToleranceCount, message: `must be lower than maxConcurrentCount (${p.maxConcurrentCount}) unless concurrencyMode is SOFT_FAILURE_TOLERANCE` });
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
      .string({ error: (issue) => (Array.isArray(issue.input) ? 'must be exactly one region, not a list: IAM is global, so a stack in a second region fails with "already exists"' : 'must be a region name') })
      .optional()
      .describe('The one region the member stacks are deployed in. Default: us-east-1 (global) or us-gov-west-1 (GovCloud).'),
    stackSetName: z
      .string({ error: 'must be a stack set name' })
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'must start with a letter, then letters, digits and hyphens, at most 128 characters (StackSet name rule)' })
      .optional()
      .describe('Default: QualysConnectorMemberRoles.'),
    retainStacksOnAccountRemoval: z.boolean({ error: 'must be true or false' }).optional().describe('Keep the role in an account that leaves the targets. Default: false.'),
    operationPreferences: operationPreferences.optional(),
    timeouts: z.strictObject({ create: duration.optional(), update: duration.optional(), delete: duration.optional() }).optional().describe('Terraform timeouts of StackSet operations. Default: 60m each.'),
    protectFromDestroy: z.boolean({ error: 'must be true or false' }).optional().describe('Add prevent_destroy to the stack set and its instances.'),
  })
  .superRefine((members, ctx) => {
    const hasRoot = members.organizationRootId !== undefined;
    const hasOus = members.organizationalUnitIds !== undefined;
    if (hasRoot && hasOus) {
      ctx.addIssue({ code: 'custom', path: ['organizationalUnitIds'], input: members.organizationalUnitIds, message: 'conflicts with organizationRootId: target the root or a list of OUs, not both' });
    } else if (!hasRoot && !hasOus) {
      ctx.addIssue({ code: 'custom', path: ['organizationalUnitIds'], input: undefined, message: 'is required unless organizationRootId is given: the member roles need targets' });
    }
  });

const delegatedAdminSchema = z
  .strictObject({
    accountId: accountId.describe('The delegated administrator account for CloudFormation StackSets.'),
    assumeRoleArn: roleArn
      .optional(),
    profile: z.string().min(1).optional(),
  })
  .superRefine((admin, ctx) => {
    if (admin.assumeRoleArn === undefined && admin.profile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['assumeRoleArn'], input: undefined, message: 'or profile is required: the stack set is created with credentials of the delegated administrator account' });
    }
    if (admin.assumeRoleArn !== undefined && admin.assumeRoleArn.split(':')[4] !== admin.accountId) {
      ctx.addIssue({ code: 'custom', path: ['assumeRoleArn'], input: admin.assumeRoleArn, message: `must be a role in the delegated administrator account ${admin.accountId}` });
    }
  })
  .describe('Create the stack set from a registered delegated administrator (call_as DELEGATED_ADMIN) instead of the management account.');

export const organizationConnectorSettingsSchema = z
  .strictObject({
    ...connectorRoleFields,
    externalId: externalIdSetting.describe(
      'The external ID of the organization connector, shared by the management role and every member role: a value, a list while rotating (the first is the current one; every role accepts all of them), or {"variable": "external_id"}.',
    ),
    permissionsBoundaryArn: z
      .never({ error: 'is not supported for organization connectors: a boundary ARN names one account, member roles live in many' })
      .optional(),
    path: z
      .literal('/', {
        error:
          'must be "/" for organization connectors: CloudFormation cannot change the path of a named role in place (it would have to replace it, which it refuses), and Qualys takes only the member role name',
      })
      .optional()
      .describe('IAM path of the roles: only "/" for organizations.'),
  })
  .superRefine((value, ctx) => {
    checkConnectorConsistency(value, ctx);
    const accountType = accountTypeOf(value.qualysAccountType);
    if (QUALYS_ACCOUNT_TYPE_FACTS[accountType] && !QUALYS_ACCOUNT_TYPE_FACTS[accountType].organizationConnector) {
      ctx.addIssue({ code: 'custom', path: ['qualysAccountType'], input: accountType, message: 'has no organization connector at Qualys (global and govcloud only); connect China accounts one by one with kind "account"' });
    }
  });

export const organizationStackSchema = z
  .strictObject({
    kind: z.literal('organization').describe('The management account role plus member roles rolled out by a service-managed StackSet.'),
    ...stackFields,
    delegatedAdmin: delegatedAdminSchema.optional(),
    managementRole: z
      .strictObject({
        deployWith: z.enum(['terraform', 'cloudformation-stack'], { error: 'must be "terraform" or "cloudformation-stack"' }).optional(),
        stackName: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'must start with a letter, then letters, digits and hyphens, at most 128 characters' })
          .optional(),
      })
      .optional()
      .describe('How the management account gets its role: a Terraform role (default) or a CloudFormation stack of the management template.'),
    members: membersSchema,
    connector: organizationConnectorSettingsSchema,
  })
  .superRefine((stack, ctx) => {
    checkStackPartition(stack, ctx, [
      { path: ['members', 'region'], region: stack.members.region },
      { path: ['delegatedAdmin', 'assumeRoleArn'], roleArn: stack.delegatedAdmin?.assumeRoleArn },
    ]);
    const management = stack.provider?.accountId;
    if (management !== undefined && stack.delegatedAdmin?.accountId === management) {
      ctx.addIssue({ code: 'custom', path: ['delegatedAdmin', 'accountId'], input: management, message: 'is the management account (provider.accountId); leave delegatedAdmin out to create the stack set from the management account' });
    }
    const excluded = stack.members.excludedAccountIds ?? [];
    if (management !== undefined && excluded.includes(management)) {
      ctx.addIssue({ code: 'custom', path: ['members', 'excludedAccountIds', excluded.indexOf(management)], input: management, message: 'is the management account, which a service-managed StackSet never deploys to; its role is the management role' });
    }
    if (stack.importExistingRole === true && stack.managementRole?.deployWith === 'cloudformation-stack') {
      ctx.addIssue({ code: 'custom', path: ['importExistingRole'], input: true, message: 'only applies to the Terraform management role; a CloudFormation stack cannot adopt a role made by hand' });
    }
    if (stack.managementRole?.stackName !== undefined && stack.managementRole.deployWith !== 'cloudformation-stack') {
      ctx.addIssue({ code: 'custom', path: ['managementRole', 'stackName'], input: stack.managementRole.stackName, message: 'only applies with deployWith "cloudformation-stack"' });
    }
  });

const stackSchema = z.discriminatedUnion('kind', [accountStackSchema, organizationStackSchema], {
  error: 'must have kind "account" or "organization"',
});

export const appConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    stacks: z
      .array(stackSchema, { error: 'must be a list of stacks' })
      .min(1, { error: 'must list at least one stack' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.stacks.forEach((stack, i) => {
      if (seen.has(stack.name)) {
        ctx.addIssue({ code: 'custom', path: ['stacks', i, 'name'], input: stack.name, message: `repeats the name of stacks[${seen.get(stack.name)}]; stack names must be unique` });
      } else {
        seen.set(stack.name, i);
      }
    });
  })
  .describe('Qualys AWS connector: the stacks this app synthesizes.');

export type AppConfig = z.output<typeof appConfigSchema>;
export type AccountStackConfig = z.output<typeof accountStackSchema>;
export type OrganizationStackConfig = z.output<typeof organizationStackSchema>;
export type StackConfig = z.output<typeof stackSchema>;
export type ConnectorSettings = z.output<typeof connectorSettingsSchema>;
export type BackendConfig = z.output<typeof backendSchema>;

/** The JSON Schema of the configuration file, as published in `schema/`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(appConfigSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}
