/**
 * IAM policies as values. Documents are built from statements, compared, measured, linted and split as
 * data; JSON is produced only at the edge (Terraform literal, CloudFormation template, report).
 */

export type Effect = 'Allow' | 'Deny';

/** One condition clause, shaped like `aws_iam_policy_document`'s `condition` block. */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface PolicyPrincipal {
  readonly type: 'AWS' | 'Service' | 'Federated';
  readonly identifiers: readonly string[];
}

export interface PolicyStatementProps {
  readonly sid: string;
  readonly effect?: Effect;
  readonly actions: readonly string[];
  /** Defaults to `*`; identity policies only. */
  readonly resources?: readonly string[];
  readonly principals?: readonly PolicyPrincipal[];
  readonly conditions?: readonly PolicyCondition[];
}

const SID_PATTERN = /^[A-Za-z0-9]+$/;

/** Sorts and de-duplicates case-insensitively (IAM matches actions without regard to case). */
function normalizeActions(actions: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const action of actions) {
    const key = action.toLowerCase();
    if (!byKey.has(key)) byKey.set(key, action);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, action]) => action);
}

export class PolicyStatement {
  readonly sid: string;
  readonly effect: Effect;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly principals: readonly PolicyPrincipal[];
  readonly conditions: readonly PolicyCondition[];

  constructor(props: PolicyStatementProps) {
    if (!SID_PATTERN.test(props.sid)) {
      throw new Error(`statement sid "${props.sid}" must be alphanumeric (IAM rule for Sid)`);
    }
    if (props.actions.length === 0) {
      throw new Error(`statement "${props.sid}" has no actions`);
    }
    this.sid = props.sid;
    this.effect = props.effect ?? 'Allow';
    this.actions = normalizeActions(props.actions);
    this.resources = props.principals ? [] : [...new Set(props.resources ?? ['*'])].sort();
    this.principals = props.principals ?? [];
    this.conditions = props.conditions ?? [];
  }

  /** A copy with another sid and a subset of actions; used when a statement must be split. */
  withActions(sid: string, actions: readonly string[]): PolicyStatement {
    return new PolicyStatement({
      sid,
      effect: this.effect,
      actions,
      resources: this.principals.length > 0 ? undefined : this.resources,
      principals: this.principals.length > 0 ? this.principals : undefined,
      conditions: this.conditions,
    });
  }

  /** IAM JSON grammar, keys in a fixed order so the text is deterministic. */
  toJson(): Record<string, unknown> {
    const json: Record<string, unknown> = { Sid: this.sid, Effect: this.effect };
    if (this.principals.length > 0) {
      const principal: Record<string, string | string[]> = {};
      for (const p of this.principals) principal[p.type] = single(p.identifiers);
      json.Principal = principal;
    }
    json.Action = single(this.actions);
    if (this.principals.length === 0) json.Resource = single(this.resources);
    if (this.conditions.length > 0) {
      const condition: Record<string, Record<string, string | string[]>> = {};
      for (const c of this.conditions) {
        condition[c.test] = { ...(condition[c.test] ?? {}), [c.variable]: single(c.values) };
      }
      json.Condition = condition;
    }
    return json;
  }
}

function single(values: readonly string[]): string | string[] {
  return values.length === 1 ? values[0] : [...values];
}

export class PolicyDocument {
  readonly statements: readonly PolicyStatement[];

  constructor(statements: readonly PolicyStatement[]) {
    const sids = new Set<string>();
    for (const s of statements) {
      if (sids.has(s.sid)) throw new Error(`duplicate statement sid "${s.sid}" in one policy document`);
      sids.add(s.sid);
    }
    this.statements = statements;
  }

  toJson(): { Version: '2012-10-17'; Statement: Record<string, unknown>[] } {
    return { Version: '2012-10-17', Statement: this.statements.map((s) => s.toJson()) };
  }

  /** Compact JSON: the literal Terraform and CloudFormation receive. */
  toJsonString(): string {
    return JSON.stringify(this.toJson());
  }

  /** Characters IAM counts against a policy quota: whitespace is not counted. */
  get size(): number {
    return this.toJsonString().replace(/\s/g, '').length;
  }

  get actions(): string[] {
    return normalizeActions(this.statements.flatMap((s) => s.actions));
  }
}
