#!/usr/bin/env node
// `qualys-connector-review`: what a change does to the Qualys roles' permissions, trust and reach.
import { existsSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { setOnce, splitOption, takeValue } from '../command-line';
import {
  CONFIG_ENV_VAR,
  ConfigSource,
  PROJECT_CONFIG_FILE,
  configSource,
  loadConfig,
  parseConfig,
} from '../../config/load';
import { AppConfig } from '../../config/schema';
import { ConfigurationError, InputProblem } from '../../rules/errors';
import { Review, ReviewOptions as ComparisonOptions, reviewStacks } from './compare';
import { DeployerPolicyChange, deployerPolicyChange, unplannedDeployerPolicy } from './deployer-change';
import { SynthesisDigest, synthesisDigest } from './digest';
import { viewsFromRevision } from './from-revision';
import { stackViewsFromConfig } from './readers/configuration';
import { unjudgedInSynthesis, viewsFromSynthesis } from './readers/synthesis';
import { checkPlanFormat, viewsFromPlan } from './readers/terraform';
import { externalIdsIn, externalIdsInJson, redactExternalIds } from './redact';
import { renderJson, renderMarkdown } from './render';
import { VERDICT_FORMAT, Verdict, readVerdict, verdictJson, verdictProblems } from './verdict';
import { StackView } from './views';

export const USAGE = `Usage: qualys-connector-review --base-config <file> [--config <file>] [--synthesis <folder>] [--format markdown|json] [--fail-on-broadening]
                              [--deployer-policy-managed-elsewhere] [--verdict <file> [--base-commit <sha>] [--pull-request <n>]]
       qualys-connector-review --base <git revision> [--base-config <file>] [--config <file>] [--format markdown|json] [--fail-on-broadening]
                              [--deployer-policy-managed-elsewhere]
       qualys-connector-review --plan [<stack>=]<file> [--plan ...] [--format markdown|json] [--fail-on-broadening]
       qualys-connector-review --verify-verdict <file> --synthesis <folder> [--config <file>] [--base-commit <sha>]
       qualys-connector-review --digest --synthesis <folder> [--config <file>]

  --base-config <file>   the configuration before the change; { "stacks": [] } when there was none
  --config <file>        the configuration after the change (default: ${PROJECT_CONFIG_FILE} in this folder when it
                         exists, else ${CONFIG_ENV_VAR}, else the built-in default); with --synthesis, the
                         configuration the synthesis was made from, for the deployer policy and the digest
  --synthesis <folder>   the stacks synthesized from the change elsewhere (a cdktf.out folder, as data),
                         for a review run by the base branch's code; the roles are read from it
  --base <git revision>  the code before the change: that revision's own app synthesizes the configuration
                         as it was at the revision (or --base-config) in a temporary git worktree, against
                         the working tree's synthesis of --config
  --plan [<stack>=]<file>  \`terraform show -json\` of a saved plan (format 1.x), once per stack; the stack
                         is named by the label, else by the file name without .json
  --format <format>      markdown (default; a pull-request comment or job summary) or json
  --fail-on-broadening   exit 1 when the gate holds (the reasons on standard error)
  --deployer-policy-managed-elsewhere
                         report a change of the deployer policy, but do not hold the gate on it
  --verdict <file>       with --synthesis: write the verdict (the digest of the synthesis and its
                         configuration, whether the gate passed) for the deploy to verify
  --base-commit <sha>    the base branch's commit: recorded in the verdict; with --verify-verdict, the
                         commit the deploy follows, which must be the one the change was judged against
  --pull-request <n>     the pull request judged, recorded in the verdict
  --digest               print the digest of --synthesis (and --config) that a verdict records, and nothing else
  --verify-verdict <file>  exit 0 only when the verdict passed and judged exactly this synthesis (and
                         configuration, and base commit); exit 1 with the differences otherwise

Exit codes: 0 reviewed (the gate passes, or is off), or the verdict covers the synthesis; 1 the gate holds, with
--fail-on-broadening, or the verdict does not cover the synthesis; 2 bad input (options, configuration,
synthesis, plan or verdict files, no role on either side, a revision that cannot be installed or synthesized);
3 an unexpected error.`;

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
  readonly deployerPolicyManagedElsewhere: boolean;
  /** Where to write the verdict (with --synthesis). */
  readonly verdict?: string;
  /** The verdict to check the synthesis against, instead of a review. */
  readonly verifyVerdict?: string;
  readonly baseCommit?: string;
  readonly pullRequest?: number;
  /** Print the digest of the synthesis only. */
  readonly digest: boolean;
}

