import { spawnSync } from 'child_process';
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
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

test('there are the review (pull request), the judge and the deploy workflows', () => {
  expect(files).toEqual(['qualys-connector-deploy.yml', 'qualys-connector-judge.yml', 'qualys-connector-review.yml']);
});

test('the register step runs options the command has, with credentials only from the environment', async () => {
  const text = readFileSync(join(folder, 'qualys-connector-deploy.yml'), 'utf8');
  const line = /npm run --silent register -- (.+)/.exec(text)?.[1] ?? '';
  expect(line).not.toBe('');
  const args = (line.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, ''));
  const values: Record<string, string> = {
    $outputs: join(work, 'none.json'),
    $STACK: 'qualys-connector',
    $QUALYS_PLATFORM: 'EU2',
  };
  // The values are the workflow's variables; the options are checked by the command's own parser.
  const result = await runRegister(
    args.map((a) => values[a] ?? a),
    { QUALYS_USERNAME: 'u', QUALYS_PASSWORD: 'p' },
  );
  expect(result.stderr).not.toMatch(/is not an option|must be followed by a value/);
  expect(result.stderr).toMatch(/--outputs: .*cannot be read/);
  expect(text).not.toMatch(/--password|--username|QUALYS_PASSWORD=/);
  expect(text).toContain('QUALYS_PASSWORD: ${{ secrets.QUALYS_PASSWORD }}');
  // Outputs alone: no --capabilities, no configuration needed by the command.
  expect(line).not.toContain('--capabilities');
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
  const text = readFileSync(join(folder, 'qualys-connector-judge.yml'), 'utf8');
  const edited = text
    .replace('ref: ${{ github.sha }}', 'ref: ${{ github.shaa }}')
    .replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    needs: no-such-job\n');
  expect(edited).not.toBe(text);
  writeFileSync(broken, edited);
  const found = actionlint(broken);
  expect(found.status).not.toBe(0);
  expect(found.output).toContain('shaa');
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

/** The steps of one job of a workflow, as text. */
function job(text: string, name: string): string {
  const start = text.indexOf(`\n  ${name}:\n`);
  if (start < 0) throw new Error(`no job ${name}`);
  const next = text.slice(start + 1).search(/\n {2}[a-z-]+:\n/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

const workflow = (file: string) => readFileSync(join(folder, file), 'utf8');

test("the pull request's workflow runs its code with a read-only token and no secret, and only uploads data", () => {
  const text = workflow('qualys-connector-review.yml');
  expect(text).toMatch(/^on:\n {2}pull_request:\n/m);
  expect(text).not.toContain('pull_request_target');
  expect(text).toMatch(/^permissions:\n {2}contents: read\n\n/m);
  expect(text).not.toMatch(/secrets\.|: write|id-token/);
  expect(Object.keys(jobsOf(text))).toEqual(['synthesize']);
  expect(text).toContain('QUALYS_CONNECTOR_CONFIG=qualys-connector.json npm run --silent synth');
  // The whole synthesis folder (every file Terraform would read there) and the configuration it was made from.
  expect(text).toContain(
    '          path: |\n            cdktf.out/\n            qualys-connector.json\n          include-hidden-files: true\n',
  );
  // No cache shared with later, trusted runs.
  expect(text).not.toMatch(/cache:|actions\/cache/);
});

test('the judge runs from the default branch only (workflow_run), checks out no pull-request code, and finds the pull request from the run, not the artifact', () => {
  const text = workflow('qualys-connector-judge.yml');
  expect(text).toMatch(
    /^on:\n {2}workflow_run:\n {4}workflows: \[Qualys connector review\]\n {4}types: \[completed\]\n/m,
  );
  // workflow_run matches the review workflow by its name: renamed, the judge would never run (the merge stays blocked).
  expect(/^name: (.+)$/m.exec(workflow('qualys-connector-review.yml'))?.[1]).toBe('Qualys connector review');
  expect(text).toMatch(
    /^permissions:\n {2}actions: read\n {2}contents: read\n {2}pull-requests: write\n {2}statuses: write\n\n/m,
  );
  expect(text).not.toContain('secrets.');
  // One checkout: the default branch at the run's commit, never a pull-request ref.
  expect(text.match(/actions\/checkout@v4/g)).toHaveLength(1);
  expect(text).toMatch(/- uses: actions\/checkout@v4\n {8}if: .*\n {8}with:\n {10}ref: \$\{\{ github\.sha \}\}\n/);
  expect(text).not.toMatch(/head_ref|head\.sha \}\}|refs\/pull|pull_request\.head/);
  // The pull request comes from the run's head (set by GitHub) and is matched on its commit; the artifact names none.
  expect(text).toContain('HEAD_SHA: ${{ github.event.workflow_run.head_sha }}');
  expect(text).toContain('select(.head.sha == $sha and .base.ref == $base)');
  expect(text).not.toContain('pull-request-number');
  // Event values reach the scripts through the environment only, never spliced into them.
  for (const run of text.match(/ run: \|\n(?: {10}.*\n)+/g) ?? []) expect(run).not.toContain('${{');
  // The verdict is kept only when the gate passed, under the digest it judged.
  expect(text).toMatch(
    /- uses: actions\/upload-artifact@v4\n {8}if: steps\.review\.outcome == 'success' && steps\.review\.outputs\.digest != ''\n {8}with:\n {10}name: qualys-connector-verdict-\$\{\{ steps\.review\.outputs\.digest \}\}\n/,
  );
  // The status is set whatever the review's outcome, so a holding gate blocks the merge.
  expect(text).toMatch(
    /- name: Set the commit status\n {8}if: \$\{\{ !cancelled\(\) && steps\.pull-request\.outputs\.number != '' \}\}/,
  );
});

test('the deploy runs on main only, refuses what no passing review judged before any credential, and uploads nothing', () => {
  const text = workflow('qualys-connector-deploy.yml');
  expect(text).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]\n/m);
  expect(text).not.toMatch(/pull_request|upload-artifact/);
  expect(text).toMatch(/^permissions:\n {2}contents: read\n\n/m);
  const steps = [
    'Synthesis',
    'Find the verdict',
    'Verify the verdict',
    'Plan, review the plan, apply it',
    'Register in Qualys',
  ];
  const at = steps.map((name) => text.indexOf(`- name: ${name}\n`));
  expect(at.every((i) => i > 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  // Credentials are taken only after the verdict is verified.
  expect(text.indexOf('aws-actions/configure-aws-credentials')).toBeGreaterThan(at[2]);
  expect(text.indexOf('secrets.')).toBeGreaterThan(at[2]);
  expect(text).toContain(
    'QUALYS_CONNECTOR_DEPLOY=1 QUALYS_CONNECTOR_CONFIG=qualys-connector.json npm run --silent synth',
  );
  // The backend is a required input, said at the top.
  expect(text.slice(0, text.indexOf('\nname:'))).toMatch(/Required input, the state backend/);
  // The verdict must come from a run of the judge on the default branch (a workflow_run), not from any artifact of that name.
  expect(text).toContain(
    'if [ "$origin" = ".github/workflows/qualys-connector-judge.yml workflow_run $DEFAULT_BRANCH $REPOSITORY" ]; then',
  );
  expect(text).toContain(
    '--verify-verdict "$RUNNER_TEMP/verdict/verdict.json" \\\n            --synthesis cdktf.out --config qualys-connector.json --base-commit "$BEFORE"',
  );
  expect(text).toContain('BEFORE: ${{ github.event.before }}');
  // The apply is of the plan reviewed; plan and outputs are removed.
  expect(text).toContain('terraform -chdir="$stack" apply -input=false -lock-timeout=5m "$RUNNER_TEMP/tfplan"');
  expect(text).toContain('rm -f "$RUNNER_TEMP/plan.json"');
  expect(text).toContain('rm -f "$outputs"');
  expect(text).toContain('terraform_wrapper: false');
});

/** The job names of a workflow. */
function jobsOf(text: string): Record<string, string> {
  const jobs: Record<string, string> = {};
  const section = text.slice(text.indexOf('\njobs:\n'));
  for (const m of section.matchAll(/^ {2}([a-z-]+):$/gm)) jobs[m[1]] = job(text, m[1]);
  return jobs;
}

test('the review commands of the workflows are ones the command reads as meant', () => {
  const judge = workflow('qualys-connector-judge.yml');
  const deploy = workflow('qualys-connector-deploy.yml');
  const commands = [judge, deploy].flatMap((t) =>
    [...t.matchAll(/npm run --silent review -- ((?:.*\\\n)*.*?)(?: >|\)"?$|$)/gm)].map((m) =>
      m[1].replace(/\\\n\s*/g, ''),
    ),
  );
  expect(commands).toEqual([
    '--base-config "$base_config" --synthesis "$pr/cdktf.out" "${config[@]}" --fail-on-broadening --verdict "$RUNNER_TEMP/verdict/verdict.json" --base-commit "$BASE_COMMIT" --pull-request "$PULL_REQUEST"',
    '--digest --synthesis cdktf.out --config qualys-connector.json',
    '--verify-verdict "$RUNNER_TEMP/verdict/verdict.json" --synthesis cdktf.out --config qualys-connector.json --base-commit "$BEFORE"',
    '--plan "$STACK=$RUNNER_TEMP/plan.json"',
  ]);
  const sha = 'c'.repeat(40);
  expect(
    parseReviewArgs([
      '--base-config',
      'b.json',
      '--synthesis',
      'pr/cdktf.out',
      '--config',
      'pr/qualys-connector.json',
      '--fail-on-broadening',
      '--verdict',
      'v.json',
      '--base-commit',
      sha,
      '--pull-request',
      '7',
    ]),
  ).toMatchObject({
    synthesis: 'pr/cdktf.out',
    verdict: 'v.json',
    baseCommit: sha,
    pullRequest: 7,
    failOnBroadening: true,
  });
  expect(parseReviewArgs(['--digest', '--synthesis', 'cdktf.out', '--config', 'qualys-connector.json']).digest).toBe(
    true,
  );
  expect(
    parseReviewArgs([
      '--verify-verdict',
      'v.json',
      '--synthesis',
      'cdktf.out',
      '--config',
      'q.json',
      '--base-commit',
      sha,
    ]),
  ).toMatchObject({ verifyVerdict: 'v.json', baseCommit: sha });
  expect(parseReviewArgs(['--plan', 'qualys-connector=/runner/plan.json']).plans).toEqual([
    { label: 'qualys-connector', file: '/runner/plan.json' },
  ]);
  // Running them against a base branch, and the deploy's refusal, are in review-examples.test.ts (full tier).
  expect(deploy).toMatch(/^ +terraform -chdir="\$stack" plan (?!.*-lock=false).*$/m);
});
