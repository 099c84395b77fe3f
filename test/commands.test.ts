import { spawnSyncWithDeadline } from './support/deadline';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { projectScratch } from './support/scratch';
import { OfflineTerraform, readJson, typesUsed } from './terraform/harness';
import { SAMPLE_EXTERNAL_ID } from './support/configs';
import { cdktnCliNodeFloor, nodeForCdktnCli, pathWithNode } from './support/newer-node';

/*
 * The README's deploy path, `npm run diff`, `npm run deploy` and `npm run output` with the external ID in
 * TF_VAR_external_id, run for real through cdktf and Terraform, with the offline stand-in provider installed
 * from a filesystem mirror. `--skip-provider-lock` is for the mirror only (cdktf's lock step would fetch
 * checksums of other platforms from the registry). Full tier.
 */
let work: string;
let terraform: OfflineTerraform;
let configFile: string;
let statePath: string;

beforeAll(() => {
  work = projectScratch('commands');
  // State inside this test's folder, so nothing lands in the project folder itself.
  statePath = relative(PROJECT_ROOT, join(work, 'state', 'cmd.tfstate'));
  configFile = join(work, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      stacks: [
        {
          kind: 'account',
          name: 'cmd',
          backend: { type: 'local', path: statePath },
          connector: { externalId: { variable: 'external_id' }, capabilities: ['cspm'] },
        },
      ],
    }),
  );
  const probe = join(work, 'probe');
  synthesizeInto(probe, configFile);
  const used = typesUsed([readJson(join(probe, 'stacks', 'cmd', 'cdk.tf.json'))]);
  // CDK for Terraform's provider version, and CDK Terrain's for the move below.
  terraform = new OfflineTerraform(used.resources, used.dataSources, ['cdktf', 'cdktn']);
});

afterAll(() => {
  terraform?.dispose();
  rmSync(work, { recursive: true, force: true });
});

