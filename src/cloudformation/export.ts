import { AppConfig } from '../config/schema';
import { buildConnectorRoleModel } from '../connector/model';
import { buildOrganizationModels } from '../connector/organization';
import { CapabilityName } from '../permissions/types';
import { CloudFormationTemplate, renderRoleTemplate } from './role-template';

/** Stand-in for a variable's value: templates take the external ID as a parameter, never a value. */
const PARAMETER_ONLY = 'given-as-template-parameter';

/**
 * The CloudFormation templates of a configuration, for the console path of the Qualys procedure, keyed by
 * their file path: `<stack>/management-account.template.json` and `<stack>/member-accounts.template.json` for
 * an organization (the very templates the organization stack deploys), `<stack>/account.template.json` for one
 * account (the Terraform role's settings, with optional parameters for the IDs of a rotation).
 */
export function exportTemplates(config: AppConfig): Record<string, CloudFormationTemplate> {
  const files: Record<string, CloudFormationTemplate> = {};
  config.stacks.forEach((stack, i) => {
    if (stack.kind === 'organization') {
      const { templates } = buildOrganizationModels(stack, PARAMETER_ONLY, `stacks[${i}]`);
      files[`${stack.name}/management-account.template.json`] = templates.management;
      files[`${stack.name}/member-accounts.template.json`] = templates.member;
    } else {
      const { externalId: _externalId, capabilities, ...settings } = stack.connector;
      const model = buildConnectorRoleModel({ ...settings, externalId: PARAMETER_ONLY, capabilities: capabilities as CapabilityName[] | undefined }, `stacks[${i}].connector`);
      files[`${stack.name}/account.template.json`] = renderRoleTemplate(model, { kind: 'account' });
    }
  });
  return files;
}
