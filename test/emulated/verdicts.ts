/** The real provider's plans as the verdicts of scripts/next-change.ts. */
import { Verdict } from '../../scripts/next-change';
import { PlanJson, viewsFromPlan } from '../../src/tools/review/readers/terraform';
import { PlannedChange, SavedPlan } from '../terraform/harness';

/** A planned change as a verdict; `undefined` for a change that leaves the resource as it is. */
export function verdictOf(change: PlannedChange): Verdict | undefined {
  const actions = change.actions.join();
  if (actions === 'no-op' || actions === 'read') return undefined;
  if (actions === 'delete,create' || actions === 'create,delete') return 'replace';
  if (actions === 'create' || actions === 'update' || actions === 'delete') return actions;
  throw new Error(`${change.address}: actions ${actions} have no verdict`);
}

/** The verdicts a plan makes for the resources of one module, by their address inside it. */
export function verdictsIn(plan: SavedPlan, module: string): Record<string, Verdict> {
  const prefix = `module.${module}.`;
  const verdicts: Record<string, Verdict> = {};
  for (const change of plan.changes.filter((c) => c.address.startsWith(prefix))) {
    const verdict = verdictOf(change);
    if (verdict) verdicts[change.address.slice(prefix.length)] = verdict;
  }
  return verdicts;
}

/** The resources a step's verdicts delete or replace, as the review reports them: a disruption each. */
export function expectedDisruptions(
  planned: Readonly<Record<string, Verdict>>,
  module: string,
  stacksKept: readonly string[] = [],
): { address: string; action: 'replace' | 'delete'; stacksKept?: true }[] {
  return Object.entries(planned)
    .filter(([, verdict]) => verdict === 'replace' || verdict === 'delete')
    .map(([address, verdict]) => ({
      address: `module.${module}.${address}`,
      action: verdict as 'replace' | 'delete',
      ...(stacksKept.includes(address) ? { stacksKept: true as const } : {}),
    }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** The review's disruptions of a plan, for one module (its plan reader, the one `--plan` uses). */
export function reviewDisruptions(plan: SavedPlan, module: string): unknown[] {
  const { disruptions } = viewsFromPlan(plan.json as PlanJson, 'emulated');
  return disruptions
    .filter((d) => d.address.startsWith(`module.${module}.`))
    .map(({ stack: _stack, ...d }) => d)
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}
