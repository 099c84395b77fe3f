import { spawn, spawnSync } from 'child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { basename, dirname, join } from 'path';
import { DEFAULT_CONFIG, parseConfig } from '../src/tools/app';
import { Review, reviewStacks } from '../src/tools/review/compare';
import { runReview } from '../src/tools/review/cli';
import { stackViewsFromConfig } from '../src/tools/review/readers/configuration';
import { viewsFromRevision } from '../src/tools/review/from-revision';
import { viewsFromSynthesis } from '../src/tools/review/readers/synthesis';
import { PROJECT_ROOT } from './support/app-process';
import { exampleConfigs, sharedOutdir } from './support/examples';
import { sharedSynthesisDir } from './support/scratch';
import { SAMPLE_EXTERNAL_ID } from './support/configs';
import { runStep } from './support/workflow-steps';

/*
 * The review on every JSON example and the default configuration, in the modes that take configurations:
 * `--base-config` (each example against itself and against a broadened variant) and `--base` (against
 * revisions of a temporary git repository holding the project's tracked files). `--plan` on every plain
 * Terraform example is in review-plan.test.ts. The synthesized stacks the `--base` mode reads are checked
 * against the configurations first, on the syntheses the full tier shares.
 */

const examples = exampleConfigs();
const SESSION_MAX = 43200;

/** The configuration of an example as data (the default one for `default`). */
function configOf(example: { file?: string }): { stacks: Record<string, unknown>[] } {
  return example.file === undefined
    ? JSON.parse(JSON.stringify(DEFAULT_CONFIG))
    : JSON.parse(readFileSync(example.file, 'utf8'));
}

/** The configuration with every role's maximum session raised to the longest IAM allows: a broadening. */
function withLongestSession(config: { stacks: Record<string, unknown>[] }): { stacks: Record<string, unknown>[] } {
  return {
    ...config,
    stacks: config.stacks.map((s) => ({
      ...s,
      connector: { ...(s.connector as object), maxSessionDuration: SESSION_MAX },
    })),
  };
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'review-examples-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, config: unknown): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function json(argv: string[], cwd?: string): Promise<{ exitCode: number; review?: Review; stderr: string }> {
  const run = await runReview([...argv, '--format', 'json', '--fail-on-broadening'], {}, cwd);
  return {
    exitCode: run.exitCode,
    review: run.stdout === '' ? undefined : (JSON.parse(run.stdout) as Review),
    stderr: run.stderr,
  };
}

test.each(examples.map((e) => [e.name]))(
  '%s: the synthesized stacks read as the configuration plans them',
  async (name) => {
    const example = examples.find((e) => e.name === name) as { name: string; file?: string };
    const synthesized = viewsFromSynthesis(sharedOutdir(sharedSynthesisDir(), name));
    const planned = stackViewsFromConfig(parseConfig(configOf(example)));
    expect(synthesized.map((s) => s.name)).toEqual(planned.map((s) => s.name).sort());
    const review = await reviewStacks(planned, synthesized);
    expect(review.roles.map((r) => r.status)).toEqual(planned.flatMap((s) => s.roles.map(() => 'unchanged')));
    expect(review.reach).toEqual([]);
    // Not vacuous: every role has its permissions and its trust.
    for (const role of synthesized.flatMap((s) => s.roles)) {
      expect(role.documents.length).toBeGreaterThan(0);
      expect(role.trust.Statement).not.toEqual([]);
    }
  },
);

describe('--base-config', () => {
  test.each(examples.map((e) => [e.name]))(
    '%s: against itself no change (exit 0); against a longer maximum session, broadening (exit 1)',
    async (name) => {
      const example = examples.find((e) => e.name === name) as { name: string; file?: string };
      const config = configOf(example);
      const self = example.file ?? file(`${name}.json`, config);
      const same = await json(['--base-config', self, ...(example.file === undefined ? [] : ['--config', self])]);
      expect([same.exitCode, same.stderr]).toEqual([0, '']);
      expect(same.review?.broadening).toEqual([]);
      expect(same.review?.roles.every((r) => r.status === 'unchanged')).toBe(true);

      const broadened = withLongestSession(config);
      const wider = await json(['--base-config', self, '--config', file(`${name}-broadened.json`, broadened)]);
      expect(wider.exitCode).toBe(1);
      expect(wider.stderr).toBe(
        `qualys-connector-review: the gate holds:\n${(wider.review?.broadening ?? []).map((r) => `  - ${r}\n`).join('')}`,
      );
      expect(wider.review?.broadening.every((r) => /maximum session raised from 3600 s to 43200 s$/.test(r))).toBe(
        true,
      );
      const roles = wider.review?.roles ?? [];
      expect(roles.length).toBeGreaterThanOrEqual(config.stacks.length);
      for (const role of roles) expect(role.maxSession?.after).toBe(SESSION_MAX);
    },
  );
});

