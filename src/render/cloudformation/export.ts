import { StackPlan } from '../../plan/stack';
import { organizationTemplates } from './organization-templates';
import { CloudFormationTemplate, renderRoleTemplate } from './role-template';

/**
 * The CloudFormation templates of planned stacks, for the console path of the Qualys procedure, keyed by
 * their file path: `<stack>/management-account.template.json` and `<stack>/member-accounts.template.json` for
 * an organization (the very templates the organization stack deploys), `<stack>/account.template.json` for one
 * account (the Terraform role's settings, with optional parameters for the IDs of a rotation). Templates take
 * the external ID as a parameter: whatever the configuration holds never reaches them.
 */
export function exportTemplates(plans: readonly StackPlan[]): Record<string, CloudFormationTemplate> {
  const files: Record<string, CloudFormationTemplate> = {};
  for (const plan of plans) {
    if (plan.kind === 'organization') {
      const templates = organizationTemplates(plan);
      files[`${plan.stack.name}/management-account.template.json`] = templates.management;
      files[`${plan.stack.name}/member-accounts.template.json`] = templates.member;
    } else {
      files[`${plan.stack.name}/account.template.json`] = renderRoleTemplate(plan.role, { kind: 'account' });
    }
  }
  return files;
}
