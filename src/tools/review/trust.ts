import { IamDocumentJson, IamStatementJson, asList } from './views';

/*
 * Who can assume a role, judged as IAM judges a request rather than by comparing documents: each Allow and
 * Deny statement of a trust policy becomes grants of (principals, actions, conditions), and a change
 * broadens the trust when some request that the new policy allows is not shown to be allowed by the old one,
 * or when a request the old policy denied is not shown to be denied still. "Shown" is a proof by
 * implication between conditions; whatever cannot be proved counts as broader, so the judgement fails
 * closed. External IDs are handled as secrets throughout: counted and described by operator, never shown.
 */

/** The actions a trust policy can allow: into the role, and what a session may carry. */
export const TRUST_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
] as const;

export const EXTERNAL_ID_KEY = 'sts:externalid';

/** One principal as IAM names it: a type (`AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for anyone) and an ID. */
export interface Principal {
  readonly type: string;
  readonly id: string;
}

/** Everyone, these principals only, or everyone but these (NotPrincipal). */
export type PrincipalSet =
  | { readonly kind: 'all' }
  | { readonly kind: 'only'; readonly principals: readonly Principal[] }
  | { readonly kind: 'except'; readonly principals: readonly Principal[] };

/** One condition of a statement: operator (with its ForAnyValue:/ForAllValues: and IfExists parts), key and values. */
export interface Clause {
  readonly operator: string;
  /** Lower case: condition keys are case-insensitive. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface TrustGrant {
  readonly effect: 'Allow' | 'Deny';
  readonly principals: PrincipalSet;
  readonly actions: readonly string[];
  readonly clauses: readonly Clause[];
  /** Statement number (1-based) and Sid, for messages. */
  readonly statement: string;
}

export interface ParsedTrust {
  readonly grants: readonly TrustGrant[];
  /** Statements IAM would reject or that this reader cannot judge: the trust is then unknown. */
  readonly problems: readonly string[];
}

const ROOT_ARN = /^arn:([\w-]+):iam::(\d{12}):root$/;
const IAM_ARN = /^arn:([\w-]+):(?:iam|sts)::(\d{12}):/;

/** A principal ID in its canonical form: a bare account ID is the account's root in the role's partition. */
function canonicalPrincipal(type: string, id: string, partition: string): Principal {
  if (type === 'AWS' && /^\d{12}$/.test(id)) return { type, id: `arn:${partition}:iam::${id}:root` };
  if (type === 'Service') return { type, id: id.toLowerCase() };
  return { type, id };
}

function principalSet(value: IamStatementJson['Principal'], partition: string): Principal[] | 'all' {
  if (value === '*') return 'all';
  if (value === undefined || typeof value !== 'object') return [];
  const principals: Principal[] = [];
  for (const type of Object.keys(value).sort()) {
    for (const id of asList(value[type])) {
      if (type === 'AWS' && id === '*') principals.push({ type: 'AWS', id: '*' });
      else principals.push(canonicalPrincipal(type, String(id), partition));
    }
  }
  return principals;
}

/** Whether principal `wide` includes principal `narrow` (an account's root includes its roles and users). */
export function principalCovers(wide: Principal, narrow: Principal): boolean {
  if (wide.type === '*') return true;
  if (wide.type !== narrow.type) return false;
  if (wide.id === '*' || wide.id === narrow.id) return true;
  const root = wide.type === 'AWS' ? ROOT_ARN.exec(wide.id) : null;
  const entity = root ? IAM_ARN.exec(narrow.id) : null;
  return root !== null && entity !== null && root[1] === entity[1] && root[2] === entity[2];
}

function overlaps(a: Principal, b: Principal): boolean {
  return principalCovers(a, b) || principalCovers(b, a);
}

/** Whether every principal of `narrow` is in `wide`. */
export function principalSubset(narrow: PrincipalSet, wide: PrincipalSet): boolean {
  if (wide.kind === 'all') return true;
  if (narrow.kind === 'all') return wide.kind === 'except' && wide.principals.length === 0;
  if (narrow.kind === 'only') {
    if (wide.kind === 'only') return narrow.principals.every((p) => wide.principals.some((w) => principalCovers(w, p)));
    return narrow.principals.every((p) => !wide.principals.some((w) => overlaps(w, p)));
  }
  // Everyone but A is within everyone but B when B is within A.
  return wide.kind === 'except' && wide.principals.every((b) => narrow.principals.some((a) => principalCovers(a, b)));
}

function wildcardMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(text);
}

function actionsOf(statement: IamStatementJson): string[] {
  if (statement.NotAction !== undefined) {
    const excluded = asList(statement.NotAction).map(String);
    return TRUST_ACTIONS.filter((action) => !excluded.some((pattern) => wildcardMatch(pattern, action, true)));
  }
  const patterns = asList(statement.Action).map(String);
  return TRUST_ACTIONS.filter((action) => patterns.some((pattern) => wildcardMatch(pattern, action, true)));
}

function clausesOf(condition: IamStatementJson['Condition']): Clause[] {
  const clauses: Clause[] = [];
  for (const operator of Object.keys(condition ?? {}).sort()) {
    const byKey = (condition ?? {})[operator] ?? {};
    for (const key of Object.keys(byKey).sort()) {
      clauses.push({
        operator,
        key: key.toLowerCase(),
        values: asList(byKey[key] as string | string[]).map((v) => String(v)),
      });
    }
  }
  return clauses;
}

/** A trust policy as grants; statements IAM rejects (no principal, no action) are problems, not grants. */
export function parseTrust(document: IamDocumentJson | undefined, partition: string): ParsedTrust {
  const grants: TrustGrant[] = [];
  const problems: string[] = [];
  asList(document?.Statement).forEach((statement, i) => {
    const label = statement.Sid ? `statement ${statement.Sid}` : `statement ${i + 1}`;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      problems.push(`${label} has the effect ${JSON.stringify(statement.Effect)}, which IAM rejects`);
      return;
    }
    if ((statement.Principal === undefined) === (statement.NotPrincipal === undefined)) {
      problems.push(`${label} needs exactly one of Principal and NotPrincipal, which IAM requires in a trust policy`);
      return;
    }
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      problems.push(`${label} needs exactly one of Action and NotAction`);
      return;
    }
    const listed = principalSet(statement.Principal ?? statement.NotPrincipal, partition);
    const principals: PrincipalSet =
      statement.NotPrincipal !== undefined
        ? listed === 'all'
          ? { kind: 'only', principals: [] }
          : { kind: 'except', principals: listed }
        : listed === 'all'
          ? { kind: 'all' }
          : { kind: 'only', principals: listed };
    grants.push({
      effect: statement.Effect,
      principals,
      actions: actionsOf(statement),
      clauses: clausesOf(statement.Condition),
      statement: label,
    });
  });
  return { grants, problems };
}

interface OperatorParts {
  readonly set: '' | 'ForAnyValue' | 'ForAllValues';
  readonly base: string;
  readonly ifExists: boolean;
}

function operatorParts(operator: string): OperatorParts {
  const [prefix, rest] = operator.includes(':') ? operator.split(':', 2) : ['', operator];
  const ifExists = rest.endsWith('IfExists');
  return {
    set: prefix === 'ForAnyValue' || prefix === 'ForAllValues' ? prefix : '',
    base: ifExists ? rest.slice(0, -'IfExists'.length) : rest,
    ifExists,
  };
}

const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
]);
const KNOWN_BASES = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'Null',
]);

/** Whether a single present value satisfies one operator and one of its values (string and ARN operators; others by equality). */
function valueMatches(base: string, value: string, expected: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'BinaryEquals':
    case 'Bool':
      return value === expected;
    case 'StringEqualsIgnoreCase':
      return value.toLowerCase() === expected.toLowerCase();
    case 'StringLike':
    case 'ArnLike':
    case 'ArnEquals':
      return !expected.includes('${') && wildcardMatch(expected, value, false);
    default:
      return value === expected;
  }
}

const POSITIVE_OF: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/** Whether a clause holds for a request whose key has exactly this value (a single-valued key, present). */
function holdsFor(clause: Clause, value: string): boolean | undefined {
  const parts = operatorParts(clause.operator);
  if (parts.set !== '' || !KNOWN_BASES.has(parts.base)) return undefined;
  if (parts.base === 'Null') return clause.values.every((v) => v === 'false');
  if (NEGATED.has(parts.base)) {
    const positive = POSITIVE_OF[parts.base];
    return positive === undefined
      ? undefined
      : !clause.values.some((expected) => valueMatches(positive, value, expected));
  }
  if (
    !['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnLike', 'ArnEquals', 'Bool', 'BinaryEquals'].includes(
      parts.base,
    )
  )
    return undefined;
  return clause.values.some((expected) => valueMatches(parts.base, value, expected));
}

