import { CloudFormationTemplate, PREVIOUS_EXTERNAL_ID_PARAMETERS, TEMPLATE_BODY_LIMIT, renderRoleTemplate, templateSize } from '../cloudformation/role-template';
import { OrganizationStackConfig } from '../config/schema';
import { ConfigurationError, InputProblem } from '../errors';
import { QUALYS_ACCOUNT_TYPE_FACTS } from '../partition';
import { CapabilityName } from '../permissions/types';
import { ConnectorRoleModel, buildConnectorRoleModel } from './model';
import { QualysConnectorRoleProps } from './props';

/** The stack set's name when the configuration gives none. */
export const DEFAULT_STACK_SET_NAME = 'QualysConnectorMemberRoles';
/** The management role stack's name (`deployWith: cloudformation-stack`) when the configuration gives none. */
export const DEFAULT_MANAGEMENT_STACK_NAME = 'QualysConnectorManagementRole';

/** The two roles of an organization connector and the templates that carry them, derived from one configuration. */
export interface OrganizationModels {
  /** The management account's role: the chosen capabilities plus Organization. */
  readonly management: ConnectorRoleModel;
  /** Every member account's role: the chosen capabilities without Organization. */
  readonly member: ConnectorRoleModel;
  /** OU IDs (duplicates removed, in the given order) or the root ID. */
  readonly targets: readonly string[];
  readonly excludedAccountIds: readonly string[];
  readonly stackSetRegion: string;
  readonly stackSetName: string;
  /** The CloudFormation stack of the management role; absent when Terraform manages the role itself. */
  readonly managementStackName?: string;
  /** The templates Terraform deploys (stack set; management stack option) and `npm run templates` writes. */
  readonly templates: { readonly management: CloudFormationTemplate; readonly member: CloudFormationTemplate };
}

/**
 * Plans both roles and their templates, and checks what only the combination shows (template sizes). The
 * external ID (a value or a variable) only reaches the trust, which the templates take as a parameter.
 */
export function buildOrganizationModels(stack: OrganizationStackConfig, fieldPrefix: string): OrganizationModels {
  const { capabilities = [], externalId, ...settings } = stack.connector;
  const chosen = capabilities.filter((c) => c !== 'organization') as CapabilityName[];
  const props = (caps: CapabilityName[]): QualysConnectorRoleProps => ({ ...settings, externalId, capabilities: caps });
  const management = buildConnectorRoleModel(props([...chosen, 'organization']), `${fieldPrefix}.connector`);
  const member = buildConnectorRoleModel(props(chosen), `${fieldPrefix}.connector`);
  const excludedAccountIds = [...(stack.members.excludedAccountIds ?? [])].sort();
  const targets = stack.members.organizationRootId ? [stack.members.organizationRootId] : [...new Set(stack.members.organizationalUnitIds ?? [])];
  const templates = {
    management: renderRoleTemplate(management, { kind: 'management' }),
    member: renderRoleTemplate(member, { kind: 'member', excludedAccountIds }),
  };
  checkTemplateSizes(stack, templates, member, fieldPrefix);
  const stackSetRegion = stack.members.region ?? QUALYS_ACCOUNT_TYPE_FACTS[member.accountType].defaultRegion;
  const stackSetName = stack.members.stackSetName ?? DEFAULT_STACK_SET_NAME;
  const managementStackName = stack.managementRole?.deployWith === 'cloudformation-stack' ? (stack.managementRole.stackName ?? DEFAULT_MANAGEMENT_STACK_NAME) : undefined;
  return { management, member, targets, excludedAccountIds, stackSetRegion, stackSetName, managementStackName, templates };
}

/**
 * The parameters the stack set (and the management stack) give the templates: the external ID (its value,
 * or however the renderer writes the variable), the earlier IDs while rotating (every parameter needs a
 * value, so empty when unused), the role name and the trusted account.
 */
export function templateParameters(plan: Pick<OrganizationModels, 'member'>, externalId: string): Record<string, string> {
  const earlier = plan.member.externalId.values?.slice(1) ?? [];
  const previous = Object.fromEntries(PREVIOUS_EXTERNAL_ID_PARAMETERS.map((name, i) => [name, earlier[i] ?? '']));
  return { ExternalId: externalId, ...previous, RoleName: plan.member.roleName, TrustedAccountId: plan.member.trustedAccountId };
}

/** Both templates must fit CloudFormation's `template_body` limit in the bytes each deployment path sends. */
function checkTemplateSizes(stack: OrganizationStackConfig, templates: OrganizationModels['templates'], member: ConnectorRoleModel, fieldPrefix: string): void {
  const problems: InputProblem[] = [];
  const limit = `above the ${TEMPLATE_BODY_LIMIT}-byte template_body limit of CloudFormation`;
  const memberSize = templateSize(templates.member, 'stack-set');
  if (memberSize > TEMPLATE_BODY_LIMIT) {
    // Without exclusions the role alone is too large: only the tags can make it so.
    const withoutExclusions = templateSize(renderRoleTemplate(member, { kind: 'member' }), 'stack-set');
    const excluded = stack.members.excludedAccountIds ?? [];
    problems.push(
      withoutExclusions > TEMPLATE_BODY_LIMIT || excluded.length === 0
        ? { field: `${fieldPrefix}.connector.tags`, value: `${Object.keys(member.tags).length} tags`, rule: `make the member template ${memberSize} bytes, ${limit}; use fewer or shorter tags` }
        : {
            field: `${fieldPrefix}.members.excludedAccountIds`,
            value: `${excluded.length} accounts`,
            rule: `make the member template ${memberSize} bytes, ${limit}; exclude whole OUs by not targeting them instead`,
          },
    );
  }
  if (stack.managementRole?.deployWith === 'cloudformation-stack') {
    const managementSize = templateSize(templates.management, 'stack');
    if (managementSize > TEMPLATE_BODY_LIMIT) {
      problems.push({ field: `${fieldPrefix}.connector.tags`, value: `${Object.keys(member.tags).length} tags`, rule: `make the management template ${managementSize} bytes, ${limit}; use fewer or shorter tags` });
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
}

/** Everything that can reject an organization configuration, before any construct or output exists. */
export function checkOrganizationStack(stack: OrganizationStackConfig, fieldPrefix: string): void {
  buildOrganizationModels(stack, fieldPrefix);
}
