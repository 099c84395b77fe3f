/*
 * Emulated organizations for the examples' placeholder IDs. An example names OUs, a root, a management and a
 * delegated administrator account, and excluded accounts that exist nowhere; each scenario makes an organization
 * whose IDs replace them, with member accounts in and outside the targets and one OU nested two levels below a
 * target (a member there must get a role too).
 */
import { EmulatedAws, EmulatedOrganization, Partition } from './emulator';

export const PLACEHOLDER = {
  management: '111111111111',
  administrator: '222222222222',
  excluded: '333333333333',
  /** A second account to exclude: b1. */
  excludedLater: '444444444444',
  ouA: 'ou-ab12-11111111',
  ouB: 'ou-ab12-22222222',
  ouC: 'ou-ab12-33333333',
  root: 'r-ab12',
} as const;

/**
 * OU `a` (the examples' first OU) holds `a1`, the excluded `a2`, and OU `a-deep` (two levels down, through `a-mid`)
 * with `a3`; OU `b` (the second) holds `b1`; OU `other` (ou-ab12-33333333, which no example targets) holds `o1`;
 * `admin` sits under the root and is the StackSets delegated administrator.
 */
export const EXAMPLE_LAYOUT = {
  ous: [
    { name: 'a' },
    { name: 'a-mid', parent: 'a' },
    { name: 'a-deep', parent: 'a-mid' },
    { name: 'b' },
    { name: 'other' },
  ],
  accounts: { a1: 'a', a2: 'a', a3: 'a-deep', b1: 'b', o1: 'other', admin: 'root' },
  delegatedAdministrators: ['admin'],
} as const;

export interface ExampleOrganization extends EmulatedOrganization {
  /** Placeholder text of the examples to the organization's IDs. */
  readonly substitutions: Readonly<Record<string, string>>;
  /**
   * For targets and exclusions as an example names them (placeholders): the member accounts that must get the
   * member role, and those that must not (the management account has its own role and is never a member).
   */
  reach(targets: readonly string[], excluded: readonly string[]): { inside: string[]; outside: string[] };
}

export async function exampleOrganization(
  aws: EmulatedAws,
  managementAccountId: string,
  partition: Partition = 'aws',
): Promise<ExampleOrganization> {
  const org = await aws.organization(
    managementAccountId,
    { ...EXAMPLE_LAYOUT, delegatedAdministrators: [...EXAMPLE_LAYOUT.delegatedAdministrators] },
    partition,
  );
  const { a1, a2, a3, b1, o1, admin } = org.accounts;
  const substitutions: Record<string, string> = {
    [PLACEHOLDER.management]: managementAccountId,
    [PLACEHOLDER.administrator]: admin,
    [PLACEHOLDER.excluded]: a2,
    [PLACEHOLDER.excludedLater]: b1,
    [PLACEHOLDER.ouA]: org.ous.a,
    [PLACEHOLDER.ouB]: org.ous.b,
    [PLACEHOLDER.ouC]: org.ous.other,
    [PLACEHOLDER.root]: org.rootId,
  };
  const below: Record<string, string[]> = {
    [PLACEHOLDER.ouA]: [a1, a2, a3],
    [PLACEHOLDER.ouB]: [b1],
    [PLACEHOLDER.ouC]: [o1],
    [PLACEHOLDER.root]: [a1, a2, a3, b1, o1, admin],
  };
  return {
    ...org,
    substitutions,
    reach(targets, excluded) {
      const gone = new Set(excluded.map((id) => substitutions[id] ?? id));
      const inside = [...new Set(targets.flatMap((t) => below[t] ?? []))].filter((a) => !gone.has(a));
      const outside = Object.values(org.accounts).filter((a) => !inside.includes(a));
      return { inside, outside };
    },
  };
}
