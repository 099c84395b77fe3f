import { checkTemplateChange } from '../../render/cloudformation/change-check';
import { CAPABILITIES, CAPABILITY_NAMES } from '../../model/permissions';
import { AccessLevel, ActionCatalogue, MUTATING_ACCESS_LEVELS } from '../../model/policy/catalogue';
import { secretReadingMatches, secretReadingOutside } from '../../model/policy/secret-reading';
import { awsManagedPolicyDocument } from './managed-policies';
import { DeployerPolicyChange, deployerPolicyReasons } from './deployer-change';
import { Disruption } from './readers/terraform';
import { EXTERNAL_ID_KEY, TrustEntry, compareTrust, parseTrust, trustEntries } from './trust';
import {
  DeployedBy,
  IamDocumentJson,
  IamStatementJson,
  PlaceView,
  ReachView,
  RoleKind,
  RoleView,
  StackView,
  asList,
  roleArnText,
} from './views';

/*
 * Effective permissions per role, not per statement: every attached document (customer managed, inline, and
 * the AWS managed policies that change) is cut into rows of (effect, action, resource, condition), wildcards
 * expanded with the action catalogue, and the rows of all documents are one set. Splitting, merging or
 * renaming policies therefore changes nothing here. Trust is judged as access (see trust.ts), and the
 * role's identity and place are compared too: a review holds its gate on anything that broadens, moves or
 * replaces a role, reads secrets, or cannot be known.
 */

export interface PermissionRow {
  readonly effect: 'Allow' | 'Deny';
  readonly action: string;
  readonly resource: string;
  /** Canonical text of the statement's condition (external ID values never in it); empty when it has none. */
  readonly condition: string;
  readonly accessLevels: readonly AccessLevel[];
  /** The capability whose grant this is, and the reason it gives; absent for actions no capability grants. */
  readonly capability?: string;
  readonly why?: string;
  /** Set when the action reads secret values or returns credentials: the reason. */
  readonly secret?: string;
  /** The AWS managed policy the row comes from, when it is not the role's own documents. */
  readonly source?: string;
}

export interface TrustChange {
  readonly principalsAdded: readonly string[];
  readonly principalsRemoved: readonly string[];
  /** Who may do what, with what, that differs (external IDs only counted). */
  readonly entriesAdded: readonly TrustEntry[];
  readonly entriesRemoved: readonly TrustEntry[];
  /** Counts only: the IDs themselves are secrets and never leave the comparison. */
  readonly externalIdsAdded: number;
  readonly externalIdsRemoved: number;
  readonly externalIdsBefore: number;
  readonly externalIdsAfter: number;
  /** Why the new trust lets someone in with less than before. */
  readonly broadening: readonly string[];
}

export interface BoundaryChange {
  readonly before?: string;
  readonly after?: string;
  /** Grants the new boundary allows that the old one did not (Allow rows added, Deny rows removed). */
  readonly grantsAdded: number;
  /** Why the new boundary cannot be compared (its document unknown). */
  readonly unknown?: string;
}

export interface RoleChange {
  readonly stack: string;
  readonly kind: RoleKind;
  readonly roleName: string;
  /** Where the source defines the role, when it says (plans and syntheses). */
  readonly address?: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly permissionsAdded: readonly PermissionRow[];
  readonly permissionsRemoved: readonly PermissionRow[];
  readonly managedPoliciesAttached: readonly string[];
  readonly managedPoliciesDetached: readonly string[];
  readonly trust: TrustChange;
  readonly boundary?: BoundaryChange;
  readonly maxSession?: { readonly before: number; readonly after: number };
  /** The role's ARN changes (name, path, partition): Qualys must be given the new one. */
  readonly arn?: { readonly before: string; readonly after: string };
  /** Where the role is deployed changes. */
  readonly place?: { readonly before: PlaceView; readonly after: PlaceView; readonly moved: boolean };
  readonly deployedBy?: { readonly before: DeployedBy; readonly after: DeployedBy };
  /** What CloudFormation refuses in the change of the role's template (a replacement under its own name). */
  readonly cloudFormation?: readonly string[];
  /** Secret-reading actions the role grants after the change (through the documents read). */
  readonly secrets: readonly string[];
  /** What neither side's source lets the review know, as `before: ...` or `after: ...`. */
  readonly unknown: readonly string[];
}

export interface ReachChange {
  readonly stack: string;
  readonly targetsAdded: readonly string[];
  readonly targetsRemoved: readonly string[];
  readonly exclusionsAdded: readonly string[];
  readonly exclusionsRemoved: readonly string[];
  readonly region?: { readonly before?: string; readonly after?: string };
  readonly retainStacksOnAccountRemoval?: { readonly before: boolean; readonly after: boolean };
  readonly stackSetName?: { readonly before: string; readonly after: string };
  readonly callAs?: { readonly before: string; readonly after: string };
}

