import { ConfigurationError, InputProblem } from '../rules/errors';
import { roleArn } from '../rules/partition';
import { ProviderAccess } from './stack-facts';
import { PREVIOUS_EXTERNAL_ID_PARAMETERS } from './parameters';
import { ConnectorRoleModel, buildConnectorRoleModel } from './role';
import { OperationPreferenceSettings, OrganizationStackSettings } from './settings';

/** The stack set's name when the configuration gives none. */
export const DEFAULT_STACK_SET_NAME = 'QualysConnectorMemberRoles';
/** The management role stack's name (`deployWith: cloudformation-stack`) when the configuration gives none. */
export const DEFAULT_MANAGEMENT_STACK_NAME = 'QualysConnectorManagementRole';
/** Terraform's timeout of each StackSet and stack operation when the configuration gives none. */
export const DEFAULT_OPERATION_TIMEOUT = '60m';
export const STACK_SET_DESCRIPTION = 'Qualys connector role in every member account';
/** The alias of the provider that reaches a delegated administrator. */
export const STACK_SET_ADMIN_ALIAS = 'stackset_admin';

export interface OperationTimeouts {
  readonly create: string;
  readonly update: string;
  readonly delete: string;
}

/** The member roles' stack set: where it is, who manages it, how it rolls out and what protects it. */
export interface StackSetPlan {
  readonly name: string;
  readonly description: string;
  /** The one region of the member stacks. */
  readonly region: string;
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
  /** The provider of a delegated administrator; absent when the management account manages the stack set. */
  readonly administrator?: ProviderAccess;
  readonly retainStacksOnAccountRemoval: boolean;
  /** `prevent_destroy` on the stack set and instances, `retain_stack` on the instances. */
  readonly protect: boolean;
  readonly operationPreferences?: OperationPreferenceSettings;
  readonly timeouts: OperationTimeouts;
}

/** The two roles of an organization connector and where the member roles go, derived from one configuration. */
export interface OrganizationModels {
  /** The management account's role: the chosen capabilities plus Organization. */
  readonly management: ConnectorRoleModel;
  /** Every member account's role: the chosen capabilities without Organization. */
  readonly member: ConnectorRoleModel;
  /** OU IDs (duplicates removed, in the given order) or the root ID. */
  readonly targets: readonly string[];
  /** Sorted. */
  readonly excludedAccountIds: readonly string[];
  readonly stackSet: StackSetPlan;
  /** The CloudFormation stack of the management role; absent when Terraform manages the role itself. */
  readonly managementStack?: { readonly name: string; readonly timeouts: OperationTimeouts };
}

/**
 * Plans both roles and the member roles' rollout. The external ID (values or a variable) only reaches the
 * trust, which the templates take as a parameter.
 */
export function buildOrganizationModels(
  stack: OrganizationStackSettings,
  fieldPrefix: string,
  providerRegion: string,
): OrganizationModels {
  const { capabilities = [], ...settings } = stack.connector;
  const chosen = capabilities.filter((c) => c !== 'organization');
  const problems: InputProblem[] = [];
  const plan = (caps: readonly string[]): ConnectorRoleModel | undefined => {
    try {
      return buildConnectorRoleModel({ ...settings, capabilities: caps }, `${fieldPrefix}.connector`);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems.filter((p) => !problems.some((q) => q.field === p.field && q.rule === p.rule)));
      return undefined;
    }
  };
  const management = plan([...chosen, 'organization']);
  const member = plan(chosen);
  if (!management || !member) throw new ConfigurationError(problems);
  const timeouts = {
    create: stack.members.timeouts?.create ?? DEFAULT_OPERATION_TIMEOUT,
    update: stack.members.timeouts?.update ?? DEFAULT_OPERATION_TIMEOUT,
    delete: stack.members.timeouts?.delete ?? DEFAULT_OPERATION_TIMEOUT,
  };
  const admin = stack.delegatedAdmin;
  return {
    management,
    member,
    targets: stack.members.organizationRootId
      ? [stack.members.organizationRootId]
      : [...new Set(stack.members.organizationalUnitIds ?? [])],
    excludedAccountIds: [...(stack.members.excludedAccountIds ?? [])].sort(),
    stackSet: {
      name: stack.members.stackSetName ?? DEFAULT_STACK_SET_NAME,
      description: STACK_SET_DESCRIPTION,
      region: stack.members.region ?? member.defaultRegion,
      callAs: admin ? 'DELEGATED_ADMIN' : 'SELF',
      ...(admin
        ? {
            administrator: {
              region: providerRegion,
              alias: STACK_SET_ADMIN_ALIAS,
              accountId: admin.accountId,
              assumeRoleArn: admin.assumeRoleArn,
              profile: admin.profile,
            },
          }
        : {}),
      retainStacksOnAccountRemoval: stack.members.retainStacksOnAccountRemoval ?? false,
      protect: stack.members.protectFromDestroy === true,
      ...(stack.members.operationPreferences ? { operationPreferences: stack.members.operationPreferences } : {}),
      timeouts,
    },
    ...(stack.managementRole?.deployWith === 'cloudformation-stack'
      ? { managementStack: { name: stack.managementRole.stackName ?? DEFAULT_MANAGEMENT_STACK_NAME, timeouts } }
      : {}),
  };
}

/**
 * The parameters the stack set (and the management stack) give the templates: the external ID (its value,
 * or however the renderer writes the variable), the earlier IDs while rotating (every parameter needs a
 * value, so empty when unused), the role name and the trusted account.
 */
export function templateParameters(
  plan: Pick<OrganizationModels, 'member'>,
  externalId: string,
): Record<string, string> {
  const earlier = plan.member.externalId.values?.slice(1) ?? [];
  const previous = Object.fromEntries(PREVIOUS_EXTERNAL_ID_PARAMETERS.map((name, i) => [name, earlier[i] ?? '']));
  return {
    ExternalId: externalId,
    ...previous,
    RoleName: plan.member.roleName,
    TrustedAccountId: plan.member.trustedAccountId,
  };
}

/** The ARN a member role has in an account (`account` may be a Terraform expression). */
export function memberRoleArn(plan: Pick<OrganizationModels, 'member'>, account: string): string {
  return roleArn(plan.member.partition, account, plan.member.path, plan.member.roleName);
}
