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
    setting: 'connector.qualysAccountType',
    change: 'another partition (global to govcloud)',
    edit: (s) => {
      s.connector.qualysAccountType = 'govcloud';
      s.connector.trustedAccountId = '123456789012';
    },
    planned: { [ROLE]: 'create', ...all(POLICIES, 'create'), ...all(ATTACHMENTS, 'create'), [EXCLUSIVE]: 'create' },
    effect:
      "a new role in the other partition (the provider's region moves to it); the first keeps its role, no longer managed",
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

/** How a step changes the member roles, by the emulated organization's account names; the others are untouched. */
export interface MemberEffect {
  /** Accounts that get the role. */
  readonly created?: readonly string[];
  /** Accounts whose role is deleted. */
  readonly deleted?: readonly string[];
  /** Accounts whose role changes (trust, policies, tags or description). */
  readonly updated?: readonly string[];
  /** Accounts that leave the targets and keep their role, no longer managed by the stack set. */
  readonly kept?: readonly string[];
}

export interface OrganizationStep {
  readonly setting: string;
  readonly change: string;
  /** Makes this step's stack from the sequence's stack so far (steps of a sequence build on each other). */
  readonly edit: (stack: StackJson) => void;
  /**
   * The real provider's verdicts per resource; or the error Terraform refuses the plan with (then the step is not
   * applied and the next step starts from the stack before it).
   */
  readonly planned: Readonly<Record<string, Verdict>> | { readonly refused: RegExp };
  /** Options this step is planned and applied with, as the docs tell users to (e.g. `-refresh=false`). */
  readonly planOptions?: readonly string[];
  /** Resources destroyed first, with `terraform destroy -target`, as the docs' two-step changes say. */
  readonly destroyFirst?: readonly string[];
  /** Marks a resource tainted before the plan (a failed or timed-out stack set operation). */
  readonly taint?: string;
  /** Then runs the docs' `terraform untaint` command (docs/organizations.md), which must name the same resource. */
  readonly untaint?: boolean;
  /** Only planned, to show what an apply would do: the docs advise against applying it this way. */
  readonly planOnly?: boolean;
  readonly members: MemberEffect;
  /** What it means for the member roles, for the docs. */
  readonly effect: string;
}

export interface OrganizationSequence {
  readonly name: string;
  readonly steps: readonly OrganizationStep[];
}

/**
 * The organization stack every sequence starts from: examples/organization.json with a literal external ID. Its IDs
 * are placeholders for an organization's: 111111111111 the management account, 222222222222 the delegated
 * administrator, ou-ab12-11111111, -22222222 and -33333333 three OUs (the first with an OU two levels below it),
 * r-ab12 the root, 333333333333 and 444444444444 two member accounts to exclude (a2 of the first OU, b1 of the second).
 */
export const ORGANIZATION_BASE: StackJson = {
  kind: 'organization',
  name: 'qualys-organization',
  provider: { accountId: '111111111111' },
  connector: { externalId: 'EU2-2792719', capabilities: ['cspm'], tags: { owner: 'platform-team' } },
  members: {
    organizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'],
    excludedAccountIds: ['333333333333'],
    region: 'us-east-1',
  },
};

const STACK_SET = 'aws_cloudformation_stack_set.member_roles';
const INSTANCE_A = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_11111111';
const INSTANCE_B = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_22222222';
const INSTANCE_C = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_33333333';
const INSTANCE_ROOT = 'aws_cloudformation_stack_set_instance.member_roles_r_ab12';
const MANAGEMENT_ROLE = 'aws_iam_role.management';
const MANAGEMENT_POLICIES = ['asset_view', 'cspm', 'organization'].map((p) => `aws_iam_policy.management_${p}`);
const MANAGEMENT_ATTACHMENTS = ['asset_view', 'cspm', 'organization', 'security_audit'].map(
  (p) => `aws_iam_role_policy_attachment.management_${p}`,
);
const MANAGEMENT_EXCLUSIVE = 'aws_iam_role_policy_attachments_exclusive.management';
/** Every member account the base stack reaches: OU a (a1, and a3 two OUs down) and OU b (b1). */
const BASE_MEMBERS = ['a1', 'a3', 'b1'];
const members = (stack: StackJson) => stack.members as Record<string, unknown>;

