#!/usr/bin/env node
// `qualys-connector-review`: what a change does to the Qualys roles' permissions, trust and reach.
import { existsSync, readFileSync, statSync } from 'fs';
import { relative, resolve } from 'path';
import { setOnce, splitOption, takeValue } from '../command-line';
import { CONFIG_ENV_VAR, ConfigSource, PROJECT_CONFIG_FILE, configSource, loadConfig } from '../../config/load';
import { ConfigurationError, InputProblem } from '../../rules/errors';
import { Review, ReviewOptions as ComparisonOptions, reviewStacks } from './compare';
import { viewsFromRevision } from './from-revision';
import { stackViewsFromConfig } from './readers/configuration';
import { viewsFromSynthesis } from './readers/synthesis';
import { checkPlanFormat, viewsFromPlan } from './readers/terraform';
import { externalIdsIn, externalIdsInJson, redactExternalIds } from './redact';
import { renderJson, renderMarkdown } from './render';
import { StackView } from './views';

export const USAGE = `Usage: qualys-connector-review --base-config <file> [--config <file> | --synthesis <folder>] [--format markdown|json] [--fail-on-broadening]
       qualys-connector-review --base <git revision> [--base-config <file>] [--config <file>] [--format markdown|json] [--fail-on-broadening]
       qualys-connector-review --plan [<stack>=]<file> [--plan ...] [--format markdown|json] [--fail-on-broadening]

  --base-config <file>   the configuration before the change; { "stacks": [] } when there was none
  --config <file>        the configuration after it (default: ${PROJECT_CONFIG_FILE} in this folder when it
                         exists, else ${CONFIG_ENV_VAR}, else the built-in default)
  --synthesis <folder>   instead of --config: the stacks synthesized from the change elsewhere (a cdktf.out
                         folder, as data), for a review run by the base branch's code
  --base <git revision>  the code before the change: that revision's own app synthesizes the configuration
                         as it was at the revision (or --base-config) in a temporary git worktree, against
                         the working tree's synthesis of --config
  --plan [<stack>=]<file>  \`terraform show -json\` of a saved plan (format 1.x), once per stack; the stack
                         is named by the label, else by the file name without .json
  --format <format>      markdown (default; a pull-request comment or job summary) or json
  --fail-on-broadening   exit 1 when the gate holds (the reasons on standard error)

Exit codes: 0 reviewed (the gate passes, or is off); 1 the gate holds, with --fail-on-broadening;\n2 bad input (options, configuration, synthesis or plan files, no role on either side, a revision that cannot be installed or synthesized); 3 an unexpected error.`;

export interface PlanSource {
  readonly label: string;
  readonly file: string;
}

export interface ReviewOptions {
  readonly baseConfig?: string;
  readonly base?: string;
  readonly synthesis?: string;
  readonly plans: readonly PlanSource[];
  /** The configuration after the change as named on the command line; undefined: the default rule. */
  readonly config?: ConfigSource;
  readonly format: 'markdown' | 'json';
  readonly failOnBroadening: boolean;
}

const VALUE_OPTIONS = ['--base-config', '--base', '--config', '--synthesis', '--format'] as const;
const FORMATS = ['markdown', 'json'];

interface ReadArguments {
  readonly values: Map<string, string>;
  readonly plans: PlanSource[];
  readonly failOnBroadening: boolean;
}

/** `--plan [<stack>=]<file>`: a plan labelled by its stack, or by its file name. */
function readPlanOption(value: string, plans: PlanSource[], problems: InputProblem[]): void {
  const labelled = /^([A-Za-z][A-Za-z0-9_-]*)=(.+)$/.exec(value);
  const file = labelled ? labelled[2] : value;
  const label = labelled ? labelled[1] : (file.split(/[\\/]/).pop() as string).replace(/\.json$/, '');
  if (plans.some((p) => p.label === label)) {
    problems.push({
      field: '--plan',
      value: JSON.stringify(value),
      rule: `names stack ${JSON.stringify(label)} twice: label each plan with <stack>=<file>`,
    });
  } else plans.push({ label, file });
}

