import { planConfiguration } from '../../../config/load';
import { AppConfig } from '../../../config/schema';
import { organizationTemplates } from '../../../render/cloudformation/organization-templates';
import { ConnectorRoleModel } from '../../../plan/role';
import { templateBody } from '../../../render/cloudformation/role-template';
import { templateParameters } from '../../../plan/organization';
import { trustPolicyDocument } from '../../../plan/policies';
import { PolicyDocument } from '../../../model/policy/model';
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

export function roleView(
  model: ConnectorRoleModel,
  kind: RoleKind,
  deployedBy: DeployedBy,
  place: PlaceView,
  reach?: ReachView,
  template?: RoleView['template'],
): RoleView {
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
  return planConfiguration(config).map((plan): StackView => {
    const provider = plan.stack.provider;
    const place = placeOf({
      accountIds: provider.accountId ? [provider.accountId] : undefined,
      assumeRoleArn: provider.assumeRoleArn,
      profile: provider.profile,
    });
    if (plan.kind === 'account')
      return { name: plan.stack.name, roles: [roleView(plan.role, 'role', 'terraform', place)] };
    const reach: ReachView = {
      targets: [...plan.targets].sort(),
      excludedAccountIds: [...plan.excludedAccountIds],
      region: plan.stackSet.region,
      retainStacksOnAccountRemoval: plan.stackSet.retainStacksOnAccountRemoval,
      stackSetName: plan.stackSet.name,
      callAs: plan.stackSet.callAs,
    };
    // The templates as the stack set and the management stack deploy them, with the parameters they are given.
    const templates = organizationTemplates(plan);
    const parameters = templateParameters(
      plan,
      plan.member.externalId.values?.[0] ?? variableExternalId(plan.member.externalId.variable as string),
    );
    const management = plan.managementStack ? { body: templateBody(templates.management), parameters } : undefined;
    return {
      name: plan.stack.name,
      roles: [
        roleView(
          plan.management,
          'management role',
          plan.managementStack ? 'cloudformation-stack' : 'terraform',
          place,
          undefined,
          management,
        ),
        roleView(plan.member, 'member role', 'stack-set', place, reach, {
          body: templateBody(templates.member),
          parameters,
        }),
      ],
    };
  });
}
