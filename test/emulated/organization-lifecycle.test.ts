import { CloudFormationClient, ListStackInstancesCommand } from '@aws-sdk/client-cloudformation';
import { scaledSeconds } from '../support/deadline';
import {
  MemberEffect,
  ORGANIZATION_BASE,
  ORGANIZATION_SEQUENCES,
  OrganizationSequence,
  OrganizationStep,
  StackJson,
} from '../../scripts/next-change';
import { parseConfig, planConfiguration } from '../../src/config/load';
import { OrganizationPlan } from '../../src/plan/stack';
import { readFileSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from '../support/app-process';
import { projectScratch, releaseScratch } from '../support/scratch';
import { SavedPlan } from '../terraform/harness';
import { EmulatedAws } from './emulator';
import { ExampleOrganization, exampleOrganization } from './example-organizations';
import { expectedDisruptions, reviewDisruptions, verdictsIn } from './verdicts';
import { RoleState, expectedRole, readRole } from './readback';
import { RealWorkspace } from './real-terraform';
import { Scenario } from './scenario';
import { synthesizeForProvider5 } from './synthesis';

/*
 * The organization lifecycle in emulated organizations, with the real provider: every change of docs/organizations.md's
 * table (scripts/next-change.ts) planned, applied and observed in the member accounts. Each sequence of changes has
 * its own organization (an OU with an OU two levels below it, a second and a third OU, an excluded account, a
 * delegated administrator) and is a module of one root, so the sequences advance together, one step each per round.
 * After every applied step, each account holds exactly the role the step's configuration plans (or, for protected
 * removals, the role it kept), the stack set's instances are exactly the accounts it reaches in its one region, and
 * the member roles changed exactly as the row says. Full tier.
 */

interface Track {
  readonly sequence: OrganizationSequence;
  readonly module: string;
  readonly org: ExampleOrganization;
  stack: StackJson;
  /** The synthesis of `stack`, to put back after a step that is only planned or refused. */
  stackDir: string;
  /** Every role name the sequence has used, so that a renamed role's old name is checked too. */
  readonly roleNames: Set<string>;
  /** Account (member or management) and role name to what IAM holds. */
  observed: Map<string, RoleState | undefined>;
  /** Accounts that left the targets under protection, with the role they keep. */
  readonly kept: Map<string, RoleState | undefined>;
  /** The stack and what IAM held before the step under way. */
  previous: StackJson;
  before: Map<string, RoleState | undefined>;
  /** The next step of the sequence. */
  cursor: number;
}

const ORGANIZATIONS_DOC = readFileSync(join(PROJECT_ROOT, 'docs', 'organizations.md'), 'utf8');
const results: { sequence: string; step: OrganizationStep; found: unknown }[] = [];
let aws: EmulatedAws;
let work: string;
let scenario: Scenario;
let workspace: RealWorkspace;
const tracks: Track[] = [];

const key = (account: string, roleName: string) => `${account}/${roleName}`;
const planOf = (stack: StackJson): OrganizationPlan => {
  const [plan] = planConfiguration(parseConfig({ stacks: [stack] }));
  if (plan.kind !== 'organization') throw new Error('expected an organization plan');
  return plan;
};
const externalIds = (plan: OrganizationPlan) => plan.member.externalId.values as string[];

/** What each account of the track's organization must hold now. */
function expectedState(track: Track): Map<string, RoleState | undefined> {
  const plan = planOf(track.stack);
  const { inside } = track.org.reach(plan.targets, plan.excludedAccountIds);
  const expected = new Map<string, RoleState | undefined>();
  const management = track.org.managementAccountId;
  for (const name of track.roleNames) {
    for (const account of [management, ...Object.values(track.org.accounts)]) {
      let role: RoleState | undefined;
      if (account === management && name === plan.management.roleName)
        role = expectedRole(plan.management, { account, externalIds: externalIds(plan) });
      else if (inside.includes(account) && name === plan.member.roleName)
        role = expectedRole(plan.member, { account, externalIds: externalIds(plan), templateNames: true });
      else if (track.kept.has(key(account, name))) role = track.kept.get(key(account, name));
      expected.set(key(account, name), role);
    }
  }
  return expected;
}

async function observe(track: Track): Promise<Map<string, RoleState | undefined>> {
  const accounts = [track.org.managementAccountId, ...Object.values(track.org.accounts)];
  const keys = [...track.roleNames].flatMap((name) => accounts.map((account) => ({ account, name })));
  const roles = await Promise.all(keys.map(({ account, name }) => readRole(aws, account, name)));
  return new Map(keys.map(({ account, name }, i) => [key(account, name), roles[i]]));
}

/**
 * How the member roles changed between two observations, by account name (the management account left out): an
 * account that left the targets and still holds its role unchanged kept it.
 */
function memberEffect(
  track: Track,
  before: Map<string, unknown>,
  after: Map<string, unknown>,
  left: readonly string[],
): MemberEffect {
  const names = Object.fromEntries(Object.entries(track.org.accounts).map(([name, id]) => [id, name]));
  const effect: Record<string, Set<string>> = {
    created: new Set(),
    deleted: new Set(),
    updated: new Set(),
    kept: new Set(),
  };
  for (const [k, now] of after) {
    const [account] = k.split('/');
    const name = names[account];
    if (!name) continue;
    const then = before.get(k);
    if (then === undefined && now !== undefined) effect.created.add(name);
    else if (then !== undefined && now === undefined) effect.deleted.add(name);
    else if (JSON.stringify(then) !== JSON.stringify(now)) effect.updated.add(name);
    else if (now !== undefined && left.includes(account)) effect.kept.add(name);
  }
  return Object.fromEntries(
    Object.entries(effect)
      .filter(([, accounts]) => accounts.size > 0)
      .map(([kind, accounts]) => [kind, [...accounts].sort()]),
  );
}

/** The stack set's instances as CloudFormation lists them: the accounts and regions it deployed to. */
async function instancesOf(track: Track): Promise<{ accounts: string[]; regions: string[] }> {
  const plan = planOf(track.stack);
  const cf = aws.client(CloudFormationClient, track.org.managementAccountId);
  const summaries =
    (await cf.send(new ListStackInstancesCommand({ StackSetName: plan.stackSet.name }))).Summaries ?? [];
  return {
    accounts: [...new Set(summaries.map((s) => s.Account as string))].sort(),
    regions: [...new Set(summaries.map((s) => s.Region as string))].sort(),
  };
}

async function synthesize(track: Track, stack: StackJson, label: string): Promise<string> {
  const dirs = await synthesizeForProvider5({ stacks: [stack] }, `${work}/${track.module}-${label}`);
  return dirs[String(stack.name)];
}

/** The instances a step destroys first reach these accounts: after that step 1, none of them holds the role. */
function destroyedReach(track: Track, addresses: readonly string[]): string[] {
  const plan = planOf(track.stack);
  const targets = plan.targets.filter((t) => addresses.some((a) => a.endsWith(`member_roles_${t.replace(/-/g, '_')}`)));
  return track.org.reach(targets, plan.excludedAccountIds).inside;
}

const showsOnly = (step: OrganizationStep) => 'refused' in step.planned || step.planOnly === true;

/**
 * The steps of a track for one round: the steps that are only planned or refused (they leave the state as it is),
 * then the next applied step, each with its synthesized stack.
 */
async function roundOf(
  track: Track,
  round: number,
): Promise<{ step: OrganizationStep; stack: StackJson; dir: string }[]> {
  const steps: OrganizationStep[] = [];
  while (track.cursor < track.sequence.steps.length) {
    const step = track.sequence.steps[track.cursor++];
    steps.push(step);
    if (!showsOnly(step)) break;
  }
  return Promise.all(
    steps.map(async (step, i) => {
      const stack = structuredClone(track.stack);
      step.edit(stack);
      return { step, stack, dir: await synthesize(track, stack, `round${round}-${i}`) };
    }),
  );
}

/**
 * A step's plan: its verdicts, and the review's disruptions beside the ones the verdicts make (an instance destroyed
 * while protection was on in the state keeps its stacks).
 */
function recordPlan(track: Track, step: OrganizationStep, plan: SavedPlan, stateStack: StackJson): void {
  const verdicts = verdictsIn(plan, track.module);
  results.push({ sequence: track.sequence.name, step, found: verdicts });
  const kept = planOf(stateStack).stackSet.protect
    ? Object.keys(verdicts).filter((a) => a.startsWith('aws_cloudformation_stack_set_instance.'))
    : [];
  results.push({
    sequence: track.sequence.name,
    step,
    found: {
      disruptions: reviewDisruptions(plan, track.module),
      expected: expectedDisruptions(verdicts, track.module, kept),
    },
  });
}

/** A step that only shows a plan: planned for its module alone, recorded, and its stack put back. */
async function showStep(track: Track, step: OrganizationStep, dir: string): Promise<void> {
  scenario.replaceStack(track.module, dir, track.org.substitutions);
  const target = `-target=module.${track.module}`;
  if ('refused' in step.planned)
    results.push({ sequence: track.sequence.name, step, found: await workspace.refusedPlan([target]) });
  else recordPlan(track, step, await workspace.plan([target]), track.stack);
  scenario.replaceStack(track.module, track.stackDir, track.org.substitutions);
}

/**
 * An applied step up to its plan: its stack in place, and the commands the docs give before the plan (a destroy of
 * the old targets, a taint). Returns whether it joins the round's shared plan, or was planned and applied alone.
 */
async function startStep(
  track: Track,
  step: OrganizationStep,
  stack: StackJson,
  dir: string,
): Promise<'shared' | 'done'> {
  track.previous = track.stack;
  track.before = track.observed;
  track.stack = stack;
  track.stackDir = dir;
  track.roleNames.add(planOf(stack).member.roleName);
  scenario.replaceStack(track.module, dir, track.org.substitutions);
  if (step.destroyFirst) {
    const destroyed = await workspace.run([
      'destroy',
      '-auto-approve',
      '-input=false',
      ...step.destroyFirst.map((a) => `-target=module.${track.module}.${a}`),
    ]);
    if (destroyed.status !== 0) throw new Error(`step 1 of ${step.change} failed: ${destroyed.stderr}`);
    const state = await observe(track);
    const name = planOf(stack).member.roleName;
    const left = destroyedReach(track, step.destroyFirst).filter((a) => state.get(key(a, name)));
    results.push({ sequence: track.sequence.name, step, found: { rolesLeftAfterStep1: left } });
  }
  if (step.taint) {
    const tainted = await workspace.run(['taint', `module.${track.module}.${step.taint}`]);
    if (tainted.status !== 0) throw new Error(`taint failed: ${tainted.stderr}`);
  }
  if (step.untaint) {
    const command = /^terraform untaint '([^']+)'$/m.exec(ORGANIZATIONS_DOC)?.[1];
    if (command !== step.taint)
      throw new Error(`docs/organizations.md's untaint command names ${command}, not ${step.taint}`);
    const untainted = await workspace.run(['untaint', `module.${track.module}.${command}`]);
    if (untainted.status !== 0) throw new Error(`untaint failed: ${untainted.stderr}`);
  }
  if (!step.planOptions) return 'shared';
  const plan = await workspace.plan([`-target=module.${track.module}`, ...step.planOptions]);
  recordPlan(track, step, plan, track.previous);
  const applied = await workspace.run(['apply', '-input=false', 'tfplan']);
  if (applied.status !== 0) throw new Error(`applying ${step.change} failed: ${applied.stderr}`);
  return 'done';
}

