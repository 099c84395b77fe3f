/*
 * What the next apply does when one setting changes: the verdict of the real AWS provider (update in place,
 * replace, create, delete, or a plan Terraform refuses) for each resource of the stack, and what that means for the
 * roles. The docs' change tables are rendered from these rows (npm run docs), and the emulated-AWS tier plans every
 * row with the real provider and requires exactly these verdicts (test/emulated/next-change.test.ts for account
 * stacks, organization-lifecycle.test.ts for organizations, which also applies each row and observes the member
 * accounts).
 */

/** What Terraform plans for one resource: `replace` is delete-then-create (or create-then-delete). */
export type Verdict = 'update' | 'replace' | 'create' | 'delete';

/** A stack of a configuration file, as JSON. */
export type StackJson = Record<string, unknown> & {
  connector: Record<string, unknown>;
  members?: Record<string, unknown>;
  provider?: Record<string, unknown>;
};

export interface AccountChange {
  /** The setting, as docs/configuration.md names it. */
  readonly setting: string;
  /** The change, in a few words. */
  readonly change: string;
  /** Makes the changed stack from a copy of the base stack. */
  readonly edit: (stack: StackJson) => void;
  /** The real provider's verdict per resource address; resources left out plan no change. */
  readonly planned: Readonly<Record<string, Verdict>>;
  /** What it means for the role and Qualys. */
  readonly effect: string;
}

/** The account stack every account row starts from: the default connector with a literal external ID. */
export const ACCOUNT_BASE: StackJson = {
  kind: 'account',
  name: 'qualys-connector',
  connector: { externalId: 'EU2-2792719', capabilities: ['cspm'] },
};

const ROLE = 'aws_iam_role.this';
const EXCLUSIVE = 'aws_iam_role_policy_attachments_exclusive.this';
const POLICIES = ['aws_iam_policy.asset_view', 'aws_iam_policy.cspm'];
const ATTACHMENTS = [
  'aws_iam_role_policy_attachment.asset_view',
  'aws_iam_role_policy_attachment.cspm',
  'aws_iam_role_policy_attachment.security_audit',
];
const all = (addresses: readonly string[], verdict: Verdict) =>
  Object.fromEntries(addresses.map((address) => [address, verdict])) as Record<string, Verdict>;

export const ACCOUNT_CHANGES: readonly AccountChange[] = [
  {
    setting: 'connector.externalId',
    change: 'another ID',
    edit: (s) => (s.connector.externalId = 'EU2-1009001'),
    planned: { [ROLE]: 'update' },
    effect: 'trust updated in place; Qualys fails until it has the new ID (rotate instead, below)',
  },
  {
    setting: 'connector.externalId',
    change: 'rotation, step 1: the new ID listed before the old',
    edit: (s) => (s.connector.externalId = ['EU2-1009001', 'EU2-2792719']),
    planned: { [ROLE]: 'update' },
    effect: 'trust updated in place to accept both IDs',
  },
  {
    setting: 'connector.trustedAccountId',
    change: 'another trusted account',
    edit: (s) => (s.connector.trustedAccountId = '123456789012'),
    planned: { [ROLE]: 'update' },
    effect: 'trust updated in place',
  },
  {
    setting: 'connector.capabilities',
    change: 'a capability added (remediation)',
    edit: (s) => (s.connector.capabilities = ['cspm', 'remediation']),
    planned: {
      'aws_iam_policy.remediation': 'create',
      'aws_iam_role_policy_attachment.remediation': 'create',
      [EXCLUSIVE]: 'update',
    },
    effect: 'its policy created and attached; the role is untouched',
  },
  {
    setting: 'connector.capabilities',
    change: 'a capability removed (cspm)',
    edit: (s) => (s.connector.capabilities = []),
    planned: {
      'aws_iam_policy.cspm': 'delete',
      'aws_iam_role_policy_attachment.cspm': 'delete',
      'aws_iam_role_policy_attachment.security_audit': 'delete',
      [EXCLUSIVE]: 'update',
    },
    effect: 'its policies detached (and its customer managed policy deleted); the role is untouched',
  },
  {
    setting: 'connector.roleName',
    change: 'another name',
    edit: (s) => (s.connector.roleName = 'QualysScanner'),
    planned: { [ROLE]: 'replace', ...all(POLICIES, 'replace'), ...all(ATTACHMENTS, 'replace'), [EXCLUSIVE]: 'replace' },
    effect: 'the role and its policies are deleted and made again under the new name: enter the new role ARN in Qualys',
  },
  {
    setting: 'connector.path',
    change: 'another path',
    edit: (s) => (s.connector.path = '/qualys/'),
    planned: {
      [ROLE]: 'replace',
      ...all(POLICIES, 'replace'),
      'aws_iam_role_policy_attachment.asset_view': 'replace',
      'aws_iam_role_policy_attachment.cspm': 'replace',
      [EXCLUSIVE]: 'update',
    },
    effect: 'the role and its policies are deleted and made again under the new path: enter the new role ARN in Qualys',
  },
  {
    setting: 'connector.permissionsBoundaryArn',
    change: 'a boundary set',
    edit: (s) => (s.connector.permissionsBoundaryArn = 'arn:aws:iam::123456789012:policy/PlatformBoundary'),
    planned: { [ROLE]: 'update' },
    effect: 'updated in place',
  },
  {
    setting: 'connector.maxSessionDuration',
    change: 'another length',
    edit: (s) => (s.connector.maxSessionDuration = 7200),
    planned: { [ROLE]: 'update' },
    effect: 'updated in place',
  },
  {
    setting: 'connector.description',
    change: 'another description',
    edit: (s) => (s.connector.description = 'Qualys scanner role'),
    planned: { [ROLE]: 'update' },
    effect: 'updated in place',
  },
  {
    setting: 'connector.tags',
    change: 'tags added',
    edit: (s) => (s.connector.tags = { owner: 'platform-team' }),
    planned: { [ROLE]: 'update', ...all(POLICIES, 'update') },
    effect: 'role and policies tagged in place',
  },
  {
    setting: 'connector.managedPolicyQuota',
    change: 'a higher quota',
    edit: (s) => (s.connector.managedPolicyQuota = 20),
    planned: {},
    effect: 'nothing: the quota only bounds how many policies the role may need',
  },
  {
    setting: 'region',
    change: 'another provider region',
    edit: (s) => (s.region = 'eu-west-1'),
    planned: {},
    effect: 'nothing: IAM is global',
  },
  {
    setting: 'provider.assumeRoleArn',
    change: 'a role in another account',
    edit: (s) => (s.provider = { assumeRoleArn: 'arn:aws:iam::999999999999:role/Deployer' }),
    planned: { [ROLE]: 'create', ...all(POLICIES, 'create'), ...all(ATTACHMENTS, 'create'), [EXCLUSIVE]: 'create' },
    effect:
      'a new role in the other account; the first account keeps its role, no longer managed (Terraform finds nothing there, so plans no deletion)',
  },
  {
    setting: 'importExistingRole',
    change: 'turned on for a role already managed',
    edit: (s) => (s.importExistingRole = true),
    planned: {},
    effect: 'nothing: Terraform ignores an import of what its state already holds',
  },
];