const VALUE_OPTIONS = [
  '--base-config',
  '--base',
  '--config',
  '--synthesis',
  '--format',
  '--verdict',
  '--verify-verdict',
  '--base-commit',
  '--pull-request',
] as const;
const FLAGS = ['--fail-on-broadening', '--deployer-policy-managed-elsewhere', '--digest'] as const;
const FORMATS = ['markdown', 'json'];

interface ReadArguments {
  readonly values: Map<string, string>;
  readonly plans: PlanSource[];
  readonly flags: ReadonlySet<string>;
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
  const flags = new Set<string>();
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
    } else if ((FLAGS as readonly string[]).includes(name) && inline === undefined) {
      flags.add(name);
    } else {
      const options = [...VALUE_OPTIONS, '--plan', ...FLAGS].join(', ');
      problems.push({
        field: 'arguments',
        value: JSON.stringify(arg),
        rule: `is not an option of qualys-connector-review; the options are ${options}`,
      });
    }
  }
  return { values, plans, flags };
}

/** `--digest` and `--verify-verdict` read a synthesis without a review: true when one of them is given. */
function soleModeProblems({ values, plans, flags }: ReadArguments, problems: InputProblem[]): boolean {
  const synthesis = values.get('--synthesis');
  const named = (option: string) => problems.some((p) => p.field === option);
  if (flags.has('--digest')) {
    const others = [...values.keys(), ...flags, ...(plans.length > 0 ? ['--plan'] : [])].filter(
      (o) => !['--digest', '--synthesis', '--config'].includes(o),
    );
    if (others.length > 0)
      problems.push({
        field: '--digest',
        value: '(given)',
        rule: `prints the digest of a synthesis, without a review: leave out ${others.join(', ')}`,
      });
    if (synthesis === undefined && !named('--synthesis'))
      problems.push({ field: '--digest', value: '(given)', rule: 'needs --synthesis: the synthesis to digest' });
    return true;
  }
  if (values.has('--verify-verdict')) {
    const others = [...values.keys(), ...flags, ...(plans.length > 0 ? ['--plan'] : [])].filter(
      (o) => !['--verify-verdict', '--synthesis', '--config', '--base-commit'].includes(o),
    );
    if (others.length > 0)
      problems.push({
        field: '--verify-verdict',
        value: JSON.stringify(values.get('--verify-verdict')),
        rule: `checks a synthesis against a verdict, without a review: leave out ${others.join(', ')}`,
      });
    if (synthesis === undefined && !named('--synthesis'))
      problems.push({
        field: '--verify-verdict',
        value: JSON.stringify(values.get('--verify-verdict')),
        rule: 'needs --synthesis: the synthesis about to be deployed',
      });
    return true;
  }
  return false;
}

/** Options that go together: a side before the change, and one way to give the side after it. */
function combinationProblems(read: ReadArguments, problems: InputProblem[]): void {
  const { values, plans, flags } = read;
  const baseConfig = values.get('--base-config');
  const base = values.get('--base');
  const synthesis = values.get('--synthesis');
  const named = (option: string) => problems.some((p) => p.field === option);
  if (soleModeProblems(read, problems)) return;
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
  if (plans.length > 0 && flags.has('--deployer-policy-managed-elsewhere'))
    problems.push({
      field: '--deployer-policy-managed-elsewhere',
      value: '(given)',
      rule: 'applies to reviews of configurations and syntheses: a plan review does not compare deployer policies',
    });
  if (synthesis !== undefined && base !== undefined) {
    problems.push({
      field: '--synthesis',
      value: JSON.stringify(synthesis),
      rule: 'is the side after the change: leave out --base',
    });
  } else if (synthesis !== undefined && baseConfig === undefined && !named('--base-config')) {
    problems.push({
      field: '--synthesis',
      value: JSON.stringify(synthesis),
      rule: 'needs --base-config: the configuration before the change, which this code synthesizes',
    });
  }
}

/** `--verdict` and what it records go with a synthesis. */
function verdictOptionProblems({ values }: ReadArguments, problems: InputProblem[]): void {
  const synthesis = values.get('--synthesis');
  const named = (option: string) => problems.some((p) => p.field === option);
  for (const option of ['--verdict', '--base-commit', '--pull-request'])
    if (values.has(option) && synthesis === undefined && !named('--synthesis'))
      problems.push({
        field: option,
        value: JSON.stringify(values.get(option)),
        rule: 'goes with --synthesis: a verdict records the digest of a synthesis',
      });
  if (!values.has('--verdict'))
    for (const option of ['--base-commit', '--pull-request'])
      if (values.has(option) && synthesis !== undefined)
        problems.push({
          field: option,
          value: JSON.stringify(values.get(option)),
          rule: 'is recorded in a verdict: give --verdict <file> too',
        });
}

