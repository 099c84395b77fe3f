import { CAPABILITIES, CAPABILITY_NAMES } from '../permissions';
import { AccessLevel, ActionCatalogue, MUTATING_ACCESS_LEVELS } from '../policy/catalogue';
import { Disruption } from './from-plan';
import { IamDocumentJson, IamStatementJson, ReachView, RoleKind, RoleView, StackView, asList } from './views';

/*
 * Effective permissions per role, not per statement: every attached document is cut into rows of
 * (effect, action, resource, condition), wildcards expanded with the action catalogue, and the rows of
 * all documents are one set. Splitting, merging or renaming policies therefore changes nothing here.
 */

export interface PermissionRow {
  readonly effect: 'Allow' | 'Deny';
  readonly action: string;
  readonly resource: string;
  /** Canonical text of the statement's condition; empty when it has none. */
  readonly condition: string;
  readonly accessLevels: readonly AccessLevel[];
  /** The capability whose grant this is, and the reason it gives; absent for actions no capability grants. */
  readonly capability?: string;
  readonly why?: string;
}

export interface TrustChange {
  readonly principalsAdded: readonly string[];
  readonly principalsRemoved: readonly string[];
  readonly conditionsAdded: readonly string[];
  readonly conditionsRemoved: readonly string[];
  /** Counts only: the IDs themselves are secrets and never leave the comparison. */
  readonly externalIdsAdded: number;
  readonly externalIdsRemoved: number;
  readonly externalIdsBefore: number;
  readonly externalIdsAfter: number;
}

export interface RoleChange {
  readonly stack: string;
  readonly kind: RoleKind;
  readonly roleName: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly permissionsAdded: readonly PermissionRow[];
  readonly permissionsRemoved: readonly PermissionRow[];
  readonly managedPoliciesAttached: readonly string[];
  readonly managedPoliciesDetached: readonly string[];
  readonly trust: TrustChange;
  readonly boundary?: { readonly before?: string; readonly after?: string };
  readonly maxSession?: { readonly before: number; readonly after: number };
  /** What neither side's source knows until apply, as `before: ...` or `after: ...`; see RoleView.unreadable. */
  readonly unreadable: readonly string[];
}

export interface ReachChange {
  readonly stack: string;
  readonly targetsAdded: readonly string[];
  readonly targetsRemoved: readonly string[];
  readonly exclusionsAdded: readonly string[];
  readonly exclusionsRemoved: readonly string[];
  readonly region?: { readonly before?: string; readonly after?: string };
  readonly retainStacksOnAccountRemoval?: { readonly before: boolean; readonly after: boolean };
}

export interface Review {
  readonly summary: string;
  readonly roles: readonly RoleChange[];
  readonly reach: readonly ReachChange[];
  /** Why the change broadens access, one line per reason; empty when it does not. */
  readonly broadening: readonly string[];
  /** Roles, policies or stack set instances a plan deletes or replaces (plans only). */
  readonly disruptions: readonly Disruption[];
  /** Version of the IAM action catalogue used for wildcards and access levels. */
  readonly catalogue: string;
}

/** The catalogue for every service the views and the capabilities name. */
export async function catalogueFor(views: readonly StackView[]): Promise<ActionCatalogue> {
  const services = new Set<string>();
  for (const stack of views) {
    for (const role of stack.roles) {
      for (const document of role.documents) {
        for (const statement of asList(document.Statement)) {
          for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) services.add(action.split(':')[0]);
        }
      }
    }
  }
  for (const name of CAPABILITY_NAMES) {
    for (const statement of CAPABILITIES[name].statements) for (const grant of statement.grants) services.add(grant.action.split(':')[0]);
  }
  return ActionCatalogue.load(services);
}

interface Attribution {
  readonly capability: string;
  readonly why: string;
}