export const ORGANIZATION_SEQUENCES: readonly OrganizationSequence[] = [
  {
    name: 'targets',
    steps: [
      {
        setting: 'members.organizationalUnitIds',
        change: 'an OU added',
        edit: (s) => (members(s).organizationalUnitIds = ['ou-ab12-11111111', 'ou-ab12-22222222', 'ou-ab12-33333333']),
        planned: { [INSTANCE_C]: 'create' },
        members: { created: ['o1'] },
        effect: "one stack set instance added: the new OU's accounts get the role; the others are untouched",
      },
      {
        setting: 'members.organizationalUnitIds',
        change: 'an OU removed',
        edit: (s) => (members(s).organizationalUnitIds = ['ou-ab12-11111111', 'ou-ab12-33333333']),
        planned: { [INSTANCE_B]: 'delete' },
        members: { deleted: ['b1'] },
        effect: "that OU's instance destroyed: the role is **deleted** in its accounts, untouched elsewhere",
      },
      {
        setting: 'members.organizationRootId',
        change: 'the root instead of OUs, in one apply',
        edit: (s) => {
          delete members(s).organizationalUnitIds;
          members(s).organizationRootId = 'r-ab12';
        },
        planned: { [INSTANCE_ROOT]: 'create', [INSTANCE_A]: 'delete', [INSTANCE_C]: 'delete' },
        planOnly: true,
        members: {},
        effect:
          "the root's instance created while the OUs' are destroyed, in no set order: do it in two steps (next row)",
      },
      {
        setting: 'members.organizationRootId',
        change: 'the root instead of OUs, in two steps',
        edit: (s) => {
          delete members(s).organizationalUnitIds;
          members(s).organizationRootId = 'r-ab12';
        },
        destroyFirst: [INSTANCE_A, INSTANCE_C],
        planned: { [INSTANCE_ROOT]: 'create' },
        members: { created: ['b1', 'admin'] },
        effect:
          'step 1 destroys the OU instances (their roles are deleted), step 2 creates the root instance: every member account gets the role',
      },
      {
        setting: 'members.region',
        change: 'another member region',
        edit: (s) => (members(s).region = 'us-west-2'),
        planned: { [INSTANCE_ROOT]: 'replace' },
        members: {},
        effect: 'every instance replaced: the roles are deleted, then made again from the new region (gone in between)',
      },
    ],
  },
  {
    name: 'content',
    steps: [
      {
        setting: 'members.excludedAccountIds',
        change: 'an account excluded',
        edit: (s) => (members(s).excludedAccountIds = ['333333333333', '444444444444']),
        planned: { [STACK_SET]: 'update' },
        members: { deleted: ['b1'] },
        effect: "the stack set's template updated in place: the excluded account's role is deleted",
      },
      {
        setting: 'connector.capabilities',
        change: 'a capability added',
        edit: (s) => (s.connector.capabilities = ['cspm', 'remediation']),
        planned: {
          [STACK_SET]: 'update',
          'aws_iam_policy.management_remediation': 'create',
          'aws_iam_role_policy_attachment.management_remediation': 'create',
          [MANAGEMENT_EXCLUSIVE]: 'update',
        },
        members: { updated: ['a1', 'a3'] },
        effect: 'the stack set updated in place: every member role gets the policy',
      },
      {
        setting: 'connector.capabilities',
        change: 'a capability removed, and an account no longer excluded',
        edit: (s) => {
          s.connector.capabilities = ['cspm'];
          members(s).excludedAccountIds = ['333333333333'];
        },
        planned: {
          [STACK_SET]: 'update',
          'aws_iam_policy.management_remediation': 'delete',
          'aws_iam_role_policy_attachment.management_remediation': 'delete',
          [MANAGEMENT_EXCLUSIVE]: 'update',
        },
        members: { updated: ['a1', 'a3'], created: ['b1'] },
        effect: 'the stack set updated in place: the policy leaves every member role; the account gets its role back',
      },
      {
        setting: 'connector.description, connector.tags, connector.maxSessionDuration',
        change: 'other values',
        edit: (s) => {
          s.connector.description = 'Qualys scanner role';
          s.connector.tags = { owner: 'security' };
          s.connector.maxSessionDuration = 7200;
        },
        planned: {
          [STACK_SET]: 'update',
          [MANAGEMENT_ROLE]: 'update',
          ...Object.fromEntries(MANAGEMENT_POLICIES.map((p) => [p, 'update' as Verdict])),
        },
        members: { updated: BASE_MEMBERS },
        effect: 'the stack set and the management role updated in place: every member role is updated',
      },
    ],
  },
  {
    name: 'rotation',
    steps: [
      {
        setting: 'connector.externalId',
        change: 'rotation, step 1: the new ID listed first',
        edit: (s) => (s.connector.externalId = ['EU2-1009001', 'EU2-2792719']),
        planned: { [STACK_SET]: 'update', [MANAGEMENT_ROLE]: 'update' },
        members: { updated: BASE_MEMBERS },
        effect: 'the stack set and the management role updated in place: every role accepts both IDs',
      },
      {
        setting: 'connector.externalId',
        change: 'rotation, step 2: the old ID removed',
        edit: (s) => (s.connector.externalId = ['EU2-1009001']),
        planned: { [STACK_SET]: 'update', [MANAGEMENT_ROLE]: 'update' },
        members: { updated: BASE_MEMBERS },
        effect: 'updated in place: every role accepts the new ID only',
      },
      {
        setting: 'connector.trustedAccountId',
        change: 'another trusted account',
        edit: (s) => (s.connector.trustedAccountId = '123456789012'),
        planned: { [STACK_SET]: 'update', [MANAGEMENT_ROLE]: 'update' },
        members: { updated: BASE_MEMBERS },
        effect: 'updated in place: every role trusts the new account',
      },
      {
        setting: 'connector.roleName',
        change: 'another role name',
        edit: (s) => (s.connector.roleName = 'QualysScanner'),
        planned: {
          [STACK_SET]: 'update',
          [MANAGEMENT_ROLE]: 'replace',
          ...Object.fromEntries(MANAGEMENT_POLICIES.map((p) => [p, 'replace' as Verdict])),
          ...Object.fromEntries(MANAGEMENT_ATTACHMENTS.map((p) => [p, 'replace' as Verdict])),
          [MANAGEMENT_EXCLUSIVE]: 'replace',
        },
        members: { created: BASE_MEMBERS, deleted: BASE_MEMBERS },
        effect:
          'the stack set updated: CloudFormation makes each role under the new name and deletes the old one; the management role is replaced. Enter the new name in Qualys',
      },
    ],
  },
  {
    name: 'protection',
    steps: [
      {
        setting: 'members.protectFromDestroy',
        change: 'turned on',
        edit: (s) => (members(s).protectFromDestroy = true),
        planned: { [INSTANCE_A]: 'update', [INSTANCE_B]: 'update' },
        members: {},
        effect: 'the instances updated in place (`retain_stack`): the roles are untouched',
      },
      {
        setting: 'members.organizationalUnitIds',
        change: 'an OU removed, protected',
        edit: (s) => (members(s).organizationalUnitIds = ['ou-ab12-11111111']),
        planned: { [INSTANCE_B]: 'delete' },
        members: { kept: ['b1'] },
        effect: "that OU's instance destroyed, its stacks kept: the roles stay in its accounts, no longer updated",
      },
      {
        setting: 'members.stackSetName',
        change: 'another name, protected',
        edit: (s) => (members(s).stackSetName = 'QualysMemberRoles'),
        planned: { refused: /Instance cannot be destroyed[\s\S]*prevent_destroy/ },
        members: {},
        effect: 'refused: the stack set and its instances would be replaced, which `prevent_destroy` forbids',
      },
      {
        setting: 'members.organizationRootId',
        change: 'the root instead of OUs, protected',
        edit: (s) => {
          delete members(s).organizationalUnitIds;
          members(s).organizationRootId = 'r-ab12';
        },
        planned: { [INSTANCE_ROOT]: 'create', [INSTANCE_A]: 'delete' },
        planOnly: true,
        members: {},
        effect:
          "the OUs' instances destroyed with their stacks kept, the root's created: the kept roles block the new stacks in those accounts (see Protection)",
      },
      {
        setting: 'members.protectFromDestroy',
        change: 'turned off',
        edit: (s) => (members(s).protectFromDestroy = false),
        planned: { [INSTANCE_A]: 'update' },
        members: {},
        effect: 'the instances updated in place: the roles are untouched',
      },
      {
        setting: 'members.stackSetName',
        change: 'another name',
        edit: (s) => (members(s).stackSetName = 'QualysMemberRoles'),
        planned: { [STACK_SET]: 'replace', [INSTANCE_A]: 'replace' },
        members: {},
        effect:
          'the stack set replaced, its instances first: the roles are **deleted, then made again** (gone in between)',
      },
    ],
  },
  {
    name: 'administrator',
    steps: [
      {
        setting: 'delegatedAdmin',
        change: 'added, planned as usual',
        edit: (s) =>
          (s.delegatedAdmin = {
            accountId: '222222222222',
            assumeRoleArn: 'arn:aws:iam::222222222222:role/StackSetAdministrator',
          }),
        planned: { [STACK_SET]: 'create', [INSTANCE_A]: 'create', [INSTANCE_B]: 'create' },
        planOnly: true,
        members: {},
        effect:
          'the provider looks for the stack set as the administrator with the old `call_as`, finds nothing and would create it again (which fails: the name exists): apply it with the refresh off (next row)',
      },
      {
        setting: 'delegatedAdmin',
        change: 'added, with `-refresh=false`',
        edit: (s) =>
          (s.delegatedAdmin = {
            accountId: '222222222222',
            assumeRoleArn: 'arn:aws:iam::222222222222:role/StackSetAdministrator',
          }),
        planOptions: ['-refresh=false'],
        planned: { [STACK_SET]: 'update', [INSTANCE_A]: 'update', [INSTANCE_B]: 'update' },
        members: {},
        effect: 'the stack set and its instances updated in place (`call_as`): the roles are untouched',
      },
      {
        setting: 'delegatedAdmin',
        change: 'removed, with `-refresh=false`',
        edit: (s) => delete s.delegatedAdmin,
        planOptions: ['-refresh=false'],
        planned: { [STACK_SET]: 'update', [INSTANCE_A]: 'update', [INSTANCE_B]: 'update' },
        members: {},
        effect: 'updated in place again: the roles are untouched',
      },
      {
        setting: 'members.retainStacksOnAccountRemoval',
        change: 'turned on',
        edit: (s) => (members(s).retainStacksOnAccountRemoval = true),
        planned: {},
        members: {},
        effect: 'nothing: Terraform ignores it after creation (the provider would replace the stack set for it)',
      },
      {
        setting: 'members.timeouts',
        change: 'longer timeouts',
        edit: (s) => (members(s).timeouts = { create: '2h', update: '2h', delete: '2h' }),
        planned: {},
        members: {},
        effect:
          'nothing planned: Terraform keeps timeouts out of the plan and uses the new ones from the next operation on',
      },
    ],
  },
  {
    name: 'operations',
    steps: [
      {
        setting: 'members.operationPreferences',
        change: 'other preferences',
        edit: (s) => (members(s).operationPreferences = { failureToleranceCount: 1, maxConcurrentCount: 5 }),
        planned: { [STACK_SET]: 'update' },
        members: {},
        effect: "the stack set updated in place; the instances' copies are used at creation only: roles untouched",
      },
      {
        setting: 'a failed or timed-out instance operation',
        change: 'the instance tainted',
        edit: () => undefined,
        taint: INSTANCE_B,
        planned: { [INSTANCE_B]: 'replace' },
        members: {},
        effect:
          'the next apply replaces the instance: the roles of the whole OU are **deleted and made again** (untaint it instead, see below)',
      },
      {
        setting: 'a failed or timed-out instance operation',
        change: 'the instance tainted, then untainted as below',
        edit: () => undefined,
        taint: INSTANCE_A,
        untaint: true,
        planned: {},
        members: {},
        effect: 'nothing: the roles stay; rerun the operation for the failed accounts (below)',
      },
    ],
  },
];

