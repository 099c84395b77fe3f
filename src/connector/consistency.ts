import { z } from 'zod';
import { CapabilityName, capabilityProblems, resolveCapabilities } from '../permissions';
import { QUALYS_ACCOUNT_TYPE_FACTS, accountRootArn, accountTypeOf } from '../partition';
import { IAM_LIMITS, checkManagedPolicyCount, checkTrustPolicySize, describeViolation } from '../policy/limits';
import { DEFAULT_ROLE_NAME, connectorPolicies, trustPolicyDocument } from './policies';

/** Accounts seen in third-party samples that are not Qualys accounts; trusting them is always a mistake. */
export const NOT_QUALYS_ACCOUNTS = new Set(['148141692175', '205767712438']);

interface ConnectorRoleSettings {
  externalId?: unknown;
  roleName?: string;
  managedPolicyQuota?: number;
  qualysAccountType?: string;
  trustedAccountId?: string;
  capabilities?: readonly string[];
  permissionsBoundaryArn?: string;
}

/**
 * Rules that involve more than one field of a connector role; the same for the config file and the
 * construct props.
 */
export function checkConnectorConsistency(value: ConnectorRoleSettings, ctx: z.RefinementCtx): void {
  const accountType = accountTypeOf(value.qualysAccountType);
  const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountType];
  if (!facts) return; // reported by the field rule

  if (value.trustedAccountId === undefined && facts.defaultTrustedAccountId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['trustedAccountId'],
      input: undefined,
      message:
        accountType === 'govcloud'
          ? 'is required for qualysAccountType "govcloud": Qualys publishes no GovCloud account; use the govAccountId Qualys returns for your subscription'
          : 'is required for qualysAccountType "china": Qualys has no China account; use the base account you registered in Qualys',
    });
  }
  if (value.trustedAccountId !== undefined && NOT_QUALYS_ACCOUNTS.has(value.trustedAccountId)) {
    ctx.addIssue({
      code: 'custom',
      path: ['trustedAccountId'],
      input: value.trustedAccountId,
      message: 'is not a Qualys account (it appears in third-party samples); leave it out for the Qualys global account or give your base account',
    });
  }

  const capabilities = value.capabilities ?? [];
  for (const problem of capabilityProblems(capabilities)) {
    const index = capabilities.indexOf(problem.capability);
    ctx.addIssue({ code: 'custom', path: index >= 0 ? ['capabilities', index] : ['capabilities'], input: problem.capability, message: problem.rule });
  }
  if (capabilities.includes('organization') && !facts.organizationConnector) {
    ctx.addIssue({
      code: 'custom',
      path: ['capabilities', capabilities.indexOf('organization')],
      input: 'organization',
      message: `is not available for qualysAccountType "${accountType}": Qualys offers organization connectors for global and govcloud only`,
    });
  }

  const boundary = value.permissionsBoundaryArn;
  if (boundary !== undefined) {
    const boundaryPartition = boundary.split(':')[1];
    if (boundaryPartition !== facts.partition) {
      ctx.addIssue({
        code: 'custom',
        path: ['permissionsBoundaryArn'],
        input: boundary,
        message: `must be in partition "${facts.partition}" (qualysAccountType "${accountType}"), not "${boundaryPartition}"`,
      });
    }
  }

  const capabilityIssues = capabilityProblems(capabilities).length > 0;
  const trustedAccountId = value.trustedAccountId ?? facts.defaultTrustedAccountId;
  if (capabilityIssues || trustedAccountId === undefined) return;

  // AWS quotas that depend on the combination: checked here so the config file and props fail alike.
  const roleName = value.roleName ?? DEFAULT_ROLE_NAME;
  const policies = connectorPolicies(resolveCapabilities(capabilities as CapabilityName[]), facts.partition);
  const count = checkManagedPolicyCount(
    roleName,
    policies.customerManagedPolicies.length + policies.awsManagedPolicyArns.length,
    value.managedPolicyQuota ?? IAM_LIMITS.managedPoliciesPerRole,
  );
  if (count) {
    ctx.addIssue({ code: 'custom', path: ['capabilities'], input: capabilities, message: `need more managed policies than the role may have: ${describeViolation(count)}; raise managedPolicyQuota if your account's quota is higher` });
  }
  const literalIds = typeof value.externalId === 'string' ? [value.externalId] : Array.isArray(value.externalId) ? (value.externalId as string[]) : undefined;
  if (literalIds && literalIds.every((id) => typeof id === 'string')) {
    const trust = checkTrustPolicySize(`role ${roleName} trust policy`, trustPolicyDocument(accountRootArn(facts.partition, trustedAccountId), literalIds));
    if (trust) ctx.addIssue({ code: 'custom', path: ['externalId'], input: value.externalId, message: `makes the trust policy too large: ${describeViolation(trust)}` });
  }
}
