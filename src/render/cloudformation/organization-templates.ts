import { OrganizationModels } from '../../plan/organization';
import { InputProblem } from '../../rules/errors';
import { CloudFormationTemplate, TEMPLATE_BODY_LIMIT, renderRoleTemplate, templateSize } from './role-template';

/** The templates of an organization: the member accounts' (the stack set's) and the management account's. */
export interface OrganizationTemplates {
  readonly management: CloudFormationTemplate;
  readonly member: CloudFormationTemplate;
}

export function organizationTemplates(
  plan: Pick<OrganizationModels, 'management' | 'member' | 'excludedAccountIds'>,
): OrganizationTemplates {
  return {
    management: renderRoleTemplate(plan.management, { kind: 'management' }),
    member: renderRoleTemplate(plan.member, { kind: 'member', excludedAccountIds: plan.excludedAccountIds }),
  };
}

/**
 * Both templates must fit CloudFormation's `template_body` limit in the bytes each deployment path sends: the
 * literal text for a stack set, the provider's re-encoding for a stack.
 */
export function templateSizeProblems(
  plan: OrganizationModels,
  fieldPrefix: string,
  templates: OrganizationTemplates = organizationTemplates(plan),
): InputProblem[] {
  const problems: InputProblem[] = [];
  const limit = `above the ${TEMPLATE_BODY_LIMIT}-byte template_body limit of CloudFormation`;
  const tags = `${Object.keys(plan.member.tags).length} tags`;
  const memberSize = templateSize(templates.member, 'stack-set');
  if (memberSize > TEMPLATE_BODY_LIMIT) {
    // Without exclusions the role alone is too large: only the tags can make it so.
    const withoutExclusions = templateSize(renderRoleTemplate(plan.member, { kind: 'member' }), 'stack-set');
    const excluded = plan.excludedAccountIds.length;
    problems.push(
      withoutExclusions > TEMPLATE_BODY_LIMIT || excluded === 0
        ? {
            field: `${fieldPrefix}.connector.tags`,
            value: tags,
            rule: `make the member template ${memberSize} bytes, ${limit}; use fewer or shorter tags`,
          }
        : {
            field: `${fieldPrefix}.members.excludedAccountIds`,
            value: `${excluded} accounts`,
            rule: `make the member template ${memberSize} bytes, ${limit}; exclude whole OUs by not targeting them instead`,
          },
    );
  }
  if (plan.managementStack) {
    const managementSize = templateSize(templates.management, 'stack');
    if (managementSize > TEMPLATE_BODY_LIMIT)
      problems.push({
        field: `${fieldPrefix}.connector.tags`,
        value: tags,
        rule: `make the management template ${managementSize} bytes, ${limit}; use fewer or shorter tags`,
      });
  }
  return problems;
}