/** What a resource is called in the change tables, from its address. */
function noun(address: string): { one: string; many: string } {
  const [type, name] = address.split('.');
  const management = name.startsWith('management');
  const nouns: Record<string, { one: string; many: string }> = {
    aws_iam_role: management
      ? { one: 'the management role', many: 'management roles' }
      : { one: 'the role', many: 'roles' },
    aws_iam_policy: {
      one: management ? 'a management policy' : 'a policy',
      many: management ? 'management policies' : 'policies',
    },
    aws_iam_role_policy_attachment: { one: 'an attachment', many: 'attachments' },
    aws_iam_role_policy_attachments_exclusive: { one: 'the exclusive attachments', many: 'exclusive attachments' },
    aws_cloudformation_stack_set: { one: 'the stack set', many: 'stack sets' },
    aws_cloudformation_stack_set_instance: { one: 'an instance', many: 'instances' },
    aws_cloudformation_stack: { one: 'the management stack', many: 'stacks' },
  };
  const found = nouns[type];
  if (!found) throw new Error(`no name for ${address} in the change tables`);
  return found;
}

const VERBS: Record<Verdict, string> = {
  create: 'creates',
  update: 'updates',
  replace: 'replaces',
  delete: 'destroys',
};

/** A plan's verdicts in words: "replaces the role, 2 policies and 3 attachments; updates the exclusive attachments". */
export function describeVerdicts(planned: OrganizationStep['planned']): string {
  if ('refused' in planned) return '**refused** by Terraform (`prevent_destroy`)';
  const parts: string[] = [];
  for (const verdict of ['replace', 'delete', 'create', 'update'] as Verdict[]) {
    const counts = new Map<string, { one: string; many: string; count: number }>();
    for (const [address, v] of Object.entries(planned)) {
      if (v !== verdict) continue;
      const n = noun(address);
      const entry = counts.get(n.many) ?? { ...n, count: 0 };
      entry.count++;
      counts.set(n.many, entry);
    }
    const things = [...counts.values()].map((n) => (n.count === 1 ? n.one : `${n.count} ${n.many}`));
    if (things.length === 0) continue;
    const list = things.length === 1 ? things[0] : `${things.slice(0, -1).join(', ')} and ${things[things.length - 1]}`;
    parts.push(`${VERBS[verdict]} ${list}`);
  }
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The account change table of docs/configuration.md. */
export function renderAccountChanges(): string {
  return [
    '| Setting | Change | The AWS provider plans | The role |',
    '|---|---|---|---|',
    ...ACCOUNT_CHANGES.map(
      (row) =>
        `| \`${row.setting}\` | ${cell(row.change)} | ${cell(describeVerdicts(row.planned))} | ${cell(row.effect)} |`,
    ),
  ].join('\n');
}

/** How a step is run, when the docs give more than a plain deploy. */
function howRun(step: OrganizationStep): string {
  if (step.destroyFirst) return ' (after `terraform destroy -target=` of the old instances)';
  if (step.planOptions) return ` (planned with \`${step.planOptions.join(' ')}\`)`;
  return '';
}

/** The organization change table of docs/organizations.md. */
export function renderOrganizationChanges(): string {
  return [
    '| Setting | Change | The AWS provider plans | Member roles |',
    '|---|---|---|---|',
    ...ORGANIZATION_SEQUENCES.flatMap((sequence) => sequence.steps).map(
      (step) =>
        `| ${step.setting
          .split(', ')
          .map((s) => (s.includes(' ') ? s : `\`${s}\``))
          .join(
            ', ',
          )} | ${cell(step.change)} | ${cell(describeVerdicts(step.planned) + howRun(step))} | ${cell(step.effect)} |`,
    ),
  ].join('\n');
}
