import { AppConfig } from '../config/schema';
import { planStack } from '../connector/plan';
import { CloudFormationTemplate, renderRoleTemplate } from './role-template';

/**
 * The CloudFormation templates of a configuration, for the console path of the Qualys procedure, keyed by
 * their file path: `<stack>/management-account.template.json` and `<stack>/member-accounts.template.json` for
 * an organization (the very templates the organization stack deploys), `<stack>/account.template.json` for one
 * account (the Terraform role's settings, with optional parameters for the IDs of a rotation).
 */
export function exportTemplates(config: AppConfig): Record<string, CloudFormationTemplate> {
  const files: Record<string, CloudFormationTemplate> = {};
  config.stacks.forEach((stack, i) => {
    // Templates take the external ID as a parameter: whatever the configuration holds never reaches them.
    const plan = planStack(stack, `stacks[${i}]`);
    if (plan.kind === 'organization') {
      files[`${stack.name}/management-account.template.json`] = plan.templates.management;
      files[`${stack.name}/member-accounts.template.json`] = plan.templates.member;
    } else {
      files[`${stack.name}/account.template.json`] = renderRoleTemplate(plan.role, { kind: 'account' });
    }
  });
  return files;
}
