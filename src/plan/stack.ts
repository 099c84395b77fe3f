import { ConfigurationError, InputProblem } from '../rules/errors';
import { QUALYS_ACCOUNT_TYPE_FACTS, accountTypeOf } from '../rules/partition';
import { stackProblems } from './checks';
import { OrganizationModels, buildOrganizationModels } from './organization';
import { ConnectorRoleModel, buildConnectorRoleModel } from './role';
import { StackSettings } from './settings';
import { StackFacts, backendPlan, providerAccess } from './stack-facts';

/** One account's role, planned from its stack settings. */
export interface AccountPlan {
  readonly kind: 'account';
  readonly stack: StackFacts;
  readonly role: ConnectorRoleModel;
}

/** An organization's management and member roles and where the member roles go. */
export interface OrganizationPlan extends OrganizationModels {
  readonly kind: 'organization';
  readonly stack: StackFacts;
}

export type StackPlan = AccountPlan | OrganizationPlan;

/**
 * The planning step: a stack's settings as plain values, checked, with no Terraform or CloudFormation form
 * chosen yet. Renderers (constructs, templates, modules, reports) take it from here; every problem of the
 * stack is reported at once.
 */
export function planStack(stack: StackSettings, fieldPrefix: string): StackPlan {
  const problems: InputProblem[] = [...stackProblems(stack, fieldPrefix)];
  const attempt = <T>(plan: () => T): T | undefined => {
    try {
      return plan();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  if (stack.kind === 'organization') {
    const region =
      stack.region ?? QUALYS_ACCOUNT_TYPE_FACTS[accountTypeOf(stack.connector.qualysAccountType)]?.defaultRegion ?? '';
    const models = attempt(() => buildOrganizationModels(stack, fieldPrefix, region));
    if (problems.length > 0 || !models) throw new ConfigurationError(problems);
    return { kind: 'organization', stack: facts(stack, region), ...models };
  }
  const role = attempt(() => buildConnectorRoleModel(stack.connector, `${fieldPrefix}.connector`));
  if (problems.length > 0 || !role) throw new ConfigurationError(problems);
  return { kind: 'account', stack: facts(stack, stack.region ?? role.defaultRegion), role };
}

function facts(stack: StackSettings, region: string): StackFacts {
  return {
    name: stack.name,
    provider: providerAccess(region, stack.provider),
    backend: backendPlan(stack.name, stack.backend),
    importExistingRole: stack.importExistingRole === true,
  };
}
