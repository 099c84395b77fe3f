import { existsSync, readFileSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { StackPlan, planStack } from '../plan/stack';
import { templateSizeProblems } from '../render/cloudformation/organization-templates';
import { ConfigurationError, InputProblem, showValue } from '../rules/errors';
import { parseOrThrow } from './issues';
import { AppConfig, accountStackSchema, appConfigSchema, organizationStackSchema, stackSchema } from './schema';
import { StackSettings } from '../plan/settings';
import { didYouMean } from '../rules/suggest';

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

/** The configuration file a project folder holds, used when no file is named. */
export const PROJECT_CONFIG_FILE = 'qualys-connector.json';

/** Where a configuration file was named: the command line option, the environment variable, or the project folder's file. */
export type ConfigOrigin = '--config' | '--base-config' | typeof CONFIG_ENV_VAR | typeof PROJECT_CONFIG_FILE;

/** A configuration file and where the user named it (error messages name what the user actually used). */
export interface ConfigSource {
  readonly path: string;
  readonly origin: ConfigOrigin;
}

const CONFIG_OPTION = '--config';

const COMMAND_LINE = 'Invalid Qualys connector command line';

/** The variable set but empty is what an undefined CI variable expands to: an error, never the default. */
function emptyVariableProblems(env: NodeJS.ProcessEnv): InputProblem[] {
  const fromEnv = env[CONFIG_ENV_VAR];
  if (fromEnv === undefined || fromEnv.trim() !== '') return [];
  return [
    {
      field: CONFIG_ENV_VAR,
      value: JSON.stringify(fromEnv),
      rule: 'is set but empty: name a configuration file, or unset it for the default configuration',
    },
  ];
}

/**
 * The one rule every command follows to find its configuration: `--config <file>` when given; else
 * `qualys-connector.json` in the project folder when it exists; else the file `QUALYS_CONNECTOR_CONFIG` names;
 * else (undefined) the built-in default. `configArg` is the `--config` value the command read. Naming a file
 * with the option and the variable, or the project's file and a variable naming another, is an error, so no
 * one has to remember which wins.
 */
export function configSource(
  configArg: string | undefined,
  env: NodeJS.ProcessEnv,
  projectDir: string,
): ConfigSource | undefined {
  const problems = emptyVariableProblems(env);
  const fromEnv = env[CONFIG_ENV_VAR];
  if (configArg !== undefined && fromEnv !== undefined && fromEnv.trim() !== '') {
    problems.push({
      field: `${CONFIG_OPTION} and ${CONFIG_ENV_VAR}`,
      value: `${JSON.stringify(configArg)} and ${JSON.stringify(fromEnv)}`,
      rule: 'name the configuration file one way only: unset the variable or drop the option',
    });
  }
  const projectFile = join(projectDir, PROJECT_CONFIG_FILE);
  const hasProjectFile = configArg === undefined && existsSync(projectFile);
  if (
    hasProjectFile &&
    fromEnv !== undefined &&
    fromEnv.trim() !== '' &&
    resolve(projectDir, fromEnv) !== resolve(projectFile)
  ) {
    problems.push({
      field: CONFIG_ENV_VAR,
      value: JSON.stringify(fromEnv),
      rule: `names another file than the project folder's ${PROJECT_CONFIG_FILE}: name the configuration one way only (--config, or unset the variable)`,
    });
  }
  if (problems.length > 0) throw new ConfigurationError(problems, COMMAND_LINE);
  if (configArg !== undefined) return { path: configArg, origin: CONFIG_OPTION };
  if (hasProjectFile) return { path: projectFile, origin: PROJECT_CONFIG_FILE };
  return fromEnv === undefined ? undefined : { path: fromEnv, origin: CONFIG_ENV_VAR };
}

/**
 * The app's command line: `--config <file>` (or `--config=<file>`) and nothing else, then the rule of
 * `configSource`. Anything that shows the user meant a configuration but does not name one is an error, never
 * the default: an option without a file, an unknown argument, the option twice.
 */
export function configPathFrom(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  projectDir = process.cwd(),
): ConfigSource | undefined {
  const problems: InputProblem[] = [];
  const fromArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg !== CONFIG_OPTION && !arg.startsWith(`${CONFIG_OPTION}=`)) {
      problems.push({
        field: 'arguments',
        value: JSON.stringify(arg),
        rule: `is not an option of the app; the only one is ${CONFIG_OPTION} <file>`,
      });
      continue;
    }
    const inline = arg.startsWith(`${CONFIG_OPTION}=`);
    const value = inline ? arg.slice(CONFIG_OPTION.length + 1) : argv[i + 1];
    if (!inline) i++;
    if (value === undefined || value === '' || (!inline && value.startsWith('-'))) {
      problems.push({
        field: CONFIG_OPTION,
        value: value === undefined ? '(missing)' : JSON.stringify(value),
        rule: 'must be followed by the path of a configuration file',
      });
      if (!inline && value !== undefined && value.startsWith('-')) i--;
    } else fromArgs.push(value);
  }
  if (fromArgs.length > 1) {
    problems.push({
      field: CONFIG_OPTION,
      value: fromArgs.map((a) => JSON.stringify(a)).join(', '),
      rule: 'may be given once',
    });
  }
  let source: ConfigSource | undefined;
  try {
    source = configSource(fromArgs[0], env, projectDir);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ConfigurationError(problems, COMMAND_LINE);
  return source;
}