/** Each argument read as an option and its value. */
function readArguments(argv: readonly string[], problems: InputProblem[]): ReadArguments {
  const values = new Map<string, string>();
  const plans: PlanSource[] = [];
  let failOnBroadening = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = splitOption(arg);
    if (name === '--plan') {
      const taken = takeValue(argv, i, name, inline, 'must be followed by [<stack>=]<plan JSON file>');
      i = taken.index;
      if (taken.problem) problems.push(taken.problem);
      else readPlanOption(taken.value as string, plans, problems);
    } else if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const taken = takeValue(argv, i, name, inline);
      i = taken.index;
      setOnce(values, problems, name, taken);
    } else if (name === '--fail-on-broadening' && inline === undefined) {
      failOnBroadening = true;
    } else {
      const options = [...VALUE_OPTIONS, '--plan', '--fail-on-broadening'].join(', ');
      problems.push({
        field: 'arguments',
        value: JSON.stringify(arg),
        rule: `is not an option of qualys-connector-review; the options are ${options}`,
      });
    }
  }
  return { values, plans, failOnBroadening };
}

/** Options that go together: a side before the change, and one way to give the side after it. */
function combinationProblems({ values, plans }: ReadArguments, problems: InputProblem[]): void {
  const baseConfig = values.get('--base-config');
  const base = values.get('--base');
  const synthesis = values.get('--synthesis');
  const named = (option: string) => problems.some((p) => p.field === option);
  if (
    baseConfig === undefined &&
    base === undefined &&
    plans.length === 0 &&
    !['--base-config', '--base', '--plan'].some(named)
  ) {
    problems.push({
      field: '--base-config',
      value: '(missing)',
      rule: 'or --base or --plan is required: the configuration file before the change, a git revision, or plan JSON',
    });
  }
  if (
    plans.length > 0 &&
    (baseConfig !== undefined || base !== undefined || synthesis !== undefined || values.has('--config'))
  ) {
    problems.push({
      field: '--plan',
      value: plans.map((p) => JSON.stringify(p.file)).join(', '),
      rule: 'reviews plans on its own: leave out --base-config, --base, --config and --synthesis',
    });
  }
  if (synthesis !== undefined && (base !== undefined || values.has('--config'))) {
    problems.push({
      field: '--synthesis',
      value: JSON.stringify(synthesis),
      rule: 'is the side after the change: leave out --config and --base',
    });
  } else if (synthesis !== undefined && baseConfig === undefined && !named('--base-config')) {
    problems.push({
      field: '--synthesis',
      value: JSON.stringify(synthesis),
      rule: 'needs --base-config: the configuration before the change, which this code synthesizes',
    });
  }
}

/** The options of the command line; every problem is reported at once, before anything is read. */
export function parseReviewArgs(argv: readonly string[]): ReviewOptions {
  const problems: InputProblem[] = [];
  const read = readArguments(argv, problems);
  const format = read.values.get('--format') ?? 'markdown';
  if (!FORMATS.includes(format))
    problems.push({ field: '--format', value: JSON.stringify(format), rule: 'must be markdown or json' });
  combinationProblems(read, problems);
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid qualys-connector-review command line');
  const configArg = read.values.get('--config');
  return {
    baseConfig: read.values.get('--base-config'),
    base: read.values.get('--base'),
    synthesis: read.values.get('--synthesis'),
    plans: read.plans,
    config: configArg === undefined ? undefined : { path: configArg, origin: '--config' },
    format: format as ReviewOptions['format'],
    failOnBroadening: read.failOnBroadening,
  };
}

/**
 * Whether a base configuration file lists no stacks (`{ "stacks": [] }`, with `$schema` at most): before the
 * change there was no connector, as for the pull request that adds it. Only the review's base side may be
 * empty; the app still requires a stack.
 */
export function isEmptyConfiguration(path: string): boolean {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
    const record = data as Record<string, unknown>;
    return (
      Array.isArray(record.stacks) &&
      record.stacks.length === 0 &&
      Object.keys(record).every((key) => key === 'stacks' || key === '$schema')
    );
  } catch {
    return false;
  }
}

/** A path as the review names it: relative to the folder it runs in when inside it. */
function shownPath(path: string, cwd: string): string {
  const inside = relative(cwd, resolve(cwd, path));
  return inside.startsWith('..') ? path : inside;
}