export interface Review {
  readonly summary: string;
  readonly roles: readonly RoleChange[];
  readonly reach: readonly ReachChange[];
  /** Why the gate holds, one line per reason: broadening, moves, replacements, secrets, unknowns. Empty when it does not. */
  readonly broadening: readonly string[];
  /** Roles, policies or stack set instances a plan deletes or replaces (plans only). */
  readonly disruptions: readonly Disruption[];
  /** Version of the IAM action catalogue used for wildcards and access levels. */
  readonly catalogue: string;
  /** Which code the reasons of grants come from: the base side's (the review runs the base code) or the change's own. */
  readonly reasonsFrom: 'base' | 'change';
  /** What was compared, as the user named it. */
  readonly sources: { readonly before: string; readonly after: string };
  /** Whether the deployer policy of the base configuration covers the change (reviews of configurations only). */
  readonly deployerPolicy?: DeployerPolicyChange;
  /** What the sides hold that the review does not read, yet a deploy would apply: each holds the gate. */
  readonly unjudged: readonly string[];
}

export interface ReviewOptions {
  readonly disruptions?: readonly Disruption[];
  readonly deployerPolicy?: DeployerPolicyChange;
  readonly unjudged?: readonly string[];
  readonly reasonsFrom?: 'base' | 'change';
  readonly sources?: { readonly before: string; readonly after: string };
}

/** The procedures a change of these settings needs (sections of the docs). */
const TWO_STEPS = 'a change in two steps: see "Changes in two steps" in docs/organizations.md';

interface Attribution {
  readonly capability: string;
  readonly why: string;
}

/** For each concrete action (lower case), the capability grant it comes from: this code's own reasons. */
function attributions(catalogue: ActionCatalogue): Map<string, Attribution> {
  const byAction = new Map<string, Attribution>();
  for (const name of CAPABILITY_NAMES) {
    for (const statement of CAPABILITIES[name].statements) {
      for (const grant of statement.grants) {
        const expanded = catalogue.expand(grant.action).map((a) => a.name);
        for (const action of expanded.length > 0 ? expanded : [grant.action]) {
          if (!byAction.has(action.toLowerCase()))
            byAction.set(action.toLowerCase(), { capability: name, why: grant.why });
        }
      }
    }
  }
  return byAction;
}

/** A condition block as one line: operators, keys and values sorted, external ID values never shown. */
export function conditionText(condition: IamStatementJson['Condition']): string {
  if (!condition) return '';
  return Object.keys(condition)
    .sort()
    .flatMap((test) =>
      Object.keys(condition[test])
        .sort()
        .map((key) => {
          const values = asList(condition[test][key]).map(String);
          const shown =
            key.toLowerCase() === EXTERNAL_ID_KEY
              ? `(${values.length} ${values.length === 1 ? 'value' : 'values'}, not shown)`
              : values.slice().sort().join(' | ');
          return `${test} ${key} = ${shown}`;
        }),
    )
    .join('; ');
}

function rowKey(row: Pick<PermissionRow, 'effect' | 'action' | 'resource' | 'condition'>): string {
  return [row.effect, row.action.toLowerCase(), row.resource, row.condition].join('\u0000');
}

function secretOf(effect: string, action: string): string | undefined {
  if (effect !== 'Allow') return undefined;
  const reached = action.startsWith('not ')
    ? secretReadingOutside(action.slice(4).split(', '))
    : secretReadingMatches(action);
  if (reached.length === 0) return undefined;
  return reached.length === 1 && reached[0].action.toLowerCase() === action.toLowerCase()
    ? reached[0].why
    : `reaches ${reached.map((s) => s.action).join(', ')}`;
}

/** Every row a set of documents grants or denies, keyed case-insensitively by action. */
export function effectiveRows(
  documents: readonly IamDocumentJson[],
  catalogue: ActionCatalogue,
  reasons = attributions(catalogue),
  source?: string,
): Map<string, PermissionRow> {
  const rows = new Map<string, PermissionRow>();
  for (const document of documents) {
    for (const statement of asList(document.Statement)) {
      const condition = conditionText(statement.Condition);
      const resources = statement.NotResource
        ? asList(statement.NotResource).map((r) => `not ${r}`)
        : asList(statement.Resource ?? '*');
      // NotAction cannot be expanded into what it allows: it is one row naming everything it leaves out.
      const actions = statement.NotAction
        ? [{ name: `not ${asList(statement.NotAction).join(', ')}`, accessLevels: [] as AccessLevel[] }]
        : asList(statement.Action).flatMap((pattern) => {
            const expanded = catalogue.expand(pattern);
            return expanded.length > 0 ? expanded : [{ name: pattern, accessLevels: [] as AccessLevel[] }];
          });
      for (const action of actions) {
        for (const resource of resources) {
          const reason = reasons.get(action.name.toLowerCase());
          const secret = secretOf(statement.Effect, action.name);
          const row: PermissionRow = {
            effect: statement.Effect,
            action: action.name,
            resource,
            condition,
            accessLevels: action.accessLevels,
            // A secret-reading grant never borrows a capability's reason: no capability grants one.
            ...(reason && !secret ? { capability: reason.capability, why: reason.why } : {}),
            ...(secret ? { secret } : {}),
            ...(source ? { source } : {}),
          };
          if (!rows.has(rowKey(row))) rows.set(rowKey(row), row);
        }
      }
    }
  }
  return rows;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareRows(a: PermissionRow, b: PermissionRow): number {
  return (
    byText(a.action.toLowerCase(), b.action.toLowerCase()) ||
    byText(a.resource, b.resource) ||
    byText(a.condition, b.condition) ||
    byText(a.effect, b.effect)
  );
}

function minus<T>(a: Iterable<T>, b: Set<T>): T[] {
  return [...a].filter((x) => !b.has(x));
}

function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    ignoreCase ? 'i' : '',
  );
}

