import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';
import { compileAndRun, readmeLibrarySnippet } from './support/consumer';

/*
 * The documented install: `npm install git+<url>#<commit>` into a new project, judged by npm itself. npm
 * clones the repository, installs its dependencies there, runs only `prepare`, and packs the result. This
 * installs the repository's current commit (HEAD), as a user would name it; it needs the npm registry for
 * the dependencies. Full tier.
 */
const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
let project: string;
let install: { status: number | null; output: string };

function npmEnv(): NodeJS.ProcessEnv {
  // A user's shell, not the environment `npm test` gives its scripts.
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'qualys-git-install-'));
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', `git+file://${PROJECT_ROOT}#${commit}`], {
    cwd: project,
    env: npmEnv(),
    encoding: 'utf8',
    timeout: 240000,
  });
  install = { status: run.status, output: `${run.stdout}${run.stderr}` };
}, 250000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

test('npm installs the package from a git commit, built', () => {
  expect(install.output.slice(-2000) + `\nexit ${install.status}`).toMatch(/exit 0$/);
  const installed = join(project, 'node_modules', manifest.name);
  for (const file of [
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'schema/qualys-connector-config.schema.json',
    'LICENSE',
  ]) {
    expect([file, existsSync(join(installed, file))]).toEqual([file, true]);
  }
  // Only what `files` lists: no sources, tests or the build's own tooling.
  expect(existsSync(join(installed, 'src'))).toBe(false);
  expect(existsSync(join(installed, 'test'))).toBe(false);
});

test('the consumer gets the runtime dependencies and the peers, and none of the development tools', () => {
  const version = (name: string) =>
    JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  expect(version('@cdktf/provider-aws')).toBe(manifest.peerDependencies['@cdktf/provider-aws']);
  for (const name of ['cdktf', 'constructs', ...Object.keys(manifest.dependencies)]) {
    expect([name, existsSync(join(project, 'node_modules', name, 'package.json'))]).toEqual([name, true]);
  }
  for (const name of ['typescript', 'jest', 'cdktf-cli', '@cloud-copilot/iam-simulate', 'tsx']) {
    expect([name, existsSync(join(project, 'node_modules', name))]).toEqual([name, false]);
  }
});

test("the README's snippet compiles under cdktf-cli's TypeScript template against the installed package and synthesizes", () => {
  const result = compileAndRun(project, readmeLibrarySnippet());
  expect(result.tsc).toBe('');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const synthesized = JSON.parse(readFileSync(join(project, 'out', 'stacks', 'security', 'cdk.tf.json'), 'utf8'));
  expect(Object.keys(synthesized.resource)).toEqual(expect.arrayContaining(['aws_iam_role', 'aws_iam_policy']));
});
