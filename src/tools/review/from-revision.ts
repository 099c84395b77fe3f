import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative, resolve, sep } from 'path';
import { ConfigurationError } from '../../rules/errors';
import { viewsFromSynthesis } from './readers/synthesis';
import { redactExternalIds } from './redact';
import { StackView } from './views';

/*
 * `--base <revision>`: the same configuration synthesized by the revision's own app and by the working
 * tree's, both read from their synthesized Terraform. The revision is checked out with `git worktree add
 * --detach` into a temporary folder and installed there (`npm ci`, or the working tree's node_modules when
 * both lock files are byte-identical); the folder and its worktree entry are removed in every case, also on
 * Ctrl-C. Both apps run as `cdktf synth` runs them: the `app` command of their cdktf.json, with the output
 * folder in CDKTF_OUTDIR; the configuration file is passed with `--config` as an absolute path.
 */

const OPTION = '--base';
const CONTEXT = 'Invalid qualys-connector-review input';
/** Lines of a failed command's error output shown in the message. */
const TAIL_LINES = 20;

function problem(value: string, rule: string): ConfigurationError {
  return new ConfigurationError([{ field: OPTION, value: JSON.stringify(value), rule }], CONTEXT);
}

function tail(text: string): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(-TAIL_LINES).map((line) => `      | ${line}`);
  return `${lines.length > TAIL_LINES ? `      | (${lines.length - TAIL_LINES} earlier lines left out)\n` : ''}${shown.join('\n')}`;
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (run.error) throw problem(args.join(' '), `needs git on the PATH (${run.error.message})`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Work to undo if the process is interrupted: running children and temporary folders. Each child leads its
 * own process group, so that an interruption stops what it started too (the app behind `/bin/sh`, npm's
 * scripts): a synthesis left running would write into a folder that is being removed.
 */
const running = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let interrupted = false;
/** How long an interrupted child's group has to end on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has ended already.
  }
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (interrupted) return;
  interrupted = true;
  const children = [...running];
  const ended = children.map(
    (child) =>
      new Promise<void>((done) =>
        child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
      ),
  );
  for (const child of children) signalGroup(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(ended), new Promise((done) => (timer = setTimeout(done, STOP_GRACE_MS)))]);
  clearTimeout(timer);
  // Whatever of a group outlived its leader (or the grace period) is stopped for good before folders go.
  for (const child of children) signalGroup(child.pid, 'SIGKILL');
  for (const cleanup of [...cleanups]) cleanup();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

function guard(cleanup: () => void): () => void {
  if (cleanups.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    cleanup();
    if (cleanups.size === 0) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  };
}

/** Runs a command to its end; rejects with the end of its error output as the rule of a `--base` problem. */
function runToEnd(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  revision: string,
  what: string,
  checkout?: string,
  secrets: readonly string[] = [],
): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => {
      running.delete(child);
      fail(problem(revision, `${what} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      // Once interrupted, the signal handler finishes the process: no failure to report.
      if (interrupted) return;
      if (code === 0) return done();
      // The temporary checkout's path means nothing to the reader: it is shown as <revision>.
      // An app may echo its configuration's external IDs in its errors: they are never passed on.
      const shown = redactExternalIds(
        checkout === undefined ? output : output.split(checkout).join('<revision>'),
        secrets,
      );
      fail(
        problem(
          revision,
          `${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); the end of its output:\n${tail(shown)}\n   `,
        ),
      );
    });
  });
}

/** The `app` command of a project's cdktf.json, or undefined when it has none. */
function appCommand(projectDir: string): string | undefined {
  try {
    const app = (JSON.parse(readFileSync(join(projectDir, 'cdktf.json'), 'utf8')) as { app?: unknown }).app;
    return typeof app === 'string' && app.trim() !== '' ? app : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Synthesizes a project's app into a temporary output folder inside the project (a stack with a local backend
 * needs it there), reads the stacks and removes the folder.
 */
async function synthesizeProject(
  projectDir: string,
  configFile: string | undefined,
  revision: string,
  what: string,
  checkout: string | undefined,
  secrets: readonly string[],
): Promise<StackView[]> {
  const app = appCommand(projectDir) as string;
  const outdir = mkdtempSync(join(projectDir, '.qualys-review-'));
  const release = guard(() => rmSync(outdir, { recursive: true, force: true }));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      CHECKPOINT_DISABLE: '1',
      DISABLE_VERSION_CHECK: '1',
    };
    delete env.QUALYS_CONNECTOR_CONFIG;
    // The app command is shell text (as cdktf runs it); the configuration file is passed as its own word.
    await runToEnd(
      '/bin/sh',
      ['-c', `${app} "$@"`, 'sh', ...(configFile === undefined ? [] : ['--config', configFile])],
      projectDir,
      env,
      revision,
      `the synthesis of ${what}`,
      checkout,
      secrets,
    );
    if (!existsSync(join(outdir, 'manifest.json'))) {
      throw problem(
        revision,
        `${what} wrote no synthesis: its app command (${JSON.stringify(app)} in cdktf.json) ended without writing a manifest.json into CDKTF_OUTDIR`,
      );
    }
    return viewsFromSynthesis(outdir);
  } finally {
    release();
  }
}

export interface RevisionViews {
  readonly before: StackView[];
  readonly after: StackView[];
  /** How the revision was installed: its own `npm ci`, the working tree's node_modules (same lock file), or not at all (nothing to synthesize). */
  readonly install: 'npm ci' | 'shared node_modules' | 'none';
  /**
   * The base configuration's text when it was read from the revision; null when the revision has none (no
   * connector); undefined when the caller named it or it is the built-in default.
   */
  readonly baseConfigText?: string | null;
}

/**
 * The base side's configuration when none is given: the same file as it was at the revision. A file the
 * revision does not have is no connector (null); the built-in default is the revision's own (undefined).
 */
function configAtRevision(
  project: string,
  top: string,
  revision: string,
  configFile: string | undefined,
  temporary: string,
): string | null | undefined {
  if (configFile === undefined) return undefined;
  const inRepository = relative(top, configFile);
  if (inRepository.startsWith('..') || resolve(top, inRepository) !== resolve(configFile)) {
    throw problem(
      revision,
      `cannot read the configuration as it was at the revision: ${JSON.stringify(configFile)} is outside the repository; name the configuration before the change with --base-config`,
    );
  }
  const shown = git(project, ['show', `${revision}:${inRepository.split(sep).join('/')}`]);
  if (shown.status !== 0) return null;
  const file = join(temporary, 'base-config.json');
  writeFileSync(file, shown.stdout);
  return file;
}

/** The repository's top folder and the project's folder within it; the revision must be a commit of it. */
function checkedRevision(project: string, revision: string): { top: string; prefix: string } {
  const top = git(project, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0) {
    throw problem(
      revision,
      "needs a git repository: the current folder is not in one (run the review in the project's clone)",
    );
  }
  if (appCommand(project) === undefined) {
    throw problem(revision, 'runs in the project folder: the current folder has no cdktf.json with an app command');
  }
  if (
    revision.startsWith('-') ||
    git(project, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]).status !== 0
  ) {
    throw problem(
      revision,
      'must be a commit, branch or tag of this repository (for a remote branch, fetch it first: a shallow CI clone needs fetch-depth: 0)',
    );
  }
  return { top: top.stdout.trim(), prefix: git(project, ['rev-parse', '--show-prefix']).stdout.trim() };
}

/** The revision's own dependencies: the working tree's when the lock files are equal, else `npm ci`. */
async function installDependencies(
  project: string,
  baseProject: string,
  revision: string,
  tree: string,
  secrets: readonly string[],
): Promise<RevisionViews['install']> {
  const lock = (dir: string) =>
    existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json')) : undefined;
  const ours = lock(project);
  const theirs = lock(baseProject);
  const share =
    ours !== undefined && theirs !== undefined && ours.equals(theirs) && existsSync(join(project, 'node_modules'));
  if (share) {
    if (!existsSync(join(baseProject, 'node_modules')))
      symlinkSync(join(project, 'node_modules'), join(baseProject, 'node_modules'), 'dir');
    return 'shared node_modules';
  }
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' };
  await runToEnd(
    'npm',
    ['ci', '--no-audit', '--no-fund'],
    baseProject,
    env,
    revision,
    'the install of the revision (npm ci)',
    tree,
    secrets,
  );
  return 'npm ci';
}

/** A checkout of the revision in a temporary worktree, removed again (the linked node_modules only unlinked). */
function checkOut(project: string, revision: string, tree: string, prefix: string, temporary: string): () => void {
  const release = guard(() => {
    const modules = join(tree, prefix, 'node_modules');
    // The working tree's node_modules is only linked: remove the link, never what it points to.
    if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) rmSync(modules);
    git(project, ['worktree', 'remove', '--force', tree]);
    rmSync(temporary, { recursive: true, force: true });
    git(project, ['worktree', 'prune']);
  });
  const added = git(project, ['worktree', 'add', '--detach', '--quiet', tree, `${revision}^{commit}`]);
  if (added.status !== 0) {
    release();
    throw problem(revision, `could not be checked out (git worktree add):\n${tail(added.stderr)}\n   `);
  }
  return release;
}

/**
 * A configuration synthesized by the app at `revision` and `configFile` by the app of the working tree in
 * `projectDir` (absolute paths, undefined for the built-in default). The revision's configuration is
 * `baseConfigFile` when given (null for none: no stacks before, and the revision needs no app), else
 * `configFile` as it was at the revision.
 */
export async function viewsFromRevision(
  revision: string,
  projectDir: string,
  configFile: string | undefined,
  baseConfigFile?: string | null,
  secrets: readonly string[] = [],
): Promise<RevisionViews> {
  const project = resolve(projectDir);
  const { top, prefix } = checkedRevision(project, revision);
  const temporary = mkdtempSync(join(tmpdir(), 'qualys-review-base-'));
  const afterSide = () => synthesizeProject(project, configFile, revision, 'the working tree', undefined, secrets);
  let release = () => rmSync(temporary, { recursive: true, force: true });
  try {
    const baseSide =
      baseConfigFile !== undefined ? baseConfigFile : configAtRevision(project, top, revision, configFile, temporary);
    if (baseSide === null) return { before: [], after: await afterSide(), install: 'none', baseConfigText: null };
    const baseConfigText =
      baseConfigFile === undefined && typeof baseSide === 'string' ? readFileSync(baseSide, 'utf8') : undefined;
    for (const file of ['cdktf.json', 'main.ts']) {
      if (git(project, ['cat-file', '-e', `${revision}:${prefix}${file}`]).status !== 0) {
        throw problem(revision, `must be a revision with the app: it has no ${prefix}${file}`);
      }
    }
    const tree = join(temporary, 'tree');
    release = checkOut(project, revision, tree, prefix, temporary);
    const baseProject = join(tree, prefix);
    if (appCommand(baseProject) === undefined) {
      throw problem(revision, `must be a revision with the app: its ${prefix}cdktf.json has no app command`);
    }
    const after = afterSide();
    after.catch(() => undefined);
    let install: RevisionViews['install'] = 'none';
    const before = (async () => {
      install = await installDependencies(project, baseProject, revision, tree, secrets);
      return synthesizeProject(baseProject, baseSide ?? undefined, revision, 'the revision', tree, secrets);
    })();
    const [b, a] = await Promise.allSettled([before, after]);
    if (b.status === 'rejected') throw b.reason;
    if (a.status === 'rejected') throw a.reason;
    return { before: b.value, after: a.value, install, baseConfigText };
  } finally {
    release();
  }
}
