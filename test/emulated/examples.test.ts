import { execFileSync } from 'child_process';
import { scaledSeconds } from '../support/deadline';
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { loadConfig, parseConfig, planConfiguration } from '../../src/config/load';
import { StackPlan } from '../../src/plan/stack';
import { AppConfig } from '../../src/config/schema';
import { PROJECT_ROOT } from '../support/app-process';
import { SAMPLE_EXTERNAL_ID } from '../support/configs';
import { exampleConfigs, sharedOutdir } from '../support/examples';
import { MODULE_EXAMPLES, equivalentConfig, moduleExampleFolders } from '../support/module-examples';
import { projectScratch, releaseScratch, sharedSynthesisDir } from '../support/scratch';
import { SavedPlan } from '../terraform/harness';
import { EmulatedAws, Partition } from './emulator';
import { ExampleOrganization, exampleOrganization } from './example-organizations';
import { RoleState, canonicalDocument, expectedRole, readRole } from './readback';
import { Scenario } from './scenario';

/*
 * Every configuration the project ships, applied by the real AWS provider into an emulated AWS and read back through
 * the AWS API: the default configuration and every example (synthesized for provider 5), the library example, and
 * every root of examples/terraform. Each part acts in its own account (organizations in their own emulated
 * organization); what IAM holds afterwards must be exactly what the plan of the configuration says, and the next
 * plan must change nothing. Full tier.
 */

const PART_ACCOUNTS = (() => {
  let next = 100000000001;
  return () => String(next++);
})();

interface Expectation {
  readonly account: string;
  readonly partition: Partition;
  readonly roleName: string;
  /** undefined: the account must have no role of that name. */
  readonly role: RoleState | undefined;
  /** Compare only what a capability module adds (a role the example makes itself). */
  readonly attachmentsOnly?: boolean;
}

const aws = { current: undefined as EmulatedAws | undefined };
const expectations: { part: string; expectation: Expectation }[] = [];
let plan: SavedPlan;
let work: string;

const partitionOfRegion = (region: string): Partition =>
  region.startsWith('us-gov-') ? 'aws-us-gov' : region.startsWith('cn-') ? 'aws-cn' : 'aws';

function configFile(example: string): AppConfig {
  const file = exampleConfigs().find((c) => c.name === example)?.file;
  return file ? parseConfig(JSON.parse(readFileSync(file, 'utf8'))) : loadConfig(undefined);
}

/** What the plan of one app stack says each account holds. */
function expectStackRoles(
  part: string,
  plan: StackPlan,
  account: string,
  externalIds: readonly string[],
  org?: ExampleOrganization,
): void {
  const add = (expectation: Expectation) => expectations.push({ part, expectation });
  if (plan.kind === 'account') {
    const partition = plan.role.partition as Partition;
    const owner = plan.stack.provider.accountId ?? account;
    add({
      account: owner,
      partition,
      roleName: plan.role.roleName,
      role: expectedRole(plan.role, { account: owner, externalIds }),
    });
    return;
  }
  if (!org) throw new Error(`${part}: an organization stack needs an emulated organization`);
  const partition = plan.member.partition as Partition;
  const templateNames = plan.managementStack !== undefined;
  add({
    account: org.managementAccountId,
    partition,
    roleName: plan.management.roleName,
    role: expectedRole(plan.management, { account: org.managementAccountId, externalIds, templateNames }),
  });
  const { inside, outside } = org.reach(plan.targets, plan.excludedAccountIds);
  for (const member of inside)
    add({
      account: member,
      partition,
      roleName: plan.member.roleName,
      role: expectedRole(plan.member, { account: member, externalIds, templateNames: true }),
    });
  for (const account of outside) add({ account, partition, roleName: plan.member.roleName, role: undefined });
}

