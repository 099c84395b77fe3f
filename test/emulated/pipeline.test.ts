import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { PROJECT_ROOT } from '../support/app-process';
import { SAMPLE_EXTERNAL_ID } from '../support/configs';
import { scaledSeconds } from '../support/deadline';
import { FakeQualys } from '../support/fake-qualys';
import { projectScratch, releaseScratch } from '../support/scratch';
import { runStepAsync } from '../support/workflow-steps';
import { EmulatedAws } from './emulator';
import { emulatorEnv } from './real-terraform';

/*
 * The deploy workflow as copied, run twice in a row as two fresh runners would run it: its own steps (synthesis,
 * plan, review of the plan, apply, registration) against the real AWS provider in an emulated AWS, with the
 * state in an emulated S3 bucket, and registration against the stand-in of the Qualys API. The first run creates
 * the role and the connector; the second finds both as wanted. The verdict steps between them are run against a
 * base branch in review-examples.test.ts. Full tier.
 */

const ACCOUNT = '210987654321';
const BUCKET = 'acme-terraform-state';
const CONFIGURATION = {
  stacks: [
    {
      kind: 'account',
      name: 'qualys-connector',
      backend: { type: 's3', bucket: BUCKET, key: 'qualys/qualys-connector.tfstate', region: 'us-east-1' },
      connector: { externalId: { variable: 'external_id' }, capabilities: ['cspm'] },
    },
  ],
};

let aws: EmulatedAws;
let qualys: FakeQualys;
let work: string;
let credentials: { accessKeyId: string; secretAccessKey: string };
const workflow = readFileSync(join(PROJECT_ROOT, 'examples', 'github-actions', 'qualys-connector-deploy.yml'), 'utf8');

beforeAll(
  async () => {
    work = projectScratch('pipeline');
    aws = await EmulatedAws.start();
    qualys = new FakeQualys();
    await qualys.start();
    credentials = await aws.credentialsFor(ACCOUNT);
    // The state bucket, made beforehand as a platform team makes it (in the deploying account).
    execFileSync(
      'python3',
      [
        '-c',
        `import boto3; boto3.client('s3', endpoint_url='${aws.endpoint}', region_name='us-east-1').create_bucket(Bucket='${BUCKET}')`,
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
      },
    );
  },
  scaledSeconds(120) * 1000,
);

afterAll(async () => {
  await aws?.stop();
  await qualys?.stop();
  if (work) releaseScratch(work);
});