/** Whether row `wide` allows (or denies) at least what row `narrow` does: same effect, its action, resource and condition at least as wide. */
function rowCovers(wide: PermissionRow, narrow: PermissionRow): boolean {
  if (wide.effect !== narrow.effect || wide.action.startsWith('not ') || narrow.action.startsWith('not ')) return false;
  if (wide.resource.startsWith('not ') || narrow.resource.startsWith('not ')) return false;
  if (wide.condition !== '' && wide.condition !== narrow.condition) return false;
  return wildcard(wide.action, true).test(narrow.action) && wildcard(wide.resource, false).test(narrow.resource);
}

/**
 * The rows of `rows` that no row of `other` covers: a grant already allowed by a wider one (`*`, a wildcard
 * the catalogue could not expand, a wider resource) is not new.
 */
function uncovered(rows: Map<string, PermissionRow>, other: Map<string, PermissionRow>): PermissionRow[] {
  const byAction = new Map<string, PermissionRow[]>();
  const patterns: PermissionRow[] = [];
  for (const row of other.values()) {
    if (/[*?]/.test(row.action)) patterns.push(row);
    else byAction.set(row.action.toLowerCase(), [...(byAction.get(row.action.toLowerCase()) ?? []), row]);
  }
  return [...rows.entries()]
    .filter(
      ([key, row]) =>
        !other.has(key) &&
        ![...(byAction.get(row.action.toLowerCase()) ?? []), ...patterns].some((wide) => rowCovers(wide, row)),
    )
    .map(([, row]) => row);
}

/** The documents of the AWS managed policies one side has and the other not; what cannot be read is unknown. */
function managedDocuments(arns: readonly string[]): {
  documents: { arn: string; document: IamDocumentJson }[];
  unknown: string[];
} {
  const documents: { arn: string; document: IamDocumentJson }[] = [];
  const unknown: string[] = [];
  for (const arn of arns) {
    const read = awsManagedPolicyDocument(arn);
    if ('document' in read) documents.push({ arn, document: read.document });
    else unknown.push(read.unknown);
  }
  return { documents, unknown };
}

/** Rows of one document, computed once per review for each distinct document and source (many roles share them). */
function documentRows(
  document: IamDocumentJson,
  catalogue: ActionCatalogue,
  reasons: Map<string, Attribution>,
  memo: Map<string, Map<string, PermissionRow>>,
  source?: string,
): Map<string, PermissionRow> {
  const key = `${source ?? ''}\u0000${JSON.stringify(document)}`;
  let rows = memo.get(key);
  if (!rows) {
    rows = effectiveRows([document], catalogue, reasons, source);
    memo.set(key, rows);
  }
  return rows;
}

/** Rows of a role's own documents and of the AWS managed policies given. */
function roleRows(
  role: RoleView | undefined,
  managed: { arn: string; document: IamDocumentJson }[],
  context: Context,
): Map<string, PermissionRow> {
  const rows = new Map<string, PermissionRow>();
  const add = (document: IamDocumentJson, source?: string) => {
    for (const [key, row] of documentRows(document, context.catalogue, context.reasons, context.memo, source))
      if (!rows.has(key)) rows.set(key, row);
  };
  (role?.documents ?? []).forEach((document) => add(document));
  for (const { arn, document } of managed) add(document, `AWS managed policy ${arn.split('/').pop()}`);
  return rows;
}

interface Context {
  readonly catalogue: ActionCatalogue;
  readonly reasons: Map<string, Attribution>;
  readonly memo: Map<string, Map<string, PermissionRow>>;
}

