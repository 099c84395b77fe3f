import { App } from 'cdktf';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { planConfiguration } from '../config/load';
import { AppConfig } from '../config/schema';
import { QualysAccountConnectorStack } from '../render/cdktf/account-connector-stack';
import { QualysOrganizationConnectorStack } from '../render/cdktf/organization-connector-stack';
import { localStatePath } from '../render/cdktf/stack-parts';

// Reading a configuration needs no cdktf (the review command reads them too): it lives in config/load.
export {
  CONFIG_ENV_VAR,
  DEFAULT_CONFIG,
  configPathFrom,
  lineAndColumn,
  loadConfig,
  parseConfig,
  planConfiguration,
} from '../config/load';
export type { ConfigOrigin, ConfigSource } from '../config/load';

/** The output folder `cdktf synth` asks for (`--output` reaches the app as CDKTF_OUTDIR). */
export function outputFolder(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDKTF_OUTDIR || 'cdktf.out';
}

/**
 * Builds every stack of a configuration into an app; construct props are validated as the stacks are built.
 * Without an app, the output folder is checked against the local backends first, so a rejected folder is
 * not even created.
 */
export function buildApp(config: AppConfig, app?: App): App {
  const plans = planConfiguration(config);
  if (app === undefined) {
    for (const plan of plans)
      if (plan.stack.backend.type === 'local') localStatePath(outputFolder(), plan.stack.name, plan.stack.backend.path);
    mkdirSync(outputFolder(), { recursive: true });
  }
  const target = app ?? new App();
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