/** A fresh runner: the repository's tracked files and the configuration, node_modules linked (npm ci's result). */
function freshRunner(name: string, configuration: unknown = CONFIGURATION): { checkout: string; temp: string } {
  const root = join(work, name);
  const checkout = join(root, 'checkout');
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((p) => p !== '' && existsSync(join(PROJECT_ROOT, p)));
  for (const path of files) {
    mkdirSync(dirname(join(checkout, path)), { recursive: true });
    cpSync(join(PROJECT_ROOT, path), join(checkout, path));
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  writeFileSync(join(checkout, 'qualys-connector.json'), `${JSON.stringify(configuration, null, 2)}\n`);
  const temp = mkdtempSync(join(root, 'runner-temp-'));
  return { checkout, temp };
}

interface StepRun {
  readonly name: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The deploy job's steps that need no GitHub API (the verdict steps are tested with one in review-examples). */
async function deploy(
  runner: { checkout: string; temp: string },
  backend: 's3' | 'local' = 's3',
): Promise<{ steps: StepRun[]; summary: string }> {
  const env: NodeJS.ProcessEnv = {
    ...emulatorEnv(runner.temp, aws.endpoint, credentials, {
      CI: 'true',
      RUNNER_TEMP: runner.temp,
      GITHUB_STEP_SUMMARY: join(runner.temp, 'summary.md'),
      STACK: 'qualys-connector',
      TF_VAR_external_id: SAMPLE_EXTERNAL_ID,
      QUALYS_USERNAME: qualys.username,
      QUALYS_PASSWORD: qualys.password,
      QUALYS_PLATFORM: 'EU2',
      // What only the emulator needs: the only provider binary here is 5.x, and its S3 answers path-style URLs.
      QUALYS_CONNECTOR_AWS_PROVIDER: '5',
      TF_CLI_ARGS_init: backend === 's3' ? '-backend-config=use_path_style=true' : '',
    }),
  };
  delete env.QUALYS_CONNECTOR_CONFIG;
  delete env.QUALYS_CONNECTOR_DEPLOY;
  const steps: StepRun[] = [];
  for (const name of ['Synthesis', 'Plan, review the plan, apply it', 'Register in Qualys']) {
    // The one edit: registration goes to the stand-in of the Qualys API instead of the platform's server.
    const script =
      name === 'Register in Qualys'
        ? registerScript().replace(
            '--platform "$QUALYS_PLATFORM"',
            `--api-url ${qualys.url} --ca-file ${qualys.caFile} --pace 0`,
          )
        : undefined;
    const run = await runStepAsync(runner.checkout, workflow, name, env, script);
    steps.push({ name, status: run.status, stdout: run.stdout, stderr: run.stderr });
    if (run.status !== 0) break;
  }
  const summaryFile = join(runner.temp, 'summary.md');
  return { steps, summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '' };
}

function registerScript(): string {
  const script = /- name: Register in Qualys\n(?: {8}.*\n)*? {8}run: \|\n((?: {10}.*\n)+)/.exec(workflow)?.[1] ?? '';
  expect(script).toContain('--platform "$QUALYS_PLATFORM"');
  return script.replace(/^ {10}/gm, '');
}

test(
  'copied as documented, the deploy workflow deploys twice in a row: the second run finds the state in S3, changes nothing and registers nothing new',
  async () => {
    const firstRunner = freshRunner('first-run');
    const first = await deploy(firstRunner);
    expect(first.steps.map((s) => [s.name, s.status, s.status === 0 ? '' : `${s.stderr}${s.stdout}`])).toEqual([
      ['Synthesis', 0, ''],
      ['Plan, review the plan, apply it', 0, ''],
      ['Register in Qualys', 0, ''],
    ]);
    expect(first.steps[1].stdout).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
    expect(first.summary).toContain('### qualys-connector: role QualysCVRole (added)');
    expect(first.steps[2].stdout).toMatch(/210987654321 {2}created/);
    const role = await aws.client(IAMClient, ACCOUNT).send(new GetRoleCommand({ RoleName: 'QualysCVRole' }));
    expect(decodeURIComponent(String(role.Role?.AssumeRolePolicyDocument))).toContain(SAMPLE_EXTERNAL_ID);
    // Registered from the outputs alone, in the shape Qualys documents.
    const [connector] = qualys.connectors;
    expect(connector).toMatchObject({ awsAccountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/QualysCVRole` });
    const sent = JSON.stringify(qualys.writes()[0].body);
    expect(sent).toContain(
      '"connectorAppInfos":{"set":{"ConnectorAppInfoQList":[{"set":{"ConnectorAppInfo":{"name":"AI"',
    );
    expect(sent).toContain('"activation":{"set":{"ActivationModule":["VM","PC"]}}');
    // Nothing the job leaves in its temporary folder holds the external ID: the plan and the outputs were removed.
    const left = spawnSync('grep', ['-rl', '--exclude-dir=.terraform', SAMPLE_EXTERNAL_ID, firstRunner.temp], {
      encoding: 'utf8',
    });
    expect(left.stdout).toBe('');

    const writes = qualys.writes().length;
    const second = await deploy(freshRunner('second-run'));
    expect(second.steps.map((s) => [s.name, s.status, s.status === 0 ? '' : `${s.stderr}${s.stdout}`])).toEqual([
      ['Synthesis', 0, ''],
      ['Plan, review the plan, apply it', 0, ''],
      ['Register in Qualys', 0, ''],
    ]);
    expect(second.steps[1].stdout).toContain('No changes.');
    expect(second.steps[1].stdout).not.toContain('EntityAlreadyExists');
    expect(second.steps[2].stdout).toMatch(/210987654321 {2}unchanged/);
    expect(qualys.writes()).toHaveLength(writes);
  },
  scaledSeconds(600) * 1000,
);

test(
  'why the local backend is refused in CI: let through (allowInCi) on runners that do not keep their files, the second run fails with EntityAlreadyExists',
  async () => {
    const local = {
      stacks: [
        {
          ...CONFIGURATION.stacks[0],
          name: 'qualys-connector',
          backend: { type: 'local', allowInCi: true },
          connector: { ...CONFIGURATION.stacks[0].connector, roleName: 'QualysLocalStateRole' },
        },
      ],
    };
    const first = await deploy(freshRunner('local-first', local), 'local');
    expect(first.steps.slice(0, 2).map((s) => [s.name, s.status, s.status === 0 ? '' : s.stderr])).toEqual([
      ['Synthesis', 0, ''],
      ['Plan, review the plan, apply it', 0, ''],
    ]);
    const second = await deploy(freshRunner('local-second', local), 'local');
    expect(second.steps.map((s) => [s.name, s.status])).toEqual([
      ['Synthesis', 0],
      ['Plan, review the plan, apply it', 1],
    ]);
    expect(second.steps[1].stderr).toMatch(/EntityAlreadyExists: Role with name QualysLocalStateRole already exists/);
    // Without allowInCi, the synthesis refuses before any of it.
    const refused = await deploy(
      freshRunner('local-refused', { stacks: [{ ...local.stacks[0], backend: { type: 'local' } }] }),
    );
    expect(refused.steps.map((s) => [s.name, s.status === 0])).toEqual([['Synthesis', false]]);
    expect(refused.steps[0].stderr).toContain('Refused: this deploy would lose its state');
  },
  scaledSeconds(600) * 1000,
);