/**
 * After an applied step: the track's accounts and instances are what its configuration says. Accounts the step took
 * out of the targets while protection was on (retain_stack in the state before the apply) keep the role they had.
 */
async function checkApplied(
  track: Track,
  step: OrganizationStep,
  previous: StackJson,
  before: Map<string, RoleState | undefined>,
): Promise<void> {
  const plan = planOf(track.stack);
  const earlier = planOf(previous);
  const { inside } = track.org.reach(plan.targets, plan.excludedAccountIds);
  const left = track.org.reach(earlier.targets, earlier.excludedAccountIds).inside.filter((a) => !inside.includes(a));
  if (earlier.stackSet.protect)
    for (const account of left)
      for (const roleName of track.roleNames)
        track.kept.set(key(account, roleName), before.get(key(account, roleName)));
  const after = await observe(track);
  track.observed = after;
  results.push({
    sequence: track.sequence.name,
    step,
    found: {
      roles: Object.fromEntries(after),
      instances: await instancesOf(track),
      members: memberEffect(track, before, after, left),
      expected: {
        roles: Object.fromEntries(expectedState(track)),
        // An excluded account keeps its stack instance (a stack of only the placeholder resource).
        instances: { accounts: [...track.org.reach(plan.targets, []).inside].sort(), regions: [plan.stackSet.region] },
      },
    },
  });
}

