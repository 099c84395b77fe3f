import { ciStateProblems, runsInCi } from '../src/plan/stack-facts';
import { parseConfig, planConfiguration } from '../src/config/load';
import { runAppWith } from './support/app-process';
import { projectScratch, releaseScratch } from './support/scratch';
import { existsSync, writeFileSync } from 'fs';
import { join } from 'path';

/*
 * A deploy from CI keeps its state where the next run finds it: with the local backend the runner's state file is
 * gone after the job, and the second deploy fails with "EntityAlreadyExists". The app refuses such a deploy
 * (QUALYS_CONNECTOR_DEPLOY=1, which `npm run deploy` sets) unless the configuration says the runner keeps its files.
 */

const stacksOf = (backend?: unknown) =>
  planConfiguration(
    parseConfig({
      stacks: [
        {
          kind: 'account',
          name: 'qualys-connector',
          ...(backend === undefined ? {} : { backend }),
          connector: { externalId: { variable: 'external_id' } },
        },
      ],
    }),
  ).map((plan) => plan.stack);

test.each([
  ['true', true],
  ['1', true],
  ['yes', true],
  ['false', false],
  ['0', false],
  ['', false],
  [undefined, false],
])('CI=%j is a CI job: %s', (value, expected) => {
  expect(runsInCi(value === undefined ? {} : { CI: value })).toBe(expected);
});

test('in CI, a local backend is refused with the stack, the setting and the fix; S3 and an allowed local backend pass', () => {
  const [problem] = ciStateProblems(stacksOf(), { CI: 'true' });
  expect(problem.field).toBe('stacks[0].backend');
  expect(problem.value).toBe('{"type":"local","path":"terraform.qualys-connector.tfstate"}');
  expect(problem.rule).toMatch(/EntityAlreadyExists/);
  expect(problem.rule).toMatch(/\{"type": "s3", "bucket": "\.\.\.", "key": "\.\.\.", "region": "\.\.\."\}/);
  expect(problem.rule).toMatch(/"allowInCi": true/);
  expect(ciStateProblems(stacksOf({ type: 'local', allowInCi: true }), { CI: 'true' })).toEqual([]);
  expect(
    ciStateProblems(stacksOf({ type: 's3', bucket: 'state-bucket', key: 'qualys.tfstate', region: 'eu-west-1' }), {
      CI: 'true',
    }),
  ).toEqual([]);
  expect(ciStateProblems(stacksOf(), {})).toEqual([]);
});

describe('the app, for a deploy', () => {
  const work = projectScratch('ci-state');
  afterAll(() => releaseScratch(work));
  const config = (backend?: unknown) => {
    const file = join(work, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        stacks: [
          {
            kind: 'account',
            name: 'qualys-connector',
            ...(backend === undefined ? {} : { backend }),
            connector: { externalId: { variable: 'external_id' } },
          },
        ],
      }),
    );
    return file;
  };
  const run = (file: string, env: Record<string, string>) => {
    const outdir = join(work, `out-${Math.random().toString(36).slice(2)}`);
    return { ...runAppWith(outdir, { args: ['--config', file], env }), outdir };
  };

  test('refuses a local backend in CI before writing anything', () => {
    const refused = run(config(), { CI: 'true', QUALYS_CONNECTOR_DEPLOY: '1' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Refused: this deploy would lose its state/);
    expect(refused.stderr).toContain('stacks[0].backend');
    expect(existsSync(join(refused.outdir, 'stacks'))).toBe(false);
  });

  test('synthesizes for a deploy with an allowed local backend, and anything outside CI or a deploy', () => {
    expect(run(config({ type: 'local', allowInCi: true }), { CI: 'true', QUALYS_CONNECTOR_DEPLOY: '1' }).status).toBe(
      0,
    );
    expect(run(config(), { CI: 'true' }).status).toBe(0);
    expect(run(config(), { CI: 'false', QUALYS_CONNECTOR_DEPLOY: '1' }).status).toBe(0);
  });
});
