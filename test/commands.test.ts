import { spawnSync } from 'child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { projectScratch } from './support/scratch';
import { OfflineTerraform, readJson, typesUsed } from './terraform/harness';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

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
  terraform = new OfflineTerraform(used.resources, used.dataSources);
});

afterAll(() => {
  terraform?.dispose();
  rmSync(work, { recursive: true, force: true });
});

function npmRun(script: string, extra: string[] = []) {
  const env: NodeJS.ProcessEnv = {
    ...terraform.env,
    QUALYS_CONNECTOR_CONFIG: configFile,
    TF_VAR_external_id: SAMPLE_EXTERNAL_ID,
  };
  // Only the npm scripts themselves may switch cdktf's reports and version check off.
  delete env.CHECKPOINT_DISABLE;
  delete env.DISABLE_VERSION_CHECK;
  const run = spawnSync(
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
    {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
      timeout: 180000,
    },
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
