import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseConfig } from '../src/tools/app';
import { Review, reviewStacks } from '../src/tools/review/compare';
import { runReview } from '../src/tools/review/cli';
import { stackViewsFromConfig } from '../src/tools/review/readers/configuration';
import { StackView } from '../src/tools/review/views';
import { synthesizeInto } from './support/app-process';
import {
  MODULE_EXAMPLES,
  OU_A,
  OU_B,
  accountStack as account,
  equivalentConfig,
  moduleExampleFolders,
  moduleExampleTree,
  moduleExampleWorkspace,
  organizationStack as organization,
} from './support/module-examples';
import { projectScratch, releaseScratch } from './support/scratch';
import { OfflineTerraform, OfflineWorkspace, PROJECT_RESOURCE_TYPES, SavedPlan } from './terraform/harness';

/*
 * `--plan` on plans the real Terraform binary makes (offline provider) of the app's stacks and of the plain
 * Terraform examples calling the modules: a create and an update against the state of an earlier apply give the
 * same rows as the review of the equivalent configurations themselves. Replacements, which only the real provider
 * decides, are read from its plans in test/emulated.
 */

const work = projectScratch('review-plan');
const OU_C = 'ou-ab12-33333333';

let terraform: OfflineTerraform;
beforeAll(() => {
  // The modules read the partition from aws_partition; each test names the one its example runs in.
  terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, ['aws_partition']);
});
afterAll(() => {
  terraform?.dispose();
  releaseScratch(work);
});

let counter = 0;
/** Synthesizes one stack through the app; returns its folder and the review's view of the configuration. */
function synthesize(stack: { name: string; [key: string]: unknown }): { dir: string; views: StackView[] } {
  const name = `config-${++counter}`;
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({ stacks: [stack] }));
  synthesizeInto(join(work, name), file);
  return { dir: join(work, name, 'stacks', stack.name), views: stackViewsFromConfig(parseConfig({ stacks: [stack] })) };
}

async function reviewPlan(plan: SavedPlan, label: string): Promise<Review> {
  const file = join(work, `plan-${++counter}.json`);
  writeFileSync(file, JSON.stringify(plan.json));
  const run = await runReview(['--plan', `${label}=${file}`, '--format', 'json'], {});
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Review;
}

async function offlineReview(before: StackView[], after: StackView[]): Promise<Review> {
  return await reviewStacks(before, after);
}

/**
 * What both modes must agree on: every row and fact, without the summary's disruption note and without the
 * addresses a plan names its roles by (a configuration has none).
 */
function rows(review: Review): Pick<Review, 'roles' | 'reach' | 'broadening'> {
  return {
    roles: review.roles.map(({ address: _address, ...role }) => role),
    reach: review.reach,
    broadening: review.broadening,
  };
}

describe('an account stack', () => {
  let workspace: OfflineWorkspace;
  let cspm: { dir: string; views: StackView[] };

  test('a create plan gives the rows of a new configuration', async () => {
    cspm = synthesize(account());
    workspace = terraform.workspace(cspm.dir);
    const review = await reviewPlan(workspace.plan(), 'prod');
    expect(rows(review)).toEqual(rows(await offlineReview([], cspm.views)));
    expect(review.roles[0].permissionsAdded.length).toBeGreaterThan(50);
    expect(review.roles[0].unknown).toEqual([]);
    expect(review.disruptions).toEqual([]);
  });

  test('an update against the applied state gives the rows of the configuration change: remediation', async () => {
    workspace.apply();
    const remediation = synthesize(account({ capabilities: ['cspm', 'remediation'] }));
    workspace.reconfigure(remediation.dir);
    const review = await reviewPlan(workspace.plan(), 'prod');
    const expected = await offlineReview(cspm.views, remediation.views);
    expect(rows(review)).toEqual(rows(expected));
    expect(review.roles[0].permissionsAdded).toHaveLength(6);
    workspace.reconfigure(cspm.dir);
  });

  // Replacements are shown on the real provider's own plans (test/emulated: a new role name, a new path, a renamed
  // stack set), where the review's reader reports a disruption for each resource they delete or replace.
  test('unchanged: no change, and no disruption', async () => {
    const unchanged = await reviewPlan(workspace.plan(), 'prod');
    expect(unchanged.roles.map((r) => r.status)).toEqual(['unchanged']);
    expect(unchanged.disruptions).toEqual([]);
  });
});

