import { CapabilityName, resolveCapabilities } from '../model/permissions';
import { PolicyDocument } from '../model/policy/model';
import { ConfigurationError } from '../rules/errors';
import {
  AwsPartition,
  QUALYS_ACCOUNT_TYPE_FACTS,
  QualysAccountType,
  accountRootArn,
  accountTypeOf,
} from '../rules/partition';
import { DEFAULT_MAX_SESSION_DURATION } from '../rules/value-rules';
import { connectorFieldProblems, connectorProblems } from './checks';
import { ExternalIdInput, RoleInputs, slot } from './parameters';
import {
  ConnectorPolicies,
  CustomerManagedPolicyModel,
  DEFAULT_ROLE_NAME,
  connectorPolicies,
  trustPolicyDocument,
} from './policies';
import { ConnectorSettings } from './settings';

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
  /** The account type's main region: the provider's and the member stacks' when the settings name none. */
  readonly defaultRegion: string;
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

/** A role's plan, the one value every renderer of a role takes. */
export type RolePlan = ConnectorRoleModel;

/**
 * Plans a role from settings whose fields are well formed (the configuration file's schema checked them):
 * checks what involves several fields, and throws a ConfigurationError before anything is emitted.
 */
export function buildConnectorRoleModel(settings: ConnectorSettings, fieldPrefix = 'props'): ConnectorRoleModel {
  const problems = connectorProblems(settings, fieldPrefix);
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid Qualys connector role settings');

  const accountType = accountTypeOf(settings.qualysAccountType);
  const facts = QUALYS_ACCOUNT_TYPE_FACTS[accountType];
  const partition = facts.partition;
  const trustedAccountId = (settings.trustedAccountId ?? facts.defaultTrustedAccountId) as string;
  const given = settings.externalId;
  const externalId: ExternalIdInput =
    typeof given === 'string'
      ? { values: [given] }
      : 'variable' in given
        ? { variable: given.variable }
        : { values: [...(given as readonly string[])] };
  const roleName = settings.roleName ?? DEFAULT_ROLE_NAME;
  const path = settings.path ?? '/';
  // Names were checked against the capability list.
  const capabilities = resolveCapabilities((settings.capabilities ?? []) as CapabilityName[]);
  const { customerManagedPolicies, awsManagedPolicyArns } = connectorPolicies(capabilities, partition);

  return {
    accountType,
    partition,
    defaultRegion: facts.defaultRegion,
    trustedAccountId,
    trustedPrincipal: accountRootArn(partition, trustedAccountId),
    externalId,
    capabilities,
    roleName,
    path,
    permissionsBoundaryArn: settings.permissionsBoundaryArn,
    maxSessionDuration: settings.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
    description: settings.description ?? DEFAULT_ROLE_DESCRIPTION,
    tags: settings.tags ?? {},
    inputs: { externalId, roleName, path, trustedAccountId, partition },
    customerManagedPolicies,
    awsManagedPolicyArns,
  };
}

/** Plans a role from construct props: every field is checked first (props come from code, unchecked). */
export function planConnectorRole(props: ConnectorSettings, fieldPrefix = 'props'): RolePlan {
  const problems = connectorFieldProblems(props, fieldPrefix);
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid Qualys connector role props');
  return buildConnectorRoleModel(props, fieldPrefix);
}

/**
 * The trust policy with its open values as slots (`TrustedPrincipal`, `ExternalId`): each renderer fills them
 * with its own form (`fillSlots`), so the statement itself is written once.
 */
export function trustPolicyTemplate(): PolicyDocument {
  return trustPolicyDocument(slot('TrustedPrincipal'), [slot('ExternalId')]);
}

/** The trust policy as AWS evaluates it, for external IDs given as values (the model's, or a variable's value). */
export function literalTrustPolicy(
  model: ConnectorRoleModel,
  externalIds: readonly string[] | undefined = model.externalId.values,
): PolicyDocument {
  if (externalIds === undefined)
    throw new Error(
      `the external ID of role ${model.roleName} is variable ${model.externalId.variable}: give its value`,
    );
  return trustPolicyDocument(model.trustedPrincipal, externalIds);
}

/** Every document the project writes for a role (the trust policy when its IDs are values, and the customer managed policies). */
export function writtenDocuments(model: ConnectorRoleModel): PolicyDocument[] {
  const trust = model.externalId.values ? [literalTrustPolicy(model)] : [];
  return [...trust, ...model.customerManagedPolicies.map((p) => p.document)];
}
