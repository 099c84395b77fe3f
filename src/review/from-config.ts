import { AppConfig } from '../config/schema';
import { ConnectorRoleModel } from '../connector/model';
import { planStack } from '../connector/plan';
import { trustPolicyDocument } from '../connector/policies';
import { PolicyDocument } from '../policy/model';
import { IamDocumentJson, RoleKind, RoleView, StackView } from './views';

/**
 * A variable external ID stands for one value the review cannot see: the same variable is the same ID, and
 * the name is no secret.
 */
export function variableExternalId(variable: string): string {
  return `var.${variable}`;
}

/** The document as AWS receives it (its JSON text, parsed). */
function documentJson(document: PolicyDocument): IamDocumentJson {
  return JSON.parse(document.toJsonString()) as IamDocumentJson;
}

export function roleView(model: ConnectorRoleModel, kind: RoleKind): RoleView {
  const externalIds = model.externalId.values ?? [variableExternalId(model.externalId.variable)];
  return {
    kind,
    roleName: model.roleName,
    documents: model.customerManagedPolicies.map((p) => documentJson(p.document)),
    awsManagedPolicyArns: [...model.awsManagedPolicyArns],
    trust: documentJson(trustPolicyDocument(model.trustedPrincipal, externalIds)),
    permissionsBoundaryArn: model.permissionsBoundaryArn,
    maxSessionDuration: model.maxSessionDuration,
  };
}

/** Each stack of a configuration as the review sees it, planned by the current code. */
export function stackViewsFromConfig(config: AppConfig): StackView[] {
  return config.stacks.map((stack, i): StackView => {
    const plan = planStack(stack, `stacks[${i}]`);
    if (plan.kind === 'account') return { name: stack.name, roles: [roleView(plan.role, 'role')] };
    if (stack.kind !== 'organization') throw new Error(`stack ${stack.name} planned as an organization`);
    return {
      name: stack.name,
      roles: [roleView(plan.management, 'management role'), roleView(plan.member, 'member role')],
      reach: {
        targets: [...plan.targets],
        excludedAccountIds: [...plan.excludedAccountIds],
        region: plan.stackSetRegion,
        retainStacksOnAccountRemoval: stack.members.retainStacksOnAccountRemoval ?? false,
      },
    };
  });
}