function boundaryRows(
  role: RoleView,
  catalogue: ActionCatalogue,
  reasons: Map<string, Attribution>,
): Map<string, PermissionRow> | string {
  if (role.permissionsBoundaryDocument) return effectiveRows([role.permissionsBoundaryDocument], catalogue, reasons);
  const arn = role.permissionsBoundaryArn as string;
  if (/^arn:[\w-]+:iam::aws:policy\//.test(arn)) {
    const read = awsManagedPolicyDocument(arn);
    return 'document' in read ? effectiveRows([read.document], catalogue, reasons) : read.unknown;
  }
  return `the document of boundary ${arn} is not defined in this change`;
}

function compareBoundary(
  before: RoleView | undefined,
  after: RoleView | undefined,
  catalogue: ActionCatalogue,
  reasons: Map<string, Attribution>,
): BoundaryChange | undefined {
  if (!before || !after) return undefined;
  const arnBefore = before.permissionsBoundaryArn;
  const arnAfter = after.permissionsBoundaryArn;
  const sameDocument =
    JSON.stringify(before.permissionsBoundaryDocument) === JSON.stringify(after.permissionsBoundaryDocument);
  if (arnBefore === arnAfter && sameDocument) return undefined;
  if (arnAfter === undefined || arnBefore === undefined) return { before: arnBefore, after: arnAfter, grantsAdded: 0 };
  const rowsBefore = boundaryRows(before, catalogue, reasons);
  const rowsAfter = boundaryRows(after, catalogue, reasons);
  if (typeof rowsAfter === 'string' || typeof rowsBefore === 'string') {
    return {
      before: arnBefore,
      after: arnAfter,
      grantsAdded: 0,
      unknown: typeof rowsAfter === 'string' ? rowsAfter : (rowsBefore as string),
    };
  }
  const allowsAdded = uncovered(rowsAfter, rowsBefore).filter((r) => r.effect === 'Allow').length;
  const deniesRemoved = uncovered(rowsBefore, rowsAfter).filter((r) => r.effect === 'Deny').length;
  return { before: arnBefore, after: arnAfter, grantsAdded: allowsAdded + deniesRemoved };
}

function samePlace(a: PlaceView, b: PlaceView): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function comparePlace(before: RoleView | undefined, after: RoleView | undefined): RoleChange['place'] {
  if (!before || !after || samePlace(before.place, after.place)) return undefined;
  const pinnedBoth = before.place.accounts.length > 0 && after.place.accounts.length > 0;
  const sameAccounts = JSON.stringify(before.place.accounts) === JSON.stringify(after.place.accounts);
  // Held to the same account(s) on both sides, another role or profile still lands there; otherwise the role may move.
  const moved =
    !(pinnedBoth && sameAccounts) &&
    !(
      before.place.accounts.length === 0 &&
      after.place.accounts.length > 0 &&
      JSON.stringify(before.place.via) === JSON.stringify(after.place.via)
    );
  return { before: before.place, after: after.place, moved };
}

/** Who may assume the role before and after, as entries and as the simulator-backed verdict. */
function compareRoleTrust(before: RoleView | undefined, after: RoleView | undefined, partition: string): TrustChange {
  const verdict = compareTrust(before?.trust, after?.trust, partition);
  const entriesBefore = before ? trustEntries(parseTrust(before.trust, partition)) : [];
  const entriesAfter = after ? trustEntries(parseTrust(after.trust, partition)) : [];
  const entryKey = (e: TrustEntry) => JSON.stringify(e);
  const keysBefore = new Set(entriesBefore.map(entryKey));
  const keysAfter = new Set(entriesAfter.map(entryKey));
  return {
    principalsAdded: verdict.principalsAdded,
    principalsRemoved: verdict.principalsRemoved,
    entriesAdded: entriesAfter.filter((e) => !keysBefore.has(entryKey(e))),
    entriesRemoved: entriesBefore.filter((e) => !keysAfter.has(entryKey(e))),
    externalIdsAdded: verdict.externalIdsAdded,
    externalIdsRemoved: verdict.externalIdsRemoved,
    externalIdsBefore: verdict.externalIdsBefore,
    externalIdsAfter: verdict.externalIdsAfter,
    // A role that goes lets no one in; one that comes is all new (its rows say so).
    broadening: after ? verdict.broadening : [],
  };
}

/** What changes about the role itself: its ARN, session length, place, deployment, and CloudFormation's verdict. */
function identityChanges(
  before: RoleView | undefined,
  after: RoleView | undefined,
): Pick<RoleChange, 'maxSession' | 'arn' | 'place' | 'deployedBy' | 'cloudFormation'> {
  if (!before || !after) return {};
  const arnBefore = roleArnText({ ...before, place: { accounts: [], via: [] } });
  const arnAfter = roleArnText({ ...after, place: { accounts: [], via: [] } });
  const place = comparePlace(before, after);
  const templateChanged =
    before.template && after.template && JSON.stringify(before.template) !== JSON.stringify(after.template);
  const refused = templateChanged ? templateRefusals(before, after) : [];
  return {
    ...(before.maxSessionDuration !== after.maxSessionDuration
      ? { maxSession: { before: before.maxSessionDuration, after: after.maxSessionDuration } }
      : {}),
    ...(arnBefore !== arnAfter ? { arn: { before: arnBefore, after: arnAfter } } : {}),
    ...(place ? { place } : {}),
    ...(before.deployedBy !== after.deployedBy
      ? { deployedBy: { before: before.deployedBy, after: after.deployedBy } }
      : {}),
    ...(refused.length > 0 ? { cloudFormation: refused } : {}),
  };
}

