import { AWS_PROVIDER_MAJORS } from '../src/rules/aws-provider';
import { scaledSeconds, spawnSyncWithDeadline } from './support/deadline';
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT, Toolchain } from './support/app-process';
import { SAMPLE_EXTERNAL_ID } from './support/configs';
import { compileAndRun, readmeLibrarySnippet } from './support/consumer';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES, PlannedChange, readJson } from './terraform/harness';

/*
 * The documented install: `npm install git+<url>#<commit>` and the toolchain the README names, into a new
 * project, once per toolchain (CDK for Terraform, CDK Terrain), judged by npm itself. npm clones the repository,
 * installs its dependencies there, runs only `prepare`, and packs the result. Each consumer then synthesizes
 * the README's library program and an organization; Terraform plans both consumers' stacks against the offline
 * provider, each at the provider version its toolchain requires, and the plans must agree. This installs the
 * repository's current commit (HEAD), as a user would name it; it needs the npm registry. Full tier.
 */
const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));

/** The README's install line for each toolchain, read from the README (the versions a consumer is told to use). */
function readmeInstall(toolchain: Toolchain): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: the construct library'));
  if (toolchain === 'cdktf') {
    const line = /```sh\nnpm install git\+<repository URL>#<commit> ([^\n]+)\n```/.exec(section);
    if (!line) throw new Error('the README has no install line for the construct library');
    return line[1].split(' ');
  }
  const line = /\*\*On CDK Terrain\*\*[\s\S]*?install `([^`]+)` instead/.exec(section);
  if (!line) throw new Error('the README does not say what to install for CDK Terrain');
  return line[1].split(' ');
}

/** The organization a consumer synthesizes with the library: planned from settings, rendered by the stack. */
const ORGANIZATION_PROGRAM = (toolchain: Toolchain) =>
  [
    `import { App } from '${toolchain}';`,
    `import { QualysOrganizationConnectorStack, planStack } from '${manifest.name}${toolchain === 'cdktn' ? '/cdktn' : ''}';`,
    '',
    'const app = new App();',
    'const plan = planStack(',
    '  {',
    "    kind: 'organization',",
    "    name: 'organization',",
    "    provider: { accountId: '111111111111' },",
    "    connector: { externalId: { variable: 'external_id' }, capabilities: ['cspm'] },",
    "    members: { organizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'], region: 'us-east-1' },",
    '  },',
    "  'organization',",
    ');',
    "if (plan.kind !== 'organization') throw new Error('not an organization');",
    'new QualysOrganizationConnectorStack(app, plan);',
    'app.synth();',
    '',
  ].join('\n');

function npmEnv(): NodeJS.ProcessEnv {
  // A user's shell, not the environment `npm test` gives its scripts.
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

const TOOLCHAINS: readonly Toolchain[] = ['cdktf', 'cdktn'];
const consumers: Partial<Record<Toolchain, { project: string; status: number | null; output: string }>> = {};
let terraform: OfflineTerraform;

beforeAll(
  () => {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    for (const toolchain of TOOLCHAINS) {
      const project = mkdtempSync(join(tmpdir(), `qualys-git-install-${toolchain}-`));
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
      );
      const run = spawnSyncWithDeadline(
        'npm',
        ['install', '--no-audit', '--no-fund', `git+file://${PROJECT_ROOT}#${commit}`, ...readmeInstall(toolchain)],
        { cwd: project, env: npmEnv(), encoding: 'utf8' },
        900,
        `npm to install the ${toolchain} consumer from git (it builds the package)`,
      );
      consumers[toolchain] = { project, status: run.status, output: `${run.stdout}${run.stderr}` };
    }
    terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, [], TOOLCHAINS);
  },
  scaledSeconds(2000) * 1000,
);

afterAll(() => {
  terraform?.dispose();
  for (const consumer of Object.values(consumers)) rmSync(consumer.project, { recursive: true, force: true });
});

const consumer = (toolchain: Toolchain) => {
  const found = consumers[toolchain];
  if (!found) throw new Error(`the ${toolchain} consumer was not installed`);
  return found;
};

