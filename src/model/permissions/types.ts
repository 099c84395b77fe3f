import { AwsPartition } from '../../rules/partition';

/** The connector capabilities a role can combine. AssetView is always part of a role. */
export type CapabilityName = 'asset-view' | 'api-based-assessment' | 'organization' | 'cspm' | 'remediation';

export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  'asset-view',
  'api-based-assessment',
  'organization',
  'cspm',
  'remediation',
];

/** One action and the reason it is granted; the reason is printed in the README's permission table. */
export interface ActionGrant {
  readonly action: string;
  readonly why: string;
  /** Set when the action can return data that may hold secrets; shown in the permission table. */
  readonly sensitive?: string;
}

/** An action a Qualys source asks for that no capability grants, and the reason. */
export interface ExcludedAction {
  readonly action: string;
  readonly why: string;
}

/** An action a capability needs and leaves to one of its AWS managed policies instead of granting it again. */
export interface ManagedPolicyReliance extends ActionGrant {
  /** Name of an AWS managed policy of the same capability. */
  readonly policy: string;
}

export interface StatementSpec {
  readonly sid: string;
  readonly grants: readonly ActionGrant[];
  /** Resource ARNs for the partition; `*` when absent. */
  readonly resources?: (partition: AwsPartition) => string[];
}

export interface AwsManagedPolicyGrant {
  readonly name: string;
  readonly why: string;
}

/** A connector capability: the statements of its customer managed policy and the AWS managed policies it attaches. */
export interface CapabilitySpec {
  readonly name: CapabilityName;
  /** PascalCase, used in policy names (`<role>-<policySuffix>`) and statement sids. */
  readonly policySuffix: string;
  readonly title: string;
  readonly summary: string;
  /** Other capabilities that must be chosen too. */
  readonly requires: readonly CapabilityName[];
  /** Whether its actions may change resources; only Remediation may. */
  readonly mutating: boolean;
  readonly statements: readonly StatementSpec[];
  readonly awsManagedPolicies: readonly AwsManagedPolicyGrant[];
  /** Actions Qualys asks for that one of `awsManagedPolicies` grants, so the capability's own policy does not. */
  readonly leftToManagedPolicies?: readonly ManagedPolicyReliance[];
  /** Actions Qualys asks for that are never granted, each with the reason. */
  readonly excluded?: readonly ExcludedAction[];
}