describe('an organization stack', () => {
  test('the member role from the stack set template and the reach match the configuration, created and updated', async () => {
    const before = synthesize(organization());
    const workspace = terraform.workspace(before.dir);
    const created = await reviewPlan(workspace.plan(), 'org');
    expect(rows(created)).toEqual(rows(await offlineReview([], before.views)));
    expect(created.roles.map((r) => r.kind)).toEqual(['management role', 'member role']);
    for (const role of created.roles) {
      expect(role.permissionsAdded.length).toBeGreaterThan(50);
      expect(role.trust.principalsAdded).toEqual(['AWS arn:aws:iam::805950163170:root']);
      expect(role.trust.externalIdsAdded).toBe(1);
    }
    expect(created.reach[0].targetsAdded).toEqual([OU_A, OU_B]);
    workspace.apply();
    const after = synthesize(
      organization(
        { organizationalUnitIds: [OU_A, OU_B, OU_C], excludedAccountIds: ['333333333333'] },
        { capabilities: ['cspm', 'remediation'] },
      ),
    );
    workspace.reconfigure(after.dir);
    const updated = await reviewPlan(workspace.plan(), 'org');
    expect(rows(updated)).toEqual(rows(await offlineReview(before.views, after.views)));
    expect(updated.reach[0].targetsAdded).toEqual([OU_C]);
    expect(updated.reach[0].exclusionsAdded).toEqual(['333333333333']);
  });
});

describe('a target removed from an organization', () => {
  test.each([
    [true, 'stacks kept (retain_stack: the roles stay in the accounts)'],
    [false, 'its stacks and roles are deleted'],
  ])('with protectFromDestroy %s, the review says whether the member roles are kept', async (protect, text) => {
    const before = synthesize(organization({ protectFromDestroy: protect }));
    const workspace = terraform.workspace(before.dir);
    workspace.apply();
    workspace.reconfigure(synthesize(organization({ protectFromDestroy: protect, organizationalUnitIds: [OU_A] })).dir);
    const review = await reviewPlan(workspace.plan(), 'org');
    const address = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_22222222';
    expect(review.disruptions).toEqual([
      { stack: 'org', address, action: 'delete', ...(protect ? { stacksKept: true } : {}) },
    ]);
    const file = join(work, `plan-${++counter}.json`);
    writeFileSync(file, JSON.stringify(workspace.plan().json));
    const markdown = (await runReview(['--plan', `org=${file}`], {})).stdout;
    expect(markdown).toContain(`| org | \`${address}\` | **delete**${protect ? ', ' : ': '}${text} |`);
  });
});

describe('plan input is checked', () => {
  test('another plan format major is rejected with the option, the file and the rule, before any output', async () => {
    const { dir } = synthesize(account());
    const plan = terraform.workspace(dir).plan();
    const file = join(work, 'format-2.json');
    writeFileSync(file, JSON.stringify({ ...plan.json, format_version: '2.0' }));
    const run = await runReview(['--plan', file], {});
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`- --plan: must be plan JSON of format 1.x`);
    expect(run.stderr).toContain('format_version "2.0"');
  });

  test('a file that is not plan JSON is rejected', async () => {
    const file = join(work, 'not-a-plan.json');
    writeFileSync(file, JSON.stringify({ stacks: [] }));
    const run = await runReview(['--plan', file], {});
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--plan: must be `terraform show -json <saved plan>` output/);
  });
});

