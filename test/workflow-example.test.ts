import { spawnSync } from 'child_process';
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseDeployerPolicyArgs } from '../src/tools/deployer/cli';
import { parseReviewArgs } from '../src/tools/review/cli';
import { runRegister } from '../src/tools/register/cli';
import { projectScratch, releaseScratch } from './support/scratch';

/*
 * The pull-request workflow example: valid for GitHub's workflow schema (action-validator, a development
 * tool only), safe for pull requests from forks, and running review commands that exist.
 */

const root = join(__dirname, '..');
const folder = join(root, 'examples', 'github-actions');
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const work = projectScratch('workflow');
afterAll(() => releaseScratch(work));

function validate(file: string): { status: number | null; output: string } {
  const run = spawnSync(join(root, 'node_modules', '.bin', 'action-validator'), [file], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('there are the review workflow, the comment workflow and the deploy-and-register workflow', () => {
  expect(files).toEqual([
    'qualys-connector-register.yml',
    'qualys-connector-review-comment.yml',
    'qualys-connector-review.yml',
  ]);
});

test('the register step runs options the command has, with credentials only from the environment', async () => {
  const text = readFileSync(join(folder, 'qualys-connector-register.yml'), 'utf8');
  const line = /npm run --silent register -- (.+)/.exec(text)?.[1] ?? '';
  expect(line).not.toBe('');
  const args = (line.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, ''));
  // The values are the workflow's expressions; the options are checked by the command's own parser.
  const result = await runRegister(
    args.map((a) => (a.includes('${{') ? 'EU2' : a.replace('$outputs', join(work, 'none.json')))),
    { QUALYS_USERNAME: 'u', QUALYS_PASSWORD: 'p' },
  );
  expect(result.stderr).not.toMatch(/is not an option|must be followed by a value/);
  expect(text).not.toMatch(/--password|--username|QUALYS_PASSWORD=/);
  expect(text).toContain('QUALYS_PASSWORD: ${{ secrets.QUALYS_PASSWORD }}');
});

test.each(files)('%s passes the workflow linter', (file) => {
  expect(validate(join(folder, file))).toEqual({ status: 0, output: '' });
});

/** actionlint 1.7.7 (a WebAssembly build from npm) on one file: expressions, contexts, action inputs, job wiring. */
function actionlint(file: string): { status: number | null; output: string } {
  const cli = join(root, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
  const run = spawnSync(process.execPath, [cli, file], { cwd: root, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test.each(files)('%s passes actionlint', (file) => {
  const result = actionlint(join(folder, file));
  expect(result.output).toContain('Checking 1 workflow file(s)');
  expect(result).toEqual({ status: 0, output: expect.stringContaining('All workflow files passed lint checks') });
});

test('actionlint bites: an unknown context and a missing job dependency are found', () => {
  const broken = join(work, 'broken-actionlint.yml');
  const text = readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8');
  writeFileSync(
    broken,
    text
      .replace('${{ github.base_ref }}', '${{ github.base_reff }}')
      .replace(/needs: \[?[a-z-]+\]?/, 'needs: no-such-job'),
  );
  const found = actionlint(broken);
  expect(found.status).not.toBe(0);
  expect(found.output).toContain('base_reff');
  expect(found.output).toContain('no-such-job');
});

test('the linter bites: a misspelt key fails', () => {
  const broken = join(work, 'broken.yml');
  writeFileSync(
    broken,
    readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8').replace('runs-on:', 'runs_on:'),
  );
  const result = validate(broken);
  expect(result.status).not.toBe(0);
  expect(result.output).toContain('runs_on');
});

const pullRequestFiles = files.filter((f) =>
  /^ {2}(pull_request|workflow_run):/m.test(readFileSync(join(folder, f), 'utf8')),
);

test('the deploy-and-register workflow runs only on main, uploads nothing and removes the outputs file', () => {
  const text = readFileSync(join(folder, 'qualys-connector-register.yml'), 'utf8');
  expect(text).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]\n/m);
  expect(text).not.toMatch(/pull_request|upload-artifact/);
  expect(text).toMatch(/^permissions:\n {2}contents: read\n\n/m);
  expect(text).toContain('outputs="$RUNNER_TEMP/qualys-outputs.json"');
  expect(text).toContain('rm -f "$outputs"');
});

test.each(pullRequestFiles)(
  '%s grants least permissions and never runs pull-request code with a write token',
  (file) => {
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
      // Two artifacts: the pull request's synthesized stacks (JSON only) and the review; the plan is written outside both and removed.
      expect(text.match(/upload-artifact/g)).toHaveLength(2);
      expect(text).toContain('path: ${{ runner.temp }}/review/\n');
      expect(text).toContain(
        '          path: |\n            cdktf.out/manifest.json\n            cdktf.out/stacks/*/cdk.tf.json\n',
      );
      expect(text).not.toMatch(/\/review\/[^\s"]*plan/);
      expect(planJob).toContain('rm -f "$RUNNER_TEMP/tfplan" "$RUNNER_TEMP/plan.json"');
    }
  },
);

/** The steps of one job of a workflow, as text. */
function job(text: string, name: string): string {
  const start = text.indexOf(`\n  ${name}:\n`);
  if (start < 0) throw new Error(`no job ${name}`);
  const next = text.slice(start + 1).search(/\n {2}[a-z-]+:\n/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

test("the judge is not the defendant: the gate runs the base branch's code and takes the pull request as data", () => {
  const text = readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8');
  const synthesize = job(text, 'synthesize');
  const review = job(text, 'review');
  // The pull request's code runs only in a job without the review: it synthesizes and uploads JSON.
  expect(synthesize).toContain('npm run --silent synth');
  expect(synthesize).not.toContain('npm run --silent review');
  // The review job checks out the base branch first, installs it, and never checks out the pull request.
  expect(review).toMatch(/needs: synthesize/);
  expect(review.match(/actions\/checkout@v4/g)).toHaveLength(1);
  expect(review).toMatch(/- uses: actions\/checkout@v4\n {8}with:\n {10}ref: \$\{\{ github\.base_ref \}\}\n/);
  expect(review.indexOf('ref: ${{ github.base_ref }}')).toBeLessThan(review.indexOf('npm ci'));
  expect(review).toContain('name: pull-request-synthesis');
  // One run gives the comment and the gate; the artifact is uploaded also when the gate fails.
  expect(review.match(/npm run --silent review/g)).toHaveLength(1);
  expect(review).toMatch(/- uses: actions\/upload-artifact@v4\n {8}if: \$\{\{ !cancelled\(\) \}\}/);
  // The plan report, too, is read by the base branch's review code.
  const plan = job(text, 'plan-review');
  expect(plan).toMatch(/ref: \$\{\{ github\.base_ref \}\}\n {10}path: judge/);
  expect(plan).toMatch(/cd judge\n {10}npm ci --no-audit --no-fund\n {10}npm run --silent review -- --plan/);
});

test('the review commands of the workflow are the gate and the plan report, as the command reads them', () => {
  const text = readFileSync(join(folder, 'qualys-connector-review.yml'), 'utf8');
  const all = [...text.matchAll(/npm run --silent review -- (.+?)(?: >|$)/gm)].map((m) => m[1]);
  expect(all).toEqual([
    '--base-config "$base_config" --synthesis "$RUNNER_TEMP/pull-request-synthesis" --fail-on-broadening',
    '--plan "$STACK=$RUNNER_TEMP/plan.json"',
  ]);
  expect(
    parseReviewArgs([
      '--base-config',
      '/runner/base-config.json',
      '--synthesis',
      '/runner/pull-request-synthesis',
      '--fail-on-broadening',
    ]),
  ).toMatchObject({
    baseConfig: '/runner/base-config.json',
    synthesis: '/runner/pull-request-synthesis',
    failOnBroadening: true,
  });
  expect(parseReviewArgs(['--plan', 'qualys-connector=/runner/plan.json']).plans).toEqual([
    { label: 'qualys-connector', file: '/runner/plan.json' },
  ]);
  // Running them against a base branch is in review-examples.test.ts (full tier): it needs a git repository.
  // The plan job's role is the plan-only deployer policy: a command that exists, for a plan that takes the lock it grants.
  const policyCommand = /`npm run --silent deployer-policy -- (.+?)`/.exec(text);
  expect(policyCommand?.[1]).toBe('--for plan');
  expect(parseDeployerPolicyArgs((policyCommand?.[1] ?? '').split(' '), {}).purpose).toBe('plan');
  expect(text).toMatch(/^ +terraform plan (?!.*-lock=false).*$/m);
});
