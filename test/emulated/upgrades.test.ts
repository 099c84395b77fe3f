import { readFileSync, readdirSync } from 'fs';
import { scaledSeconds } from '../support/deadline';
import { join } from 'path';
import { checkTemplateChange } from '../../src/render/cloudformation/change-check';
import { PROJECT_ROOT } from '../support/app-process';
import { SAMPLE_EXTERNAL_ID } from '../support/configs';
import { exampleConfigs, sharedOutdir } from '../support/examples';
import { sharedSynthesisDir } from '../support/scratch';
import { SavedPlan } from '../terraform/harness';
import { EmulatedAws, Partition } from './emulator';
import { exampleOrganization } from './example-organizations';
import { forProvider5 } from './provider-major';
import { Scenario } from './scenario';

/*
 * Upgrades from every recorded release, with the real provider: each stack a release synthesized for the default
 * configuration and every example (test/fixtures/releases, read for provider 5 by the rule of
 * src/rules/aws-provider.ts) is applied into its own emulated account or organization, then this version's synthesis
 * of the same configuration is planned over it. No role, policy, attachment, stack, stack set or instance may be
 * destroyed or replaced (the provider's own replace-on-change rules decide), CloudFormation's view of every template
 * change (the resource specification) must find nothing it would refuse, and once applied the next plan must change
 * nothing. Full tier.
 */

const RELEASES = join(PROJECT_ROOT, 'test', 'fixtures', 'releases');
/** Resources whose deletion takes a role away (or, for stack sets and stacks, every role they hold). */
const KEPT =
  /^(aws_iam_role|aws_iam_policy|aws_iam_role_policy_attachment|aws_cloudformation_stack|aws_cloudformation_stack_set|aws_cloudformation_stack_set_instance)$/;

const cases = readdirSync(RELEASES)
  .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
  .sort()
  .flatMap((version) =>
    readdirSync(join(RELEASES, version))
      .sort()
      .flatMap((configuration) =>
        readdirSync(join(RELEASES, version, configuration))
          .filter((f) => f.endsWith('.tf.json'))
          .map((f) => ({ version, configuration, stack: f.replace(/\.tf\.json$/, '') })),
      ),
  );
const moduleOf = (c: (typeof cases)[number]) =>
  `r${c.version.replace(/\./g, '_')}_${c.configuration}_${c.stack}`.replace(/[^a-z0-9_]/g, '_');

let aws: EmulatedAws;
let upgrade: SavedPlan;
let afterUpgrade: SavedPlan;

beforeAll(
  async () => {
    aws = await EmulatedAws.start();
    const scenario = new Scenario(aws);
    let next = 600000000001;
    const currentDirs: Record<string, string> = {};
    for (const c of cases) {
      const recorded = forProvider5(
        JSON.parse(readFileSync(join(RELEASES, c.version, c.configuration, `${c.stack}.tf.json`), 'utf8')),
      ) as { variable?: Record<string, unknown>; provider?: { aws?: { allowed_account_ids?: string[] }[] } };
      const text = JSON.stringify(recorded);
      // Releases name the same accounts: each stack gets its own ones in their place.
      const pinned = (recorded.provider?.aws ?? []).flatMap((p) => p.allowed_account_ids ?? []);
      const partition: Partition = /gov/.test(c.stack) ? 'aws-us-gov' : /china/.test(c.stack) ? 'aws-cn' : 'aws';
      const organization = /organization/.test(c.stack)
        ? await exampleOrganization(aws, String(next++), partition)
        : undefined;
      const variables: Record<string, string> = recorded.variable?.external_id
        ? { external_id: SAMPLE_EXTERNAL_ID }
        : {};
      scenario.addStackText(moduleOf(c), text, {
        account: String(next++),
        partition,
        variables,
        substitutions: organization?.substitutions ?? Object.fromEntries(pinned.map((id) => [id, String(next++)])),
      });
      currentDirs[moduleOf(c)] = join(sharedOutdir(sharedSynthesisDir(5), c.configuration), 'stacks', c.stack);
    }
    const workspace = await scenario.init();
    await workspace.apply(['-parallelism=40']);
    for (const [module, dir] of Object.entries(currentDirs)) scenario.replaceStack(module, dir);
    upgrade = await workspace.plan(['-parallelism=40']);
    const applied = await workspace.run(['apply', '-input=false', '-parallelism=40', 'tfplan']);
    if (applied.status !== 0) throw new Error(`applying the upgrade failed: ${applied.stderr}`);
    afterUpgrade = await workspace.plan(['-parallelism=40']);
  },
  scaledSeconds(1800) * 1000,
);

afterAll(async () => {
  await aws?.stop();
});

test('every release is recorded for the default configuration and every example', () => {
  const configurations = exampleConfigs().map((c) => c.name);
  for (const version of new Set(cases.map((c) => c.version)))
    expect(new Set(cases.filter((c) => c.version === version).map((c) => c.configuration))).toEqual(
      new Set(configurations),
    );
});

describe.each(cases.map((c) => ({ ...c, module: moduleOf(c) })))(
  '$stack as $version made it ($configuration)',
  ({ module, stack }) => {
    const mine = (plan: SavedPlan) => plan.changes.filter((c) => c.address.startsWith(`module.${module}.`));

    test('this version destroys or replaces nothing that holds a role, and CloudFormation would refuse no template change', () => {
      const removed = mine(upgrade)
        .filter((c) => c.actions.includes('delete') && KEPT.test(c.address.split('.')[2]))
        .map((c) => `${c.address}: ${c.actions.join()}`);
      expect(removed).toEqual([]);
      for (const change of mine(upgrade).filter(
        (c) => /\.aws_cloudformation_stack(_set)?\./.test(c.address) && c.before && c.after,
      )) {
        const side = (values: Record<string, unknown>) => ({
          template: String(values.template_body),
          parameters: values.parameters as Record<string, string>,
        });
        const check = checkTemplateChange(
          side(change.before as Record<string, unknown>),
          side(change.after as Record<string, unknown>),
          /gov/.test(stack) ? 'aws-us-gov' : 'aws',
        );
        expect([change.address, check.errors]).toEqual([change.address, []]);
      }
    });

    test('once upgraded, the next plan changes nothing', () => {
      expect(
        mine(afterUpgrade)
          .filter((c) => c.actions.join() !== 'no-op')
          .map((c) => `${c.address}: ${c.actions}`),
      ).toEqual([]);
    });
  },
);
