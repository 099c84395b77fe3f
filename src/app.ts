import { App } from 'cdktf';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { parseOrThrow } from './config/issues';
import { AppConfig, appConfigSchema } from './config/schema';
import { QualysAccountConnectorStack } from './constructs/account-connector-stack';
import { checkOrganizationStack } from './connector/organization';
import { QualysOrganizationConnectorStack } from './constructs/organization-connector-stack';
import { localStatePath } from './constructs/stack-parts';
import { ConfigurationError, InputProblem } from './errors';

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

/** Where a configuration file was named: the command line option or the environment variable. */
export type ConfigOrigin = '--config' | typeof CONFIG_ENV_VAR;

/** A configuration file and where the user named it (error messages name what the user actually used). */
export interface ConfigSource {
  readonly path: string;
  readonly origin: ConfigOrigin;
}

const CONFIG_OPTION = '--config';

/**
 * Where the configuration comes from: `--config <file>` (or `--config=<file>`) after the app command, or the
 * environment variable, else the built-in default. Anything that shows the user meant a configuration but
 * does not name one is an error, never the default: an empty variable, an option without a file, an
 * unknown argument, the option twice. Naming a file both ways is rejected too, so no one has to remember
 * which would win.
 */
export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigSource | undefined {
  const problems: InputProblem[] = [];
  const fromArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === CONFIG_OPTION || arg.startsWith(`${CONFIG_OPTION}=`)) {
      const inline = arg.startsWith(`${CONFIG_OPTION}=`);
      const value = inline ? arg.slice(CONFIG_OPTION.length + 1) : argv[i + 1];
      if (!inline) i++;
      if (value === undefined || value === '' || (!inline && value.startsWith('-'))) {
        problems.push({ field: CONFIG_OPTION, value: value === undefined ? '(missing)' : JSON.stringify(value), rule: 'must be followed by the path of a configuration file' });
        if (!inline && value !== undefined && value.startsWith('-')) i--;
      } else {
        fromArgs.push(value);
      }
    } else {
      problems.push({ field: 'arguments', value: JSON.stringify(arg), rule: `is not an option of the app; the only one is ${CONFIG_OPTION} <file>` });
    }
  }
  if (fromArgs.length > 1) {
    problems.push({ field: CONFIG_OPTION, value: fromArgs.map((a) => JSON.stringify(a)).join(', '), rule: 'may be given once' });
  }
  const fromEnv = env[CONFIG_ENV_VAR];
  if (fromEnv !== undefined && fromEnv.trim() === '') {
    problems.push({ field: CONFIG_ENV_VAR, value: JSON.stringify(fromEnv), rule: 'is set but empty: name a configuration file, or unset it for the default configuration' });
  }
  if (fromEnv !== undefined && fromEnv.trim() !== '' && fromArgs.length > 0) {
    problems.push({
      field: `${CONFIG_OPTION} and ${CONFIG_ENV_VAR}`,
      value: `${JSON.stringify(fromArgs[0])} and ${JSON.stringify(fromEnv)}`,
      rule: 'name the configuration file one way only: unset the variable or drop the option',
    });
  }
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid Qualys connector command line');
  if (fromArgs.length === 1) return { path: fromArgs[0], origin: CONFIG_OPTION };
  return fromEnv === undefined ? undefined : { path: fromEnv, origin: CONFIG_ENV_VAR };
}

/** 1-based line and column of a character offset, for JSON syntax errors. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Node's JSON.parse message without its character offset, and where the error is as line and column. */
function jsonSyntaxProblem(text: string, error: Error): string {
  const match = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/.exec(error.message);
  const offset = match ? Number(match[1]) : text.length;
  const reason = (match ? error.message.replace(match[0], '') : error.message).replace(/ in JSON$/, '');
  const { line, column } = lineAndColumn(text, offset);
  return `must be valid JSON: ${reason} at line ${line}, column ${column}`;
}

/** Reads and validates a configuration file; every problem is reported with its field. */
export function loadConfig(source: ConfigSource | string | undefined): AppConfig {
  if (source === undefined) return DEFAULT_CONFIG;
  const { path, origin } = typeof source === 'string' ? { path: source, origin: 'configuration file' } : source;
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ConfigurationError([{ field: origin, value: JSON.stringify(path), rule: 'must name an existing configuration file (relative to the project folder)' }]);
  }
  const text = readFileSync(absolute, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError([{ field: path, value: '(file)', rule: jsonSyntaxProblem(text, error as Error) }]);
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
  if (app === undefined) {
    for (const stack of config.stacks) {
      if (stack.backend?.type !== 's3') localStatePath(outputFolder(), stack.name, stack.backend?.path ?? `terraform.${stack.name}.tfstate`);
    }
  }
  if (app === undefined) mkdirSync(outputFolder(), { recursive: true });
  const target = app ?? new App();
  config.stacks.forEach((stack, i) => {
    if (stack.kind === 'organization') new QualysOrganizationConnectorStack(target, stack, `stacks[${i}]`);
    else new QualysAccountConnectorStack(target, stack);
  });
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