function configText(config: ConfigSource | undefined, cwd: string): string {
  return config === undefined
    ? 'the built-in default configuration'
    : `${shownPath(config.path, cwd)} (${config.origin === PROJECT_CONFIG_FILE ? "the project folder's file" : `from ${config.origin}`})`;
}

/** A configuration file read as the review's side; relative paths from `cwd`. */
function configViews(source: ConfigSource | undefined, cwd: string): StackView[] {
  if (source !== undefined && isEmptyConfiguration(resolve(cwd, source.path))) return [];
  return stackViewsFromConfig(
    loadConfig(source === undefined ? undefined : { ...source, path: resolve(cwd, source.path) }),
  );
}

/** External IDs a configuration file holds, read as raw JSON (whatever its validity), for the output guard. */
function idsOfFile(path: string | undefined): string[] {
  if (path === undefined) return [];
  try {
    return externalIdsInJson(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return [];
  }
}

function existingFile(option: string, path: string, rule: string): void {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new ConfigurationError(
      [{ field: option, value: JSON.stringify(path), rule }],
      'Invalid qualys-connector-review input',
    );
}

interface Sides {
  readonly before: StackView[];
  readonly after: StackView[];
  readonly options: ComparisonOptions;
}

/** Reviews two configuration files with this code. */
function configSides(baseConfig: string, config: ConfigSource | undefined, cwd: string): Sides {
  existingFile(
    '--base-config',
    resolve(cwd, baseConfig),
    'must name an existing configuration file (relative to the project folder)',
  );
  const before = configViews({ path: baseConfig, origin: '--base-config' }, cwd);
  const after = configViews(config, cwd);
  return {
    before,
    after,
    options: {
      sources: {
        before: `${shownPath(baseConfig, cwd)} (--base-config), planned by this code`,
        after: `${configText(config, cwd)}, planned by this code`,
      },
    },
  };
}

/** The base configuration planned by this code against stacks synthesized from the change (data, not code). */
function synthesisSides(baseConfig: string, folder: string, cwd: string): Sides {
  existingFile(
    '--base-config',
    resolve(cwd, baseConfig),
    'must name an existing configuration file (relative to the project folder)',
  );
  existingFile(
    '--synthesis',
    resolve(cwd, folder, 'manifest.json'),
    'must name a synthesis output folder (cdktf.out) with its manifest.json',
  );
  let after: StackView[];
  try {
    after = viewsFromSynthesis(resolve(cwd, folder));
  } catch (error) {
    throw new ConfigurationError(
      [
        {
          field: '--synthesis',
          value: JSON.stringify(folder),
          rule: `must hold readable synthesized stacks: ${(error as Error).message}`,
        },
      ],
      'Invalid qualys-connector-review input',
    );
  }
  const before = configViews({ path: baseConfig, origin: '--base-config' }, cwd);
  return {
    before,
    after,
    options: {
      sources: {
        before: `${shownPath(baseConfig, cwd)} (--base-config), planned by this code`,
        after: `the stacks synthesized in ${shownPath(folder, cwd)}`,
      },
    },
  };
}

/**
 * The configuration as the app at a git revision synthesizes it (`--base-config`, else the same file as it
 * was at the revision) against the working tree's synthesis of the configuration, both read from the
 * synthesized Terraform.
 */
async function revisionSides(
  revision: string,
  config: ConfigSource | undefined,
  cwd: string,
  baseConfig: string | undefined,
  secrets: readonly string[],
): Promise<Sides> {
  // Checked first, so a missing or invalid file is reported before any checkout. The base configuration is
  // the revision's to validate (its code may accept other fields): here it must only exist.
  loadConfig(config === undefined ? undefined : { ...config, path: resolve(cwd, config.path) });
  const basePath = baseConfig === undefined ? undefined : resolve(cwd, baseConfig);
  if (basePath !== undefined)
    existingFile(
      '--base-config',
      basePath,
      'must name an existing configuration file (with --base, the configuration the revision synthesizes)',
    );
  const after = config === undefined ? undefined : resolve(cwd, config.path);
  // An empty base configuration has nothing for the revision to synthesize (the revision may predate the app).
  const beforeSide = basePath === undefined ? undefined : isEmptyConfiguration(basePath) ? null : basePath;
  const views = await viewsFromRevision(revision, cwd, after, beforeSide, secrets);
  const beforeText =
    baseConfig !== undefined
      ? `${shownPath(baseConfig, cwd)} (--base-config)`
      : config === undefined
        ? 'the built-in default configuration'
        : `${shownPath(config.path, cwd)} as it was at ${revision}`;
  return {
    before: views.before,
    after: views.after,
    // The reasons of grants come from the code running the review: here the working tree's, the change's own.
    options: {
      reasonsFrom: 'change',
      sources: {
        before: `${beforeText}, synthesized by ${revision}`,
        after: `${configText(config, cwd)}, synthesized by the working tree`,
      },
    },
  };
}

/** Plans: each file's prior state against its planned values, labelled by stack. */
function planSides(plans: readonly PlanSource[]): Sides {
  const read = plans.map((source) => {
    existingFile('--plan', source.file, 'must name an existing file of `terraform show -json` output');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source.file, 'utf8'));
    } catch {
      throw new ConfigurationError(
        [
          {
            field: '--plan',
            value: JSON.stringify(source.file),
            rule: 'must be JSON: the output of `terraform show -json <saved plan>`',
          },
        ],
        'Invalid qualys-connector-review input',
      );
    }
    return viewsFromPlan(checkPlanFormat(parsed, '--plan', source.file), source.label);
  });
  const files = plans.map((p) => p.file).join(', ');
  return {
    before: read.flatMap((v) => (v.before ? [v.before] : [])),
    after: read.flatMap((v) => (v.after ? [v.after] : [])),
    options: {
      disruptions: read.flatMap((v) => v.disruptions),
      sources: { before: `the state the plan ${files} starts from`, after: `the values the plan ${files} sets` },
    },
  };
}

