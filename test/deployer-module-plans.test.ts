import { memberRegionOf } from '../src/rules/aws-provider';
import { EvidenceSubject } from '../src/tools/deployer/evidence';
import { planDeployerPolicy } from '../src/tools/deployer/policy';
import { describeRegion } from '../src/rules/partition';
import {
  Call,
  DeployedNames,
  SOME_ACCOUNT,
  STACK_SET_SUBJECTS,
  TERRAFORM_PLAN_STEPS,
  callsFor,
  misjudged,
  subjectsOfPlan,
} from './support/deployer-simulation';
import {
  MODULE_EXAMPLES,
  equivalentConfig,
  moduleExampleFolders,
  moduleExampleTree,
  moduleExampleWorkspace,
} from './support/module-examples';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES, SavedPlan } from './terraform/harness';

/*
 * The deployer policy against plans of the plain Terraform modules: each example under examples/terraform is
 * planned by the real Terraform binary (offline provider); the names the plan gives its resources, inside
 * modules too, are read from the plan; the deployer policy of the equivalent app configuration (the planner
 * the command uses) must allow every call of the evidence on those names and deny it on other names. A
 * module that names a role, policy, attachment, stack set or region outside that policy fails here, and so
 * does a resource type or a provider arrangement this reader does not know.
 */

/** The resource types whose names are read here; any other type in a plan fails the test. */
const READ_TYPES = new Set([
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_role_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
]);

interface PlannedResource {
  readonly address: string;
  /** The module instance, e.g. `module.qualys[0].module.cspm[0]`; empty in the root module. */
  readonly moduleAddress: string;
  readonly type: string;
  readonly index?: string | number;
  /** Known planned values; an attribute unknown until apply is absent. */
  readonly values: Record<string, unknown>;
  /** The root provider configuration the resource uses, e.g. `aws` or `aws.stackset_admin`. */
  readonly providerKey: string;
}

interface PlannedProvider {
  readonly region?: string;
  readonly account?: string;
  readonly assumeRoleArn?: string;
}

type Json = Record<string, unknown>;
interface ConfigModule {
  resources?: { address: string; mode: string; provider_config_key: string }[];
  module_calls?: Record<string, { module: ConfigModule }>;
}

/** Provider configuration key of every resource in the configuration, by module path (no instance keys) and address. */
function providerKeys(module: ConfigModule, path: string, into = new Map<string, string>()): Map<string, string> {
  for (const r of module.resources ?? [])
    if (r.mode === 'managed') into.set(`${path}|${r.address}`, r.provider_config_key);
  for (const [name, call] of Object.entries(module.module_calls ?? {}))
    providerKeys(call.module, path ? `${path}.module.${name}` : `module.${name}`, into);
  return into;
}

function constant(expressions: Json | undefined, key: string): unknown {
  return (expressions?.[key] as { constant_value?: unknown } | undefined)?.constant_value;
}

function readPlan(plan: SavedPlan): { resources: PlannedResource[]; providers: Map<string, PlannedProvider> } {
  const json = plan.json as {
    resource_changes: {
      address: string;
      module_address?: string;
      mode: string;
      type: string;
      name: string;
      index?: string | number;
      change: { actions: string[]; after: Json | null };
    }[];
    configuration: { root_module: ConfigModule; provider_config: Record<string, { expressions?: Json }> };
  };
  const keys = providerKeys(json.configuration.root_module, '');
  const resources = json.resource_changes
    .filter((c) => c.mode === 'managed' && c.change.after !== null)
    .map((c) => {
      const moduleAddress = c.module_address ?? '';
      const providerKey = keys.get(`${moduleAddress.replace(/\[[^\]]*\]/g, '')}|${c.type}.${c.name}`);
      if (!providerKey) throw new Error(`no provider configuration found for ${c.address}`);
      return {
        address: c.address,
        moduleAddress,
        type: c.type,
        index: c.index,
        values: c.change.after as Json,
        providerKey,
      };
    });
  const providers = new Map<string, PlannedProvider>();
  for (const [key, config] of Object.entries(json.configuration.provider_config)) {
    const assume = (config.expressions?.assume_role as Json[] | undefined)?.[0];
    providers.set(key, {
      region: constant(config.expressions, 'region') as string | undefined,
      account: (constant(config.expressions, 'allowed_account_ids') as string[] | undefined)?.[0],
      assumeRoleArn: constant(assume, 'role_arn') as string | undefined,
    });
  }
  return { resources, providers };
}