/** Which configuration a command read, in words: printed so no one wonders. */
export function describeConfigSource(source: ConfigSource | undefined): string {
  if (source === undefined) {
    return `the built-in default configuration (no ${CONFIG_OPTION}, no ${PROJECT_CONFIG_FILE} in the project folder, ${CONFIG_ENV_VAR} unset)`;
  }
  if (source.origin === PROJECT_CONFIG_FILE) return `${PROJECT_CONFIG_FILE} (the project folder's file)`;
  return `${source.path} (${source.origin})`;
}

/** 1-based line and column of a character offset, for JSON syntax errors. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** What a file that is not JSON looks like instead, when it is clearly something else. */
function otherFormat(path: string, text: string): string | undefined {
  if (/\.ya?ml$/i.test(path)) return 'YAML (by its name)';
  if (/\.toml$/i.test(path)) return 'TOML (by its name)';
  const first = text.replace(/^\uFEFF/, '').trimStart();
  if (first === '') return 'empty';
  if (/^---|^[A-Za-z_$][\w$-]*\s*:/.test(first)) return 'YAML ("key: value" lines)';
  if (/^\[[A-Za-z_][\w.-]*\]/.test(first)) return 'TOML (a [table] header)';
  return undefined;
}

/** Node's JSON.parse message without its character offset, and where the error is as line and column. */
function jsonSyntaxProblem(path: string, text: string, error: Error): string {
  const format = otherFormat(path, text);
  if (format !== undefined) {
    return `must be JSON: the configuration file is JSON only, and this one is ${format}; write it as JSON (the schema in schema/ helps an editor), e.g. {"stacks": [...]}`;
  }
  const match = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/.exec(error.message);
  // Node quotes the text around the error ("...": EU2-27..."), which may hold an external ID: never shown.
  const reason = (match ? error.message.replace(match[0], '') : error.message)
    .replace(/ in JSON$/, '')
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  if (!match || Number(match[1]) >= text.trimEnd().length) {
    // The text ended before the JSON did: the last line with text, not the empty one after the final newline.
    const lastLine = text.trimEnd().split('\n').length;
    return `must be valid JSON: ${reason} at the end of the file (line ${lastLine}): a bracket or brace is not closed`;
  }
  const { line, column } = lineAndColumn(text, Number(match[1]));
  return `must be valid JSON: ${reason} at line ${line}, column ${column}`;
}

/** Reads and validates a configuration file; every problem is reported with its field. */
export function loadConfig(source: ConfigSource | string | undefined): AppConfig {
  if (source === undefined) return DEFAULT_CONFIG;
  const { path, origin } = typeof source === 'string' ? { path: source, origin: 'configuration file' } : source;
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ConfigurationError([
      {
        field: origin,
        value: JSON.stringify(path),
        rule: 'must name an existing configuration file (relative to the project folder)',
      },
    ]);
  }
  const text = readFileSync(absolute, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError([
      { field: path, value: '(file)', rule: jsonSyntaxProblem(path, text, error as Error) },
    ]);
  }
  return parseConfig(data, path);
}

