import { App } from 'cdktf';
import { existsSync, readFileSync } from 'fs';
import { resolve } from 'path';
import { parseOrThrow } from './config/issues';
import { AppConfig, appConfigSchema } from './config/schema';
import { QualysAccountConnectorStack } from './constructs/account-connector-stack';
import { checkOrganizationStack } from './connector/organization';
import { QualysOrganizationConnectorStack } from './constructs/organization-connector-stack';
import { ConfigurationError } from './errors';

/** Environment variable holding the path of the configuration file. */
export const CONFIG_ENV_VAR = 'QUALYS_CONNECTOR_CONFIG';

/**
 * The configuration used when none is given: one account, AssetView + CSPM, Qualys global account, external
 * ID from a sensitive Terraform variable, so `cdktf synth` needs no input at all.
 */
export const DEFAULT_CONFIG: AppConfig = {
  stacks: [
    {
      kind: 'account',
      name: 'qualys-connector',
      connector: { externalId: { variable: 'external_id' }, capabilities: ['cspm'] },
    },
  ],
};

/** Where the configuration comes from: `--config <file>` first, then the environment variable, else the default. */
export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const index = argv.indexOf('--config');
  if (index >= 0) {
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new ConfigurationError([{ field: '--config', value: '(missing)', rule: 'must be followed by the path of a configuration file' }]);
    }
    return value;
  }
  const fromEnv = env[CONFIG_ENV_VAR];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Reads and validates a configuration file; every problem is reported with its field. */
export function loadConfig(path: string | undefined): AppConfig {
  if (path === undefined) return DEFAULT_CONFIG;
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ConfigurationError([{ field: CONFIG_ENV_VAR, value: JSON.stringify(path), rule: 'must name an existing configuration file' }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new ConfigurationError([{ field: path, value: '(file)', rule: `must be valid JSON: ${(error as Error).message}` }]);
  }
  return parseConfig(data, path);
}

export function parseConfig(data: unknown, source = 'config'): AppConfig {
  const config = parseOrThrow(appConfigSchema, data, '', `Invalid Qualys connector configuration in ${source}`);
  // Checks that need the rendered roles (e.g. template size) also run before anything is written.
  config.stacks.forEach((stack, i) => {
    if (stack.kind === 'organization') checkOrganizationStack(stack, `stacks[${i}]`);
  });
  return config;
}

/** Builds every stack of a configuration into an app; construct props are validated as the stacks are built. */
export function buildApp(config: AppConfig, app: App = new App()): App {
  config.stacks.forEach((stack, i) => {
    if (stack.kind === 'organization') new QualysOrganizationConnectorStack(app, stack, `stacks[${i}]`);
    else new QualysAccountConnectorStack(app, stack);
  });
  return app;
}