function npmRun(
  script: string,
  extra: string[] = [],
  how: 'variable' | 'option' = 'variable',
  toolchain: 'cdktf' | 'cdktn' = 'cdktf',
) {
  const env: NodeJS.ProcessEnv = { ...terraform.env, TF_VAR_external_id: SAMPLE_EXTERNAL_ID };
  delete env.QUALYS_CONNECTOR_TOOLCHAIN;
  // A deploy from a laptop, with local state: in CI the deploy refuses it (test/ci-state.test.ts).
  delete env.CI;
  if (toolchain === 'cdktn') {
    env.QUALYS_CONNECTOR_TOOLCHAIN = 'cdktn';
    env.PATH = pathWithNode(nodeForCdktnCli(), env.PATH);
  }
  delete env.QUALYS_CONNECTOR_CONFIG;
  if (how === 'variable') env.QUALYS_CONNECTOR_CONFIG = configFile;
  else extra = ['--config', configFile, ...extra];
  // Only the npm scripts themselves may switch cdktf's reports and version check off.
  delete env.CHECKPOINT_DISABLE;
  delete env.DISABLE_VERSION_CHECK;
  const run = spawnSyncWithDeadline(
    'npm',
    [
      'run',
      '--silent',
      script,
      '--',
      'cmd',
      '--output',
      relative(PROJECT_ROOT, join(work, 'out')),
      '--skip-provider-lock',
      '--no-color',
      ...extra,
    ],
    { cwd: PROJECT_ROOT, env, encoding: 'utf8' },
    600,
    `npm run ${script} (the cdktf CLI and Terraform)`,
  );
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

/** What cdktf prints when it tries to reach HashiCorp's usage or version endpoints and cannot. */
const PHONING_HOME = /checkpoint-api|ENOTFOUND|Could not run version check|Newer version of Terraform CDK/;

test('npm run diff plans the connector with the external ID from TF_VAR_external_id, quietly', () => {
  const run = npmRun('diff');
  expect(run.output).not.toMatch(PHONING_HOME);
  expect(run.output).toContain('Plan: 7 to add, 0 to change, 0 to destroy.');
  expect(run.output).not.toContain(SAMPLE_EXTERNAL_ID);
  expect(run.status).toBe(0);
});

test('npm run diff -- --config <file> plans that file, not the default', () => {
  const run = npmRun('diff', [], 'option');
  expect(run.output).toContain('Plan: 7 to add, 0 to change, 0 to destroy.');
  expect(run.output).toContain(`from ${configFile} (--config)`);
  expect(run.status).toBe(0);
});

test('npm run deploy applies into the state file the configuration names; npm run output reads it back', () => {
  const deploy = npmRun('deploy', ['--auto-approve']);
  expect(deploy.output).not.toMatch(PHONING_HOME);
  expect(deploy.output).toContain('Apply complete! Resources: 7 added, 0 changed, 0 destroyed.');
  // The stand-in computes no attributes (no ARNs); cdktf's display of the outputs after the apply is not
  // judged here, the apply and the state are Terraform's.
  const state = JSON.parse(readFileSync(join(PROJECT_ROOT, statePath), 'utf8')) as { resources: { type: string }[] };
  expect(state.resources.filter((r) => r.type === 'aws_iam_role')).toHaveLength(1);
  expect(existsSync(join(PROJECT_ROOT, 'terraform.cmd.tfstate'))).toBe(false);

  const output = npmRun('output');
  expect(output.output).not.toMatch(PHONING_HOME);
  expect(output.output).toContain('role_name = QualysCVRole');
  expect(output.output).toContain('trusted_principal = arn:aws:iam::805950163170:root');
  expect(output.status).toBe(0);
});

test('moving to CDK Terrain: QUALYS_CONNECTOR_TOOLCHAIN=cdktn npm run diff of the deployed stack upgrades the provider and plans no change', () => {
  const run = npmRun('diff', [], 'variable', 'cdktn');
  expect(run.output).not.toMatch(PHONING_HOME);
  expect(run.output).toContain(`Installing hashicorp/aws v${terraform.providerVersions.cdktn}`);
  expect(run.output).toContain('No changes.');
  expect(run.output).not.toContain(SAMPLE_EXTERNAL_ID);
  expect(run.status).toBe(0);
  // And back: the cdktf build still plans no change against the same state.
  const back = npmRun('diff');
  expect(back.output).toContain('No changes.');
  expect(back.status).toBe(0);
});

test("on a Node.js older than cdktn-cli's floor, the cdktn commands say so before anything runs", () => {
  const env = { ...process.env, QUALYS_CONNECTOR_TOOLCHAIN: 'cdktn' };
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'cdktf.cjs'), 'diff'], {
    cwd: PROJECT_ROOT,
    env: { ...env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  if (process.versions.node.localeCompare(cdktnCliNodeFloor(), undefined, { numeric: true }) >= 0) {
    // Nothing to refuse on this Node.js: the command ran (and the test above judged it).
    expect(run.stderr).not.toContain('needs Node.js');
    return;
  }
  expect(run.stderr).toContain(
    `cdktn-cli 0.24.0 needs Node.js ${cdktnCliNodeFloor()} or later; this is Node.js ${process.versions.node}.`,
  );
  expect(run.status).toBe(2);
});

test('an unknown toolchain is refused before anything runs', () => {
  const env = { ...process.env, QUALYS_CONNECTOR_TOOLCHAIN: 'cdk' };
  for (const script of ['synth', 'diff']) {
    const run = spawnSync('npm', ['run', '--silent', script], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect([script, run.stderr.trim(), run.status]).toEqual([
      script,
      'QUALYS_CONNECTOR_TOOLCHAIN="cdk" is not a toolchain: use one of cdktf, cdktn (cdktf when unset)',
      2,
    ]);
  }
});

test('npm run deploy with both --config and --app is refused before anything runs', () => {
  const run = npmRun('deploy', ['--app', 'node other.js'], 'option');
  expect(run.output).toContain('Give the configuration with --config or the app command with --app, not both.');
  expect(run.status).toBe(2);
});

describe('npm run synth runs the app itself, with the configuration named', () => {
  const npm = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete clean.QUALYS_CONNECTOR_CONFIG;
    const run = spawnSyncWithDeadline(
      'npm',
      ['run', '--silent', ...args],
      { cwd: PROJECT_ROOT, env: clean, encoding: 'utf8' },
      300,
      `npm run ${args.join(' ')}`,
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const stacksOf = (outdir: string) => readdirSync(join(outdir, 'stacks')).sort();

  test('--config examples/organization.json synthesizes the organization, once, and says so', () => {
    const outdir = relative(PROJECT_ROOT, join(work, 'synth-org'));
    const run = npm(['synth', '--', '--config', 'examples/organization.json'], { CDKTF_OUTDIR: outdir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      `Synthesized qualys-organization into ${join(outdir, 'stacks')} from examples/organization.json (--config).\n`,
    );
    expect(run.status).toBe(0);
    expect(stacksOf(join(PROJECT_ROOT, outdir))).toEqual(['qualys-organization']);
  });

  test('a bad configuration is printed once, without any banner, exit 1', () => {
    const outdir = relative(PROJECT_ROOT, join(work, 'synth-bad'));
    const run = npm(['synth', '--', '--config', 'does/not/exist.json'], { CDKTF_OUTDIR: outdir });
    expect(run.status).toBe(1);
    expect(run.stderr.match(/must name an existing configuration file/g)).toHaveLength(1);
    expect(run.stderr).not.toMatch(/cdktf encountered an error|Synth command|ERROR:/);
  });

  test('cdktf synth (the CLI, with the same configuration through --app) writes the same bytes', () => {
    const direct = relative(PROJECT_ROOT, join(work, 'direct'));
    const viaCli = relative(PROJECT_ROOT, join(work, 'via-cli'));
    expect(npm(['synth', '--', '--config', 'examples/organization.json'], { CDKTF_OUTDIR: direct }).status).toBe(0);
    const { app } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdktf.json'), 'utf8')) as { app: string };
    const cli = spawnSyncWithDeadline(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf'),
        'synth',
        '--app',
        `${app} --config examples/organization.json`,
        '--output',
        viaCli,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' },
        encoding: 'utf8',
      },
      300,
      'cdktf synth through the CLI',
    );
    expect(cli.status).toBe(0);
    const files = (dir: string): Record<string, string> => {
      const out: Record<string, string> = {};
      const walk = (sub: string) => {
        for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
          const path = join(sub, entry.name);
          if (entry.isDirectory()) walk(path);
          else out[path] = readFileSync(join(dir, path), 'utf8');
        }
      };
      walk('');
      return out;
    };
    const a = files(join(PROJECT_ROOT, direct));
    const b = files(join(PROJECT_ROOT, viaCli));
    // The local backend's state path is relative to the project from each output folder: the same depth here.
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const path of Object.keys(a)) expect([path, b[path]]).toEqual([path, a[path]]);
  });
});
