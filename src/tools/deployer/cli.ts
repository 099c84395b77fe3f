#!/usr/bin/env node
// `qualys-connector-deployer-policy`: the IAM policy the identity that deploys a configuration needs.
import { setOnce, splitOption, takeValue } from '../command-line';
import { CONFIG_ENV_VAR, ConfigSource, PROJECT_CONFIG_FILE, configSource, loadConfig } from '../../config/load';
import { ConfigurationError, InputProblem } from '../../rules/errors';
import { DEPLOYER_PURPOSES, DeployerPurpose, planDeployerPolicy } from './policy';
import { renderDeployerJson, renderDeployerMarkdown } from './render';

const COMMAND = 'qualys-connector-deployer-policy';

export const USAGE = `Usage: ${COMMAND} [--config <file>] [--stack <name>] [--for deploy|plan] [--format json|markdown]

  --config <file>    the configuration (default: ${PROJECT_CONFIG_FILE} in this folder when it exists,
                     else ${CONFIG_ENV_VAR}, else the built-in default)
  --stack <name>     only this stack of the configuration (default: every stack)
  --for <purpose>    deploy (default: cdktf deploy, terraform apply, destroy, import) or plan (terraform init
                     and plan only: read-only, but for the state lock)
  --format <format>  json (default: one IAM policy document per deploying identity) or markdown

Exit codes: 0 printed; 2 bad input (options or configuration); 3 an unexpected error.`;

export interface DeployerPolicyOptions {
  readonly config?: ConfigSource;
  readonly stack?: string;
  readonly purpose: DeployerPurpose;
  readonly format: 'json' | 'markdown';
}

const VALUE_OPTIONS = ['--config', '--stack', '--for', '--format'] as const;
const FORMATS = ['json', 'markdown'];

/** The options of the command line; every problem is reported at once, before anything is read. */
export function parseDeployerPolicyArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DeployerPolicyOptions {
  const problems: InputProblem[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = splitOption(arg);
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) {
      problems.push({
        field: 'arguments',
        value: JSON.stringify(arg),
        rule: `is not an option of ${COMMAND}; the options are ${VALUE_OPTIONS.join(', ')}`,
      });
      continue;
    }
    const taken = takeValue(argv, i, name, inline);
    i = taken.index;
    setOnce(values, problems, name, taken);
  }
  const format = values.get('--format') ?? 'json';
  if (!FORMATS.includes(format))
    problems.push({ field: '--format', value: JSON.stringify(format), rule: 'must be json or markdown' });
  const purpose = values.get('--for') ?? 'deploy';
  if (!(DEPLOYER_PURPOSES as readonly string[]).includes(purpose))
    problems.push({
      field: '--for',
      value: JSON.stringify(purpose),
      rule: `must be ${DEPLOYER_PURPOSES.join(' or ')}`,
    });
  let config: ConfigSource | undefined;
  try {
    config = configSource(values.get('--config'), env, process.cwd());
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ConfigurationError(problems, `Invalid ${COMMAND} command line`);
  return {
    config,
    stack: values.get('--stack'),
    purpose: purpose as DeployerPurpose,
    format: format as DeployerPolicyOptions['format'],
  };
}

export interface DeployerPolicyRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The whole command without touching the process: what it prints and the exit code. */
export function runDeployerPolicy(argv: readonly string[], env: NodeJS.ProcessEnv): DeployerPolicyRun {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))
    return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  try {
    const options = parseDeployerPolicyArgs(argv, env);
    const plans = planDeployerPolicy(loadConfig(options.config), options.stack, options.purpose);
    return {
      exitCode: 0,
      stdout: options.format === 'json' ? renderDeployerJson(plans) : renderDeployerMarkdown(plans),
      stderr: '',
    };
  } catch (error) {
    if (error instanceof ConfigurationError)
      return { exitCode: 2, stdout: '', stderr: `${error.message}\n\n${USAGE}\n` };
    throw error;
  }
}

if (require.main === module) {
  try {
    const run = runDeployerPolicy(process.argv.slice(2), process.env);
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.exitCode = run.exitCode;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  }
}