function text(resource: PlannedResource, attribute: string): string {
  const value = resource.values[attribute];
  if (typeof value !== 'string' || value === '')
    throw new Error(`${resource.address}: ${attribute} is not known at plan time`);
  return value;
}

/** What a plan names, read from its planned values and its providers (never from the policy planner). */
function namesOfPlan(plan: SavedPlan): { names: DeployedNames; subjects: Set<EvidenceSubject> } {
  const { resources, providers } = readPlan(plan);
  const unread = resources.filter((r) => !READ_TYPES.has(r.type)).map((r) => r.address);
  if (unread.length > 0)
    throw new Error(`resources of types whose names this test does not read: ${unread.join(', ')}`);
  const of = (type: string) => resources.filter((r) => r.type === type);
  const provider = (key: string) => {
    const found = providers.get(key);
    if (!found?.region) throw new Error(`provider ${key} has no constant region`);
    return { ...found, region: found.region };
  };

  // The IAM resources: one provider, whose account and region they are in.
  const iam = resources.filter((r) => r.type.startsWith('aws_iam_'));
  const iamKeys = [...new Set(iam.map((r) => r.providerKey))];
  if (iamKeys.length !== 1)
    throw new Error(`the IAM resources use ${iamKeys.length} providers (${iamKeys.join(', ')}); one is expected`);
  const main = provider(iamKeys[0]);
  const partition = describeRegion(main.region).partition;
  const account = main.account ?? SOME_ACCOUNT;
  const iamArn = (kind: string, path: string, name: string) => `arn:${partition}:iam::${account}:${kind}${path}${name}`;

  // An unset path is unknown in the offline plan; the AWS provider's default is "/".
  const pathOf = (r: PlannedResource) => (typeof r.values.path === 'string' ? r.values.path : '/');
  const roles = of('aws_iam_role').map((r) => ({
    name: text(r, 'name'),
    arn: iamArn('role', pathOf(r), text(r, 'name')),
    resource: r,
  }));
  const policies = of('aws_iam_policy').map((r) => ({
    arn: iamArn('policy', pathOf(r), text(r, 'name')),
    resource: r,
  }));
  const roleArnNamed = (name: string, by: string) => {
    const role = roles.find((r) => r.name === name);
    if (!role) throw new Error(`${by} names role ${name}, which the plan does not create`);
    return role.arn;
  };

  const attachments: { roleArn: string; policyArn: string }[] = [];
  for (const a of of('aws_iam_role_policy_attachment')) {
    const roleArn = roleArnNamed(text(a, 'role'), a.address);
    if (typeof a.values.policy_arn === 'string') {
      attachments.push({ roleArn, policyArn: a.values.policy_arn });
      continue;
    }
    // Unknown until the policy exists: the policy of the same module instance and key.
    const policy = policies.find((p) => p.resource.moduleAddress === a.moduleAddress && p.resource.index === a.index);
    if (!policy)
      throw new Error(
        `${a.address}: the policy ARN is unknown and no policy of its module has the key ${String(a.index)}`,
      );
    attachments.push({ roleArn, policyArn: policy.arn });
  }
  for (const a of of('aws_iam_role_policy_attachments_exclusive')) {
    const roleArn = roleArnNamed(text(a, 'role_name'), a.address);
    const arns = (a.values.policy_arns as (string | null)[] | undefined) ?? [];
    for (const arn of arns) if (typeof arn === 'string') attachments.push({ roleArn, policyArn: arn });
    // Unknown until the policies exist: the policies made in its module and the modules it calls.
    const unknown = arns.filter((arn) => typeof arn !== 'string').length;
    const within = policies.filter(
      (p) => p.resource.moduleAddress === a.moduleAddress || p.resource.moduleAddress.startsWith(`${a.moduleAddress}.`),
    );
    if (within.length !== unknown)
      throw new Error(`${a.address}: ${unknown} unknown policy ARNs, ${within.length} policies in its modules`);
    for (const p of within) attachments.push({ roleArn, policyArn: p.arn });
  }

  const tagged = [...roles.map((r) => r.resource), ...policies.map((p) => p.resource)];
  const tagKeys = [
    ...new Set(tagged.flatMap((r) => Object.keys((r.values.tags as Record<string, string> | undefined) ?? {}))),
  ].sort();
  const boundaries = [
    ...new Set(
      roles
        .map((r) => r.resource.values.permissions_boundary)
        .filter((b): b is string => typeof b === 'string' && b !== ''),
    ),
  ];
  if (boundaries.length > 1) throw new Error(`roles with different permissions boundaries: ${boundaries.join(', ')}`);

  const subjects = new Set<EvidenceSubject>(['provider', ...(resources.map((r) => r.type) as EvidenceSubject[])]);

  // The stack set: its name, where it lives (its own region argument, else its provider's), who manages it.
  const stackSets = of('aws_cloudformation_stack_set');
  if (stackSets.length > 1) throw new Error(`${stackSets.length} stack sets; one is expected`);
  const [stackSet] = stackSets;
  let stackSetNames: Partial<DeployedNames> = {};
  if (stackSet) {
    const stackSetProvider = provider(stackSet.providerKey);
    const stackSetRegion =
      typeof stackSet.values.region === 'string' ? stackSet.values.region : stackSetProvider.region;
    const delegated = stackSet.values.call_as === 'DELEGATED_ADMIN';
    if (delegated && !stackSetProvider.account)
      throw new Error(
        `${stackSet.address} is managed by a delegated administrator whose account the provider ${stackSet.providerKey} does not name`,
      );
    if (!delegated && stackSet.providerKey !== iamKeys[0])
      throw new Error(
        `${stackSet.address} is made by provider ${stackSet.providerKey} in its own account (call_as SELF): not the management account's identity`,
      );
    const instances = of('aws_cloudformation_stack_set_instance');
    for (const i of instances) {
      if (
        text(i, 'stack_set_name') !== text(stackSet, 'name') ||
        i.providerKey !== stackSet.providerKey ||
        i.values.call_as !== stackSet.values.call_as
      )
        throw new Error(`${i.address} is not made like ${stackSet.address}`);
      // An instance is managed where its stack set is: provider 6 gives this resource no region of its own (its
      // `region` is the deprecated name of the member region, as in provider 5).
    }
    if (stackSet.values.permission_model === 'SERVICE_MANAGED')
      subjects.add('cloudformation-service:stack-set-service-managed');
    stackSetNames = {
      stackSetName: text(stackSet, 'name'),
      stackSetRegion,
      adminAccount: delegated ? stackSetProvider.account : undefined,
      targetRegions: [...new Set(instances.map((i) => String(memberRegionOf(i.values))))].sort(),
    };
  } else if (of('aws_cloudformation_stack_set_instance').length > 0) {
    throw new Error('stack set instances without a stack set in the plan');
  }

  const assumeRoleArns = [
    ...new Set(
      resources.map((r) => providers.get(r.providerKey)?.assumeRoleArn).filter((a): a is string => a !== undefined),
    ),
  ].sort();
  if (assumeRoleArns.length > 0) subjects.add('provider-assume-role');

  const names: DeployedNames = {
    partition,
    region: main.region,
    account,
    roleArns: roles.map((r) => r.arn),
    policyArns: policies.map((p) => p.arn),
    attachments,
    boundary: boundaries[0],
    tagKeys,
    targetRegions: [],
    assumeRoleArns,
    ...stackSetNames,
  };
  return { names, subjects };
}