/** A clause that admits exactly one present value per listed value: StringEquals, or StringLike without wildcards. */
function exactValues(clause: Clause): readonly string[] | undefined {
  const parts = operatorParts(clause.operator);
  if (parts.set !== '' || parts.ifExists) return undefined;
  if (clause.values.some((v) => v.includes('${'))) return undefined;
  if (parts.base === 'StringEquals') return clause.values;
  if (
    (parts.base === 'StringLike' || parts.base === 'ArnLike' || parts.base === 'ArnEquals') &&
    clause.values.every((v) => !/[*?]|\$\{/.test(v))
  )
    return clause.values;
  return undefined;
}

/** The exact, case-sensitive external ID match this project writes: `StringEquals` on `sts:ExternalId`. */
export function isExactExternalId(clause: Clause): boolean {
  return clause.key === EXTERNAL_ID_KEY && clause.operator === 'StringEquals';
}

/**
 * Whether `strict` implies `loose`: every request that satisfies `strict` satisfies `loose`. Proved for the
 * cases below; anything else is "not proved", which the callers read as broader.
 */
export function clauseImplies(strict: Clause, loose: Clause): boolean {
  if (strict.key !== loose.key) return false;
  // Which exact external ID is accepted does not change who must present one (the number is counted apart);
  // and only an exact match stands in for one: StringLike or IfExists forms are weaker even where they happen to admit the same values.
  if (isExactExternalId(loose)) return isExactExternalId(strict);
  const s = operatorParts(strict.operator);
  const l = operatorParts(loose.operator);
  if (s.set === '' && l.set !== '') {
    // A single present value satisfies ForAnyValue:/ForAllValues:Op exactly when it satisfies Op.
    const exact = exactValues(strict);
    return exact !== undefined && exact.every((value) => holdsFor({ ...loose, operator: l.base }, value) === true);
  }
  if (s.set !== '' || l.set !== '') {
    if (strict.operator !== loose.operator) return false;
    return NEGATED.has(s.base)
      ? loose.values.every((v) => strict.values.includes(v))
      : strict.values.every((v) => loose.values.includes(v));
  }
  if (s.base === 'Null' || l.base === 'Null')
    return strict.operator === loose.operator && sameValues(strict.values, loose.values);
  // A missing key satisfies an IfExists clause (and a negated one): a strict side that lets it through needs a loose side that does too.
  if (s.ifExists && !l.ifExists) return false;
  if (NEGATED.has(s.base)) {
    if (!l.ifExists && !NEGATED.has(l.base)) return false;
    return s.base === l.base && loose.values.every((v) => strict.values.includes(v));
  }
  const exact = exactValues({ ...strict, operator: s.base });
  if (exact !== undefined) return exact.every((value) => holdsFor({ ...loose, operator: l.base }, value) === true);
  if (s.base === 'StringEqualsIgnoreCase') {
    if (l.base === 'StringEqualsIgnoreCase')
      return strict.values.every((v) => loose.values.some((w) => w.toLowerCase() === v.toLowerCase()));
    return l.base === 'StringLike' && loose.values.includes('*');
  }
  if (s.base === 'StringLike' || s.base === 'ArnLike' || s.base === 'ArnEquals') {
    // Patterns: proved only when each is also a pattern of the loose side, or the loose side takes anything.
    const sameFamily =
      ['StringLike', 'ArnLike', 'ArnEquals'].includes(l.base) &&
      (s.base === 'StringLike') === (l.base === 'StringLike');
    return sameFamily && strict.values.every((v) => loose.values.includes(v) || loose.values.includes('*'));
  }
  return strict.operator === loose.operator && strict.values.every((v) => loose.values.includes(v));
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v) => b.includes(v));
}

/** Whether every request that satisfies all of `strict` satisfies all of `loose`. */
export function conditionsImply(strict: readonly Clause[], loose: readonly Clause[]): boolean {
  return loose.every((l) => strict.some((s) => clauseImplies(s, l)));
}

