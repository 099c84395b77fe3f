import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';
import { SAMPLE_EXTERNAL_ID } from './support/configs';
import { exampleConfigs, sharedOutdir, synthesizeExamples } from './support/examples';
import { projectScratch, releaseScratch, sharedSynthesisDir } from './support/scratch';
import { OfflineTerraform, SavedPlan, readJson, typesUsed } from './terraform/harness';

/*
 * CDK Terrain, the continuation of CDK for Terraform. The app built for cdktn (QUALYS_CONNECTOR_TOOLCHAIN=cdktn)
 * synthesizes the default configuration and every example; each synthesis equals the cdktf one (the global
 * setup's) except where the toolchains must differ: the version each writes into its metadata and the AWS
 * provider requirement of its bindings. Terraform then checks the cdktn stacks against the schema of the provider
 * version they require, and proves the move: each stack applied as the cdktf build made it (provider 6.25) plans
 * no change as the cdktn build makes it (provider 6.66, after the `init -upgrade` the cdktn CLI runs itself).
 * Full tier.
 */

const versionOf = (name: string) =>
  (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;

interface Difference {
  readonly file: string;
  readonly path: string;
  readonly cdktf: unknown;
  readonly cdktn: unknown;
}

/** Every leaf where two JSON values differ, as a dotted path. */
function differences(file: string, a: unknown, b: unknown, path = ''): Difference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differences(file, a[key], b[key], path === '' ? key : `${path}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ file, path, cdktf: a, cdktn: b }];
}

/** Every file of a synthesis, relative to its folder. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

const examples = exampleConfigs().map(({ name }) => name);
const cdktfRoot = sharedSynthesisDir();
// Beside the shared cdktf synthesis, at the same depth: a local backend's state path is relative to the project.
const cdktnRoot = projectScratch('cdktn');
let terraform: OfflineTerraform;

beforeAll(async () => {
  await synthesizeExamples(cdktnRoot, 2, 'cdktn');
  const configs = examples.flatMap((name) => {
    const stacks = join(sharedOutdir(cdktnRoot, name), 'stacks');
    return readdirSync(stacks).map((stack) => readJson(join(stacks, stack, 'cdk.tf.json')));
  });
  const used = typesUsed(configs);
  terraform = new OfflineTerraform(used.resources, used.dataSources, ['cdktf', 'cdktn']);
}, 120000);
afterAll(() => {
  terraform?.dispose();
  releaseScratch(cdktnRoot);
});

test('the two toolchains bind different AWS provider versions (else this file proves nothing new)', () => {
  expect(terraform.providerVersions.cdktf).not.toEqual(terraform.providerVersions.cdktn);
});

describe.each(examples)('%s', (example) => {
  const cdktfDir = () => sharedOutdir(cdktfRoot, example);
  const cdktnDir = () => sharedOutdir(cdktnRoot, example);
  const stacksOf = () => readdirSync(join(cdktfDir(), 'stacks')).sort();

  test('cdktn writes the same files as cdktf, differing only in the toolchain version and the provider requirement', () => {
    expect(files(cdktnDir())).toEqual(files(cdktfDir()));
    const found = files(cdktfDir()).flatMap((file) =>
      differences(file, readJson(join(cdktfDir(), file)), readJson(join(cdktnDir(), file))),
    );
    const expected = [
      { file: 'manifest.json', path: 'version', cdktf: versionOf('cdktf'), cdktn: versionOf('cdktn') },
      ...stacksOf().flatMap((stack) => {
        const file = join('stacks', stack, 'cdk.tf.json');
        return [
          { file, path: '//.metadata.version', cdktf: versionOf('cdktf'), cdktn: versionOf('cdktn') },
          // The same provider address: Terraform reads "aws" as "hashicorp/aws" of the public registry.
          { file, path: 'terraform.required_providers.aws.source', cdktf: 'aws', cdktn: 'hashicorp/aws' },
          {
            file,
            path: 'terraform.required_providers.aws.version',
            cdktf: terraform.providerVersions.cdktf,
            cdktn: terraform.providerVersions.cdktn,
          },
        ];
      }),
    ];
    expect(found).toEqual(expected);
  });

  test('each cdktn stack is valid for the provider version it requires', () => {
    for (const stack of stacksOf()) {
      const result = terraform.validate(join(cdktnDir(), 'stacks', stack));
      expect([stack, result.init.stderr, result.stderr, result.status]).toEqual([stack, '', '', 0]);
      expect(result.init.stdout).toContain(`Installing hashicorp/aws v${terraform.providerVersions.cdktn}`);
    }
  });

  test('a stack deployed with cdktf plans no change once cdktn synthesizes it (the move keeps state and addresses)', () => {
    for (const stack of stacksOf()) {
      const folder = (toolchain: string, dir: string) => {
        const copy = join(terraform.root, 'move', example, stack, toolchain);
        mkdirSync(copy, { recursive: true });
        const json = readJson(join(dir, 'stacks', stack, 'cdk.tf.json'));
        // The stand-in gives a CloudFormation stack no outputs to read; outputs hold no resource.
        writeFileSync(join(copy, 'cdk.tf.json'), JSON.stringify({ ...json, output: undefined }));
        return copy;
      };
      const before = folder('cdktf', cdktfDir());
      const declared = readJson(join(before, 'cdk.tf.json')).variable as Record<string, unknown> | undefined;
      const variables: Record<string, string> = declared?.external_id ? { external_id: SAMPLE_EXTERNAL_ID } : {};
      const workspace = terraform.workspace(before, variables);
      workspace.apply();
      workspace.reconfigure(folder('cdktn', cdktnDir()));
      // What the cdktn CLI does when the lock file pins another version than the stack requires.
      const upgrade = workspace.run(['init', '-upgrade', '-input=false']);
      expect([stack, upgrade.stderr, upgrade.status]).toEqual([stack, '', 0]);
      expect(upgrade.stdout).toContain(`Installing hashicorp/aws v${terraform.providerVersions.cdktn}`);
      const plan: SavedPlan = workspace.plan();
      expect([stack, plan.byAction]).toEqual([stack, {}]);
      expect(plan.changes.length).toBeGreaterThan(0);
    }
  });
});

test('the library entry point for cdktn is the compiled library with only its toolchain imports swapped', () => {
  // Built by `npm run build` (scripts/build-cdktn.cjs); the package tests install it.
  const dist = join(PROJECT_ROOT, 'dist');
  const compiled = files(join(dist, 'src')).filter((f) => /\.(js|d\.ts)$/.test(f));
  expect(files(join(dist, 'cdktn'))).toEqual(compiled);
  const imports = (text: string) =>
    [...text.matchAll(/(?:require\(|from |import\()["']([^"']+)["']/g)].map((m) => m[1]);
  for (const file of compiled) {
    const original = readFileSync(join(dist, 'src', file), 'utf8');
    const swapped = readFileSync(join(dist, 'cdktn', file), 'utf8');
    const expected = imports(original).map((specifier) =>
      specifier.replace(/^cdktf$/, 'cdktn').replace(/^@cdktf\/provider-aws\//, '@cdktn/provider-aws/'),
    );
    expect([file, imports(swapped)]).toEqual([file, expected]);
    // Nothing else changed: put the old names back and the files are the same.
    const restored = swapped
      .replace(/(["'])cdktn\1/g, '$1cdktf$1')
      .replace(/(["'])@cdktn\/provider-aws\//g, '$1@cdktf/provider-aws/');
    expect([file, restored === original]).toEqual([file, true]);
  }
});
