#!/usr/bin/env node
// `qualys-connector-review`: what a change does to the Qualys roles' permissions, trust and reach.
import { existsSync, readFileSync, statSync } from 'fs';
import { resolve } from 'path';
import { setOnce, splitOption, takeValue } from '../command-line';
import { CONFIG_ENV_VAR, ConfigSource, loadConfig } from '../config/load';
import { ConfigurationError, InputProblem } from '../errors';
import { catalogueFor, Review, reviewStacks } from './compare';
import { stackViewsFromConfig } from './from-config';
import { checkPlanFormat, viewsFromPlan } from './from-plan';
import { viewsFromRevision } from './from-revision';
import { renderJson, renderMarkdown } from './render';

export const USAGE = `Usage: qualys-connector-review --base-config <file> [--config <file>] [--format markdown|json] [--fail-on-broadening]
       qualys-connector-review --base <git revision> [--base-config <file>] [--config <file>] [--format markdown|json] [--fail-on-broadening]
       qualys-connector-review --plan [<stack>=]<file> [--plan ...] [--format markdown|json] [--fail-on-broadening]

  --base-config <file>   the configuration before the change; { "stacks": [] } when there was none
  --base <git revision>  the code before the change: the configuration (the one of --base-config when it
                         is given, else the same one) synthesized by that revision's own app (checked out
                         in a temporary git worktree and installed) against the working tree's
  --config <file>        the configuration after it (default: ${CONFIG_ENV_VAR}, else the built-in default)
  --plan [<stack>=]<file>  \`terraform show -json\` of a saved plan (format 1.x), once per stack; the stack
                         is named by the label, else by the file name without .json
  --format <format>      markdown (default; a pull-request comment or job summary) or json
  --fail-on-broadening   exit 1 when the change broadens access

Exit codes: 0 reviewed (no broadening, or the gate is off); 1 broadening with --fail-on-broadening;\n2 bad input (options, configuration or plan files, a revision that cannot be installed or synthesized); 3 an unexpected error.`;

export interface PlanSource {
  readonly label: string;
  readonly file: string;
}

export interface ReviewOptions {
  readonly baseConfig?: string;
  readonly base?: string;
  readonly plans: readonly PlanSource[];
  readonly config?: ConfigSource;
  readonly format: 'markdown' | 'json';
  readonly failOnBroadening: boolean;
}

const VALUE_OPTIONS = ['--base-config', '--base', '--config', '--format'] as const;
const FORMATS = ['markdown', 'json'];

/** The options of the command line; every problem is reported at once, before anything is read. */
export function parseReviewArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ReviewOptions {
  const problems: InputProblem[] = [];
  const values = new Map<string, string>();
  let failOnBroadening = false;
  const plans: PlanSource[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = splitOption(arg);
    if (name === '--plan') {
      const taken = takeValue(argv, i, name, inline, 'must be followed by [<stack>=]<plan JSON file>');
      i = taken.index;
      if (taken.problem) {
        problems.push(taken.problem);
        continue;
      }
      const value = taken.value as string;
      const labelled = /^([A-Za-z][A-Za-z0-9_-]*)=(.+)$/.exec(value);
      const file = labelled ? labelled[2] : value;
      const label = labelled ? labelled[1] : (file.split(/[\\/]/).pop() as string).replace(/\.json$/, '');
      if (plans.some((p) => p.label === label)) problems.push({ field: name, value: JSON.stringify(value), rule: `names stack ${JSON.stringify(label)} twice: label each plan with <stack>=<file>` });
      else plans.push({ label, file });
    } else if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const taken = takeValue(argv, i, name, inline);
      i = taken.index;
      setOnce(values, problems, name, taken);
    } else if (name === '--fail-on-broadening' && inline === undefined) {
      failOnBroadening = true;
    } else {
      problems.push({ field: 'arguments', value: JSON.stringify(arg), rule: `is not an option of qualys-connector-review; the options are ${[...VALUE_OPTIONS, '--plan', '--fail-on-broadening'].join(', ')}` });
    }
  }
  const format = values.get('--format') ?? 'markdown';
  if (!FORMATS.includes(format)) problems.push({ field: '--format', value: JSON.stringify(format), rule: 'must be markdown or json' });
  const baseConfig = values.get('--base-config');
  const base = values.get('--base');
  if (baseConfig === undefined && base === undefined && plans.length === 0 && !problems.some((p) => ['--base-config', '--base', '--plan'].includes(p.field))) {
    problems.push({ field: '--base-config', value: '(missing)', rule: 'or --base or --plan is required: the configuration file before the change, a git revision, or plan JSON' });
  }
  if (plans.length > 0 && (baseConfig !== undefined || base !== undefined || values.has('--config'))) {
    problems.push({ field: '--plan', value: plans.map((p) => JSON.stringify(p.file)).join(', '), rule: 'reviews plans on its own: leave out --base-config, --base and --config' });
  }
  const fromEnv = plans.length > 0 ? undefined : env[CONFIG_ENV_VAR];
  const configArg = values.get('--config');
  if (configArg !== undefined && fromEnv !== undefined && fromEnv.trim() !== '') {
    problems.push({ field: `--config and ${CONFIG_ENV_VAR}`, value: `${JSON.stringify(configArg)} and ${JSON.stringify(fromEnv)}`, rule: 'name the configuration file one way only' });
  }
  if (fromEnv !== undefined && fromEnv.trim() === '') {
    problems.push({ field: CONFIG_ENV_VAR, value: '""', rule: 'is set but empty: name a configuration file, or unset it for the default configuration' });
  }
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid qualys-connector-review command line');
  const config: ConfigSource | undefined = configArg !== undefined ? { path: configArg, origin: '--config' } : fromEnv !== undefined ? { path: fromEnv, origin: CONFIG_ENV_VAR } : undefined;
  return { baseConfig, base, plans, config, format: format as ReviewOptions['format'], failOnBroadening };
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
    return Array.isArray(record.stacks) && record.stacks.length === 0 && Object.keys(record).every((key) => key === 'stacks' || key === '$schema');
  } catch {
    return false;
  }
}

