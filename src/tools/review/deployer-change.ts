// Whether the deploying identity's policy for the base configuration still covers the change.
import { AppConfig } from '../../config/schema';
import { PolicyCondition } from '../../model/policy/model';
import { StackDeployerPolicy, planDeployerPolicy } from '../deployer/policy';

/** One grant of a deployer document: an effect, an action, a resource and the conditions, as one line. */
export interface DeployerGrant {
  /** The document it belongs to, without the `-<n>` of a split: `<stack>-<identity>`. */
  readonly document: string;
  /** Who the document is attached to. */
  readonly attachTo: string;
  readonly grant: string;
}

export interface DeployerPolicyChange {
  /** Grants the change's deploy needs that the base configuration's policy does not give. */
  readonly needed: readonly DeployerGrant[];
  /** Grants of the base configuration's policy that the change no longer needs (narrow them after the deploy). */
  readonly unneeded: readonly DeployerGrant[];
  /** Why the policy for the change could not be planned, when it could not: the gate holds on it. */
  readonly unplanned?: string;
  /** The deployer policy is kept up to date outside this review (`--deployer-policy-managed-elsewhere`). */
  readonly managedElsewhere: boolean;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A grant with its parts, for the comparison. */
interface Grant extends DeployerGrant {
  readonly effect: string;
  /** Lower case: IAM matches actions without regard to case. */
  readonly action: string;
  readonly resource: string;
  readonly conditions: readonly PolicyCondition[];
}

function conditionText(conditions: readonly PolicyCondition[]): string {
  if (conditions.length === 0) return '';
  const parts = [...conditions]
    .map((c) => `${c.test} ${c.variable} [${[...c.values].sort(byText).join(', ')}]`)
    .sort(byText);
  return ` when ${parts.join(' and ')}`;
}

/**
 * Every grant of the deploy's documents: one per effect, action and resource with the statement's conditions,
 * so the same permissions read the same however the planner groups or splits them.
 */
function grantsOf(policies: readonly StackDeployerPolicy[]): Grant[] {
  const grants: Grant[] = [];
  for (const stack of policies) {
    for (const doc of stack.documents) {
      const document = `${stack.stack}-${doc.role}`;
      for (const statement of doc.document.statements) {
        for (const action of statement.actions) {
          for (const resource of statement.resources) {
            grants.push({
              document,
              attachTo: doc.attachTo,
              grant: `${statement.effect} ${action} on ${resource}${conditionText(statement.conditions)}`,
              effect: statement.effect,
              action: action.toLowerCase(),
              resource,
              conditions: statement.conditions,
            });
          }
        }
      }
    }
  }
  return grants;
}

/** Operators under which more values allow more requests (any of them may match). */
const MORE_VALUES_ALLOW_MORE =
  /^(ForAllValues:|ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/;

/**
 * Whether `wide` allows every request `narrow` allows: the same effect, action and resource, and each of wide's
 * conditions also in narrow with the same or fewer values (for operators where more values allow more; the
 * same values otherwise). A condition only narrow has limits narrow further.
 */
function covers(wide: Grant, narrow: Grant): boolean {
  if (wide.document !== narrow.document || wide.effect !== narrow.effect) return false;
  if (wide.action !== narrow.action || wide.resource !== narrow.resource) return false;
  return wide.conditions.every((condition) => {
    const same = narrow.conditions.find((c) => c.test === condition.test && c.variable === condition.variable);
    if (same === undefined) return false;
    const values = new Set(condition.values);
    return MORE_VALUES_ALLOW_MORE.test(condition.test)
      ? same.values.every((v) => values.has(v))
      : same.values.length === condition.values.length && same.values.every((v) => values.has(v));
  });
}

const order = (a: DeployerGrant, b: DeployerGrant) => byText(a.document, b.document) || byText(a.grant, b.grant);
const shown = ({ document, attachTo, grant }: Grant): DeployerGrant => ({ document, attachTo, grant });

/**
 * The deployer policy the change needs against the one the base configuration's deploy uses (`planDeployerPolicy`,
 * purpose `deploy`, which also destroys what the change removes). `before` null: there was no connector, so
 * everything the change needs is needed. An Allow of the change that no Allow of the base covers is needed; so
 * is a Deny of the base that the change does not have.
 */
export function deployerPolicyChange(
  before: AppConfig | null,
  after: AppConfig | null,
  managedElsewhere: boolean,
): DeployerPolicyChange {
  const base = grantsOf(before === null ? [] : planDeployerPolicy(before));
  const change = grantsOf(after === null ? [] : planDeployerPolicy(after));
  const allows = (grants: Grant[]) => grants.filter((g) => g.effect === 'Allow');
  const denies = (grants: Grant[]) => grants.filter((g) => g.effect === 'Deny');
  const uncovered = (grants: Grant[], by: Grant[]) => grants.filter((g) => !by.some((w) => covers(w, g)));
  const sameDeny = (a: Grant, b: Grant) => a.document === b.document && a.grant.toLowerCase() === b.grant.toLowerCase();
  const deniesOnlyIn = (a: Grant[], b: Grant[]) => denies(a).filter((d) => !denies(b).some((e) => sameDeny(d, e)));
  return {
    needed: [...uncovered(allows(change), allows(base)), ...deniesOnlyIn(base, change)].map(shown).sort(order),
    unneeded: [...uncovered(allows(base), allows(change)), ...deniesOnlyIn(change, base)].map(shown).sort(order),
    managedElsewhere,
  };
}

/** The change whose policy cannot be planned (no configuration for a synthesis, say): the gate holds until it is. */
export function unplannedDeployerPolicy(reason: string, managedElsewhere: boolean): DeployerPolicyChange {
  return { needed: [], unneeded: [], unplanned: reason, managedElsewhere };
}

/** The gate's reason, when the deployer policy must change first (and is not managed elsewhere). */
export function deployerPolicyReasons(change: DeployerPolicyChange | undefined): string[] {
  if (change === undefined || change.managedElsewhere) return [];
  if (change.unplanned !== undefined)
    return [`deployer policy: the policy the change needs cannot be planned (${change.unplanned})`];
  if (change.needed.length === 0) return [];
  const documents = [...new Set(change.needed.map((g) => g.document))];
  return [
    `deployer policy: update the deploying role's policy before merging: ${change.needed.length} grant${change.needed.length === 1 ? '' : 's'} the base configuration's policy does not give (${documents.join(', ')})`,
  ];
}
