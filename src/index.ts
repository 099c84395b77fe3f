// The package's public API, and all that semantic versioning covers: the constructs and their props, the
// settings they are planned from, the plan types, and the permission and policy model they render. Everything
// else under src/ (configuration file, templates, modules, review, deployer policy) is internal and may change
// in any release.

// Constructs and their props.
export { QualysConnectorRole } from './render/cdktf/connector-role';
export type { PlannedConnectorRoleProps, QualysConnectorRoleConstructProps } from './render/cdktf/connector-role';
export { QualysCapabilityPermissions } from './render/cdktf/capability-permissions';
export type { QualysCapabilityPermissionsProps } from './render/cdktf/capability-permissions';
export { QualysAccountConnectorStack } from './render/cdktf/account-connector-stack';
export { QualysOrganizationConnectorStack } from './render/cdktf/organization-connector-stack';
export { ManagementRole } from './render/cdktf/management-role';
export type { ManagementRoleProps } from './render/cdktf/management-role';
export { MemberRoles } from './render/cdktf/member-roles';
export type { MemberRolesProps } from './render/cdktf/member-roles';

// Settings, and the plans made from them.
export type {
  AccountStackSettings,
  BackendSettings,
  ConnectorSettings,
  ExternalIdVariable,
  MembersSettings,
  OperationPreferenceSettings,
  OrganizationStackSettings,
  ProviderSettings,
  QualysConnectorRoleProps,
  StackSettings,
} from './plan/settings';
export { planStack } from './plan/stack';
export type { AccountPlan, OrganizationPlan, StackPlan } from './plan/stack';
export { planConnectorRole } from './plan/role';
export type { ConnectorRoleModel, RolePlan } from './plan/role';
export type { OrganizationModels, StackSetPlan } from './plan/organization';
export type { BackendPlan, ProviderAccess, StackFacts } from './plan/stack-facts';
export type { ConnectorPolicies, CustomerManagedPolicyModel } from './plan/policies';
export { ConfigurationError } from './rules/errors';
export type { InputProblem } from './rules/errors';
export { QUALYS_ACCOUNT_TYPES } from './rules/partition';
export type { AwsPartition, QualysAccountType } from './rules/partition';

// The permission and policy model.
export { CAPABILITIES, CAPABILITY_NAMES } from './model/permissions';
export type { CapabilityName, CapabilitySpec } from './model/permissions';
export { PolicyDocument, PolicyStatement } from './model/policy/model';
export type { Effect, PolicyCondition, PolicyPrincipal, PolicyStatementProps } from './model/policy/model';
