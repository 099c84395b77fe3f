/**
 * What a review compares, as plain values: each role as AWS will hold it (its ARN parts, documents as IAM
 * JSON, AWS managed policies, trust, boundary, session length), where it is deployed from, and for member
 * roles the organization's reach. Every source (configurations, synthesized stacks, plans, CloudFormation
 * templates) is read into these views, so one comparison serves them all.
 */

import { roleArn } from '../../rules/partition';

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

/** Which of a stack's roles: the role of an account stack, or an organization's two. */
export type RoleKind = 'role' | 'management role' | 'member role';

/** How a role reaches AWS: a Terraform resource, a CloudFormation stack, or a stack set's stack in every member account. */
export type DeployedBy = 'terraform' | 'cloudformation-stack' | 'stack-set';

/**
 * Where a role is deployed: the accounts the deploying AWS provider is held to (`allowed_account_ids`, else the
 * account of the role it assumes) and how it gets there (assumed role, profile). For member roles, the
 * management account's: the organization they are in.
 */
export interface PlaceView {
  readonly accounts: readonly string[];
  readonly via: readonly string[];
}

/** The place of a provider configured with these settings (the app's `provider`, a provider block's arguments). */
export function placeOf(settings: {
  readonly accountIds?: readonly string[];
  readonly assumeRoleArn?: string;
  readonly profile?: string;
}): PlaceView {
  const fromRole = settings.assumeRoleArn?.split(':')[4];
  const accounts =
    settings.accountIds && settings.accountIds.length > 0
      ? settings.accountIds
      : fromRole && /^\d{12}$/.test(fromRole)
        ? [fromRole]
        : [];
  const via = [
    ...(settings.assumeRoleArn ? [`assumes ${settings.assumeRoleArn}`] : []),
    ...(settings.profile ? [`profile ${settings.profile}`] : []),
  ];
  return { accounts: [...new Set(accounts)].sort(), via };
}

/** Where an organization's member roles are: the targets, the accounts left out, the region, and retention. */
export interface ReachView {
  /** OU IDs or the root ID. */
  readonly targets: readonly string[];
  readonly excludedAccountIds: readonly string[];
  readonly region: string;
  /** Whether an account that leaves the targets keeps its role. */
  readonly retainStacksOnAccountRemoval: boolean;
  /** Renaming a stack set replaces it: every member role is deleted and created again. */
  readonly stackSetName: string;
  /** Who administers the stack set: `SELF` (the management account) or `DELEGATED_ADMIN`. */
  readonly callAs: string;
}

export interface RoleView {
  readonly kind: RoleKind;
  readonly roleName: string;
  readonly path: string;
  readonly partition: string;
  /** Where the source defines the role (a Terraform address, `<address>/<logical ID>` in a template); absent for a configuration. */
  readonly address?: string;
  readonly deployedBy: DeployedBy;
  /** Every identity document attached to the role (customer managed and inline), in any split. */
  readonly documents: readonly IamDocumentJson[];
  readonly awsManagedPolicyArns: readonly string[];
  readonly trust: IamDocumentJson;
  readonly permissionsBoundaryArn?: string;
  /** The boundary's document when the source defines that policy too. */
  readonly permissionsBoundaryDocument?: IamDocumentJson;
  readonly maxSessionDuration: number;
  readonly place: PlaceView;
  /** Member roles only. */
  readonly reach?: ReachView;
  /** The CloudFormation template the role comes from, with the parameters its stack gets (template roles only). */
  readonly template?: { readonly body: string; readonly parameters: Readonly<Record<string, string>> };
  /**
   * What the source does not let the review know (a document or ARN known only after apply, a policy the
   * change does not define, a template part it cannot evaluate): the comparison cannot tell what it grants.
   */
  readonly unknown?: readonly string[];
}

export interface StackView {
  readonly name: string;
  readonly roles: readonly RoleView[];
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** `arn:<partition>:iam::<account>:role<path><name>`, with the account when one is named. */
export function roleArnText(role: Pick<RoleView, 'partition' | 'path' | 'roleName' | 'place'>): string {
  const account = role.place.accounts.length === 1 ? role.place.accounts[0] : '(account)';
  return roleArn(role.partition, account, role.path, role.roleName);
}
