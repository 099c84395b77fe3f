import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

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
    execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
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

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the tarball ships compiled code, declarations and the schema, not sources or tests', () => {
  const files = readdirSync(join(scratch, 'node_modules', manifest.name, 'dist', 'src'));
  expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  const top = readdirSync(join(scratch, 'node_modules', manifest.name)).sort();
  expect(top).toEqual(['README.md', 'dist', 'package.json', 'schema']);
});

test('a scratch cdktf app type-checks against the package and synthesizes a connector', () => {
  writeFileSync(
    join(scratch, 'main.ts'),
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
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, types: ['node'], outDir: 'build' }, files: ['main.ts'] }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  const run = spawnSync(process.execPath, [join(scratch, 'build', 'main.js')], { cwd: scratch, encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: join(scratch, 'out') } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const synthesized = JSON.parse(readFileSync(join(scratch, 'out', 'stacks', 'consumer', 'cdk.tf.json'), 'utf8'));
  expect(Object.values(synthesized.resource.aws_iam_policy).map((p) => (p as { name: string }).name).sort()).toEqual([
    'QualysCVRole-AssetView',
    'QualysCVRole-Cspm',
    'QualysCVRole-Remediation',
  ]);
});
