import { ACCOUNT_BASE, ACCOUNT_CHANGES, StackJson } from '../../scripts/next-change';
import { scaledSeconds } from '../support/deadline';
import { parseConfig, planConfiguration } from '../../src/config/load';
import { CONNECTOR_FIELDS } from '../../src/plan/checks';
import { projectScratch, releaseScratch } from '../support/scratch';
import { SavedPlan } from '../terraform/harness';
import { EmulatedAws, Partition } from './emulator';
import { expectedRole, readRole } from './readback';
import { Scenario } from './scenario';
import { synthesizeForProvider5 } from './synthesis';
import { expectedDisruptions, reviewDisruptions, verdictsIn } from './verdicts';

/*
 * The next-change matrix of an account stack, with the real provider's verdicts: the base stack is applied once per
 * row (each row a module in its own emulated account), then every row's change is synthesized and all are planned
 * together against that state. Each row must plan exactly what scripts/next-change.ts says, which is also what
 * docs/configuration.md's change table shows. Full tier.
 */

let aws: EmulatedAws;
let plan: SavedPlan;
let planAfterApply: SavedPlan;
let work: string;
const changedStacks: StackJson[] = [];
const rowName = (i: number) => `row_${String(i).padStart(2, '0')}`;
const rowAccount = (i: number) => String(800000000001 + i);

beforeAll(
  async () => {
    aws = await EmulatedAws.start();
    work = projectScratch('emulated-next-change');
    const scenario = new Scenario(aws);
    const base = await synthesizeForProvider5({ stacks: [ACCOUNT_BASE] }, `${work}/base`);
    ACCOUNT_CHANGES.forEach((_, i) =>
      scenario.addStack(rowName(i), base[String(ACCOUNT_BASE.name)], { account: rowAccount(i) }),
    );
    const workspace = await scenario.init();
    await workspace.apply(['-parallelism=30']);
    for (const [i, row] of ACCOUNT_CHANGES.entries()) {
      const stack = structuredClone(ACCOUNT_BASE) as StackJson;
      row.edit(stack);
      changedStacks.push(stack);
      const next = await synthesizeForProvider5({ stacks: [stack] }, `${work}/${rowName(i)}`);
      scenario.replaceStack(rowName(i), next[String(stack.name)]);
    }
    plan = await workspace.plan(['-parallelism=30']);
    // One apply ahead: the change applied as planned, then nothing left to do.
    await workspace.run(['apply', '-input=false', '-parallelism=30', 'tfplan']).then((r) => {
      if (r.status !== 0) throw new Error(`applying the changes failed: ${r.stderr}`);
    });
    planAfterApply = await workspace.plan(['-parallelism=30']);
  },
  scaledSeconds(900) * 1000,
);

afterAll(async () => {
  await aws?.stop();
  if (work) releaseScratch(work);
});

test('the matrix has a row for every connector setting', () => {
  const settings = new Set(ACCOUNT_CHANGES.map((r) => r.setting));
  for (const field of CONNECTOR_FIELDS) expect([field, settings.has(`connector.${field}`)]).toEqual([field, true]);
});

describe.each(ACCOUNT_CHANGES.map((row, i) => ({ ...row, index: i, module: rowName(i) })))(
  '$setting: $change',
  ({ module, planned, index }) => {
    test('the real provider plans exactly the documented verdicts', () => {
      expect(verdictsIn(plan, module)).toEqual(planned);
    });

    test("the review's plan reader reports a disruption for each resource the plan deletes or replaces", () => {
      expect(reviewDisruptions(plan, module)).toEqual(expectedDisruptions(planned, module));
    });

    test('once applied, the role is what the changed configuration plans, and nothing is left to do', async () => {
      expect(verdictsIn(planAfterApply, module)).toEqual({});
      const stack = changedStacks[index];
      const [rolePlan] = planConfiguration(parseConfig({ stacks: [stack] }));
      if (rolePlan.kind !== 'account') throw new Error('expected an account plan');
      const account = rolePlan.stack.provider.assumeRoleArn?.split(':')[4] ?? rowAccount(index);
      const ids = rolePlan.role.externalId.values as string[];
      const partition = rolePlan.role.partition as Partition;
      expect(await readRole(aws, account, rolePlan.role.roleName, partition)).toEqual(
        expectedRole(rolePlan.role, { account, externalIds: ids }),
      );
      const [before] = planConfiguration(parseConfig({ stacks: [ACCOUNT_BASE] }));
      if (before.kind !== 'account') throw new Error('expected an account plan');
      if (account !== rowAccount(index) || partition !== before.role.partition) {
        // Another account or partition: the first keeps its role, unmanaged.
        expect(await readRole(aws, rowAccount(index), before.role.roleName)).toEqual(
          expectedRole(before.role, { account: rowAccount(index), externalIds: before.role.externalId.values ?? [] }),
        );
      }
    });
  },
);