/** A git repository in a temporary folder with the project's tracked files, node_modules linked (not committed). */
function git(cwd: string, args: string[]): string {
  // Signing or hooks configured for the user's own repositories have no place in this throwaway one.
  const run = spawnSync('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** A commit of HEAD's tree with files replaced (content) or removed (null), without touching the working tree. */
function commitVariant(repo: string, message: string, files: Record<string, string | null>): string {
  const index = join(work, `index-${message.replace(/\W+/g, '-')}`);
  const env = {
    ...process.env,
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  const run = (args: string[], input?: string) => {
    const result = spawnSync('git', ['-c', 'commit.gpgsign=false', ...args], {
      cwd: repo,
      env,
      encoding: 'utf8',
      input,
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  run(['read-tree', 'HEAD']);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) run(['rm', '--cached', '--quiet', path]);
    else
      run(['update-index', '--add', '--cacheinfo', `100644,${run(['hash-object', '-w', '--stdin'], content)},${path}`]);
  }
  return run(['commit-tree', run(['write-tree']), '-p', 'HEAD', '-m', message]);
}

describe('--base', () => {
  let repo: string;
  let narrowed: string;
  let narrowedSource: string;
  const assetView = join('src', 'model', 'permissions', 'asset-view.ts');
  const removedGrant = /^\s*\{ action: 'ec2:DescribeVpcs'.*\n/m;

  beforeAll(() => {
    repo = join(work, 'repo');
    mkdirSync(repo);
    for (const path of git(PROJECT_ROOT, ['ls-files', '-z'])
      .split('\0')
      .filter((p) => p !== '' && existsSync(join(PROJECT_ROOT, p)))) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      cpSync(join(PROJECT_ROOT, path), join(repo, path));
    }
    // Every example's configuration, committed: `--base` reads the configuration as it was at the revision.
    writeFileSync(join(repo, IN_REPOSITORY), readFileSync(allExamples(), 'utf8'));
    git(repo, ['init', '--quiet']);
    git(repo, ['add', '--all']);
    // The base revision grants one action fewer: the working tree (HEAD's files) adds it back.
    const source = readFileSync(join(repo, assetView), 'utf8');
    expect(source).toMatch(removedGrant);
    git(repo, ['commit', '--quiet', '-m', 'tracked files']);
    narrowedSource = source.replace(removedGrant, '');
    narrowed = commitVariant(repo, 'narrowed', { [assetView]: narrowedSource });
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  });

  /** Where the repository keeps every example's stacks in one configuration. */
  const IN_REPOSITORY = 'all-examples.json';

  /** Every example's stacks in one configuration (their names differ): one checkout and one synthesis per side. */
  function allExamples(): string {
    const stacks = examples.flatMap((e) => configOf(e).stacks);
    expect(new Set(stacks.map((s) => s.name)).size).toBe(stacks.length);
    return file('all-examples.json', { stacks });
  }

  test('every example and the default configuration: no change against HEAD (exit 0); against a revision granting one action fewer, that action added to every role (exit 1)', async () => {
    const stackNames = examples.flatMap((e) => configOf(e).stacks.map((s) => String(s.name)));
    for (const config of [['--config', IN_REPOSITORY], []]) {
      const same = await json(['--base', 'HEAD', ...config], repo);
      expect([same.exitCode, same.stderr]).toEqual([0, '']);
      expect(same.review?.roles.every((r) => r.status === 'unchanged')).toBe(true);

      const wider = await json(['--base', narrowed, ...config], repo);
      expect(wider.exitCode).toBe(1);
      expect(wider.stderr).toMatch(/^qualys-connector-review: the gate holds:\n/);
      const roles = wider.review?.roles ?? [];
      expect(new Set(roles.map((r) => r.stack))).toEqual(
        new Set(config.length === 0 ? DEFAULT_CONFIG.stacks.map((s) => s.name) : stackNames),
      );
      for (const role of roles) {
        expect(role.permissionsAdded.map((row) => [row.action, row.resource, row.capability])).toEqual([
          ['ec2:DescribeVpcs', '*', 'asset-view'],
        ]);
        expect(role.permissionsRemoved).toEqual([]);
      }
    }
    expect(leftovers(repo)).toEqual({ worktrees: 1, temporary: [], outputs: [] });
  });

  test("with --base-config too, against HEAD: every example's configuration change reads as --base-config alone reads it", async () => {
    const all = allExamples();
    const { stacks } = JSON.parse(readFileSync(all, 'utf8')) as { stacks: Record<string, unknown>[] };
    const broadened = file('all-examples-broadened.json', withLongestSession({ stacks }));
    const whole = await json(['--base', 'HEAD', '--base-config', all, '--config', broadened], repo);
    const configOnly = await json(['--base-config', all, '--config', broadened]);
    expect([whole.exitCode, configOnly.exitCode]).toEqual([1, 1]);
    expect(whole.stderr).toBe(configOnly.stderr);
    expect(whole.review?.roles.length).toBeGreaterThanOrEqual(stacks.length);
    // The same verdicts and rows; only where each side comes from differs (and synthesized roles have addresses).
    const rows = (review: Review | undefined) => ({
      ...review,
      sources: undefined,
      reasonsFrom: undefined,
      roles: review?.roles.map(({ address: _address, ...role }) => role),
    });
    expect(rows(whole.review)).toEqual(rows(configOnly.review));
  });

  test('--base alone reads the configuration as it was at the revision: a pull request that only edits the configuration is reviewed', async () => {
    const { stacks } = JSON.parse(readFileSync(join(repo, IN_REPOSITORY), 'utf8')) as {
      stacks: Record<string, unknown>[];
    };
    writeFileSync(join(repo, IN_REPOSITORY), JSON.stringify(withLongestSession({ stacks })));
    try {
      const review = await json(['--base', 'HEAD', '--config', IN_REPOSITORY], repo);
      expect(review.exitCode).toBe(1);
      expect(review.review?.roles.every((r) => r.maxSession?.after === SESSION_MAX)).toBe(true);
      expect(review.review?.sources).toEqual({
        before: `${IN_REPOSITORY} as it was at HEAD, synthesized by HEAD`,
        after: `${IN_REPOSITORY} (from --config), synthesized by the working tree`,
      });
      // Absent at the revision: there was no connector, so everything is added.
      const added = await json(['--base', narrowed, '--config', IN_REPOSITORY], repo);
      expect(added.review?.roles.every((r) => r.status !== 'added')).toBe(true);
      const fresh = commitVariant(repo, 'no-configuration', { [IN_REPOSITORY]: null });
      const none = await json(['--base', fresh, '--config', IN_REPOSITORY], repo);
      expect(none.review?.roles.every((r) => r.status === 'added')).toBe(true);
    } finally {
      writeFileSync(join(repo, IN_REPOSITORY), JSON.stringify({ stacks }));
    }
  });

  test('--config defaults to qualys-connector.json in the project folder, and the review says which file it read', async () => {
    const { stacks } = JSON.parse(readFileSync(join(repo, IN_REPOSITORY), 'utf8')) as {
      stacks: Record<string, unknown>[];
    };
    const projectFile = join(repo, 'qualys-connector.json');
    writeFileSync(projectFile, JSON.stringify({ stacks: stacks.slice(0, 1) }));
    try {
      const run = await runReview(['--base-config', projectFile, '--format', 'json'], {}, repo);
      expect(run.exitCode).toBe(0);
      expect((JSON.parse(run.stdout) as Review).sources.after).toBe(
        "qualys-connector.json (the project folder's file), planned by this code",
      );
      const conflict = await runReview(['--base-config', projectFile], { QUALYS_CONNECTOR_CONFIG: 'other.json' }, repo);
      expect(conflict.exitCode).toBe(2);
      expect(conflict.stderr).toMatch(
        /- QUALYS_CONNECTOR_CONFIG: names another file than the project folder's qualys-connector\.json/,
      );
    } finally {
      rmSync(projectFile);
    }
  });

  /** A checkout of a commit beside the repository, as actions/checkout makes it (node_modules linked, not installed). */
  function checkout(commit: string, name: string): string {
    const dir = join(work, name);
    git(repo, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }

  function removeCheckout(dir: string): void {
    rmSync(join(dir, 'node_modules'));
    git(repo, ['worktree', 'remove', '--force', dir]);
  }

  interface WorkflowRun {
    readonly gate: number | null;
    readonly review: string;
    readonly summary: string;
    readonly gateErrors: string;
    /** The same review run by the pull request's own code, as a workflow that trusts it would run it. */
    readonly ownJudgement: number | null;
    /** The verdict the judge wrote, and the digest it named in its step outputs. */
    readonly verdict: string;
    readonly digest: string;
    readonly baseCommit: string;
  }

  const workflowFile = (checkout: string, name: string) =>
    readFileSync(join(checkout, 'examples', 'github-actions', name), 'utf8');

  /** A runner's environment: its temporary folder, summary and outputs files, CI set as GitHub sets it. */
  function runnerEnv(runnerTemp: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CI: 'true',
      RUNNER_TEMP: runnerTemp,
      GITHUB_STEP_SUMMARY: join(runnerTemp, 'summary.md'),
      GITHUB_OUTPUT: join(runnerTemp, 'output'),
      ...extra,
    };
    delete env.QUALYS_CONNECTOR_CONFIG;
    delete env.QUALYS_CONNECTOR_DEPLOY;
    return env;
  }

  /**
   * The review of a pull request as the two workflows run it: the synthesis step of the pull request's own copy
   * of qualys-connector-review.yml in a checkout of the pull request (the folders upload-artifact takes, handed
   * over as download-artifact gives them), then the judge's review step from the base branch's
   * qualys-connector-judge.yml in a checkout of the base branch.
   */
  function runWorkflow(baseBranch: string, pullRequest: string): WorkflowRun {
    const runnerTemp = mkdtempSync(join(work, 'runner-temp-'));
    const pr = checkout(pullRequest, `pull-request-${basename(runnerTemp)}`);
    const judge = checkout(baseBranch, `judge-${basename(runnerTemp)}`);
    const baseCommit = git(repo, ['rev-parse', `${baseBranch}^{commit}`]);
    try {
      const env = runnerEnv(runnerTemp, { PULL_REQUEST: '7', BASE_COMMIT: baseCommit });
      const synthesis = runStep(
        pr,
        workflowFile(pr, 'qualys-connector-review.yml'),
        'Synthesis of the pull request',
        env,
      );
      expect([synthesis.status, synthesis.stderr]).toEqual([0, expect.not.stringMatching(/error/i)]);
      const artifact = join(runnerTemp, 'pull-request');
      cpSync(join(pr, 'cdktf.out'), join(artifact, 'cdktf.out'), { recursive: true });
      if (existsSync(join(pr, 'qualys-connector.json')))
        cpSync(join(pr, 'qualys-connector.json'), join(artifact, 'qualys-connector.json'));
      const review = runStep(judge, workflowFile(judge, 'qualys-connector-judge.yml'), 'Review and gate', env);
      const baseConfig = existsSync(join(judge, 'qualys-connector.json'))
        ? join(judge, 'qualys-connector.json')
        : join(runnerTemp, 'no-connector.json');
      const configArgs = existsSync(join(artifact, 'qualys-connector.json'))
        ? ['--config', join(artifact, 'qualys-connector.json')]
        : [];
      const own = spawnSync(
        'npm',
        [
          'run',
          '--silent',
          'review',
          '--',
          '--base-config',
          baseConfig,
          '--synthesis',
          join(artifact, 'cdktf.out'),
          ...configArgs,
          '--fail-on-broadening',
        ],
        { cwd: pr, env, encoding: 'utf8' },
      );
      const outputs = readFileSync(join(runnerTemp, 'output'), 'utf8');
      return {
        gate: review.status,
        review: readFileSync(join(runnerTemp, 'review', 'review.md'), 'utf8'),
        summary: readFileSync(join(runnerTemp, 'summary.md'), 'utf8'),
        gateErrors: review.stderr,
        ownJudgement: own.status,
        verdict: join(runnerTemp, 'verdict', 'verdict.json'),
        digest: /^digest=(.*)$/m.exec(outputs)?.[1] ?? '',
        baseCommit,
      };
    } finally {
      removeCheckout(pr);
      removeCheckout(judge);
    }
  }

  interface DeployRun {
    /** Each step run, in order, until the first that failed. */
    readonly steps: { name: string; status: number | null; stdout: string; stderr: string }[];
  }

  /** Where the judge's verdicts are, as the GitHub API the deploy asks would list them. */
  interface Artifacts {
    readonly artifacts: { name: string; runId: number; file: string; expired?: boolean }[];
    readonly runs: Record<
      string,
      { path: string; event: string; head_branch: string; repository: { full_name: string } }
    >;
  }
  const REPOSITORY = 'acme/infrastructure';
  const judgeRun = {
    path: '.github/workflows/qualys-connector-judge.yml',
    event: 'workflow_run',
    head_branch: 'main',
    repository: { full_name: REPOSITORY },
  };

  /**
   * The deploy workflow's steps up to the credentials (synthesis, finding the verdict, verifying it), from the
   * merged commit's own qualys-connector-deploy.yml in a checkout of it, with `gh` answering from `artifacts`.
   */
  function runDeploy(merged: string, before: string, artifacts: Artifacts): DeployRun {
    const runnerTemp = mkdtempSync(join(work, 'deploy-temp-'));
    const tree = checkout(merged, `deploy-${basename(runnerTemp)}`);
    const bin = join(runnerTemp, 'bin');
    mkdirSync(bin);
    symlinkSync(join(PROJECT_ROOT, 'test', 'support', 'fake-gh.cjs'), join(bin, 'gh'));
    writeFileSync(join(runnerTemp, 'gh-state.json'), JSON.stringify(artifacts));
    const env = runnerEnv(runnerTemp, {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_GH_STATE: join(runnerTemp, 'gh-state.json'),
      GH_TOKEN: 'not-used',
      REPOSITORY,
      DEFAULT_BRANCH: 'main',
      BEFORE: before,
      STACK: 'prod',
    });
    const steps: DeployRun['steps'] = [];
    try {
      const workflow = workflowFile(tree, 'qualys-connector-deploy.yml');
      for (const name of ['Synthesis', 'Find the verdict', 'Verify the verdict']) {
        const run = runStep(tree, workflow, name, env);
        steps.push({ name, status: run.status, stdout: run.stdout, stderr: run.stderr });
        if (run.status !== 0) break;
      }
      return { steps };
    } finally {
      removeCheckout(tree);
    }
  }

  describe('the pull-request workflow, its own steps run against a base branch', () => {
    const config = (capabilities: string[]) =>
      JSON.stringify({
        stacks: [{ kind: 'account', name: 'prod', connector: { externalId: SAMPLE_EXTERNAL_ID, capabilities } }],
      });
    const reviewCode = join('src', 'tools', 'review', 'cli.ts');
    const gateLine = 'const gateHolds = options.failOnBroadening && holds;';

    test("a pull request that turns off the review's own gate and adds remediation: the base branch's judge still fails it", () => {
      const baseBranch = commitVariant(repo, 'base-branch-with-connector', {
        'qualys-connector.json': config(['cspm']),
      });
      const source = readFileSync(join(repo, reviewCode), 'utf8');
      expect(source).toContain(gateLine);
      const sabotaged = commitVariant(repo, 'gate-turned-off', {
        'qualys-connector.json': config(['cspm', 'remediation']),
        [reviewCode]: source.replace(gateLine, 'const gateHolds = false;'),
        [assetView]: narrowedSource,
      });
      const run = runWorkflow(baseBranch, sabotaged);
      expect(run.gate).toBe(1);
      // The pull request's own review code would have let it through.
      expect(run.ownJudgement).toBe(0);
      // The code change (an action fewer) and the configuration change (remediation) both show.
      expect(run.review).toMatch(/\| added \| `ec2:StopInstances` \| \*\*Write\*\* \|/);
      expect(run.review).toMatch(/\| removed \| `ec2:DescribeVpcs` \|/);
      expect(run.summary).toBe(run.review);
      expect(run.gateErrors).toMatch(
        /qualys-connector-review: the gate holds:\n {2}- prod: role QualysCVRole: 6 grants added/,
      );
      // A verdict that did not pass: the judge writes it, its workflow keeps only passing ones.
      expect((JSON.parse(readFileSync(run.verdict, 'utf8')) as { passed: boolean }).passed).toBe(false);
      for (const text of [run.review, run.gateErrors, readFileSync(run.verdict, 'utf8')])
        expect(text).not.toContain(SAMPLE_EXTERNAL_ID);
      expect(leftovers(repo)).toEqual({ worktrees: 1, temporary: [], outputs: [] });
    });

    test('without a configuration on the base branch (the pull request adds the connector): every role is added, and the gate fails', () => {
      const run = runWorkflow(
        'HEAD',
        commitVariant(repo, 'adds-connector', { 'qualys-connector.json': config(['cspm']) }),
      );
      expect(run.gate).toBe(1);
      expect(run.review).toContain('### prod: role QualysCVRole (added)');
    });

    test('a pull request that removes the connector: every role is removed, and the gate passes', () => {
      const baseBranch = commitVariant(repo, 'base-branch-to-remove', { 'qualys-connector.json': config(['cspm']) });
      const run = runWorkflow(baseBranch, 'HEAD');
      expect([run.gate, run.gateErrors]).toEqual([0, '']);
      expect(run.review).toContain('### prod: role QualysCVRole (removed)');
    });
  });

  describe('deploy only what was judged: the judge, then the deploy of the merged commit', () => {
    /** A connector with its state in S3 (what a deploy from CI needs). */
    const config = (
      capabilities: string[],
      backend: Record<string, unknown> = {
        type: 's3',
        bucket: 'acme-terraform-state',
        key: 'qualys/prod.tfstate',
        region: 'us-east-1',
      },
    ) =>
      JSON.stringify({
        stacks: [
          { kind: 'account', name: 'prod', backend, connector: { externalId: SAMPLE_EXTERNAL_ID, capabilities } },
        ],
      });
    const reviewWorkflow = join('examples', 'github-actions', 'qualys-connector-review.yml');
    let base: string;
    beforeAll(() => {
      base = commitVariant(repo, 'deploy-base', { 'qualys-connector.json': config(['asset-view']) });
    });
    const passing = (run: WorkflowRun): Artifacts => ({
      artifacts: [{ name: `qualys-connector-verdict-${run.digest}`, runId: 101, file: run.verdict }],
      runs: { 101: judgeRun },
    });

    test('an honest pull request: the judge passes it, and the deploy of the merged commit finds and accepts its verdict', () => {
      const narrowing = commitVariant(repo, 'honest-narrowing', { 'qualys-connector.json': config(['asset-view']) });
      const same = runWorkflow(base, narrowing);
      expect([same.gate, same.gateErrors]).toEqual([0, '']);
      expect(same.digest).toMatch(/^[0-9a-f]{64}$/);
      const deploy = runDeploy(narrowing, same.baseCommit, passing(same));
      expect(deploy.steps.map((s) => [s.name, s.status])).toEqual([
        ['Synthesis', 0],
        ['Find the verdict', 0],
        ['Verify the verdict', 0],
      ]);
      expect(deploy.steps[2].stdout).toMatch(
        /is the one judged in pull request #7 against base commit [0-9a-f]{40}, and the gate passed/,
      );
    });

    test("the pull request's own workflow uploads the base's synthesis while its code broadens: the judge sees no change, and the deploy refuses", () => {
      // The base's synthesis and configuration, stored in the pull request, and its workflow edited to upload them.
      const stored = join(work, 'stored-base');
      const baseTree = checkout(base, 'stored-base-tree');
      try {
        const synth = spawnSync('npm', ['run', '--silent', 'synth'], {
          cwd: baseTree,
          env: runnerEnv(work, { QUALYS_CONNECTOR_CONFIG: 'qualys-connector.json', CI: '' }),
          encoding: 'utf8',
        });
        expect([synth.status, synth.stderr]).toEqual([0, '']);
        cpSync(join(baseTree, 'cdktf.out'), stored, { recursive: true });
      } finally {
        removeCheckout(baseTree);
      }
      const files: Record<string, string> = {
        'qualys-connector.json': config(['cspm', 'remediation']),
        'stored/qualys-connector.json': config(['asset-view']),
        'stored/cdktf.out/manifest.json': readFileSync(join(stored, 'manifest.json'), 'utf8'),
        'stored/cdktf.out/stacks/prod/cdk.tf.json': readFileSync(join(stored, 'stacks', 'prod', 'cdk.tf.json'), 'utf8'),
        [reviewWorkflow]: readFileSync(join(repo, reviewWorkflow), 'utf8').replace(
          /( {10})rm -rf cdktf\.out\n/,
          '$1rm -rf cdktf.out && cp -r stored/cdktf.out cdktf.out && cp stored/qualys-connector.json qualys-connector.json && exit 0\n',
        ),
      };
      expect(files[reviewWorkflow]).toContain('cp -r stored/cdktf.out cdktf.out');
      const attack = commitVariant(repo, 'uploads-the-base-synthesis', files);
      const judged = runWorkflow(base, attack);
      expect([judged.gate, judged.gateErrors]).toEqual([0, '']);
      expect(judged.review).toContain('No change to the Qualys roles');
      // After the merge, the deploy synthesizes the merged code: CSPM with remediation, which no verdict judged.
      const deploy = runDeploy(attack, judged.baseCommit, passing(judged));
      expect(deploy.steps.map((s) => [s.name, s.status])).toEqual([
        ['Synthesis', 0],
        ['Find the verdict', 1],
      ]);
      expect(deploy.steps[1].stderr).toMatch(
        /^Refused: no passing review judged this synthesis \(sha256:[0-9a-f]{64}\)/,
      );
      // Handed the judge's verdict all the same, the check names what differs.
      const tree = checkout(attack, 'attack-verify');
      try {
        const synth = spawnSync('npm', ['run', '--silent', 'synth'], {
          cwd: tree,
          env: runnerEnv(work, { QUALYS_CONNECTOR_CONFIG: 'qualys-connector.json', CI: '' }),
          encoding: 'utf8',
        });
        expect(synth.status).toBe(0);
        const verify = spawnSync(
          'npm',
          [
            'run',
            '--silent',
            'review',
            '--',
            '--verify-verdict',
            judged.verdict,
            '--synthesis',
            'cdktf.out',
            '--config',
            'qualys-connector.json',
            '--base-commit',
            judged.baseCommit,
          ],
          { cwd: tree, encoding: 'utf8' },
        );
        expect(verify.status).toBe(1);
        expect(verify.stderr).toContain('configuration: differs from what was judged');
        expect(verify.stderr).toContain('stacks/prod/cdk.tf.json: differs from what was judged');
      } finally {
        removeCheckout(tree);
      }
    });

    test("an artifact of the verdict's name uploaded by a pull request's own workflow, an expired one, or a verdict of an older main: the deploy refuses", () => {
      const pr = commitVariant(repo, 'narrowing-again', { 'qualys-connector.json': config(['asset-view']) });
      const judged = runWorkflow(base, pr);
      expect(judged.gate).toBe(0);
      const name = `qualys-connector-verdict-${judged.digest}`;
      const forged: Artifacts = {
        artifacts: [{ name, runId: 202, file: judged.verdict }],
        runs: {
          202: {
            ...judgeRun,
            path: '.github/workflows/qualys-connector-review.yml',
            event: 'pull_request',
            head_branch: 'feature',
          },
        },
      };
      const sameFileOtherEvent: Artifacts = {
        artifacts: [{ name, runId: 203, file: judged.verdict }],
        runs: { 203: { ...judgeRun, event: 'pull_request', head_branch: 'feature' } },
      };
      const expired: Artifacts = {
        artifacts: [{ name, runId: 101, file: judged.verdict, expired: true }],
        runs: { 101: judgeRun },
      };
      for (const artifacts of [forged, sameFileOtherEvent, expired]) {
        const deploy = runDeploy(pr, judged.baseCommit, artifacts);
        expect(deploy.steps.map((s) => [s.name, s.status])).toEqual([
          ['Synthesis', 0],
          ['Find the verdict', 1],
        ]);
      }
      // main moved on after the judgment (another pull request merged first): judged against another base.
      const moved = runDeploy(pr, 'f'.repeat(40), passing(judged));
      expect(moved.steps.map((s) => [s.name, s.status])).toEqual([
        ['Synthesis', 0],
        ['Find the verdict', 0],
        ['Verify the verdict', 1],
      ]);
      expect(moved.steps[2].stderr).toContain(`this deploy follows ${'f'.repeat(40)}: review the change again`);
    });

    test("a tag key renamed: no access changes, but the judge holds before merge, with the deployer policy's grants to add", () => {
      const tagged = (tags: Record<string, string>) =>
        JSON.stringify({
          stacks: [
            {
              kind: 'account',
              name: 'prod',
              connector: { externalId: SAMPLE_EXTERNAL_ID, capabilities: ['asset-view'], tags },
            },
          ],
        });
      const baseBranch = commitVariant(repo, 'tagged-owner', {
        'qualys-connector.json': tagged({ owner: 'platform' }),
      });
      const renamed = commitVariant(repo, 'tagged-team', { 'qualys-connector.json': tagged({ team: 'platform' }) });
      const run = runWorkflow(baseBranch, renamed);
      expect(run.gate).toBe(1);
      expect(run.gateErrors).toBe(
        "qualys-connector-review: the gate holds:\n  - deployer policy: update the deploying role's policy before merging: 2 grants the base configuration's policy does not give (prod-connector-account)\n",
      );
      expect(run.review).toContain("**Update the deploying role's policy before merging**");
      expect(run.review).toContain(
        '`Allow iam:TagRole on arn:aws:iam::*:role/QualysCVRole when ForAllValues:StringEquals aws:TagKeys [team]`',
      );
      expect((JSON.parse(readFileSync(run.verdict, 'utf8')) as { passed: boolean }).passed).toBe(false);
    });

    test('a local backend, or no configuration file, is refused by the synthesis step before anything else', () => {
      const local = commitVariant(repo, 'local-backend', {
        'qualys-connector.json': config(['asset-view'], { type: 'local' }),
      });
      const deploy = runDeploy(local, 'f'.repeat(40), { artifacts: [], runs: {} });
      expect(deploy.steps.map((s) => [s.name, s.status === 0])).toEqual([['Synthesis', false]]);
      expect(deploy.steps[0].stderr).toContain('Refused: this deploy would lose its state');
      expect(existsSync(join(repo, 'qualys-connector.json'))).toBe(false);
      const none = runDeploy(git(repo, ['rev-parse', 'HEAD']), 'f'.repeat(40), { artifacts: [], runs: {} });
      expect(none.steps.map((s) => [s.name, s.status])).toEqual([['Synthesis', 1]]);
      expect(none.steps[0].stderr).toContain(
        'qualys-connector.json is missing: the deploy would apply the built-in default',
      );
    });
  });

  /** What a review might leave behind: worktrees of the repository, temporary checkouts, output folders. */
  function leftovers(dir: string): { worktrees: number; temporary: string[]; outputs: string[] } {
    return {
      worktrees: git(dir, ['worktree', 'list', '--porcelain'])
        .split('\n')
        .filter((l) => l.startsWith('worktree ')).length,
      temporary: readdirSync(tmpdir()).filter((f) => f.startsWith('qualys-review-base-')),
      outputs: readdirSync(dir).filter((f) => f.startsWith('.qualys-review-')),
    };
  }

  test('errors exit 2 before any output, with the option, the value and the rule; nothing is left behind', async () => {
    const outside = mkdtempSync(join(work, 'not-a-repository-'));
    const cases: [string, string[], string | undefined, RegExp][] = [
      [
        'not a git repository',
        ['--base', 'HEAD'],
        outside,
        /--base: needs a git repository: the current folder is not in one .*\(got "HEAD"\)/,
      ],
      [
        'unknown revision',
        ['--base', 'no-such-branch'],
        repo,
        /--base: must be a commit, branch or tag of this repository .*\(got "no-such-branch"\)/,
      ],
      [
        'revision without the app',
        ['--base', commitVariant(repo, 'no-app', { 'cdktf.json': null })],
        repo,
        /--base: must be a revision with the app: it has no cdktf\.json/,
      ],
      [
        'synthesis fails',
        [
          '--base',
          commitVariant(repo, 'broken-app', { 'main.ts': 'throw new Error("this revision cannot synthesize");\n' }),
        ],
        repo,
        /--base: the synthesis of the revision failed \(exit code 1\); the end of its output:\n[\s\S]*\| Error: this revision cannot synthesize/,
      ],
      [
        'app writes nothing',
        ['--base', commitVariant(repo, 'silent-app', { 'cdktf.json': JSON.stringify({ app: 'true' }) })],
        repo,
        /--base: the revision wrote no synthesis: its app command \("true" in cdktf\.json\) ended without writing a manifest\.json into CDKTF_OUTDIR/,
      ],
      [
        'install fails',
        ['--base', commitVariant(repo, 'other-lock', { 'package-lock.json': '{ not a lock file' })],
        repo,
        /--base: the install of the revision \(npm ci\) failed \(exit code \d+\); the end of its output:\n\s+\| /,
      ],
      [
        'with --plan',
        ['--base', 'HEAD', '--plan', allExamples()],
        repo,
        /--plan: reviews plans on its own: leave out --base-config, --base, --config and --synthesis/,
      ],
    ];
    for (const [what, argv, cwd, message] of cases) {
      const run = await runReview(argv, {}, cwd);
      expect([what, run.exitCode, run.stdout]).toEqual([what, 2, '']);
      expect(run.stderr).toMatch(message);
      // The temporary checkout is named <revision>, never by its path.
      expect(run.stderr).not.toContain('qualys-review-base-');
    }
    expect(leftovers(repo)).toEqual({ worktrees: 1, temporary: [], outputs: [] });
  });

  test('a revision with another lock file is installed with its own npm ci, in its checkout', async () => {
    // The revision's app is a script that needs a package from its own install: a local one, so that the
    // install is offline. It writes the stacks the working tree's app synthesizes from the default
    // configuration, so the two sides agree when the revision was really installed and run.
    const synthesis = sharedOutdir(sharedSynthesisDir(), 'default');
    const files: Record<string, string> = {};
    const collect = (dir: string) => {
      for (const entry of readdirSync(join(synthesis, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) collect(path);
        else files[path] = readFileSync(join(synthesis, path), 'utf8');
      }
    };
    collect('');
    const pkg = {
      name: 'base-app',
      version: '1.0.0',
      private: true,
      dependencies: { 'stacks-fixture': 'file:stacks-fixture' },
    };
    const lock = {
      name: 'base-app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'base-app', version: '1.0.0', dependencies: { 'stacks-fixture': 'file:stacks-fixture' } },
        'node_modules/stacks-fixture': { resolved: 'stacks-fixture', link: true },
        'stacks-fixture': { version: '1.0.0' },
      },
    };
    const writer = [
      "const { mkdirSync, writeFileSync } = require('fs');",
      "const { dirname, join } = require('path');",
      "const files = require('stacks-fixture');",
      'for (const [path, content] of Object.entries(files)) {',
      '  mkdirSync(dirname(join(process.env.CDKTF_OUTDIR, path)), { recursive: true });',
      '  writeFileSync(join(process.env.CDKTF_OUTDIR, path), content);',
      '}',
      '',
    ].join('\n');
    const revision = commitVariant(repo, 'own-install', {
      'package.json': JSON.stringify(pkg),
      'package-lock.json': JSON.stringify(lock),
      'cdktf.json': JSON.stringify({ language: 'typescript', app: 'node write-stacks.js' }),
      'write-stacks.js': writer,
      'stacks-fixture/package.json': JSON.stringify({ name: 'stacks-fixture', version: '1.0.0', main: 'index.js' }),
      'stacks-fixture/index.js': `module.exports = ${JSON.stringify(files)};\n`,
    });
    const views = await viewsFromRevision(revision, repo, undefined);
    expect(views.install).toBe('npm ci');
    expect(views.before.map((s) => s.name)).toEqual(DEFAULT_CONFIG.stacks.map((s) => s.name));
    const review = await reviewStacks(views.before, views.after);
    expect(review.roles.length).toBeGreaterThan(0);
    expect(review.roles.map((r) => r.status)).toEqual(review.roles.map(() => 'unchanged'));

    // Without its install the revision's app cannot run: the same revision with the package left out fails.
    const uninstalled = commitVariant(repo, 'own-install-missing-package', {
      'package.json': JSON.stringify({ ...pkg, dependencies: {} }),
      'package-lock.json': JSON.stringify({ ...lock, packages: { '': { name: 'base-app', version: '1.0.0' } } }),
      'cdktf.json': JSON.stringify({ language: 'typescript', app: 'node write-stacks.js' }),
      'write-stacks.js': writer,
    });
    await expect(viewsFromRevision(uninstalled, repo, undefined)).rejects.toThrow(
      /the synthesis of the revision failed \(exit code 1\)[\s\S]*Cannot find module 'stacks-fixture'/,
    );
    expect(leftovers(repo)).toEqual({ worktrees: 1, temporary: [], outputs: [] });
  });

  /** Whether a process still runs (a zombie waiting for its parent to reap it does not). */
  function running(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = `/proc/${pid}/stat`;
    return !(existsSync(stat) && / Z /.test(readFileSync(stat, 'utf8')));
  }

  test('interrupted (SIGINT) while the revision synthesizes: what it started is stopped, the checkout and its worktree entry are removed', async () => {
    // The revision's app records its process ID: it runs behind /bin/sh, a grandchild of the review.
    const pidFile = join(work, 'hanging-app.pid');
    const hanging = commitVariant(repo, 'hanging-app', {
      'main.ts': `import { writeFileSync } from 'fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetTimeout(() => undefined, 60000);\n`,
    });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'tools', 'review', 'cli.ts'), '--base', hanging],
      { cwd: repo, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    for (let waited = 0; leftovers(repo).worktrees < 2 || !existsSync(pidFile); waited += 100) {
      if (waited > 30000) throw new Error("the revision's app never started");
      await new Promise((r) => setTimeout(r, 100));
    }
    const app = Number(readFileSync(pidFile, 'utf8'));
    expect(running(app)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    // A synthesis left running would write into the folders just removed; its process must be gone.
    for (let waited = 0; running(app) && waited < 2000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(running(app)).toBe(false);
    expect(leftovers(repo)).toEqual({ worktrees: 1, temporary: [], outputs: [] });
  });
});
