import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { checkTemplateChange } from '../src/render/cloudformation/change-check';
import { PROJECT_ROOT } from './support/app-process';
import { sharedOutdir } from './support/examples';
import { projectScratch, releaseScratch, sharedSynthesisDir } from './support/scratch';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES, SavedPlan } from './terraform/harness';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

/*
 * Upgrades from every earlier release: each stack a release synthesized for the default configuration and
 * every example (test/fixtures/releases) is applied with the offline provider, and this version's synthesis
 * of the same configuration is planned against that state. No role, stack set, stack set instance or stack
 * is destroyed or replaced, and CloudFormation's view of each template change (the resource specification)
 * finds nothing it would refuse.
 */

const RELEASES = join(PROJECT_ROOT, 'test', 'fixtures', 'releases');
const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
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

const work = projectScratch('upgrade');
let terraform: OfflineTerraform;
beforeAll(() => {
  // The first release built trust policies with aws_iam_policy_document.
  terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, ['aws_iam_policy_document']);
});
afterAll(() => {
  terraform?.dispose();
  releaseScratch(work);
});

test('every release is recorded for the default configuration and every example', () => {
  const configurations = readdirSync(join(PROJECT_ROOT, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
  for (const version of new Set(cases.map((c) => c.version))) {
    expect(new Set(cases.filter((c) => c.version === version).map((c) => c.configuration))).toEqual(
      new Set(['default', ...configurations]),
    );
  }
});

/** What the plan does to each resource that is not left as it is. */
function actions(plan: SavedPlan): Record<string, string> {
  return Object.fromEntries(
    plan.changes.filter((c) => c.actions.join() !== 'no-op').map((c) => [c.address, c.actions.join()]),
  );
}

describe.each(cases)('$stack as $version made it ($configuration)', ({ version, configuration, stack }) => {
  test('this version plans no deletion or replacement, and CloudFormation would refuse nothing', () => {
    const recorded = JSON.parse(readFileSync(join(RELEASES, version, configuration, `${stack}.tf.json`), 'utf8')) as {
      variable?: Record<string, unknown>;
    };
    const current = JSON.parse(
      readFileSync(join(sharedOutdir(sharedSynthesisDir(), configuration), 'stacks', stack, 'cdk.tf.json'), 'utf8'),
    );
    // Outputs are left out: the offline provider gives a CloudFormation stack no outputs to read, and outputs hold no role.
    const folder = (name: string, json: Record<string, unknown>) => {
      const dir = join(work, `${version}-${stack}-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ ...json, output: undefined }));
      return dir;
    };
    const workspace = terraform.workspace(
      folder('recorded', recorded),
      recorded.variable?.external_id ? { external_id: EXTERNAL_ID } : {},
    );
    workspace.apply();
    workspace.reconfigure(folder('current', current));
    const plan = workspace.plan();
    const planned = actions(plan);
    const removed = Object.entries(planned).filter(
      ([address, action]) => action.includes('delete') && KEPT.test(address.split('.')[0]),
    );
    expect(removed).toEqual([]);
    for (const change of plan.changes.filter(
      (c) => /^aws_cloudformation_stack(_set)?\./.test(c.address) && c.before && c.after,
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
});
