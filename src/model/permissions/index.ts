import { AwsPartition, awsManagedPolicyArn } from '../../rules/partition';
import { PolicyDocument, PolicyStatement } from '../policy/model';
import { apiBasedAssessment } from './api-based-assessment';
import { assetView } from './asset-view';
import { cspm } from './cspm';
import { organization } from './organization';
import { remediation } from './remediation';
import { CAPABILITY_NAMES, CapabilityName, CapabilitySpec } from './types';
import { didYouMean } from '../../rules/suggest';

export * from './types';

/** Every capability, in the order their policies are attached and documented. */
export const CAPABILITIES: Readonly<Record<CapabilityName, CapabilitySpec>> = {
  'asset-view': assetView,
  'api-based-assessment': apiBasedAssessment,
  organization,
  cspm,
  remediation,
};

export interface CapabilityProblem {
  readonly capability: string;
  readonly rule: string;
}

/**
 * Problems with a requested capability list: unknown names and unmet requirements (e.g. Remediation
 * without CSPM). AssetView is implied, so it never needs to be listed.
 */
export function capabilityProblems(requested: readonly string[]): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  const known = new Set<string>(CAPABILITY_NAMES);
  for (const name of requested) {
    if (!known.has(name)) {
      problems.push({
        capability: name,
        rule: `is not a capability${didYouMean(name, CAPABILITY_NAMES)}; choose from ${CAPABILITY_NAMES.join(', ')}`,
      });
    }
  }
  const chosen = new Set(resolveCapabilities(requested.filter((n) => known.has(n)) as CapabilityName[]));
  for (const name of chosen) {
    for (const required of CAPABILITIES[name].requires) {
      if (!chosen.has(required)) {
        problems.push({ capability: name, rule: `requires the "${required}" capability; add it to the list` });
      }
    }
  }
  return problems;
}

/** The capabilities of a role, AssetView first, in canonical order, without duplicates. */
export function resolveCapabilities(requested: readonly CapabilityName[]): CapabilityName[] {
  const set = new Set<CapabilityName>(['asset-view', ...requested]);
  return CAPABILITY_NAMES.filter((n) => set.has(n));
}

/** The customer managed policy document of one capability, or undefined when it has no statements. */
export function capabilityDocument(spec: CapabilitySpec, partition: AwsPartition): PolicyDocument | undefined {
  if (spec.statements.length === 0) return undefined;
  return new PolicyDocument(
    spec.statements.map(
      (s) =>
        new PolicyStatement({
          sid: s.sid,
          actions: s.grants.map((g) => g.action),
          resources: s.resources ? s.resources(partition) : undefined,
        }),
    ),
  );
}

export function capabilityManagedPolicyArns(spec: CapabilitySpec, partition: AwsPartition): string[] {
  return spec.awsManagedPolicies.map((p) => awsManagedPolicyArn(partition, p.name));
}