beforeAll(
  async () => {
    aws = await EmulatedAws.start();
    work = projectScratch('emulated-lifecycle');
    scenario = new Scenario(aws);
    let next = 910000000001;
    for (const sequence of ORGANIZATION_SEQUENCES) {
      const org = await exampleOrganization(aws, String(next++));
      const module = `org_${sequence.name}`;
      const stack = structuredClone(ORGANIZATION_BASE);
      const track: Track = {
        sequence,
        module,
        org,
        stack,
        stackDir: '',
        roleNames: new Set([planOf(stack).member.roleName]),
        observed: new Map(),
        kept: new Map(),
        previous: stack,
        before: new Map(),
        cursor: 0,
      };
      track.stackDir = await synthesize(track, stack, 'base');
      scenario.addStack(module, track.stackDir, { account: org.managementAccountId, substitutions: org.substitutions });
      tracks.push(track);
    }
    const clock = Date.now();
    const lap = (what: string) =>
      process.env.QUALYS_EMULATED_TIMING &&
      process.stderr.write(`${what}: ${((Date.now() - clock) / 1000).toFixed(1)} s\n`);
    workspace = await scenario.init();
    lap('init');
    await workspace.apply(['-parallelism=30']);
    lap('first apply');
    for (const track of tracks) track.observed = await observe(track);

    for (let round = 1; tracks.some((t) => t.cursor < t.sequence.steps.length); round++) {
      const planned = await Promise.all(tracks.map((track) => roundOf(track, round)));
      const shared: { track: Track; step: OrganizationStep }[] = [];
      const applied: { track: Track; step: OrganizationStep }[] = [];
      for (const [i, track] of tracks.entries()) {
        for (const { step, stack, dir } of planned[i]) {
          if (showsOnly(step)) await showStep(track, step, dir);
          else {
            applied.push({ track, step });
            if ((await startStep(track, step, stack, dir)) === 'shared') shared.push({ track, step });
          }
        }
      }
      lap(`round ${round} prepared`);
      if (shared.length > 0) {
        const plan = await workspace.plan(['-parallelism=30']);
        lap(`round ${round} planned`);
        for (const { track, step } of shared) recordPlan(track, step, plan, track.previous);
        const done = await workspace.run(['apply', '-input=false', '-parallelism=30', 'tfplan']);
        if (done.status !== 0) throw new Error(`round ${round} failed to apply: ${done.stderr}`);
        lap(`round ${round} applied`);
      }
      await Promise.all(applied.map(({ track, step }) => checkApplied(track, step, track.previous, track.before)));
    }
    const last = await workspace.plan(['-parallelism=30']);
    results.push({ sequence: 'all', step: ORGANIZATION_SEQUENCES[0].steps[0], found: { leftToDo: last.byAction } });
  },
  scaledSeconds(1800) * 1000,
);

