/** The real provider's plans as the verdicts of scripts/next-change.ts. */
import { Verdict } from '../../scripts/next-change';
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
