import { CAPABILITIES, CapabilityName, capabilityDocument, capabilityManagedPolicyArns } from '../permissions';
import { AwsPartition } from '../partition';
import { PolicyDocument, PolicyStatement } from '../policy/model';
import { splitPolicyDocument } from '../policy/split';

/** The role name of the Qualys procedure. */
export const DEFAULT_ROLE_NAME = 'QualysCVRole';

export interface CustomerManagedPolicyModel {
  /** Policy name: `<role>-<Capability>` or `<role>-<Capability>-<n>` when split. */
  readonly name: string;
  readonly capability: CapabilityName;
  readonly document: PolicyDocument;
}

export interface ConnectorPolicies {
  readonly customerManagedPolicies: readonly CustomerManagedPolicyModel[];
  readonly awsManagedPolicyArns: readonly string[];
}

/** The managed policies of a role with these capabilities: one customer managed policy per capability, split to fit. */
export function connectorPolicies(capabilities: readonly CapabilityName[], partition: AwsPartition, roleName: string): ConnectorPolicies {
  const customerManagedPolicies: CustomerManagedPolicyModel[] = [];
  const awsManagedPolicyArns: string[] = [];
  for (const name of capabilities) {
    const spec = CAPABILITIES[name];
    const document = capabilityDocument(spec, partition);
    if (document) {
      const parts = splitPolicyDocument(document);
      parts.forEach((part, i) => {
        const suffix = parts.length > 1 ? `-${i + 1}` : '';
        customerManagedPolicies.push({ name: `${roleName}-${spec.policySuffix}${suffix}`, capability: name, document: part });
      });
    }
    awsManagedPolicyArns.push(...capabilityManagedPolicyArns(spec, partition));
  }
  return { customerManagedPolicies, awsManagedPolicyArns };
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
