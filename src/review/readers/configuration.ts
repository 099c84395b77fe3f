import { AppConfig } from '../../config/schema';
import { ConnectorRoleModel } from '../../connector/model';
import { templateBody } from '../../cloudformation/role-template';
import { templateParameters } from '../../connector/organization';
import { planStack } from '../../connector/plan';
import { trustPolicyDocument } from '../../connector/policies';
import { PolicyDocument } from '../../policy/model';
import { DeployedBy, IamDocumentJson, PlaceView, ReachView, RoleKind, RoleView, StackView, placeOf } from '../views';

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

export function roleView(model: ConnectorRoleModel, kind: RoleKind, deployedBy: DeployedBy, place: PlaceView, reach?: ReachView, template?: RoleView['template']): RoleView {
  const externalIds = model.externalId.values ?? [variableExternalId(model.externalId.variable)];
  return {
    kind,
    roleName: model.roleName,
    path: model.path,
    partition: model.partition,
    deployedBy,
    documents: model.customerManagedPolicies.map((p) => documentJson(p.document)),
    awsManagedPolicyArns: [...model.awsManagedPolicyArns].sort(),
    trust: documentJson(trustPolicyDocument(model.trustedPrincipal, externalIds)),
    ...(model.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: model.permissionsBoundaryArn } : {}),
    maxSessionDuration: model.maxSessionDuration,
    place,
    ...(reach ? { reach } : {}),
    ...(template ? { template } : {}),
  };
}

/** Each stack of a configuration as the review sees it, planned by the current code. */
export function stackViewsFromConfig(config: AppConfig): StackView[] {
  return config.stacks.map((stack, i): StackView => {
    const plan = planStack(stack, `stacks[${i}]`);
    const place = placeOf({ accountIds: stack.provider?.accountId ? [stack.provider.accountId] : undefined, assumeRoleArn: stack.provider?.assumeRoleArn, profile: stack.provider?.profile });
    if (plan.kind === 'account') return { name: stack.name, roles: [roleView(plan.role, 'role', 'terraform', place)] };
    if (stack.kind !== 'organization') throw new Error(`stack ${stack.name} planned as an organization`);
    const reach: ReachView = {
      targets: [...plan.targets].sort(),
      excludedAccountIds: [...plan.excludedAccountIds],
      region: plan.stackSetRegion,
      retainStacksOnAccountRemoval: stack.members.retainStacksOnAccountRemoval ?? false,
      stackSetName: plan.stackSetName,
      callAs: stack.delegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF',
    };
    // The templates as the stack set and the management stack deploy them, with the parameters they are given.
    const parameters = templateParameters(plan, plan.member.externalId.values?.[0] ?? variableExternalId(plan.member.externalId.variable as string));
    const management = plan.managementStackName ? { body: templateBody(plan.templates.management), parameters } : undefined;
    return {
      name: stack.name,
      roles: [
        roleView(plan.management, 'management role', plan.managementStackName ? 'cloudformation-stack' : 'terraform', place, undefined, management),
        roleView(plan.member, 'member role', 'stack-set', place, reach, { body: templateBody(plan.templates.member), parameters }),
      ],
    };
  });
}