/** For each concrete action (lower case), the capability grant it comes from: the project's own reasons. */
function attributions(catalogue: ActionCatalogue): Map<string, Attribution> {
  const byAction = new Map<string, Attribution>();
  for (const name of CAPABILITY_NAMES) {
    for (const statement of CAPABILITIES[name].statements) {
      for (const grant of statement.grants) {
        const expanded = catalogue.expand(grant.action).map((a) => a.name);
        for (const action of expanded.length > 0 ? expanded : [grant.action]) {
          if (!byAction.has(action.toLowerCase())) byAction.set(action.toLowerCase(), { capability: name, why: grant.why });
        }
      }
    }
  }
  return byAction;
}

/** A condition block as one line: operators, keys and values sorted, so equal conditions read the same. */
export function conditionText(condition: IamStatementJson['Condition']): string {
  if (!condition) return '';
  return Object.keys(condition)
    .sort()
    .flatMap((test) =>
      Object.keys(condition[test])
        .sort()
        .map((key) => `${test} ${key} = ${asList(condition[test][key]).slice().sort().join(' | ')}`),
    )
    .join('; ');
}

function rowKey(row: Pick<PermissionRow, 'effect' | 'action' | 'resource' | 'condition'>): string {
  return [row.effect, row.action.toLowerCase(), row.resource, row.condition].join('\u0000');
}

/** Every row a role's documents grant or deny, keyed case-insensitively by action. */
export function effectiveRows(documents: readonly IamDocumentJson[], catalogue: ActionCatalogue, reasons = attributions(catalogue)): Map<string, PermissionRow> {
  const rows = new Map<string, PermissionRow>();
  for (const document of documents) {
    for (const statement of asList(document.Statement)) {
      const condition = conditionText(statement.Condition);
      const resources = statement.NotResource ? asList(statement.NotResource).map((r) => `not ${r}`) : asList(statement.Resource ?? '*');
      // NotAction cannot be expanded into what it allows; it is kept as one row that names it.
      const actions = statement.NotAction
        ? asList(statement.NotAction).map((a) => ({ name: `not ${a}`, accessLevels: [] as AccessLevel[] }))
        : asList(statement.Action).flatMap((pattern) => {
            const expanded = catalogue.expand(pattern);
            return expanded.length > 0 ? expanded : [{ name: pattern, accessLevels: [] as AccessLevel[] }];
          });
      for (const action of actions) {
        for (const resource of resources) {
          const reason = reasons.get(action.name.toLowerCase());
          const row: PermissionRow = {
            effect: statement.Effect,
            action: action.name,
            resource,
            condition,
            accessLevels: action.accessLevels,
            ...(reason ? { capability: reason.capability, why: reason.why } : {}),
          };
          rows.set(rowKey(row), row);
        }
      }
    }
  }
  return rows;
}

interface TrustFacts {
  readonly principals: Set<string>;
  readonly conditions: Set<string>;
  readonly externalIds: Set<string>;
}

const EXTERNAL_ID_KEY = 'sts:externalid';

/** Who may assume the role, under which conditions other than the external ID, and with which IDs. */
function trustFacts(trust: IamDocumentJson | undefined): TrustFacts {
  const facts: TrustFacts = { principals: new Set(), conditions: new Set(), externalIds: new Set() };
  if (!trust) return facts;
  for (const statement of asList(trust.Statement)) {
    if (statement.Effect !== 'Allow') continue;
    const principal = statement.Principal;
    if (typeof principal === 'string') facts.principals.add(principal);
    else if (principal) for (const type of Object.keys(principal)) for (const id of asList(principal[type])) facts.principals.add(`${type} ${id}`);
    const condition = statement.Condition ?? {};
    const others: Record<string, Record<string, string | readonly string[]>> = {};
    for (const test of Object.keys(condition)) {
      for (const key of Object.keys(condition[test])) {
        if (key.toLowerCase() === EXTERNAL_ID_KEY && test === 'StringEquals') asList(condition[test][key]).forEach((id) => facts.externalIds.add(id));
        else others[test] = { ...(others[test] ?? {}), [key]: condition[test][key] };
      }
    }
    if (Object.keys(others).length > 0) facts.conditions.add(conditionText(others));
  }
  return facts;
}