/** The stack set calls again in another region: the policy keeps them to the planned regions. */
function inAnotherRegion(calls: readonly Call[], names: DeployedNames): Call[] {
  const region = names.stackSetRegion ?? names.region;
  const elsewhere = region === 'eu-central-1' ? 'eu-west-3' : 'eu-central-1';
  return calls
    .filter((c) => STACK_SET_SUBJECTS.has(c.entry.subject) && c.entry.action.startsWith('cloudformation:'))
    .map((c): Call | undefined => {
      const context: Record<string, string | string[]> = {
        ...c.context,
        'aws:RequestedRegion': elsewhere,
        ...(c.context['cloudformation:TargetRegion'] ? { 'cloudformation:TargetRegion': [elsewhere] } : {}),
      };
      const moved: Call = {
        ...c,
        resource: c.resource.replace(`:cloudformation:${region}:`, `:cloudformation:${elsewhere}:`),
        context,
      };
      // A call that names neither the region nor a region condition is the same call; only real changes count.
      return JSON.stringify([moved.resource, context]) === JSON.stringify([c.resource, c.context]) ? undefined : moved;
    })
    .filter((c): c is Call => c !== undefined);
}

let terraform: OfflineTerraform;
let tree: string;
beforeAll(() => {
  terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, ['aws_partition']);
  tree = moduleExampleTree(terraform);
});
afterAll(() => {
  terraform?.dispose();
});
afterEach(() => {
  delete terraform.env.QUALYS_OFFLINE_PROVIDER_DATA;
});