/** Whether anything of the role changed, or is unknown. */
function hasChanged(change: RoleChange): boolean {
  const { trust } = change;
  const counts = [
    change.permissionsAdded.length,
    change.permissionsRemoved.length,
    change.managedPoliciesAttached.length,
    change.managedPoliciesDetached.length,
    trust.principalsAdded.length,
    trust.principalsRemoved.length,
    trust.entriesAdded.length,
    trust.entriesRemoved.length,
    trust.externalIdsAdded,
    trust.externalIdsRemoved,
    change.unknown.length,
  ];
  const parts = [
    change.boundary,
    change.maxSession,
    change.arn,
    change.place,
    change.deployedBy,
    change.cloudFormation,
  ];
  return counts.some((n) => n > 0) || parts.some((v) => v !== undefined);
}

function compareRole(
  stack: string,
  before: RoleView | undefined,
  after: RoleView | undefined,
  context: Context,
): RoleChange {
  const { catalogue, reasons } = context;
  const some = (after ?? before) as RoleView;
  const managedBefore = new Set(before?.awsManagedPolicyArns ?? []);
  const managedAfter = new Set(after?.awsManagedPolicyArns ?? []);
  const attached = minus(managedAfter, managedBefore).sort(byText);
  const detached = minus(managedBefore, managedAfter).sort(byText);
  // Policies on both sides are the same documents; only those that come or go are read.
  const readAttached = managedDocuments(attached);
  const readDetached = managedDocuments(detached);
  const rowsBefore = roleRows(before, readDetached.documents, context);
  const rowsAfter = roleRows(after, readAttached.documents, context);
  const unknown = [
    ...(before?.unknown ?? []).map((part) => `before: ${part}`),
    ...(after?.unknown ?? []).map((part) => `after: ${part}`),
    ...readDetached.unknown.map((part) => `before: ${part}`),
    ...readAttached.unknown.map((part) => `after: ${part}`),
  ];
  const boundary = compareBoundary(before, after, catalogue, reasons);
  const secrets = new Set([...rowsAfter.values()].filter((r) => r.secret !== undefined).map((r) => r.action));
  const change: RoleChange = {
    stack,
    kind: some.kind,
    roleName: some.roleName,
    ...(some.address !== undefined ? { address: some.address } : {}),
    status: 'unchanged',
    permissionsAdded: uncovered(rowsAfter, rowsBefore).sort(compareRows),
    permissionsRemoved: uncovered(rowsBefore, rowsAfter).sort(compareRows),
    managedPoliciesAttached: attached,
    managedPoliciesDetached: detached,
    trust: compareRoleTrust(before, after, some.partition),
    ...(boundary ? { boundary } : {}),
    ...identityChanges(before, after),
    secrets: [...secrets].sort(byText),
    unknown,
  };
  return { ...change, status: !before ? 'added' : !after ? 'removed' : hasChanged(change) ? 'changed' : 'unchanged' };
}

/** CloudFormation's view of the template change: what it would refuse, or why it cannot be told. */
function templateRefusals(before: RoleView, after: RoleView): string[] {
  try {
    const check = checkTemplateChange(
      {
        template: (before.template as NonNullable<RoleView['template']>).body,
        parameters: { ...before.template?.parameters },
      },
      {
        template: (after.template as NonNullable<RoleView['template']>).body,
        parameters: { ...after.template?.parameters },
      },
      after.partition,
    );
    return [...check.errors];
  } catch (error) {
    return [`the template change cannot be judged: ${(error as Error).message}`];
  }
}