/** `newer` without the null values at paths that `older` does not have: arguments only the newer schema knows. */
function withoutNewNulls(newer: unknown, older: unknown): unknown {
  if (Array.isArray(newer) && Array.isArray(older)) return newer.map((item, i) => withoutNewNulls(item, older[i]));
  if (typeof newer === 'object' && newer !== null && typeof older === 'object' && older !== null) {
    return Object.fromEntries(
      Object.entries(newer)
        .filter(([key, value]) => !(value === null && !(key in older)))
        .map(([key, value]) => [key, withoutNewNulls(value, (older as Record<string, unknown>)[key])]),
    );
  }
  return newer;
}

/** Compiles and runs a program in its own folder of the consumer project; returns the folder. */
function synthesize(toolchain: Toolchain, name: string, program: string): string {
  const folder = join(consumer(toolchain).project, name);
  mkdirSync(folder);
  symlinkSync(join(consumer(toolchain).project, 'node_modules'), join(folder, 'node_modules'), 'dir');
  const result = compileAndRun(folder, program, toolchain);
  expect([name, result.tsc, result.stderr, result.status]).toEqual([name, '', '', 0]);
  return join(folder, 'out');
}

describe.each(TOOLCHAINS)('a consumer on %s', (toolchain) => {
  test('npm installs the package from a git commit, built, with both entry points', () => {
    const { project, status, output } = consumer(toolchain);
    expect(output.slice(-2000) + `\nexit ${status}`).toMatch(/exit 0$/);
    const installed = join(project, 'node_modules', manifest.name);
    for (const file of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/cdktn/index.js',
      'dist/cdktn/index.d.ts',
      'schema/qualys-connector-config.schema.json',
      'LICENSE',
    ]) {
      expect([file, existsSync(join(installed, file))]).toEqual([file, true]);
    }
    // Only what `files` lists: no sources, tests or the build's own tooling.
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'test'))).toBe(false);
  });

  test('it gets the runtime dependencies and its own toolchain only: no other toolchain, no development tools', () => {
    const { project } = consumer(toolchain);
    const has = (name: string) => existsSync(join(project, 'node_modules', name, 'package.json'));
    const own = toolchain === 'cdktf' ? ['cdktf', '@cdktf/provider-aws'] : ['cdktn', '@cdktn/provider-aws'];
    const other = toolchain === 'cdktf' ? ['cdktn', '@cdktn/provider-aws'] : ['cdktf', '@cdktf/provider-aws'];
    for (const name of [...own, 'constructs', ...Object.keys(manifest.dependencies)]) {
      expect([name, has(name)]).toEqual([name, true]);
    }
    for (const name of [
      ...other,
      'typescript',
      'jest',
      'cdktf-cli',
      'cdktn-cli',
      '@cloud-copilot/iam-simulate',
      'tsx',
    ]) {
      expect([name, has(name)]).toEqual([name, false]);
    }
  });
});

describe('the two consumers synthesize the same stacks, and Terraform plans them alike', () => {
  const programs = (toolchain: Toolchain) => ({
    readme: readmeLibrarySnippet(toolchain),
    organization: ORGANIZATION_PROGRAM(toolchain),
  });
  const stacks: Record<string, Partial<Record<Toolchain, string>>> = {};

  beforeAll(() => {
    for (const toolchain of TOOLCHAINS) {
      for (const [name, program] of Object.entries(programs(toolchain))) {
        const out = synthesize(toolchain, name, program);
        const stack = name === 'readme' ? 'security' : 'organization';
        (stacks[name] ??= {})[toolchain] = join(out, 'stacks', stack);
      }
    }
  }, 120000);

  test.each(['readme', 'organization'])(
    "the %s program: the same resources, and each toolchain's provider version",
    (name) => {
      const [cdktf, cdktn] = TOOLCHAINS.map((t) => readJson(join(stacks[name][t] as string, 'cdk.tf.json')));
      expect(Object.keys(cdktf.resource as object).length).toBeGreaterThan(0);
      expect(cdktn.resource).toEqual(cdktf.resource);
      expect(cdktn.output).toEqual(cdktf.output);
      expect(cdktn.variable).toEqual(cdktf.variable);
      const providerOf = (json: Record<string, unknown>) =>
        (json.terraform as { required_providers: { aws: { version: string } } }).required_providers.aws.version;
      expect([providerOf(cdktf), providerOf(cdktn)]).toEqual([
        terraform.providerVersions.cdktf,
        terraform.providerVersions.cdktn,
      ]);
    },
  );

  test.each(['readme', 'organization'])('the %s program: the plans of both consumers agree', (name) => {
    const planned = (toolchain: Toolchain): Pick<PlannedChange, 'address' | 'actions' | 'after'>[] => {
      const dir = stacks[name][toolchain] as string;
      const declared = readJson(join(dir, 'cdk.tf.json')).variable as Record<string, unknown> | undefined;
      const workspace = terraform.workspace(dir, declared?.external_id ? { external_id: SAMPLE_EXTERNAL_ID } : {});
      return workspace.plan().changes.map(({ address, actions, after }) => ({ address, actions, after }));
    };
    const cdktf = planned('cdktf');
    expect(cdktf.length).toBeGreaterThan(0);
    expect(cdktf.every((change) => change.actions.join() === 'create')).toBe(true);
    // The newer provider has arguments the older lacks (auto_deployment.depends_on_stack_sets of a stack set):
    // left unset, they plan as null. Any other difference fails.
    expect(withoutNewNulls(planned('cdktn'), cdktf)).toEqual(cdktf);
  });
});

