import { App } from 'cdktf';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'fs';
import { join } from 'path';
import { configPathFrom, describeConfigSource, loadConfig, planConfiguration } from '../config/load';
import { ConfigurationError } from '../rules/errors';
import { AppConfig } from '../config/schema';
import { QualysAccountConnectorStack } from '../render/cdktf/account-connector-stack';
import { QualysOrganizationConnectorStack } from '../render/cdktf/organization-connector-stack';
import { localStatePath } from '../render/cdktf/stack-parts';
import { ciStateProblems } from '../plan/stack-facts';

// Reading a configuration needs no cdktf (the review command reads them too): it lives in config/load.
export {
  describeConfigSource,
  CONFIG_ENV_VAR,
  DEFAULT_CONFIG,
  configPathFrom,
  lineAndColumn,
  loadConfig,
  parseConfig,
  planConfiguration,
} from '../config/load';
export type { ConfigOrigin, ConfigSource } from '../config/load';

/**
 * Set to `1` by `npm run deploy` (and by a pipeline that synthesizes what it will apply): the synthesis is for a
 * deploy, so the checks a deploy needs apply too (the state backend in CI).
 */
export const DEPLOY_VARIABLE = 'QUALYS_CONNECTOR_DEPLOY';

/** The output folder `cdktf synth` asks for (`--output` reaches the app as CDKTF_OUTDIR). */
export function outputFolder(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDKTF_OUTDIR || 'cdktf.out';
}

/**
 * Builds every stack of a configuration into an app; construct props are validated as the stacks are built.
 * Without an app, the output folder is checked against the local backends first, so a rejected folder is
 * not even created.
 */
export function buildApp(config: AppConfig, app?: App, outdir = outputFolder()): App {
  const plans = planConfiguration(config);
  if (app === undefined) {
    for (const plan of plans)
      if (plan.stack.backend.type === 'local') localStatePath(outdir, plan.stack.name, plan.stack.backend.path);
    mkdirSync(outdir, { recursive: true });
  }
  // cdktf's validations run `terraform version` for the moved and import blocks (Terraform 1.5 or later):
  // a child process per synthesis, and a failure without Terraform on the PATH. Every stack states its own
  // floor (required_version 1.11), which Terraform itself enforces.
  const target = app ?? new App({ skipValidation: true, outdir });
  for (const plan of plans) {
    if (plan.kind === 'organization') new QualysOrganizationConnectorStack(target, plan);
    else new QualysAccountConnectorStack(target, plan);
  }
  return target;
}

/**
 * After a failed synthesis, the stacks an earlier synthesis left in the output folder no longer match the
 * configuration: removes them (and the manifest that lists them) so nothing stale looks valid. Returns the
 * names of the stacks removed.
 */
export function removeStaleOutput(outdir: string): string[] {
  const manifestFile = join(outdir, 'manifest.json');
  if (!existsSync(manifestFile)) return [];
  let stacks: string[] = [];
  try {
    stacks = Object.keys((JSON.parse(readFileSync(manifestFile, 'utf8')) as { stacks?: object }).stacks ?? {});
  } catch {
    // An unreadable manifest is removed all the same.
  }
  for (const stack of stacks) rmSync(join(outdir, 'stacks', stack), { recursive: true, force: true });
  rmSync(manifestFile, { force: true });
  return stacks;
}

/**
 * cdktf captures and formats a whole stack trace for every token it creates, to say where an unresolved token
 * came from; a plan that passed the checks has none, and formatting them is a tenth of a large organization's
 * synthesis. Traces of the plain objects cdktf captures into are left empty while `run` runs; errors keep
 * theirs (formatted as V8 does).
 */
function withoutTokenTraces<T>(run: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (target: unknown, frames: NodeJS.CallSite[]) => {
    if (!(target instanceof Error)) return '';
    return previous
      ? previous(target, frames)
      : [String(target), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
  try {
    return run();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** Stack folders of the output that the last synthesis did not write: removed, as `cdktf synth` does. */
function removeOrphanedStacks(outdir: string, synthesized: readonly string[]): void {
  const folder = join(outdir, 'stacks');
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !synthesized.includes(entry.name))
      rmSync(join(folder, entry.name), { recursive: true, force: true });
  }
}

/**
 * The app's whole run: the configuration the command line names (by the rule every command follows), its
 * plans, the stacks, the synthesis, and one line saying what was read and written; a bad input is printed
 * once, with nothing stale left behind. Returns the exit code.
 */
export function runAppCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): number {
  const outdir = outputFolder(env);
  try {
    const source = configPathFrom(argv, env);
    const config = loadConfig(source);
    if (env[DEPLOY_VARIABLE] === '1') {
      const problems = ciStateProblems(
        planConfiguration(config).map((plan) => plan.stack),
        env,
      );
      if (problems.length > 0) throw new ConfigurationError(problems, 'Refused: this deploy would lose its state');
    }
    withoutTokenTraces(() => buildApp(config, undefined, outdir).synth());
    const names = config.stacks.map((stack) => stack.name);
    removeOrphanedStacks(outdir, names);
    out.write(`Synthesized ${names.join(', ')} into ${join(outdir, 'stacks')} from ${describeConfigSource(source)}.\n`);
    return 0;
  } catch (error) {
    const removed = removeStaleOutput(outdir);
    if (!(error instanceof ConfigurationError)) throw error;
    err.write(`${error.message}\n`);
    if (removed.length > 0) {
      err.write(
        `Removed the earlier output of ${removed.join(', ')} from ${outdir}: it no longer matches the configuration.\n`,
      );
    }
    return 1;
  }
}