test('every example under examples/terraform is planned here', () => {
  expect(Object.keys(MODULE_EXAMPLES).sort()).toEqual(moduleExampleFolders());
});

/** Each example planned once: both the deploy and the plan-only policy are checked on its names. */
const planned = new Map<string, ReturnType<typeof namesOfPlan>>();
function plannedNames(name: string): ReturnType<typeof namesOfPlan> {
  if (!planned.has(name)) planned.set(name, namesOfPlan(moduleExampleWorkspace(terraform, tree, name).plan()));
  return planned.get(name) as ReturnType<typeof namesOfPlan>;
}

test.each(Object.keys(MODULE_EXAMPLES))(
  '%s: the deployer policy of the equivalent configuration allows every call on the names the plan gives and denies it on other names',
  async (name) => {
    const { names, subjects } = plannedNames(name);
    expect(names.partition).toBe(MODULE_EXAMPLES[name].partition);
    expect(names.roleArns.length).toBeGreaterThan(0);
    expect(names.policyArns.length).toBeGreaterThan(0);
    expect(names.attachments.length).toBeGreaterThanOrEqual(names.policyArns.length);
    if (names.stackSetName) expect(names.targetRegions.length).toBeGreaterThan(0);

    const [plan, ...more] = planDeployerPolicy(equivalentConfig(name));
    expect(more).toEqual([]);
    const { real, other } = callsFor(plan, names, subjects);
    expect(real.length).toBeGreaterThan(10);
    expect(other.length).toBeGreaterThan(5);
    const { refused, allowed } = await misjudged(real, [...other, ...inAnotherRegion(real, names)]);
    expect(refused).toEqual([]);
    expect(allowed).toEqual([]);
  },
);

test.each(Object.keys(MODULE_EXAMPLES))(
  '%s: the plan-only policy (--for plan) allows every call of a plan on the names the plan gives, and denies it on other names',
  async (name) => {
    const { names, subjects } = plannedNames(name);
    const [plan] = planDeployerPolicy(equivalentConfig(name), undefined, 'plan');
    const { real, other } = callsFor(plan, names, subjectsOfPlan(subjects), TERRAFORM_PLAN_STEPS);
    expect(real.length).toBeGreaterThan(3);
    const { refused, allowed } = await misjudged(real, [...other, ...inAnotherRegion(real, names)]);
    expect(refused).toEqual([]);
    expect(allowed).toEqual([]);
  },
);