// Last: it swaps the CDK for Terraform consumer's bindings for those of AWS provider 5.
describe('the CDK for Terraform consumer on AWS provider 5, as the README says', () => {
  let v5: Record<'readme' | 'organization', Record<string, unknown>>;
  let v6: Record<'readme' | 'organization', Record<string, unknown>>;

  beforeAll(
    () => {
      const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
      const bindings = /On AWS provider 5 \(`hashicorp\/aws ~> 5\.0`\), install `([^`]+)` instead/.exec(readme)?.[1];
      if (!bindings) throw new Error('the README does not say what to install for AWS provider 5');
      const { project } = consumer('cdktf');
      const stackOf = (name: 'readme' | 'organization', dir: string) =>
        readJson(join(dir, 'stacks', name === 'readme' ? 'security' : 'organization', 'cdk.tf.json'));
      v6 = {
        readme: stackOf('readme', join(project, 'readme', 'out')),
        organization: stackOf('organization', join(project, 'organization', 'out')),
      };
      const install = spawnSyncWithDeadline(
        'npm',
        ['install', '--no-audit', '--no-fund', bindings],
        { cwd: project, env: npmEnv(), encoding: 'utf8' },
        600,
        `npm to install ${bindings} into the consumer`,
      );
      if (install.status !== 0) throw new Error(`npm refused ${bindings}: ${install.stdout}${install.stderr}`);
      v5 = {
        readme: stackOf('readme', synthesize('cdktf', 'readme-aws5', readmeLibrarySnippet('cdktf'))),
        organization: stackOf('organization', synthesize('cdktf', 'organization-aws5', ORGANIZATION_PROGRAM('cdktf'))),
      };
    },
    scaledSeconds(900) * 1000,
  );

  test.each(['readme', 'organization'] as const)(
    'the %s program: the provider 5 requirement and member-region argument, nothing else differs',
    (name) => {
      const five = v5[name];
      const six = structuredClone(v6[name]) as typeof five & {
        terraform: { required_providers: { aws: { version: string } } };
        resource: Record<string, Record<string, Record<string, unknown>>>;
      };
      six.terraform.required_providers.aws.version = AWS_PROVIDER_MAJORS[5].testedVersions[0];
      for (const instance of Object.values(six.resource.aws_cloudformation_stack_set_instance ?? {})) {
        instance[AWS_PROVIDER_MAJORS[5].memberRegionArgument] = instance[AWS_PROVIDER_MAJORS[6].memberRegionArgument];
        delete instance[AWS_PROVIDER_MAJORS[6].memberRegionArgument];
      }
      // cdktf's default local backend names the folder the program ran in, which differs by design.
      const withoutBackend = (json: Record<string, unknown>) => {
        const copy = structuredClone(json) as { terraform?: { backend?: unknown } };
        delete copy.terraform?.backend;
        return copy;
      };
      expect(withoutBackend(five)).toEqual(withoutBackend(six));
    },
  );
});