// The examples in examples/terraform and their equivalent configurations: test/support/module-examples.ts.
describe('configurations using the plain Terraform modules', () => {
  let tree: string;
  beforeAll(() => {
    tree = moduleExampleTree(terraform);
  });
  afterEach(() => {
    delete terraform.env.QUALYS_OFFLINE_PROVIDER_DATA;
  });

  /** The review's view of the equivalent app configuration, named like the plan's label. */
  function equivalentViews(name: string): StackView[] {
    const views = stackViewsFromConfig(equivalentConfig(name));
    if (name !== 'existing-role') return views;
    return views.map((v) => ({
      ...v,
      roles: v.roles.map((r) => ({
        ...r,
        documents: r.documents.filter((d) => !JSON.stringify(d).includes('"QualysAssetView')),
      })),
    }));
  }

  function workspaceOf(name: string): OfflineWorkspace {
    return moduleExampleWorkspace(terraform, tree, name);
  }

  test('every example has an equivalent configuration here', () => {
    expect(Object.keys(MODULE_EXAMPLES).sort()).toEqual(moduleExampleFolders());
  });

  test.each(Object.keys(MODULE_EXAMPLES))(
    '%s: a create plan gives the rows of the equivalent configuration',
    async (name) => {
      const review = await reviewPlan(workspaceOf(name).plan(), name);
      expect(rows(review)).toEqual(rows(await offlineReview([], equivalentViews(name))));
      expect(review.roles.every((r) => r.status === 'added' && r.permissionsAdded.length > 0)).toBe(true);
      // Everything the roles are made of is known in the plan: nothing is left to apply time.
      expect(review.roles.flatMap((r) => r.unknown)).toEqual([]);
      expect(review.disruptions).toEqual([]);
    },
  );

  test('assetview: an update against the applied state gives the rows of the configuration change', async () => {
    const workspace = workspaceOf('assetview');
    workspace.apply();
    const main = join(workspace.dir, 'main.tf');
    const original = readFileSync(main, 'utf8');
    const changed = original.replace(
      'external_id = var.external_id\n',
      'external_id = var.external_id\n  capabilities = ["cspm", "remediation"]\n',
    );
    expect(changed).not.toBe(original);
    writeFileSync(main, changed);
    const updated = await reviewPlan(workspace.plan(), 'assetview');
    const after = stackViewsFromConfig(
      parseConfig({ stacks: [{ ...account({ capabilities: ['cspm', 'remediation'] }), name: 'assetview' }] }),
    );
    expect(rows(updated)).toEqual(rows(await offlineReview(equivalentViews('assetview'), after)));
    expect(updated.roles.map((r) => r.status)).toEqual(['changed']);
    expect(updated.disruptions).toEqual([]);
  });
});

/*
 * Routes of permission, identity and place, tried in real plans: the app's stack edited as a pull request's
 * code could write it, planned by Terraform (offline provider) from nothing and against applied state.
 */