function compareReach(
  stack: string,
  before: ReachView | undefined,
  after: ReachView | undefined,
): ReachChange | undefined {
  if (!before && !after) return undefined;
  const b = before;
  const a = after;
  const change: ReachChange = {
    stack,
    targetsAdded: minus(a?.targets ?? [], new Set(b?.targets ?? [])),
    targetsRemoved: minus(b?.targets ?? [], new Set(a?.targets ?? [])),
    exclusionsAdded: minus(a?.excludedAccountIds ?? [], new Set(b?.excludedAccountIds ?? [])),
    exclusionsRemoved: minus(b?.excludedAccountIds ?? [], new Set(a?.excludedAccountIds ?? [])),
    ...(b && a && b.region !== a.region ? { region: { before: b.region, after: a.region } } : {}),
    ...((b?.retainStacksOnAccountRemoval ?? false) !== (a?.retainStacksOnAccountRemoval ?? false)
      ? {
          retainStacksOnAccountRemoval: {
            before: b?.retainStacksOnAccountRemoval ?? false,
            after: a?.retainStacksOnAccountRemoval ?? false,
          },
        }
      : {}),
    ...(b && a && b.stackSetName !== a.stackSetName
      ? { stackSetName: { before: b.stackSetName, after: a.stackSetName } }
      : {}),
    ...(b && a && b.callAs !== a.callAs ? { callAs: { before: b.callAs, after: a.callAs } } : {}),
  };
  const changed =
    change.targetsAdded.length +
      change.targetsRemoved.length +
      change.exclusionsAdded.length +
      change.exclusionsRemoved.length >
      0 ||
    [change.region, change.retainStacksOnAccountRemoval, change.stackSetName, change.callAs].some(
      (v) => v !== undefined,
    );
  return changed ? change : undefined;
}

/** Whether an access level changes resources or permissions (Write, Permissions management, Tagging). */
export function isMutating(row: PermissionRow): boolean {
  return row.accessLevels.some((level) => MUTATING_ACCESS_LEVELS.includes(level));
}

export function roleLabel(change: Pick<RoleChange, 'stack' | 'kind' | 'roleName'>): string {
  return `${change.stack}: ${change.kind} ${change.roleName}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function placeText(place: PlaceView): string {
  const accounts =
    place.accounts.length > 0 ? `account ${place.accounts.join(', ')}` : 'an account the provider does not name';
  return place.via.length > 0 ? `${accounts} (${place.via.join(', ')})` : accounts;
}

/**
 * The gate's rule. It holds when a change adds a grant (a new action, or one on a wider resource or condition),
 * trusts anyone with less than before (trust.ts), removes the boundary or lets it allow more, raises the
 * session, gives a role a new ARN, moves it to another account or deployment, replaces a stack set, targets
 * more OUs or the root, excludes fewer accounts, keeps roles in leaving accounts or moves the member region;
 * when a role grants an action that reads secrets or returns credentials; and, failing safe, when any part of
 * a role is unknown on either side. A rotation that swaps external IDs (as many accepted after as before) passes.
 */
export function broadeningReasons(
  roles: readonly RoleChange[],
  reach: readonly ReachChange[],
  disruptions: readonly Disruption[] = [],
): string[] {
  const reasons: string[] = [];
  for (const role of roles) {
    const label = roleLabel(role);
    const allowsAdded = role.permissionsAdded.filter((r) => r.effect === 'Allow').length;
    const deniesRemoved = role.permissionsRemoved.filter((r) => r.effect === 'Deny').length;
    if (allowsAdded > 0) reasons.push(`${label}: ${plural(allowsAdded, 'grant')} added`);
    if (deniesRemoved > 0) reasons.push(`${label}: ${plural(deniesRemoved, 'Deny', 'Denies')} removed or narrowed`);
    if (role.secrets.length > 0)
      reasons.push(`${label}: grants actions that read secrets or return credentials: ${role.secrets.join(', ')}`);
    for (const line of role.trust.broadening) reasons.push(`${label}: trust: ${line}`);
    if (role.boundary && role.boundary.after === undefined) reasons.push(`${label}: permissions boundary removed`);
    if (role.boundary?.unknown) reasons.push(`${label}: permissions boundary changed, and ${role.boundary.unknown}`);
    if (role.boundary && role.boundary.grantsAdded > 0)
      reasons.push(
        `${label}: the new permissions boundary allows ${plural(role.boundary.grantsAdded, 'grant')} the old one did not`,
      );
    if (role.maxSession && role.maxSession.after > role.maxSession.before)
      reasons.push(`${label}: maximum session raised from ${role.maxSession.before} s to ${role.maxSession.after} s`);
    if (role.arn)
      reasons.push(
        `${label}: the role's ARN changes from ${role.arn.before} to ${role.arn.after}: the role is replaced, and Qualys must be given the new ARN`,
      );
    if (role.place?.moved)
      reasons.push(
        `${label}: deployed to ${placeText(role.place.after)} instead of ${placeText(role.place.before)}: the role may reach another account`,
      );
    const stacks = role.kind === 'member role' ? 'every member stack' : 'the stack';
    for (const refusal of role.cloudFormation ?? [])
      reasons.push(`${label}: ${stacks} would fail and roll back: ${refusal}`);
    if (role.deployedBy)
      reasons.push(`${label}: deployed by ${role.deployedBy.after} instead of ${role.deployedBy.before}, ${TWO_STEPS}`);
    // Unknown is not shown to be narrow: the gate holds until both sides can be read.
    if (role.unknown.length > 0)
      reasons.push(`${label}: not known before apply, so not shown to be narrower: ${role.unknown.join('; ')}`);
  }
  for (const change of reach) {
    if (change.targetsAdded.length > 0)
      reasons.push(
        `${change.stack}: member roles reach ${plural(change.targetsAdded.length, 'more target')}${change.targetsAdded.some((t) => t.startsWith('r-')) || change.targetsRemoved.some((t) => t.startsWith('r-')) ? `; switching between OUs and the root is ${TWO_STEPS}` : ''}`,
      );
    if (change.exclusionsRemoved.length > 0)
      reasons.push(`${change.stack}: ${plural(change.exclusionsRemoved.length, 'account')} no longer excluded`);
    if (change.retainStacksOnAccountRemoval?.after === true)
      reasons.push(`${change.stack}: roles kept in accounts that leave the targets`);
    if (change.stackSetName)
      reasons.push(
        `${change.stack}: the stack set is renamed from ${change.stackSetName.before} to ${change.stackSetName.after}, which replaces it: every member role is deleted and created again`,
      );
    if (change.region)
      reasons.push(
        `${change.stack}: member roles move from region ${change.region.before} to ${change.region.after}, ${TWO_STEPS}`,
      );
  }
  for (const d of disruptions)
    if (d.action === 'replace' && /aws_iam_role\.|aws_cloudformation_stack(_set(_instance)?)?\./.test(d.address))
      reasons.push(`${d.stack}: the apply replaces ${d.address}: it is deleted and created again`);
  return reasons;
}

