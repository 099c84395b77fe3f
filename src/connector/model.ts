import { CapabilityName, resolveCapabilities } from '../permissions';
import { AwsPartition, QUALYS_ACCOUNT_TYPE_FACTS, QualysAccountType, accountRootArn, accountTypeOf } from '../partition';
import { PolicyDocument } from '../policy/model';
import { ExternalIdInput, RoleInputs, slot } from './parameters';
import { ConnectorPolicies, CustomerManagedPolicyModel, DEFAULT_ROLE_NAME, connectorPolicies, trustPolicyDocument } from './policies';
import { QualysConnectorRoleProps, validateConnectorRoleProps } from './props';

export { DEFAULT_ROLE_NAME };

export type { CustomerManagedPolicyModel };
export const DEFAULT_ROLE_DESCRIPTION = 'Cross-account role assumed by Qualys (AssetView/CSAM, TotalCloud CSPM)';

/**
 * Everything a connector role is, as plain values: the single source the Terraform constructs, the
 * CloudFormation templates and the permission report are rendered from. What the role may do
 * (`customerManagedPolicies`, `awsManagedPolicyArns`) does not depend on how it is trusted; the inputs a
 * deployment may supply (`inputs`) are named so each renderer writes them in its own form.
 */
export interface ConnectorRoleModel extends ConnectorPolicies {
  readonly accountType: QualysAccountType;
  readonly partition: AwsPartition;
  readonly trustedAccountId: string;
  readonly trustedPrincipal: string;
  /** The external IDs the trust accepts: literal values, or the Terraform variable that holds the one ID. */
  readonly externalId: ExternalIdInput;
  readonly capabilities: readonly CapabilityName[];
  readonly roleName: string;
  readonly path: string;
  readonly permissionsBoundaryArn?: string;
  readonly maxSessionDuration: number;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly inputs: RoleInputs;
}

/** Validates the settings and plans the role; throws a ConfigurationError before anything is emitted. */
export function buildConnectorRoleModel(settings: QualysConnectorRoleProps, fieldPrefix = 'props'): ConnectorRoleModel {
  validateConnectorRoleProps(settings, fieldPrefix);

  const accountType = accountTypeOf(settings.qualysAccountType);
  const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountType];
  const partition = facts.partition;
  const trustedAccountId = (settings.trustedAccountId ?? facts.defaultTrustedAccountId) as string;
  const given = settings.externalId;
  const externalId: ExternalIdInput =
    typeof given === 'string' ? { values: [given] } : 'variable' in given ? { variable: given.variable } : { values: [...(given as readonly string[])] };
  const roleName = settings.roleName ?? DEFAULT_ROLE_NAME;
  const path = settings.path ?? '/';
  const capabilities = resolveCapabilities(settings.capabilities ?? []);
  const { customerManagedPolicies, awsManagedPolicyArns } = connectorPolicies(capabilities, partition);

  return {
    accountType,
    partition,
    trustedAccountId,
    trustedPrincipal: accountRootArn(partition, trustedAccountId),
    externalId,
    capabilities,
    roleName,
    path,
    permissionsBoundaryArn: settings.permissionsBoundaryArn,
    maxSessionDuration: settings.maxSessionDuration ?? 3600,
    description: settings.description ?? DEFAULT_ROLE_DESCRIPTION,
    tags: settings.tags ?? {},
    inputs: { externalId, roleName, path, trustedAccountId, partition },
    customerManagedPolicies,
    awsManagedPolicyArns,
  };
}

/**
 * The trust policy with its open values as slots (`TrustedPrincipal`, `ExternalId`): each renderer fills them
 * with its own form (`fillSlots`), so the statement itself is written once.
 */
export function trustPolicyTemplate(): PolicyDocument {
  return trustPolicyDocument(slot('TrustedPrincipal'), [slot('ExternalId')]);
}

/** The trust policy as AWS evaluates it, for external IDs given as values (the model's, or a variable's value). */
export function literalTrustPolicy(model: ConnectorRoleModel, externalIds: readonly string[] | undefined = model.externalId.values): PolicyDocument {
  if (externalIds === undefined) throw new Error(`the external ID of role ${model.roleName} is variable ${model.externalId.variable}: give its value`);
  return trustPolicyDocument(model.trustedPrincipal, externalIds);
}

/** Every document the project writes for a role (the trust policy when its IDs are values, and the customer managed policies). */
export function writtenDocuments(model: ConnectorRoleModel): PolicyDocument[] {
  const trust = model.externalId.values ? [literalTrustPolicy(model)] : [];
  return [...trust, ...model.customerManagedPolicies.map((p) => p.document)];
}
