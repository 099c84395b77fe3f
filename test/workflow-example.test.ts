import { spawnSync } from 'child_process';
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseDeployerPolicyArgs } from '../src/deployer/cli';
import { parseReviewArgs } from '../src/review/cli';
import { projectScratch, releaseScratch } from './support/scratch';

/*
 * The pull-request workflow example: valid for GitHub's workflow schema (action-validator, a development
 * tool only), safe for pull requests from forks, and running review commands that exist.
 */

const root = join(__dirname, '..');
const folder = join(root, 'examples', 'github-actions');
const files = readdirSync(folder).filter((f) => f.endsWith('.yml')).sort();
const work = projectScratch('workflow');
afterAll(() => releaseScratch(work));

function validate(file: string): { status: number | null; output: string } {
  const run = spawnSync(join(root, 'node_modules', '.bin', 'action-validator'), [file], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('there are the review workflow and the comment workflow', () => {
  expect(files).toEqual(['qualys-connector-review-comment.yml', 'qualys-connector-review.yml']);
});

test.each(files)('%s passes the workflow linter', (file) => {
  expect(validate(join(folder, file))).toEqual({ status: 0, output: '' });
});

test('the linter bites: a misspelt key fails', () => {
  const broken = join(work, 'broken.yml');
  writeFileSync(broken, readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8').replace('runs-on:', 'runs_on:'));
  const result = validate(broken);
  expect(result.status).not.toBe(0);
  expect(result.output).toContain('runs_on');
});

test.each(files)('%s grants least permissions and never runs pull-request code with a write token', (file) => {
  const text = readFileSync(join(folder, file), 'utf8');
  expect(text).not.toContain('pull_request_target');
  expect(text).toMatch(/^permissions:\n(  [a-z-]+: (read|write)\n)+/m);
  if (/pull-requests: write/.test(text)) {
    expect(text).toMatch(/^ {2}workflow_run:/m);
    expect(text).not.toContain('actions/checkout');
    expect(text).not.toMatch(/npm (ci|install|run)/);
  } else {
    // The only write: an OIDC token for the plan job, which never runs for a fork's pull request.
    expect(text.match(/^ +[a-z-]+: write$/gm)).toEqual(['      id-token: write']);
    const planJob = text.slice(text.indexOf('\n  plan-review:'));
    expect(planJob).toContain('id-token: write');
    expect(planJob).toMatch(/^ {4}if: .*github\.event\.pull_request\.head\.repo\.full_name == github\.repository$/m);
    expect(planJob).toContain('terraform_wrapper: false');
    // One artifact, the review folder; the plan is written outside it and removed.
    expect(text.match(/upload-artifact/g)).toHaveLength(1);
    expect(text).toContain('path: ${{ runner.temp }}/review/\n');
    expect(text).not.toMatch(/\/review\/[^\s"]*plan/);
    expect(planJob).toContain('rm -f "$RUNNER_TEMP/tfplan" "$RUNNER_TEMP/plan.json"');
  }
});

test('the review commands of the workflow are the review of the whole change, its gate and the plan review, as the command reads them', () => {
  const text = readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8');
  const all = [...text.matchAll(/npm run --silent review -- (.+?)(?: >|$)/gm)].map((m) => m[1]);
  const whole = '--base "origin/${BASE_REF}" --base-config "$RUNNER_TEMP/base-config.json" --config qualys-connector.json';
  expect(all).toEqual([whole, `${whole} --fail-on-broadening`, '--plan "$STACK=$RUNNER_TEMP/plan.json"']);
  // The base branch's code runs from a worktree of origin/<base branch>: the checkout needs the whole history.
  expect(text).toMatch(/actions\/checkout@v4\n {8}with:\n {10}# [^\n]*\n {10}fetch-depth: 0\n/);
  expect(parseReviewArgs(['--base', 'origin/main', '--base-config', '/runner/base-config.json', '--config', 'qualys-connector.json', '--fail-on-broadening'])).toMatchObject({
    base: 'origin/main',
    baseConfig: '/runner/base-config.json',
    failOnBroadening: true,
  });
  expect(parseReviewArgs(['--plan', 'qualys-connector=/runner/plan.json']).plans).toEqual([{ label: 'qualys-connector', file: '/runner/plan.json' }]);
  // Running them against a base branch is in review-examples.test.ts (full tier): it needs a git repository.
  // The plan job's role is the plan-only deployer policy: a command that exists, for a plan that takes the lock it grants.
  const policyCommand = /`npm run --silent deployer-policy -- (.+?)`/.exec(text);
  expect(policyCommand?.[1]).toBe('--for plan');
  expect(parseDeployerPolicyArgs((policyCommand?.[1] ?? '').split(' '), {}).purpose).toBe('plan');
  expect(text).toMatch(/^ +terraform plan (?!.*-lock=false).*$/m);
});