/** Plans of configurations read here: a configuration is planned once, however often it is asked for. */
const planned = new WeakMap<AppConfig, readonly StackPlan[]>();

/**
 * Every stack of a configuration planned, with every problem of the plans (what involves several fields, the
 * templates' sizes) reported at once, before anything is written.
 */
export function planConfiguration(config: AppConfig): readonly StackPlan[] {
  const known = planned.get(config);
  if (known) return known;
  const problems: InputProblem[] = [];
  const plans: StackPlan[] = [];
  config.stacks.forEach((stack, i) => {
    try {
      const plan = planStack(stack, `stacks[${i}]`);
      if (plan.kind === 'organization') problems.push(...templateSizeProblems(plan, `stacks[${i}]`));
      plans.push(plan);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new ConfigurationError(problems);
  planned.set(config, plans);
  return plans;
}

const STACK_KINDS = ['account', 'organization'];

/**
 * A stack whose kind is missing or misspelt: the kind's problem, and every other problem of the stack as the
 * kind it most likely is (an organization when it has members), so one run shows them all.
 */
function unknownKindProblems(stack: Record<string, unknown>, index: number): InputProblem[] {
  const field = `stacks[${index}]`;
  const kind = stack.kind;
  const problems: InputProblem[] = [
    {
      field: `${field}.kind`,
      value: showValue(kind),
      rule: `must be "account" or "organization"${typeof kind === 'string' ? didYouMean(kind, STACK_KINDS) : ''}`,
    },
  ];
  const guessed =
    'members' in stack || 'delegatedAdmin' in stack || 'managementRole' in stack ? 'organization' : 'account';
  const schema = guessed === 'organization' ? organizationStackSchema : accountStackSchema;
  try {
    parseOrThrow(schema, { ...stack, kind: guessed }, field);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  return problems;
}

/** Problems of the plan for each stack whose own fields are well formed, when another stack's are not. */
function planProblemsOfGoodStacks(stacks: readonly unknown[]): InputProblem[] {
  return stacks.flatMap((stack, i) => {
    const parsed = stackSchema.safeParse(stack);
    if (!parsed.success) return [];
    try {
      planConfiguration({ stacks: [parsed.data as StackSettings] });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return error.problems.map((p) => ({ ...p, field: p.field.replace(/^stacks\[0\]/, `stacks[${i}]`) }));
    }
  });
}

/** Checks a configuration's shape and fields, then plans it; every problem is reported with its field, at once. */
export function parseConfig(data: unknown, source = 'config'): AppConfig {
  const context = `Invalid Qualys connector configuration in ${source}`;
  let config: AppConfig;
  try {
    config = parseOrThrow(appConfigSchema, data, '', context) as unknown as AppConfig;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const stacks = data !== null && typeof data === 'object' ? (data as { stacks?: unknown }).stacks : undefined;
    if (!Array.isArray(stacks)) throw error;
    const unknownKind = new Map<number, InputProblem[]>();
    stacks.forEach((stack, i) => {
      const record =
        stack !== null && typeof stack === 'object' && !Array.isArray(stack)
          ? (stack as Record<string, unknown>)
          : undefined;
      if (record && !STACK_KINDS.includes(record.kind as string)) unknownKind.set(i, unknownKindProblems(record, i));
    });
    const problems = [
      ...error.problems.filter(
        (p) => ![...unknownKind.keys()].some((i) => p.field === `stacks[${i}].kind` || p.field === `stacks[${i}]`),
      ),
      ...[...unknownKind.values()].flat(),
      ...planProblemsOfGoodStacks(stacks),
    ];
    throw new ConfigurationError(problems, context);
  }
  try {
    planConfiguration(config);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new ConfigurationError(error.problems, context);
    throw error;
  }
  return config;
}
