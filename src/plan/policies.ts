import { CAPABILITIES, CapabilityName, capabilityDocument, capabilityManagedPolicyArns } from '../model/permissions';
import { AwsPartition } from '../rules/partition';
import { PolicyDocument, PolicyStatement } from '../model/policy/model';
import { secretReadingGrants } from '../model/policy/secret-reading';
import { splitPolicyDocument } from '../model/policy/split';

/** The role name of the Qualys procedure. */
export const DEFAULT_ROLE_NAME = 'QualysCVRole';

/** One customer managed policy of a role, independent of the role's name and trust. */
export interface CustomerManagedPolicyModel {
  /** `<Capability>` or `<Capability>-<n>` when split; the policy is named `<role>-<suffix>` (see `policyName`). */
  readonly suffix: string;
  readonly capability: CapabilityName;
  readonly document: PolicyDocument;
}

/** What a role may do: capabilities × partition → documents and AWS managed policies. */
export interface ConnectorPolicies {
  readonly customerManagedPolicies: readonly CustomerManagedPolicyModel[];
  readonly awsManagedPolicyArns: readonly string[];
}

/** The managed policies of a role with these capabilities: one customer managed policy per capability, split to fit. */
export function connectorPolicies(capabilities: readonly CapabilityName[], partition: AwsPartition): ConnectorPolicies {
  const customerManagedPolicies: CustomerManagedPolicyModel[] = [];
  const awsManagedPolicyArns: string[] = [];
  for (const name of capabilities) {
    const spec = CAPABILITIES[name];
    const document = capabilityDocument(spec, partition);
    const secrets = document ? secretReadingGrants(document.toJson() as never) : [];
    // The rule of every document this project writes; the review holds its gate on the same list.
    if (secrets.length > 0)
      throw new Error(
        `capability ${name} grants actions that read secrets or return credentials: ${secrets.map((s) => s.action).join(', ')}`,
      );
    if (document) {
      const parts = splitPolicyDocument(document);
      parts.forEach((part, i) => {
        const suffix = parts.length > 1 ? `${spec.policySuffix}-${i + 1}` : spec.policySuffix;
        customerManagedPolicies.push({ suffix, capability: name, document: part });
      });
    }
    awsManagedPolicyArns.push(...capabilityManagedPolicyArns(spec, partition));
  }
  return { customerManagedPolicies, awsManagedPolicyArns };
}

/** A customer managed policy's name: `<role>-<suffix>`. */
export function policyName(roleName: string, suffix: string): string {
  return `${roleName}-${suffix}`;
}

/**
 * Generations of policy names in CloudFormation templates. The first organization release (0.1.0) wrote the
 * descriptions of these capabilities' policies from the capability's title; from 0.2.0 on they follow the
 * name. CloudFormation can change a description only by replacing the policy, and refuses to replace a
 * resource under its own name, so every stack made by 0.1.0 failed its next update. A new name turns that
 * into a replacement CloudFormation makes (the new policy is created and attached, then the old one deleted),
 * from any earlier release alike. Terraform ignores description changes, so its policy names stay.
 */
const TEMPLATE_NAME_GENERATIONS: Partial<Record<CapabilityName, number>> = {
  'api-based-assessment': 2,
  cspm: 2,
  remediation: 2,
};

/** A customer managed policy's name in a CloudFormation template: `<role>-<suffix>`, with `-v<n>` from its second generation. */
export function templatePolicyName(
  roleName: string,
  policy: Pick<CustomerManagedPolicyModel, 'suffix' | 'capability'>,
): string {
  const generation = TEMPLATE_NAME_GENERATIONS[policy.capability];
  return generation === undefined
    ? policyName(roleName, policy.suffix)
    : `${policyName(roleName, policy.suffix)}-v${generation}`;
}

/**
 * A policy's description, made only of what its name is made of. IAM and CloudFormation replace a managed
 * policy whose description changes, and CloudFormation cannot replace a named resource: a description that
 * changed without the name would fail every stack update (and, in Terraform, recreate the policy).
 */
export function policyDescription(roleName: string, suffix: string): string {
  return `Qualys connector ${suffix} permissions for role ${roleName}`;
}

/** The trust policy: the trusted account's root, only with one of the external IDs. */
export function trustPolicyDocument(trustedPrincipal: string, externalIds: readonly string[]): PolicyDocument {
  return new PolicyDocument([
    new PolicyStatement({
      sid: 'QualysAssumeRoleWithExternalId',
      actions: ['sts:AssumeRole'],
      principals: [{ type: 'AWS', identifiers: [trustedPrincipal] }],
      conditions: [{ test: 'StringEquals', variable: 'sts:ExternalId', values: externalIds }],
    }),
  ]);
}