/** Most alternatives a statement is split into (one per value of each positive clause) before the proof gives up splitting. */
const SPLIT_LIMIT = 64;

/**
 * A request carries one value per single-valued key, so `StringEquals k [a, b]` is two ways in, each of
 * which may be allowed by another statement before the change: one alternative per value and principal.
 */
function alternatives(grant: TrustGrant): TrustGrant[] {
  let variants: Clause[][] = [[]];
  for (const clause of grant.clauses) {
    const splittable = exactValues(clause) !== undefined && clause.values.length > 1 && !isExactExternalId(clause);
    const options = splittable ? clause.values.map((v) => ({ ...clause, values: [v] })) : [clause];
    if (variants.length * options.length > SPLIT_LIMIT) return [grant];
    variants = variants.flatMap((variant) => options.map((option) => [...variant, option]));
  }
  const principals: PrincipalSet[] =
    grant.principals.kind === 'only' && grant.principals.principals.length > 1
      ? grant.principals.principals.map((p) => ({ kind: 'only', principals: [p] }))
      : [grant.principals];
  return principals.flatMap((p) => variants.map((clauses) => ({ ...grant, principals: p, clauses })));
}

export function principalText(principal: Principal): string {
  return principal.type === '*' ? 'anyone (*)' : `${principal.type} ${principal.id}`;
}

export function principalSetText(set: PrincipalSet): string {
  if (set.kind === 'all') return 'anyone (*)';
  const list = set.principals.map(principalText).join(', ');
  return set.kind === 'only' ? list || 'no principal' : `anyone but ${list}`;
}

/** Operators and keys of the clauses, values shown except for external IDs (described by count and operator). */
export function clauseText(clause: Clause): string {
  if (clause.key === EXTERNAL_ID_KEY)
    return `${clause.operator} sts:ExternalId (${clause.values.length} ${clause.values.length === 1 ? 'value' : 'values'}, not shown)`;
  return `${clause.operator} ${clause.key} = ${[...clause.values].sort().join(' | ')}`;
}

/** What a principal must present to be let in by one grant: the external ID part first. */
export function requirementText(clauses: readonly Clause[]): string {
  const ids = clauses.filter((c) => c.key === EXTERNAL_ID_KEY);
  const exact = ids.filter(isExactExternalId);
  const idPart =
    ids.length === 0
      ? 'no external ID'
      : exact.length === ids.length
        ? `an exact external ID (${countText(exact)})`
        : `an external ID compared with ${[...new Set(ids.filter((c) => !isExactExternalId(c)).map((c) => c.operator))].join(', ')}, weaker than an exact match`;
  const others = clauses.filter((c) => c.key !== EXTERNAL_ID_KEY).map(clauseText);
  return [idPart, ...others].join('; ');
}

function countText(exact: readonly Clause[]): string {
  const n = new Set(exact.flatMap((c) => c.values)).size;
  return `${n} accepted`;
}

/** One line of who can do what under a trust policy, for the review's table. */
export interface TrustEntry {
  readonly effect: 'Allow' | 'Deny';
  readonly principals: string;
  readonly actions: readonly string[];
  readonly requirement: string;
}

export function trustEntries(trust: ParsedTrust): TrustEntry[] {
  return trust.grants
    .filter((g) => g.actions.length > 0)
    .map((g) => ({
      effect: g.effect,
      principals: principalSetText(g.principals),
      actions: [...g.actions],
      requirement: requirementText(g.clauses),
    }));
}

/** Exact external IDs a principal could present for sts:AssumeRole (the values themselves never leave here). */
function exactIdsFor(trust: ParsedTrust, principal: Principal): Set<string> {
  const ids = new Set<string>();
  for (const grant of trust.grants) {
    if (grant.effect !== 'Allow' || !grant.actions.includes('sts:AssumeRole')) continue;
    if (!principalSubset({ kind: 'only', principals: [principal] }, grant.principals)) continue;
    for (const clause of grant.clauses.filter(isExactExternalId)) clause.values.forEach((v) => ids.add(v));
  }
  return ids;
}

function principalsNamed(trust: ParsedTrust): Principal[] {
  return trust.grants.flatMap((g) => (g.principals.kind === 'all' ? [] : g.principals.principals));
}