describe('what a plan must not hide', () => {
  let offline: OfflineTerraform;
  let base: { dir: string; views: StackView[] };
  const extraTypes = ['aws_iam_role_policy', 'aws_iam_policy_attachment', 'aws_iam_role_policies_exclusive'];
  beforeAll(() => {
    offline = new OfflineTerraform([...PROJECT_RESOURCE_TYPES, ...extraTypes], ['aws_iam_policy']);
    base = synthesize({ ...account(), name: 'edited', provider: { accountId: '111111111111' } });
  });
  afterAll(() => offline?.dispose());

  type Stack = {
    resource: Record<string, Record<string, Record<string, unknown>>>;
    provider: { aws: Record<string, unknown>[] };
    data?: Record<string, unknown>;
  };
  /** The base stack, edited, written as a synthesis folder. */
  function edited(edit: (stack: Stack) => void): string {
    const stack = JSON.parse(readFileSync(join(base.dir, 'cdk.tf.json'), 'utf8')) as Stack;
    edit(stack);
    const dir = join(work, `edited-${++counter}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(stack));
    return dir;
  }
  const admin = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

  async function gate(plan: SavedPlan): Promise<{ exitCode: number; review: Review; stderr: string }> {
    const file = join(work, `plan-${++counter}.json`);
    writeFileSync(file, JSON.stringify(plan.json));
    const run = await runReview(['--plan', `edited=${file}`, '--format', 'json', '--fail-on-broadening'], {});
    return { exitCode: run.exitCode, review: JSON.parse(run.stdout) as Review, stderr: run.stderr };
  }

  test('a create plan: a role policy naming the role by its id (known only after apply) is linked by reference', async () => {
    const dir = edited(
      (s) =>
        (s.resource.aws_iam_role_policy = { extra: { name: 'extra', role: '${aws_iam_role.this.id}', policy: admin } }),
    );
    const result = await gate(offline.workspace(dir).plan());
    expect(result.exitCode).toBe(1);
    expect(result.review.roles[0].permissionsAdded).toContainEqual(
      expect.objectContaining({ action: '*', resource: '*' }),
    );
    expect(result.review.roles[0].secrets).toEqual(['*']);
  });

  describe('against the applied state', () => {
    let workspace: OfflineWorkspace;
    beforeAll(() => {
      workspace = offline.workspace(base.dir);
      workspace.apply();
      // The offline provider leaves the ARN empty; AWS's names the account the role is in.
      const statePath = join(workspace.dir, 'terraform.tfstate');
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
        resources: { type: string; instances: { attributes: Record<string, unknown> }[] }[];
      };
      for (const resource of state.resources.filter((r) => r.type === 'aws_iam_role'))
        resource.instances[0].attributes.arn = 'arn:aws:iam::111111111111:role/QualysCVRole';
      writeFileSync(statePath, JSON.stringify(state));
    });
    afterEach(() => workspace.reconfigure(base.dir));

    test('unchanged: no change, and the gate passes', async () => {
      const result = await gate(workspace.plan());
      expect([result.exitCode, result.stderr]).toEqual([0, '']);
    });

    test.each([
      [
        'a role policy by id',
        (s: Stack) =>
          (s.resource.aws_iam_role_policy = {
            extra: { name: 'extra', role: '${aws_iam_role.this.id}', policy: admin },
          }),
        /edited: role QualysCVRole: 1 grant added/,
      ],
      [
        'managed_policy_arns on the role',
        (s: Stack) =>
          (s.resource.aws_iam_role.this.managed_policy_arns = ['arn:aws:iam::aws:policy/AdministratorAccess']),
        /read secrets or return credentials: \*/,
      ],
      [
        'inline_policy on the role',
        (s: Stack) => (s.resource.aws_iam_role.this.inline_policy = [{ name: 'extra', policy: admin }]),
        /1 grant added/,
      ],
      [
        'aws_iam_policy_attachment',
        (s: Stack) =>
          (s.resource.aws_iam_policy_attachment = {
            extra: {
              name: 'extra',
              roles: ['${aws_iam_role.this.name}'],
              policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
            },
          }),
        /grants? added/,
      ],
      [
        'an attachment whose ARN is known only after apply',
        (s: Stack) => {
          s.data = { aws_iam_policy: { other: { name: 'Other' } } };
          s.resource.aws_iam_role_policy_attachment.extra = {
            role: '${aws_iam_role.this.name}',
            policy_arn: '${data.aws_iam_policy.other.arn}',
          };
        },
        /not known before apply.*the policy aws_iam_role_policy_attachment\.extra attaches is known only after apply/,
      ],
      [
        'the role renamed',
        (s: Stack) => (s.resource.aws_iam_role.this.name = 'Renamed'),
        /the role's ARN changes from arn:aws:iam::\(account\):role\/QualysCVRole to arn:aws:iam::\(account\):role\/Renamed/,
      ],
      [
        'the provider moved to another account',
        (s: Stack) => (s.provider.aws[0].allowed_account_ids = ['999999999999']),
        /deployed to account 999999999999 instead of account 111111111111/,
      ],
    ])('%s: the gate holds', async (_what, edit, reason) => {
      workspace.reconfigure(edited(edit));
      const result = await gate(workspace.plan());
      expect(result.exitCode).toBe(1);
      expect(result.review.broadening).toContainEqual(expect.stringMatching(reason));
      expect(result.stderr).toMatch(reason);
    });
  });

  test('a plan with no role is bad input (exit 2), never "no change"', async () => {
    const dir = edited((s) => {
      const kept = s as unknown as Record<string, unknown>;
      for (const key of Object.keys(kept)) if (!['terraform', 'provider', 'resource'].includes(key)) delete kept[key];
      s.resource = { aws_iam_policy: s.resource.aws_iam_policy };
    });
    const file = join(work, `plan-${++counter}.json`);
    writeFileSync(file, JSON.stringify(offline.workspace(dir).plan().json));
    const run = await runReview(['--plan', file, '--fail-on-broadening'], {});
    expect([run.exitCode, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toMatch(/--plan: holds no IAM role on either side/);
  });
});
