import { TerraformVariable } from 'cdktf';
import { CapabilityName, resolveCapabilities } from '../permissions';
import { AwsPartition, QUALYS_ACCOUNT_TYPE_FACTS, QualysAccountType, accountRootArn } from '../partition';
import { PolicyDocument } from '../policy/model';
import { ConnectorPolicies, CustomerManagedPolicyModel, DEFAULT_ROLE_NAME, connectorPolicies, trustPolicyDocument } from './policies';
import { QualysConnectorRoleProps, validateConnectorRoleProps } from './props';

export { DEFAULT_ROLE_NAME };

export type { CustomerManagedPolicyModel };
export const DEFAULT_ROLE_DESCRIPTION = 'Cross-account role assumed by Qualys (AssetView/CSAM, TotalCloud CSPM)';

/**
 * Everything a connector role is, as plain values: the single source the Terraform constructs, the
 * CloudFormation template and the permission report are rendered from.
 */
export interface ConnectorRoleModel extends ConnectorPolicies {
  readonly accountType: QualysAccountType;
  readonly partition: AwsPartition;
  readonly trustedAccountId: string;
  readonly trustedPrincipal: string;
  /** Literal IDs, or the token of a Terraform variable (see `externalIdIsVariable`). */
  readonly externalIds: readonly string[];
  readonly externalIdIsVariable: boolean;
  readonly capabilities: readonly CapabilityName[];
  readonly roleName: string;
  readonly path: string;
  readonly permissionsBoundaryArn?: string;
  readonly maxSessionDuration: number;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly trustPolicy: PolicyDocument;
}

/** Validates the props and derives the role; throws a ConfigurationError before anything is emitted. */
export function buildConnectorRoleModel(props: QualysConnectorRoleProps, fieldPrefix = 'props'): ConnectorRoleModel {
  validateConnectorRoleProps(props, fieldPrefix);

  const accountType = props.qualysAccountType ?? 'global';
  const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountType];
  const partition = facts.partition;
  const trustedAccountId = (props.trustedAccountId ?? facts.defaultTrustedAccountId) as string;
  const trustedPrincipal = accountRootArn(partition, trustedAccountId);
  const externalIdIsVariable = props.externalId instanceof TerraformVariable;
  const externalIds =
    props.externalId instanceof TerraformVariable
      ? [props.externalId.stringValue]
      : typeof props.externalId === 'string'
        ? [props.externalId]
        : [...props.externalId];
  const roleName = props.roleName ?? DEFAULT_ROLE_NAME;
  const capabilities = resolveCapabilities(props.capabilities ?? []);

  const { customerManagedPolicies, awsManagedPolicyArns } = connectorPolicies(capabilities, partition, roleName);
  const trustPolicy = trustPolicyDocument(trustedPrincipal, externalIds);

  return {
    accountType,
    partition,
    trustedAccountId,
    trustedPrincipal,
    externalIds,
    externalIdIsVariable,
    capabilities,
    roleName,
    path: props.path ?? '/',
    permissionsBoundaryArn: props.permissionsBoundaryArn,
    maxSessionDuration: props.maxSessionDuration ?? 3600,
    description: props.description ?? DEFAULT_ROLE_DESCRIPTION,
    tags: props.tags ?? {},
    trustPolicy,
    customerManagedPolicies,
    awsManagedPolicyArns,
  };
}

/** Every document the project writes for a role (trust policy and customer managed policies). */
export function writtenDocuments(model: ConnectorRoleModel): PolicyDocument[] {
  return [model.trustPolicy, ...model.customerManagedPolicies.map((p) => p.document)];
}