/** ` (1 added, 1 removed)` when whole roles come or go; empty otherwise. */
function rolesAddedOrRemoved(changed: readonly RoleChange[]): string {
  const added = changed.filter((r) => r.status === 'added').length;
  const removed = changed.filter((r) => r.status === 'removed').length;
  return added + removed > 0 ? ` (${added} added, ${removed} removed)` : '';
}

function summaryLine(
  roles: readonly RoleChange[],
  reach: readonly ReachChange[],
  gate: readonly string[],
  disruptions: readonly Disruption[],
  deployer: DeployerPolicyChange | undefined,
): string {
  const changed = roles.filter((r) => r.status !== 'unchanged');
  const deployerPart =
    deployer?.unplanned !== undefined
      ? 'the deployer policy it needs could not be planned; '
      : deployer !== undefined && deployer.needed.length > 0
        ? `the deploying role's policy must change first (${plural(deployer.needed.length, 'grant')} to add); `
        : '';
  const disrupted =
    disruptions.length > 0
      ? ` The apply deletes or replaces ${plural(disruptions.length, 'resource')} of the roles.`
      : '';
  const verdict = gate.length > 0 ? `the gate holds (${plural(gate.length, 'reason')})` : 'does not broaden access';
  if (changed.length === 0 && reach.length === 0)
    return `No change to the Qualys roles\u2019 permissions, trust or reach; ${deployerPart}${verdict}.${disrupted}`;
  const added = changed.flatMap((r) => r.permissionsAdded);
  const removed = changed.flatMap((r) => r.permissionsRemoved);
  const parts = [
    `${plural(changed.length, 'role')} changed${rolesAddedOrRemoved(changed)}`,
    `${plural(added.length, 'grant')} added (${added.filter(isMutating).length} Write or Permissions management), ${removed.length} removed`,
  ];
  const attached = changed.reduce((n, r) => n + r.managedPoliciesAttached.length, 0);
  const detached = changed.reduce((n, r) => n + r.managedPoliciesDetached.length, 0);
  if (attached + detached > 0)
    parts.push(`${plural(attached, 'AWS managed policy', 'AWS managed policies')} attached, ${detached} detached`);
  const trustChanged = changed.filter(
    (r) =>
      r.status === 'changed' &&
      r.trust.entriesAdded.length +
        r.trust.entriesRemoved.length +
        r.trust.externalIdsAdded +
        r.trust.externalIdsRemoved >
        0,
  );
  // A role that comes or goes brings or takes its whole trust (its rows say which): the trust part counts roles kept.
  const comeOrGo = changed.some((r) => r.status === 'added' || r.status === 'removed');
  const kept = roles.some((r) => r.status === 'changed' || r.status === 'unchanged');
  if (trustChanged.length > 0) parts.push(`trust changed for ${plural(trustChanged.length, 'role')}`);
  else if (!comeOrGo) parts.push('trust unchanged');
  else if (kept) parts.push('trust of the other roles unchanged');
  parts.push(reach.length > 0 ? `reach changed for ${plural(reach.length, 'organization')}` : 'reach unchanged');
  parts.push(`${deployerPart}${verdict}`);
  return `${parts.join('; ')}.${disrupted}`;
}

