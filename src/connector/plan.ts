import { StackConfig } from '../config/schema';
import { CapabilityName } from '../permissions/types';
import { ConnectorRoleModel, buildConnectorRoleModel } from './model';
import { OrganizationModels, buildOrganizationModels } from './organization';

/** One account's role, planned from its stack configuration. */
export interface AccountPlan {
  readonly kind: 'account';
  readonly role: ConnectorRoleModel;
}

/** An organization's management and member roles, targets and templates. */
export interface OrganizationPlan extends OrganizationModels {
  readonly kind: 'organization';
}

export type StackPlan = AccountPlan | OrganizationPlan;

/**
 * The planning step: a stack configuration as plain values, validated, with no Terraform or CloudFormation
 * form chosen yet. Renderers (constructs, templates, reports) take it from here.
 */
export function planStack(stack: StackConfig, fieldPrefix: string): StackPlan {
  if (stack.kind === 'organization') return { kind: 'organization', ...buildOrganizationModels(stack, fieldPrefix) };
  const { capabilities, ...settings } = stack.connector;
  // Names were checked against the capability list by the configuration schema.
  return { kind: 'account', role: buildConnectorRoleModel({ ...settings, capabilities: capabilities as CapabilityName[] | undefined }, `${fieldPrefix}.connector`) };
}
