/*
 * The evidence behind the deployer policy: which AWS API calls the Terraform AWS provider, Terraform's S3
 * backend and CloudFormation (acting with the caller's credentials) make for each resource and step, and
 * where each fact comes from. Plain data (`evidence-data.ts`); `policy.ts` grants from it and the README
 * table is rendered from it.
 */
import { CALLS, NO_CALLS } from './evidence-data';
import { EVIDENCE_STEPS, EvidenceEntry } from './evidence-types';

export * from './evidence-types';
export { NO_CALLS };

function compareEntries(a: EvidenceEntry, b: EvidenceEntry): number {
  const key = (e: EvidenceEntry) =>
    [e.subject, String(EVIDENCE_STEPS.indexOf(e.step)).padStart(2, '0'), e.action, e.resourceType, e.when].join(
      '\u0000',
    );
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Every call, sorted by subject, step and action. */
export const EVIDENCE: readonly EvidenceEntry[] = [...CALLS].sort(compareEntries);