afterAll(async () => {
  await aws?.stop();
  if (work) releaseScratch(work);
});

const stepsOf = (sequence: OrganizationSequence) =>
  sequence.steps.map((step, i) => ({ step, label: `${i + 1}. ${step.setting}: ${step.change}` }));

describe.each(ORGANIZATION_SEQUENCES.map((s) => ({ name: s.name, sequence: s })))('sequence $name', ({ sequence }) => {
  test.each(stepsOf(sequence))('$label', ({ step }) => {
    const found = results.filter((r) => r.sequence === sequence.name && r.step === step).map((r) => r.found);
    if ('refused' in step.planned) {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(step.planned.refused);
      return;
    }
    if (step.destroyFirst) expect(found.shift()).toEqual({ rolesLeftAfterStep1: [] });
    const [verdicts, disruptions, applied] = found as [
      unknown,
      { disruptions: unknown; expected: unknown },
      (
        | { roles: unknown; instances: unknown; members: unknown; expected: { roles: unknown; instances: unknown } }
        | undefined
      ),
    ];
    expect(verdicts).toEqual(step.planned);
    // The review's plan reader sees each deletion and replacement, and whether the stacks are kept.
    expect(disruptions.disruptions).toEqual(disruptions.expected);
    if (step.planOnly) return;
    expect(applied?.roles).toEqual(applied?.expected.roles);
    expect(applied?.instances).toEqual(applied?.expected.instances);
    expect(applied?.members).toEqual(
      Object.fromEntries(Object.entries(step.members).map(([k, v]) => [k, [...(v as string[])].sort()])),
    );
  });
});

test('after every sequence, the next plan changes nothing', () => {
  expect(results.find((r) => r.sequence === 'all')?.found).toEqual({ leftToDo: {} });
});

describe("the docs' two-step commands, against the applied state", () => {
  const track = () => tracks.find((t) => t.sequence.name === 'operations') as Track;
  const module = () => `module.${track().module}`;

  test('destroying the stack set takes its instances along, and only them', async () => {
    expect(ORGANIZATIONS_DOC).toContain(
      '`terraform destroy -target=aws_cloudformation_stack_set.member_roles` (its instances go with it)',
    );
    const plan = await workspace.plan(['-destroy', `-target=${module()}.aws_cloudformation_stack_set.member_roles`]);
    expect(plan.byAction).toEqual({
      delete: [
        'aws_cloudformation_stack_set.member_roles',
        'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_11111111',
        'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_22222222',
      ].map((a) => `${module()}.${a}`),
    });
  });

  test("the management role's resources, as `terraform state list` finds them, are every IAM resource and nothing else", async () => {
    expect(ORGANIZATIONS_DOC).toContain(
      "`terraform destroy $(terraform state list \\| grep '^aws_iam_' \\| sed 's/^/-target=/')`",
    );
    const listed = (await workspace.run(['state', 'list'])).stdout
      .split('\n')
      .filter((a) => a.startsWith(`${module()}.aws_iam_`));
    const plan = await workspace.plan(['-destroy', ...listed.map((a) => `-target=${a}`)]);
    expect(Object.keys(plan.byAction)).toEqual(['delete']);
    expect(plan.byAction.delete.map((a) => a.split('.')[2]).sort()).toEqual([
      'aws_iam_policy',
      'aws_iam_policy',
      'aws_iam_policy',
      'aws_iam_role',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachments_exclusive',
    ]);
  });
});
