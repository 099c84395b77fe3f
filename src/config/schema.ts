import { z } from 'zod';
import { checkConnectorConsistency } from '../connector/consistency';
import { QUALYS_ACCOUNT_TYPE_FACTS, QualysAccountType, describeRegion } from '../partition';
import { accountId, connectorRoleFields, externalIdList, externalIdValue, terraformVariableName } from './fields';

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
  ])
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
    assumeRoleArn: z
      .string()
      .regex(/^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/([\x21-\x7E]*\/)?[\w+=,.@-]{1,64}$/, { error: 'must be an IAM role ARN: arn:<partition>:iam::<12 digits>:role/<name>' })
      .optional()
      .describe('Role the AWS provider assumes to reach the account (e.g. OrganizationAccountAccessRole).'),
  })
  .describe('How the AWS provider reaches the account.');

export const accountStackSchema = z
  .strictObject({
    kind: z.literal('account', { error: 'must be "account": one account connected with one role' }).describe('One account connected with one role.'),
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
    connector: connectorSettingsSchema,
  })
  .superRefine((stack, ctx) => {
    const accountType = (stack.connector.qualysAccountType ?? 'global') as QualysAccountType;
    const partition = QUALYS_ACCOUNT_TYPE_FACTS[accountType]?.partition;
    const assumeRole = stack.provider?.assumeRoleArn;
    if (assumeRole !== undefined && partition !== undefined && assumeRole.split(':')[1] !== partition) {
      ctx.addIssue({ code: 'custom', path: ['provider', 'assumeRoleArn'], input: assumeRole, message: `must be in partition "${partition}" (qualysAccountType "${accountType}")` });
    }
    const regions: [string, string | undefined][] = [
      ['region', stack.region],
      ...(stack.backend?.type === 's3' ? ([['backend.region', stack.backend.region]] as [string, string][]) : []),
    ];
    for (const [field, region] of regions) {
      if (region === undefined || partition === undefined) continue;
      const info = describeRegion(region);
      if (!info.known || info.partition !== partition) {
        ctx.addIssue({
          code: 'custom',
          path: field.split('.'),
          input: region,
          message: info.known
            ? `must be a region of partition "${partition}" (qualysAccountType "${accountType}"); it is in "${info.partition}"`
            : `is not an AWS region the AWS SDK knows (partition "${partition}" for qualysAccountType "${accountType}")`,
        });
      }
    }
  });

export const appConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    stacks: z
      .array(accountStackSchema, { error: 'must be a list of stacks' })
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
export type ConnectorSettings = z.output<typeof connectorSettingsSchema>;
export type BackendConfig = z.output<typeof backendSchema>;

/** The JSON Schema of the configuration file, as published in `schema/`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(appConfigSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}
