import { parseConfig, planConfiguration } from '../../src/config/load';
import { AccountPlan, OrganizationPlan } from '../../src/plan/stack';
import { OrganizationTemplates, organizationTemplates } from '../../src/render/cloudformation/organization-templates';

/*
 * The one set of configuration builders every test uses: each takes the parts it changes by name and fills
 * the rest with the same sample values.
 */

/** An external ID of the form Qualys shows; tests that must not leak one use their own. */
export const SAMPLE_EXTERNAL_ID = 'EU2-2792719';
export const OU_A = 'ou-ab12-11111111';
export const OU_B = 'ou-ab12-22222222';
export const OU_C = 'ou-ab12-33333333';

type Settings = Record<string, unknown>;

/** The parts of a stack a test sets; anything else (provider, backend, managementRole...) goes in as given. */
export interface StackParts {
  readonly name?: string;
  readonly connector?: Settings;
  readonly members?: Settings;
  readonly [setting: string]: unknown;
}

/** The connector every builder starts from: the sample external ID, with CSPM. */
const CONNECTOR: Settings = { externalId: SAMPLE_EXTERNAL_ID, capabilities: ['cspm'] };

/** An account stack: named `account`, the sample connector. */
export function accountStack({ name = 'account', connector = {}, ...settings }: StackParts = {}): Settings {
  return { kind: 'account', name, connector: { ...CONNECTOR, ...connector }, ...settings };
}

/** An organization stack: named `org`, the sample connector, members in OU_A and OU_B. */
export function organizationStack({
  name = 'org',
  connector = {},
  members = {},
  ...settings
}: StackParts = {}): Settings {
  return {
    kind: 'organization',
    name,
    connector: { ...CONNECTOR, ...connector },
    members: { organizationalUnitIds: [OU_A, OU_B], ...members },
    ...settings,
  };
}

/** A configuration file's content. */
export function configOf(...stacks: Settings[]): { stacks: Settings[] } {
  return { stacks };
}

export const accountConfig = (parts: StackParts = {}) => configOf(accountStack(parts));
export const organizationConfig = (parts: StackParts = {}) => configOf(organizationStack(parts));

/** The plan of a configuration's only account stack, as the app makes it. */
export function accountPlanOf(parts: StackParts = {}): AccountPlan {
  const [plan] = planConfiguration(parseConfig(accountConfig(parts)));
  if (plan.kind !== 'account') throw new Error('expected an account plan');
  return plan;
}

/** The plan of a configuration's only organization stack, with the templates rendered from it. */
export function organizationPlanOf(
  parts: StackParts = {},
): OrganizationPlan & { readonly templates: OrganizationTemplates } {
  const [plan] = planConfiguration(parseConfig(organizationConfig(parts)));
  if (plan.kind !== 'organization') throw new Error('expected an organization plan');
  return { ...plan, templates: organizationTemplates(plan) };
}