beforeAll(
  async () => {
    aws.current = await EmulatedAws.start();
    const emulated = aws.current;
    const scenario = new Scenario(emulated);
    const organizations: Record<string, ExampleOrganization> = {};
    const orgFor = async (key: string, management: string, partition: Partition) =>
      (organizations[key] ??= await exampleOrganization(emulated, management, partition));

    for (const { name: example } of exampleConfigs()) {
      const plans = planConfiguration(configFile(example));
      const stacksDir = join(sharedOutdir(sharedSynthesisDir(5), example), 'stacks');
      for (const stack of readdirSync(stacksDir).sort()) {
        const stackPlan = plans.find((p) => p.stack.name === stack) as StackPlan;
        const part = `app_${example}_${stack}`.replace(/[^a-z0-9_]/g, '_');
        const account = PART_ACCOUNTS();
        const partition = partitionOfRegion(stackPlan.stack.provider.region);
        const variable =
          stackPlan.kind === 'account' ? stackPlan.role.externalId.variable : stackPlan.member.externalId.variable;
        const values =
          stackPlan.kind === 'account' ? stackPlan.role.externalId.values : stackPlan.member.externalId.values;
        const org = stackPlan.kind === 'organization' ? await orgFor(part, PART_ACCOUNTS(), partition) : undefined;
        scenario.addStack(part, join(stacksDir, stack), {
          account,
          partition,
          variables: variable ? { [variable]: SAMPLE_EXTERNAL_ID } : {},
          substitutions: org?.substitutions,
        });
        expectStackRoles(part, stackPlan, account, values ?? [SAMPLE_EXTERNAL_ID], org);
      }
    }

    for (const example of moduleExampleFolders()) {
      const setup = MODULE_EXAMPLES[example];
      const part = `tf_${example}`.replace(/[^a-z0-9_]/g, '_');
      const account = PART_ACCOUNTS();
      const partition = setup.partition as Partition;
      const [stackPlan] = planConfiguration(equivalentConfig(example));
      const org = stackPlan.kind === 'organization' ? await orgFor(part, PART_ACCOUNTS(), partition) : undefined;
      await scenario.addTerraformExample(part, example, {
        account,
        partition,
        variables: setup.variables,
        substitutions: org?.substitutions,
      });
      const before = expectations.length;
      expectStackRoles(part, stackPlan, account, [setup.variables.external_id ?? SAMPLE_EXTERNAL_ID], org);
      if (example === 'existing-role')
        expectations
          .slice(before)
          .forEach((e) => ((e.expectation as { attachmentsOnly?: boolean }).attachmentsOnly = true));
    }

    // The library example, as a provider 5 user runs it: bundled against the provider 5 bindings.
    work = projectScratch('emulated-library');
    // Inside the project, so that the bundle's packages resolve from its node_modules.
    const bundle = join(work, 'library-usage.cjs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { aliases } = require('../../scripts/toolchains.cjs') as { aliases: (t: string, m: number) => object };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('esbuild') as typeof import('esbuild')).buildSync({
      entryPoints: [join(PROJECT_ROOT, 'examples', 'library-usage.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      alias: aliases('cdktf', 5) as Record<string, string>,
      outfile: bundle,
      logLevel: 'error',
    });
    execFileSync(process.execPath, [bundle], { cwd: PROJECT_ROOT, env: { ...process.env, CDKTF_OUTDIR: work } });
    const libraryAccount = PART_ACCOUNTS();
    scenario.addStack('library_example', join(work, 'stacks', 'security-tooling'), {
      account: libraryAccount,
      variables: { qualys_external_id: SAMPLE_EXTERNAL_ID },
    });
    libraryExpectation(libraryAccount, join(work, 'stacks', 'security-tooling', 'cdk.tf.json'));

    const workspace = await scenario.init();
    await workspace.apply(['-parallelism=20']);
    plan = await workspace.plan(['-parallelism=20']);
  },
  scaledSeconds(900) * 1000,
);

afterAll(async () => {
  await aws.current?.stop();
  if (work) releaseScratch(work);
});

/** The library example's role as its synthesis says it: the documents the stack writes, the trust it evaluates. */
function libraryExpectation(account: string, file: string): void {
  const stack = JSON.parse(readFileSync(file, 'utf8')) as {
    resource: Record<string, Record<string, Record<string, unknown>>>;
  };
  const [role] = Object.values(stack.resource.aws_iam_role);
  const policies = Object.values(stack.resource.aws_iam_policy);
  const attached = [
    ...policies.map((p) => ({
      arn: `arn:aws:iam::${account}:policy${String(p.path ?? '/')}${String(p.name)}`,
      document: canonicalDocument(JSON.parse(String(p.policy))),
    })),
    { arn: 'arn:aws:iam::aws:policy/SecurityAudit' },
  ].sort((a, b) => (a.arn < b.arn ? -1 : 1));
  const [planLike] = planConfiguration(
    parseConfig({
      stacks: [
        {
          kind: 'account',
          name: 'library',
          connector: {
            externalId: SAMPLE_EXTERNAL_ID,
            capabilities: ['cspm'],
            roleName: String(role.name),
            tags: role.tags as Record<string, string>,
          },
        },
      ],
    }),
  );
  if (planLike.kind !== 'account') throw new Error('expected an account plan');
  expectations.push({
    part: 'library_example',
    expectation: {
      account,
      partition: 'aws',
      roleName: String(role.name),
      role: { ...expectedRole(planLike.role, { account, externalIds: [SAMPLE_EXTERNAL_ID] }), attached },
    },
  });
}

test('every part has something to read back, and organizations reach nested OUs', () => {
  const parts = new Set(expectations.map((e) => e.part));
  expect(parts.size).toBeGreaterThanOrEqual(exampleConfigs().length + moduleExampleFolders().length + 1);
  expect(expectations.filter((e) => e.expectation.role === undefined).length).toBeGreaterThan(0);
});

test('what IAM holds in every account is exactly what the plans say', async () => {
  const emulated = aws.current as EmulatedAws;
  const found: unknown[] = [];
  const wanted: unknown[] = [];
  for (const { part, expectation } of expectations) {
    const { account, partition, roleName, role } = expectation;
    const actual = await readRole(emulated, account, roleName, partition);
    const label = { part, account, roleName };
    if (expectation.attachmentsOnly && actual && role) {
      found.push({ ...label, attached: actual.attached });
      wanted.push({ ...label, attached: role.attached.filter((p) => !/-AssetView$/.test(p.arn)) });
    } else {
      found.push({ ...label, role: actual });
      wanted.push({ ...label, role });
    }
  }
  expect(found).toEqual(wanted);
});

test('the next plan changes nothing', () => {
  const changes = plan.changes.filter((c) => c.actions.join() !== 'no-op').map((c) => `${c.address}: ${c.actions}`);
  const outputs = Object.entries((plan.json.output_changes ?? {}) as Record<string, { actions: string[] }>)
    .filter(([, change]) => change.actions.join() !== 'no-op')
    .map(([name, change]) => `output ${name}: ${change.actions}`);
  expect([...changes, ...outputs]).toEqual([]);
});