export interface TrustVerdict {
  /** Why the new trust lets someone in with less than before: one line each. */
  readonly broadening: readonly string[];
  /** Principals named before and after (text), to show who comes and goes. */
  readonly principalsAdded: readonly string[];
  readonly principalsRemoved: readonly string[];
  readonly externalIdsBefore: number;
  readonly externalIdsAfter: number;
  readonly externalIdsAdded: number;
  readonly externalIdsRemoved: number;
}

function allowedBefore(grant: TrustGrant, action: string, before: ParsedTrust): boolean {
  return before.grants.some(
    (b) =>
      b.effect === 'Allow' &&
      b.actions.includes(action) &&
      principalSubset(grant.principals, b.principals) &&
      conditionsImply(grant.clauses, b.clauses),
  );
}

function stillDenied(deny: TrustGrant, action: string, after: ParsedTrust): boolean {
  return after.grants.some(
    (a) =>
      a.effect === 'Deny' &&
      a.actions.includes(action) &&
      principalSubset(deny.principals, a.principals) &&
      conditionsImply(deny.clauses, a.clauses),
  );
}

/** The judgement of a trust change: what the new policy allows that the old one is not shown to allow. */
export function compareTrust(
  beforeDocument: IamDocumentJson | undefined,
  afterDocument: IamDocumentJson | undefined,
  partition: string,
): TrustVerdict {
  const before = parseTrust(beforeDocument, partition);
  const after = parseTrust(afterDocument, partition);
  const broadening: string[] = [];
  const seen = new Set<string>();
  const add = (line: string) => {
    if (!seen.has(line)) broadening.push(line);
    seen.add(line);
  };
  for (const grant of after.grants.filter((g) => g.effect === 'Allow')) {
    for (const alternative of alternatives(grant)) {
      const refused = alternative.actions.filter((action) => !allowedBefore(alternative, action, before));
      if (refused.length > 0)
        add(
          `${principalSetText(alternative.principals)} may now call ${refused.join(', ')} with ${requirementText(alternative.clauses)}, which the trust before did not allow`,
        );
    }
  }
  for (const deny of before.grants.filter((g) => g.effect === 'Deny')) {
    for (const alternative of alternatives(deny)) {
      const lifted = alternative.actions.filter((action) => !stillDenied(alternative, action, after));
      if (lifted.length > 0)
        add(
          `the Deny of ${lifted.join(', ')} for ${principalSetText(alternative.principals)} when ${requirementText(alternative.clauses)} (${deny.statement} before) is removed or narrowed`,
        );
    }
  }
  const named = (trust: ParsedTrust) => new Set(principalsNamed(trust).map(principalText));
  const namedBefore = named(before);
  const namedAfter = named(after);
  const everyone = [...principalsNamed(before), ...principalsNamed(after)];
  let externalIdsBefore = 0;
  let externalIdsAfter = 0;
  let externalIdsAdded = 0;
  let externalIdsRemoved = 0;
  const counted = new Set<string>();
  for (const principal of everyone) {
    const key = principalText(principal);
    if (counted.has(key)) continue;
    counted.add(key);
    const idsBefore = exactIdsFor(before, principal);
    const idsAfter = exactIdsFor(after, principal);
    externalIdsBefore = Math.max(externalIdsBefore, idsBefore.size);
    externalIdsAfter = Math.max(externalIdsAfter, idsAfter.size);
    externalIdsAdded = Math.max(externalIdsAdded, [...idsAfter].filter((id) => !idsBefore.has(id)).length);
    externalIdsRemoved = Math.max(externalIdsRemoved, [...idsBefore].filter((id) => !idsAfter.has(id)).length);
    if (idsBefore.size > 0 && idsAfter.size > idsBefore.size)
      add(`${key} may now present any of ${idsAfter.size} external IDs instead of ${idsBefore.size}`);
  }
  for (const problem of after.problems) add(`the trust after the change cannot be judged: ${problem}`);
  return {
    broadening,
    principalsAdded: [...namedAfter].filter((p) => !namedBefore.has(p)).sort(),
    principalsRemoved: [...namedBefore].filter((p) => !namedAfter.has(p)).sort(),
    externalIdsBefore,
    externalIdsAfter,
    externalIdsAdded,
    externalIdsRemoved,
  };
}
