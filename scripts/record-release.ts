// npm run record-release: keeps what this version synthesizes for every example (and the default
// configuration) as fixtures under test/fixtures/releases/<version>/, so later versions are tested as
// upgrades from it: the Terraform plan against its applied state, and CloudFormation's view of the change
// of its templates. Run it once per release, after the version in package.json is set, and commit the files.
import { App } from 'cdktf';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { buildApp, DEFAULT_CONFIG, loadConfig } from '../src/tools/app';

const ROOT = join(__dirname, '..');
export const RELEASES_DIR = join(ROOT, 'test', 'fixtures', 'releases');

/** The configurations a release is recorded for: the default one and every example, by name. */
export function releaseConfigurations(): Record<string, string | undefined> {
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  return {
    default: undefined,
    ...Object.fromEntries(examples.map((f) => [f.replace(/\.json$/, ''), join(ROOT, 'examples', f)])),
  };
}

/** A template body as CloudFormation receives it: Terraform reads `$${` and `%%{` as `${` and `%{`. */
function templateOf(body: unknown): unknown {
  if (typeof body !== 'string' || /(^|[^$%])[$%]\{/.test(body.replace(/([$%])\1\{/g, '')))
    throw new Error("a template body is not a literal: record this release from Terraform's plan instead");
  return JSON.parse(body.replace(/([$%])\1\{/g, '$1{'));
}

/** Writes `<version>/<configuration>/<stack>.tf.json` and, for organizations, the templates the stack deploys. */
export function recordSynthesis(
  version: string,
  configuration: string,
  stacks: Record<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>,
): void {
  const dir = join(RELEASES_DIR, version, configuration);
  mkdirSync(dir, { recursive: true });
  for (const [name, stack] of Object.entries(stacks)) {
    writeFileSync(join(dir, `${name}.tf.json`), `${JSON.stringify(stack, null, 2)}\n`);
    for (const set of Object.values(stack.resource?.aws_cloudformation_stack_set ?? {})) {
      writeFileSync(
        join(dir, `${name}.member-template.json`),
        `${JSON.stringify(templateOf(set.template_body), null, 2)}\n`,
      );
    }
    for (const managed of Object.values(stack.resource?.aws_cloudformation_stack ?? {})) {
      writeFileSync(
        join(dir, `${name}.management-template.json`),
        `${JSON.stringify(templateOf(managed.template_body), null, 2)}\n`,
      );
    }
  }
}

if (require.main === module) {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  rmSync(join(RELEASES_DIR, version), { recursive: true, force: true });
  for (const [name, file] of Object.entries(releaseConfigurations())) {
    const outdir = join(ROOT, '.test-output', `record-${version}-${name}`);
    // Inside the project: a stack with a local backend writes its state path relative to it.
    try {
      const config = file === undefined ? DEFAULT_CONFIG : loadConfig(file);
      buildApp(config, new App({ outdir })).synth();
      const stacks = Object.fromEntries(
        config.stacks.map((s) => [
          s.name,
          JSON.parse(readFileSync(join(outdir, 'stacks', s.name, 'cdk.tf.json'), 'utf8')),
        ]),
      );
      recordSynthesis(version, name, stacks);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
    process.stdout.write(`recorded ${version}/${name}\n`);
  }
}