/** Reviews two configuration files with the current code. */
export async function reviewConfigs(baseConfig: string, config: ConfigSource | undefined): Promise<Review> {
  const before = isEmptyConfiguration(baseConfig) ? [] : stackViewsFromConfig(loadConfig({ path: baseConfig, origin: '--base-config' }));
  const after = stackViewsFromConfig(loadConfig(config));
  return reviewStacks(before, after, await catalogueFor([...before, ...after]));
}

/**
 * Reviews the configuration as the app at a git revision synthesizes it (the base configuration when one is
 * given: the whole change of code and configuration) against the working tree's synthesis of the
 * configuration (run in `projectDir`, the folder of cdktf.json), both read from the synthesized Terraform.
 */
export async function reviewRevision(revision: string, config: ConfigSource | undefined, projectDir: string = process.cwd(), baseConfig?: string): Promise<Review> {
  // The files are checked here first, so a missing or invalid one is reported before any checkout. The base
  // configuration is the revision's to validate (its code may accept other fields): here it must only exist.
  loadConfig(config === undefined ? undefined : { ...config, path: resolve(projectDir, config.path) });
  const basePath = baseConfig === undefined ? undefined : resolve(projectDir, baseConfig);
  if (basePath !== undefined && (!existsSync(basePath) || !statSync(basePath).isFile())) {
    throw new ConfigurationError([{ field: '--base-config', value: JSON.stringify(baseConfig), rule: 'must name an existing configuration file (with --base, the configuration the revision synthesizes)' }], 'Invalid qualys-connector-review input');
  }
  const after = config === undefined ? undefined : resolve(projectDir, config.path);
  // An empty base configuration has nothing for the revision to synthesize (the revision may predate the app).
  const beforeSide = basePath === undefined ? after : isEmptyConfiguration(basePath) ? null : basePath;
  const { before, after: afterViews } = await viewsFromRevision(revision, projectDir, after, beforeSide);
  return reviewStacks(before, afterViews, await catalogueFor([...before, ...afterViews]));
}

/** Reviews plans: each file's prior state against its planned values, labelled by stack. */
export async function reviewPlans(plans: readonly PlanSource[]): Promise<Review> {
  const read = plans.map((source) => {
    if (!existsSync(source.file) || !statSync(source.file).isFile()) {
      throw new ConfigurationError([{ field: '--plan', value: JSON.stringify(source.file), rule: 'must name an existing file of `terraform show -json` output' }], 'Invalid qualys-connector-review input');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source.file, 'utf8'));
    } catch {
      throw new ConfigurationError([{ field: '--plan', value: JSON.stringify(source.file), rule: 'must be JSON: the output of `terraform show -json <saved plan>`' }], 'Invalid qualys-connector-review input');
    }
    return viewsFromPlan(checkPlanFormat(parsed, '--plan', source.file), source.label);
  });
  const before = read.flatMap((v) => (v.before ? [v.before] : []));
  const after = read.flatMap((v) => (v.after ? [v.after] : []));
  return reviewStacks(before, after, await catalogueFor([...before, ...after]), read.flatMap((v) => v.disruptions));
}

export interface ReviewRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The whole command without touching the process: what it prints and the exit code (`cwd`: where it runs). */
export async function runReview(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Promise<ReviewRun> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  let review: Review;
  let options: ReviewOptions;
  try {
    options = parseReviewArgs(argv, env);
    review =
      options.plans.length > 0
        ? await reviewPlans(options.plans)
        : options.base !== undefined
          ? await reviewRevision(options.base, options.config, cwd, options.baseConfig)
          : await reviewConfigs(options.baseConfig as string, options.config);
  } catch (error) {
    if (error instanceof ConfigurationError) return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    throw error;
  }
  const stdout = options.format === 'json' ? renderJson(review) : renderMarkdown(review);
  return { exitCode: options.failOnBroadening && review.broadening.length > 0 ? 1 : 0, stdout, stderr: '' };
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
