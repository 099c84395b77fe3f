/**
 * What a review compares, as plain values: each role's documents as AWS receives them (IAM JSON), its AWS
 * managed policies, trust, boundary and session length, and an organization's reach. Every source (two
 * configurations; later, plans) is read into these views, so one comparison serves them all.
 */

export interface IamStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: string | Readonly<Record<string, string | readonly string[]>>;
  readonly NotPrincipal?: string | Readonly<Record<string, string | readonly string[]>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface IamDocumentJson {
  readonly Statement: IamStatementJson | readonly IamStatementJson[];
}

/** Which of a stack's roles: the one role of an account stack, or an organization's two. */
export type RoleKind = 'role' | 'management role' | 'member role';

export interface RoleView {
  readonly kind: RoleKind;
  readonly roleName: string;
  /** Every identity document attached to the role (customer managed and inline), in any split. */
  readonly documents: readonly IamDocumentJson[];
  readonly awsManagedPolicyArns: readonly string[];
  readonly trust: IamDocumentJson;
  readonly permissionsBoundaryArn?: string;
  readonly maxSessionDuration: number;
  /**
   * Parts a plan or a synthesized stack does not know until apply (the trust, a policy's document): the
   * comparison cannot tell what they grant, so it says so rather than reading them as empty.
   */
  readonly unreadable?: readonly string[];
}

/** Where an organization's member roles are: the targets, the accounts left out, the region, and retention. */
export interface ReachView {
  /** OU IDs or the root ID. */
  readonly targets: readonly string[];
  readonly excludedAccountIds: readonly string[];
  readonly region: string;
  /** Whether an account that leaves the targets keeps its role. */
  readonly retainStacksOnAccountRemoval: boolean;
}

export interface StackView {
  readonly name: string;
  readonly roles: readonly RoleView[];
  readonly reach?: ReachView;
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}