/** `--base-commit` and `--pull-request`: a commit hash and a pull request number, as the verdict records them. */
function verdictFieldProblems(values: Map<string, string>, problems: InputProblem[]): void {
  const commit = values.get('--base-commit');
  if (commit !== undefined && !/^[0-9a-f]{7,64}$/.test(commit))
    problems.push({
      field: '--base-commit',
      value: JSON.stringify(commit),
      rule: 'must be a commit hash: 7 to 64 lower-case hexadecimal digits (a full hash, as GitHub gives it)',
    });
  const number = values.get('--pull-request');
  if (number !== undefined && !/^[1-9][0-9]{0,9}$/.test(number))
    problems.push({
      field: '--pull-request',
      value: JSON.stringify(number),
      rule: 'must be a pull request number: digits, from 1',
    });
}

/** The options of the command line; every problem is reported at once, before anything is read. */
export function parseReviewArgs(argv: readonly string[]): ReviewOptions {
  const problems: InputProblem[] = [];
  const read = readArguments(argv, problems);
  const format = read.values.get('--format') ?? 'markdown';
  if (!FORMATS.includes(format))
    problems.push({ field: '--format', value: JSON.stringify(format), rule: 'must be markdown or json' });
  combinationProblems(read, problems);
  if (!read.flags.has('--digest') && !read.values.has('--verify-verdict')) verdictOptionProblems(read, problems);
  verdictFieldProblems(read.values, problems);
  if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid qualys-connector-review command line');
  const configArg = read.values.get('--config');
  const pullRequest = read.values.get('--pull-request');
  return {
    baseConfig: read.values.get('--base-config'),
    base: read.values.get('--base'),
    synthesis: read.values.get('--synthesis'),
    plans: read.plans,
    config: configArg === undefined ? undefined : { path: configArg, origin: '--config' },
    format: format as ReviewOptions['format'],
    failOnBroadening: read.flags.has('--fail-on-broadening'),
    deployerPolicyManagedElsewhere: read.flags.has('--deployer-policy-managed-elsewhere'),
    verdict: read.values.get('--verdict'),
    verifyVerdict: read.values.get('--verify-verdict'),
    baseCommit: read.values.get('--base-commit'),
    pullRequest: pullRequest === undefined ? undefined : Number(pullRequest),
    digest: read.flags.has('--digest'),
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

/** A configuration file as the review plans it: null for an empty base (no connector); relative paths from `cwd`. */
function readConfiguration(source: ConfigSource | undefined, cwd: string): AppConfig | null {
  if (source !== undefined && isEmptyConfiguration(resolve(cwd, source.path))) return null;
  return loadConfig(source === undefined ? undefined : { ...source, path: resolve(cwd, source.path) });
}

function viewsOf(config: AppConfig | null): StackView[] {
  return config === null ? [] : stackViewsFromConfig(config);
}

/** A configuration for the deployer policy, or why it cannot be had. */
type DeployerInput = { readonly config: AppConfig | null } | { readonly unreadable: string };

/** A configuration read for the deployer policy only: a problem is a reason to hold, not bad input. */
function deployerInput(read: () => AppConfig | null, what: string): DeployerInput {
  try {
    return { config: read() };
  } catch (error) {
    if (error instanceof ConfigurationError)
      return {
        unreadable: `${what} does not read with this code: ${error.problems.map((p) => `${p.field} ${p.rule}`).join('; ')}`,
      };
    if (error instanceof SyntaxError) return { unreadable: `${what} is not JSON: ${error.message}` };
    throw error;
  }
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
  /** The configurations whose deployer policies are compared; plans have none. */
  readonly deployer?: { readonly before: DeployerInput; readonly after: DeployerInput };
}

/** Reviews two configuration files with this code. */
function configSides(baseConfig: string, config: ConfigSource | undefined, cwd: string): Sides {
  existingFile(
    '--base-config',
    resolve(cwd, baseConfig),
    'must name an existing configuration file (relative to the project folder)',
  );
  const beforeConfig = readConfiguration({ path: baseConfig, origin: '--base-config' }, cwd);
  const afterConfig = readConfiguration(config, cwd);
  return {
    before: viewsOf(beforeConfig),
    after: viewsOf(afterConfig),
    deployer: { before: { config: beforeConfig }, after: { config: afterConfig } },
    options: {
      sources: {
        before: `${shownPath(baseConfig, cwd)} (--base-config), planned by this code`,
        after: `${configText(config, cwd)}, planned by this code`,
      },
    },
  };
}

/**
 * The base configuration planned by this code against stacks synthesized from the change (data, not code). The
 * change's configuration, when given, is read as data too: for the deployer policy (and the verdict's digest).
 */
function synthesisSides(baseConfig: string, folder: string, config: string | undefined, cwd: string): Sides {
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
  if (config !== undefined)
    existingFile('--config', resolve(cwd, config), 'must name the configuration file the synthesis was made from');
  const after = readSynthesis(folder, cwd);
  const unjudged = unjudgedInSynthesis(resolve(cwd, folder));
  const beforeConfig = readConfiguration({ path: baseConfig, origin: '--base-config' }, cwd);
  const afterDeployer: DeployerInput =
    config !== undefined
      ? deployerInput(() => readConfiguration({ path: config, origin: '--config' }, cwd), shownPath(config, cwd))
      : after.length === 0
        ? { config: null }
        : {
            unreadable:
              'no --config: the configuration the synthesis was made from is needed to plan the policy that deploys it',
          };
  return {
    before: viewsOf(beforeConfig),
    after,
    deployer: { before: { config: beforeConfig }, after: afterDeployer },
    options: {
      unjudged,
      sources: {
        before: `${shownPath(baseConfig, cwd)} (--base-config), planned by this code`,
        after: `the stacks synthesized in ${shownPath(folder, cwd)}`,
      },
    },
  };
}

/** The stacks of a synthesis folder; an unreadable one is bad input. */
function readSynthesis(folder: string, cwd: string): StackView[] {
  try {
    return viewsFromSynthesis(resolve(cwd, folder));
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
  const beforeDeployer: DeployerInput =
    basePath !== undefined
      ? deployerInput(
          () => readConfiguration({ path: basePath, origin: '--base-config' }, cwd),
          shownPath(basePath, cwd),
        )
      : views.baseConfigText === null
        ? { config: null }
        : views.baseConfigText === undefined
          ? { config: loadConfig(undefined) }
          : deployerInput(
              () => parseConfig(JSON.parse(views.baseConfigText as string) as unknown, beforeText),
              beforeText,
            );
  return {
    before: views.before,
    after: views.after,
    deployer: {
      before: beforeDeployer,
      after: deployerInput(() => readConfiguration(config, cwd), configText(config, cwd)),
    },
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

/** The verdict of a review of a synthesis, for the deploy to verify (external IDs redacted). */
function writeVerdict(
  path: string,
  digest: SynthesisDigest,
  review: Review,
  options: ReviewOptions,
  secrets: readonly string[],
): void {
  const verdict: Verdict = {
    verdictFormat: VERDICT_FORMAT,
    passed: review.broadening.length === 0,
    digest: digest.digest,
    files: digest.files,
    base: options.baseCommit ?? null,
    pullRequest: options.pullRequest ?? null,
    summary: review.summary,
    reasons: review.broadening,
  };
  writeFileSync(path, redactExternalIds(verdictJson(verdict), secrets));
}

/** The deployer policy change of two configurations, or why it cannot be planned. */
function deployerPolicyOf(inputs: NonNullable<Sides['deployer']>, managedElsewhere: boolean): DeployerPolicyChange {
  const unreadable = [inputs.before, inputs.after].flatMap((i) => ('unreadable' in i ? [i.unreadable] : []));
  if (unreadable.length > 0) return unplannedDeployerPolicy(unreadable.join('; '), managedElsewhere);
  const config = (input: DeployerInput) => ('config' in input ? input.config : null);
  try {
    return deployerPolicyChange(config(inputs.before), config(inputs.after), managedElsewhere);
  } catch (error) {
    // A configuration the roles were read from, whose deployer policy this code cannot plan, holds the gate.
    if (error instanceof ConfigurationError)
      return unplannedDeployerPolicy(error.problems.map((p) => `${p.field} ${p.rule}`).join('; '), managedElsewhere);
    throw error;
  }
}

/** The synthesis folder and configuration file of `--digest` and `--verify-verdict`, checked to exist. */
function digestInputs(options: ReviewOptions, cwd: string): { folder: string; configPath?: string } {
  const folder = resolve(cwd, options.synthesis as string);
  existingFile(
    '--synthesis',
    join(folder, 'manifest.json'),
    'must name a synthesis output folder (cdktf.out) with its manifest.json',
  );
  const configPath = options.config && resolve(cwd, options.config.path);
  if (configPath !== undefined)
    existingFile('--config', configPath, 'must name the configuration file the synthesis was made from');
  return { folder, configPath };
}

/** The digest of a synthesis; a folder that cannot be digested (a link in it) is bad input. */
function digestOf(folder: string, configPath: string | undefined, shown: string): SynthesisDigest {
  try {
    return synthesisDigest(folder, configPath);
  } catch (error) {
    throw new ConfigurationError(
      [{ field: '--synthesis', value: JSON.stringify(shown), rule: `must be digestible: ${(error as Error).message}` }],
      'Invalid qualys-connector-review input',
    );
  }
}

/** `--digest`: the digest a verdict of this synthesis would record. */
function printDigest(options: ReviewOptions, cwd: string): ReviewRun {
  const { folder, configPath } = digestInputs(options, cwd);
  return {
    exitCode: 0,
    stdout: `${digestOf(folder, configPath, options.synthesis as string).digest}\n`,
    stderr: '',
  };
}

/** `--verify-verdict`: whether the verdict passed and judged exactly this synthesis, configuration and base. */
function verifyVerdict(options: ReviewOptions, cwd: string): ReviewRun {
  const verdictPath = resolve(cwd, options.verifyVerdict as string);
  existingFile('--verify-verdict', verdictPath, 'must name a verdict file written by --verdict');
  const { folder, configPath } = digestInputs(options, cwd);
  const verdict = readVerdict(verdictPath);
  const now = digestOf(folder, configPath, options.synthesis as string);
  const problems = verdictProblems(verdict, now, options.baseCommit);
  const where = shownPath(options.synthesis as string, cwd);
  if (problems.length > 0)
    return {
      exitCode: 1,
      stdout: '',
      stderr: `qualys-connector-review: refused: no passing review judged the synthesis in ${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    };
  const judged = verdict.pullRequest !== null ? ` in pull request #${verdict.pullRequest}` : '';
  const base = verdict.base !== null ? ` against base commit ${verdict.base}` : '';
  return {
    exitCode: 0,
    stdout: `The synthesis in ${where} is the one judged${judged}${base}, and the gate passed (${now.digest}).\n`,
    stderr: '',
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
    if (options.verifyVerdict !== undefined) return verifyVerdict(options, cwd);
    if (options.digest) return printDigest(options, cwd);
    const config =
      options.plans.length > 0 || options.synthesis !== undefined
        ? undefined
        : configSource(options.config?.path, env, cwd);
    secrets = [
      ...idsOfFile(options.baseConfig && resolve(cwd, options.baseConfig)),
      ...idsOfFile(config && resolve(cwd, config.path)),
      ...idsOfFile(options.synthesis !== undefined ? options.config && resolve(cwd, options.config.path) : undefined),
    ];
    const sides =
      options.plans.length > 0
        ? planSides(options.plans)
        : options.synthesis !== undefined
          ? synthesisSides(options.baseConfig as string, options.synthesis, options.config?.path, cwd)
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
    // Digested before the review reads further, so the verdict names exactly the files read.
    const digest =
      options.verdict !== undefined
        ? synthesisDigest(
            resolve(cwd, options.synthesis as string),
            options.config && resolve(cwd, options.config.path),
          )
        : undefined;
    const deployerPolicy = sides.deployer && deployerPolicyOf(sides.deployer, options.deployerPolicyManagedElsewhere);
    const review: Review = await reviewStacks(sides.before, sides.after, { ...sides.options, deployerPolicy });
    const stdout = redactExternalIds(options.format === 'json' ? renderJson(review) : renderMarkdown(review), secrets);
    const holds = review.broadening.length > 0;
    if (digest !== undefined) writeVerdict(resolve(cwd, options.verdict as string), digest, review, options, secrets);
    const gateHolds = options.failOnBroadening && holds;
    const stderr = gateHolds
      ? redactExternalIds(
          `qualys-connector-review: the gate holds:\n${review.broadening.map((r) => `  - ${r}`).join('\n')}\n`,
          secrets,
        )
      : '';
    return { exitCode: gateHolds ? 1 : 0, stdout, stderr };
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