function minus<T>(a: Iterable<T>, b: Set<T>): T[] {
  return [...a].filter((x) => !b.has(x));
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareRows(a: PermissionRow, b: PermissionRow): number {
  return byText(a.action.toLowerCase(), b.action.toLowerCase()) || byText(a.resource, b.resource) || byText(a.condition, b.condition) || byText(a.effect, b.effect);
}

function compareRole(stack: string, before: RoleView | undefined, after: RoleView | undefined, catalogue: ActionCatalogue, reasons: Map<string, Attribution>): RoleChange {
  const some = (after ?? before) as RoleView;
  const rowsBefore = effectiveRows(before?.documents ?? [], catalogue, reasons);
  const rowsAfter = effectiveRows(after?.documents ?? [], catalogue, reasons);
  const managedBefore = new Set(before?.awsManagedPolicyArns ?? []);
  const managedAfter = new Set(after?.awsManagedPolicyArns ?? []);
  const trustBefore = trustFacts(before?.trust);
  const trustAfter = trustFacts(after?.trust);
  const trust: TrustChange = {
    principalsAdded: minus(trustAfter.principals, trustBefore.principals).sort(byText),
    principalsRemoved: minus(trustBefore.principals, trustAfter.principals).sort(byText),
    conditionsAdded: minus(trustAfter.conditions, trustBefore.conditions).sort(byText),
    conditionsRemoved: minus(trustBefore.conditions, trustAfter.conditions).sort(byText),
    externalIdsAdded: minus(trustAfter.externalIds, trustBefore.externalIds).length,
    externalIdsRemoved: minus(trustBefore.externalIds, trustAfter.externalIds).length,
    externalIdsBefore: trustBefore.externalIds.size,
    externalIdsAfter: trustAfter.externalIds.size,
  };
  const boundaryBefore = before?.permissionsBoundaryArn;
  const boundaryAfter = after?.permissionsBoundaryArn;
  const change: RoleChange = {
    stack,
    kind: some.kind,
    roleName: some.roleName,
    status: 'unchanged',
    permissionsAdded: minus(rowsAfter.keys(), new Set(rowsBefore.keys())).map((k) => rowsAfter.get(k) as PermissionRow).sort(compareRows),
    permissionsRemoved: minus(rowsBefore.keys(), new Set(rowsAfter.keys())).map((k) => rowsBefore.get(k) as PermissionRow).sort(compareRows),
    managedPoliciesAttached: minus(managedAfter, managedBefore).sort(byText),
    managedPoliciesDetached: minus(managedBefore, managedAfter).sort(byText),
    trust,
    ...(before && after && boundaryBefore !== boundaryAfter ? { boundary: { before: boundaryBefore, after: boundaryAfter } } : {}),
    ...(before && after && before.maxSessionDuration !== after.maxSessionDuration ? { maxSession: { before: before.maxSessionDuration, after: after.maxSessionDuration } } : {}),
    unreadable: [...(before?.unreadable ?? []).map((part) => `before: ${part}`), ...(after?.unreadable ?? []).map((part) => `after: ${part}`)],
  };
  const changed =
    change.permissionsAdded.length + change.permissionsRemoved.length + change.managedPoliciesAttached.length + change.managedPoliciesDetached.length > 0 ||
    trust.principalsAdded.length + trust.principalsRemoved.length + trust.conditionsAdded.length + trust.conditionsRemoved.length + trust.externalIdsAdded + trust.externalIdsRemoved > 0 ||
    change.boundary !== undefined ||
    change.maxSession !== undefined ||
    change.unreadable.length > 0;
  return { ...change, status: !before ? 'added' : !after ? 'removed' : changed ? 'changed' : 'unchanged' };
}

function compareReach(stack: string, before: ReachView | undefined, after: ReachView | undefined): ReachChange | undefined {
  if (!before && !after) return undefined;
  const change: ReachChange = {
    stack,
    targetsAdded: minus(after?.targets ?? [], new Set(before?.targets ?? [])),
    targetsRemoved: minus(before?.targets ?? [], new Set(after?.targets ?? [])),
    exclusionsAdded: minus(after?.excludedAccountIds ?? [], new Set(before?.excludedAccountIds ?? [])),
    exclusionsRemoved: minus(before?.excludedAccountIds ?? [], new Set(after?.excludedAccountIds ?? [])),
    ...(before?.region !== after?.region ? { region: { before: before?.region, after: after?.region } } : {}),
    ...((before?.retainStacksOnAccountRemoval ?? false) !== (after?.retainStacksOnAccountRemoval ?? false)
      ? { retainStacksOnAccountRemoval: { before: before?.retainStacksOnAccountRemoval ?? false, after: after?.retainStacksOnAccountRemoval ?? false } }
      : {}),
  };
  const changed = change.targetsAdded.length + change.targetsRemoved.length + change.exclusionsAdded.length + change.exclusionsRemoved.length > 0 || change.region || change.retainStacksOnAccountRemoval;
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

/**
 * The gate's rule: a change broadens access when it adds a grant (a new action, a wider resource or
 * condition is a new row), attaches an AWS managed policy, trusts a new principal, removes a trust
 * condition or the boundary, raises the session length, or accepts more external IDs than before; or, for
 * an organization, targets more OUs or the root, excludes fewer accounts, or starts keeping roles in
 * accounts that leave; or when a part of a role (its trust, a policy's document) is not known until apply
 * on either side, since nothing then shows the change is narrower. A rotation (as many IDs accepted after as before, some replaced) is not broadening:
 * the number of secrets that open the role does not grow, and removing the old ID is the point.
 */
export function broadeningReasons(roles: readonly RoleChange[], reach: readonly ReachChange[]): string[] {
  const reasons: string[] = [];
  for (const role of roles) {
    const label = roleLabel(role);
    if (role.permissionsAdded.length > 0) reasons.push(`${label}: ${plural(role.permissionsAdded.length, 'grant')} added`);
    if (role.managedPoliciesAttached.length > 0) reasons.push(`${label}: ${plural(role.managedPoliciesAttached.length, 'AWS managed policy', 'AWS managed policies')} attached`);
    if (role.trust.principalsAdded.length > 0) reasons.push(`${label}: trusts ${plural(role.trust.principalsAdded.length, 'new principal')}`);
    if (role.trust.conditionsRemoved.length > 0) reasons.push(`${label}: ${plural(role.trust.conditionsRemoved.length, 'trust condition')} removed`);
    if (role.trust.externalIdsAfter > role.trust.externalIdsBefore && role.status !== 'added') reasons.push(`${label}: accepts ${role.trust.externalIdsAfter} external IDs instead of ${role.trust.externalIdsBefore}`);
    if (role.boundary && role.boundary.after === undefined) reasons.push(`${label}: permissions boundary removed`);
    if (role.maxSession && role.maxSession.after > role.maxSession.before) reasons.push(`${label}: maximum session raised from ${role.maxSession.before} s to ${role.maxSession.after} s`);
    // Unknown is not shown to be narrow: the gate holds until both sides can be read.
    if (role.unreadable.length > 0) reasons.push(`${label}: not known until apply, so not shown to be narrower: ${role.unreadable.join('; ')}`);
  }
  for (const change of reach) {
    if (change.targetsAdded.length > 0) reasons.push(`${change.stack}: member roles reach ${plural(change.targetsAdded.length, 'more target')}`);
    if (change.exclusionsRemoved.length > 0) reasons.push(`${change.stack}: ${plural(change.exclusionsRemoved.length, 'account')} no longer excluded`);
    if (change.retainStacksOnAccountRemoval?.after === true) reasons.push(`${change.stack}: roles kept in accounts that leave the targets`);
  }
  return reasons;
}

/** ` (1 added, 1 removed)` when whole roles come or go; empty otherwise. */
function rolesAddedOrRemoved(changed: readonly RoleChange[]): string {
  const added = changed.filter((r) => r.status === 'added').length;
  const removed = changed.filter((r) => r.status === 'removed').length;
  return added + removed > 0 ? ` (${added} added, ${removed} removed)` : '';
}

function summaryLine(roles: readonly RoleChange[], reach: readonly ReachChange[], broadening: readonly string[], disruptions: readonly Disruption[]): string {
  const changed = roles.filter((r) => r.status !== 'unchanged');
  const disrupted = disruptions.length > 0 ? ` The apply deletes or replaces ${plural(disruptions.length, 'resource')} of the roles.` : '';
  if (changed.length === 0 && reach.length === 0) return `No change to the Qualys roles\u2019 permissions, trust or reach.${disrupted}`;
  const added = changed.flatMap((r) => r.permissionsAdded);
  const removed = changed.flatMap((r) => r.permissionsRemoved);
  const parts = [
    `${plural(changed.length, 'role')} changed${rolesAddedOrRemoved(changed)}`,
    `${plural(added.length, 'grant')} added (${added.filter(isMutating).length} Write or Permissions management), ${removed.length} removed`,
  ];
  const attached = changed.reduce((n, r) => n + r.managedPoliciesAttached.length, 0);
  const detached = changed.reduce((n, r) => n + r.managedPoliciesDetached.length, 0);
  if (attached + detached > 0) parts.push(`${plural(attached, 'AWS managed policy', 'AWS managed policies')} attached, ${detached} detached`);
  const trustChanged = changed.filter((r) => r.trust.principalsAdded.length + r.trust.principalsRemoved.length + r.trust.conditionsAdded.length + r.trust.conditionsRemoved.length + r.trust.externalIdsAdded + r.trust.externalIdsRemoved > 0 && r.status === 'changed');
  // A role that comes or goes brings or takes its whole trust (its rows say which): the trust part counts roles kept.
  const comeOrGo = changed.some((r) => r.status === 'added' || r.status === 'removed');
  const kept = roles.some((r) => r.status === 'changed' || r.status === 'unchanged');
  if (trustChanged.length > 0) parts.push(`trust changed for ${plural(trustChanged.length, 'role')}`);
  else if (!comeOrGo) parts.push('trust unchanged');
  else if (kept) parts.push('trust of the other roles unchanged');
  parts.push(reach.length > 0 ? `reach changed for ${plural(reach.length, 'organization')}` : 'reach unchanged');
  parts.push(broadening.length > 0 ? 'broadens access' : 'does not broaden access');
  return `${parts.join('; ')}.${disrupted}`;
}

/** Compares two sets of stacks, matched by stack name; roles matched by kind within a stack. */
export function reviewStacks(before: readonly StackView[], after: readonly StackView[], catalogue: ActionCatalogue, disruptions: readonly Disruption[] = []): Review {
  const reasons = attributions(catalogue);
  const names = [...new Set([...before.map((s) => s.name), ...after.map((s) => s.name)])].sort(byText);
  const roles: RoleChange[] = [];
  const reach: ReachChange[] = [];
  for (const name of names) {
    const old = before.find((s) => s.name === name);
    const now = after.find((s) => s.name === name);
    const kinds: RoleKind[] = ['role', 'management role', 'member role'];
    for (const kind of kinds) {
      const a = old?.roles.find((r) => r.kind === kind);
      const b = now?.roles.find((r) => r.kind === kind);
      if (a || b) roles.push(compareRole(name, a, b, catalogue, reasons));
    }
    const reachChange = compareReach(name, old?.reach, now?.reach);
    if (reachChange) reach.push(reachChange);
  }
  const broadening = broadeningReasons(roles, reach);
  return { summary: summaryLine(roles, reach, broadening, disruptions), roles, reach, broadening, disruptions, catalogue: catalogue.dataVersion };
}