/**
 * Pairs the roles of one stack: a kind that has one role on each side pairs them (however the sources name
 * them); otherwise roles pair by address, and the rest come or go.
 */
function pairRoles(
  before: readonly RoleView[],
  after: readonly RoleView[],
): [RoleView | undefined, RoleView | undefined][] {
  const pairs: [RoleView | undefined, RoleView | undefined][] = [];
  const kinds: RoleKind[] = ['role', 'management role', 'member role'];
  for (const kind of kinds) {
    const b = before.filter((r) => r.kind === kind);
    const a = after.filter((r) => r.kind === kind);
    if (b.length === 1 && a.length === 1) {
      pairs.push([b[0], a[0]]);
      continue;
    }
    const matched = new Set<RoleView>();
    for (const role of b) {
      const same = a.find((r) => !matched.has(r) && r.address !== undefined && r.address === role.address);
      if (same) matched.add(same);
      pairs.push([role, same]);
    }
    for (const role of a) if (!matched.has(role)) pairs.push([undefined, role]);
  }
  return pairs;
}

/** The AWS managed policies a pair of roles differs in (attached, detached, or as boundary): the only ones read. */
function changingManagedPolicies(before: RoleView | undefined, after: RoleView | undefined): string[] {
  const b = new Set(before?.awsManagedPolicyArns ?? []);
  const a = new Set(after?.awsManagedPolicyArns ?? []);
  const boundaries =
    before?.permissionsBoundaryArn !== after?.permissionsBoundaryArn
      ? [before?.permissionsBoundaryArn, after?.permissionsBoundaryArn]
      : [];
  return [
    ...minus(a, b),
    ...minus(b, a),
    ...boundaries.filter((arn): arn is string => arn !== undefined && /^arn:[\w-]+:iam::aws:policy\//.test(arn)),
  ];
}

/** Compares two sets of stacks, matched by stack name. */
export async function reviewStacks(
  before: readonly StackView[],
  after: readonly StackView[],
  options: ReviewOptions = {},
): Promise<Review> {
  const names = [...new Set([...before.map((s) => s.name), ...after.map((s) => s.name)])].sort(byText);
  const pairs = names.flatMap((name) =>
    pairRoles(before.find((s) => s.name === name)?.roles ?? [], after.find((s) => s.name === name)?.roles ?? []).map(
      (pair) => ({ name, pair }),
    ),
  );
  const managed = pairs
    .flatMap(({ pair }) => changingManagedPolicies(...pair))
    .flatMap((arn) => {
      const read = awsManagedPolicyDocument(arn);
      return 'document' in read ? [read.document] : [];
    });
  const catalogue = await catalogueFor([...before, ...after], managed);
  const context: Context = { catalogue, reasons: attributions(catalogue), memo: new Map() };
  const roles: RoleChange[] = [];
  const reach: ReachChange[] = [];
  for (const { name, pair } of pairs) {
    const [a, b] = pair;
    roles.push(compareRole(name, a, b, context));
    const reachChange = compareReach(name, a?.reach, b?.reach);
    if (reachChange) reach.push(reachChange);
  }
  const disruptions = options.disruptions ?? [];
  const unjudged = options.unjudged ?? [];
  const gate = [
    ...unjudged.map((u) => `not judged: ${u}`),
    ...broadeningReasons(roles, reach, disruptions),
    ...deployerPolicyReasons(options.deployerPolicy),
  ];
  return {
    summary: summaryLine(roles, reach, gate, disruptions, options.deployerPolicy),
    roles,
    reach,
    broadening: gate,
    disruptions,
    catalogue: catalogue.dataVersion,
    reasonsFrom: options.reasonsFrom ?? 'base',
    sources: options.sources ?? { before: 'the base', after: 'the change' },
    unjudged,
    ...(options.deployerPolicy ? { deployerPolicy: options.deployerPolicy } : {}),
  };
}

/** The catalogue for every service the views, the AWS managed policies read, and the capabilities name. */
async function catalogueFor(
  views: readonly StackView[],
  managed: readonly IamDocumentJson[],
): Promise<ActionCatalogue> {
  const services = new Set<string>();
  const addDocument = (document: IamDocumentJson | undefined) => {
    for (const statement of asList(document?.Statement)) {
      for (const action of [...asList(statement.Action), ...asList(statement.NotAction)])
        services.add(String(action).split(':')[0]);
    }
  };
  for (const stack of views) {
    for (const role of stack.roles) {
      role.documents.forEach(addDocument);
      addDocument(role.permissionsBoundaryDocument);
    }
  }
  managed.forEach(addDocument);
  for (const name of CAPABILITY_NAMES) {
    for (const statement of CAPABILITIES[name].statements)
      for (const grant of statement.grants) services.add(grant.action.split(':')[0]);
  }
  return ActionCatalogue.load(services);
}

export type { DeployedBy };
