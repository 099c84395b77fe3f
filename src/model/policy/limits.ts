import { PolicyDocument } from './model';

/** IAM quotas that apply to the documents this project writes (AWS IAM quotas page). */
export const IAM_LIMITS = {
  /** Customer managed policy document, whitespace not counted. */
  managedPolicySize: 6144,
  /** Role trust policy, default quota (can be raised to 4,096). */
  trustPolicySize: 2048,
  /** Managed policies attached to one role, default quota. */
  managedPoliciesPerRole: 10,
  /** The quota AWS can raise managed policies per role to. */
  managedPoliciesPerRoleMax: 20,
} as const;

export interface LimitViolation {
  readonly subject: string;
  readonly limit: number;
  readonly actual: number;
  readonly rule: string;
}

export function checkManagedPolicySize(name: string, document: PolicyDocument): LimitViolation | undefined {
  const size = document.size;
  return size > IAM_LIMITS.managedPolicySize
    ? {
        subject: name,
        limit: IAM_LIMITS.managedPolicySize,
        actual: size,
        rule: 'managed policy document size (characters, whitespace not counted)',
      }
    : undefined;
}

export function checkTrustPolicySize(name: string, document: PolicyDocument): LimitViolation | undefined {
  const size = document.size;
  return size > IAM_LIMITS.trustPolicySize
    ? {
        subject: name,
        limit: IAM_LIMITS.trustPolicySize,
        actual: size,
        rule: 'role trust policy size (characters, whitespace not counted)',
      }
    : undefined;
}

export function checkManagedPolicyCount(
  roleName: string,
  count: number,
  quota: number = IAM_LIMITS.managedPoliciesPerRole,
): LimitViolation | undefined {
  return count > quota
    ? { subject: roleName, limit: quota, actual: count, rule: 'managed policies attached to one role' }
    : undefined;
}

export function describeViolation(v: LimitViolation): string {
  return `${v.subject}: ${v.rule} is ${v.actual}, the limit is ${v.limit}`;
}