export interface ReviewRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The whole command without touching the process: what it prints and the exit code (`cwd`: the project folder it runs in). */
export async function runReview(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): Promise<ReviewRun> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))
    return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  let secrets: string[] = [];
  try {
    const options = parseReviewArgs(argv);
    const config =
      options.plans.length > 0 || options.synthesis !== undefined
        ? undefined
        : configSource(options.config?.path, env, cwd);
    secrets = [
      ...idsOfFile(options.baseConfig && resolve(cwd, options.baseConfig)),
      ...idsOfFile(config && resolve(cwd, config.path)),
    ];
    const sides =
      options.plans.length > 0
        ? planSides(options.plans)
        : options.synthesis !== undefined
          ? synthesisSides(options.baseConfig as string, options.synthesis, cwd)
          : options.base !== undefined
            ? await revisionSides(options.base, config, cwd, options.baseConfig, secrets)
            : configSides(options.baseConfig as string, config, cwd);
    const roles = [...sides.before, ...sides.after].flatMap((s) => s.roles);
    if (roles.length === 0) {
      throw new ConfigurationError(
        [
          {
            field: options.plans.length > 0 ? '--plan' : options.synthesis !== undefined ? '--synthesis' : '--config',
            value: `before: ${sides.options.sources?.before}; after: ${sides.options.sources?.after}`,
            rule: 'holds no IAM role on either side: nothing here is a Qualys connector (was the right plan, synthesis or configuration given?)',
          },
        ],
        'Nothing to review',
      );
    }
    secrets = [...secrets, ...externalIdsIn([...sides.before, ...sides.after])];
    const review: Review = await reviewStacks(sides.before, sides.after, sides.options);
    const stdout = redactExternalIds(options.format === 'json' ? renderJson(review) : renderMarkdown(review), secrets);
    const holds = options.failOnBroadening && review.broadening.length > 0;
    const stderr = holds
      ? redactExternalIds(
          `qualys-connector-review: the gate holds:\n${review.broadening.map((r) => `  - ${r}`).join('\n')}\n`,
          secrets,
        )
      : '';
    return { exitCode: holds ? 1 : 0, stdout, stderr };
  } catch (error) {
    if (error instanceof ConfigurationError)
      return { exitCode: 2, stdout: '', stderr: redactExternalIds(`${error.message}\n\n${USAGE}\n`, secrets) };
    throw error;
  }
}

if (require.main === module) {
  runReview(process.argv.slice(2), process.env).then(
    (run) => {
      process.stdout.write(run.stdout);
      process.stderr.write(run.stderr);
      process.exitCode = run.exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
