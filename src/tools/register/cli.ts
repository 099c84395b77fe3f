#!/usr/bin/env node
// `qualys-connector-register`: registers the accounts of Terraform outputs as Qualys AWS connectors, idempotently.
import { readFileSync } from 'fs';
import { CONFIG_ENV_VAR, PROJECT_CONFIG_FILE, configSource, loadConfig } from '../../config/load';
import { ACTIVATION_MODULES, ActivationModule, DEFAULT_ACTIVATION, connectorAppsFor } from '../../model/connector-apps';
import { CAPABILITY_NAMES, CapabilityName, capabilityProblems } from '../../model/permissions';
import { ConfigurationError, InputProblem } from '../../rules/errors';
import { QUALYS_PLATFORMS, QUALYS_PLATFORM_NAMES, QualysPlatform, apiUrlProblem } from '../../rules/qualys-platforms';
import { didYouMean } from '../../rules/suggest';
import { setOnce, splitOption, takeValue } from '../command-line';
import { ConnectorApi } from './api';
import { desiredConnector } from './connector';
import { OutputsReading, readOutputs } from './outputs';
import { EXIT, exitCodeOf, offlinePlan, register } from './register';
import { hideSecrets, renderJson, renderText } from './render';

const COMMAND = 'qualys-connector-register';
export const USERNAME_VAR = 'QUALYS_USERNAME';
export const PASSWORD_VAR = 'QUALYS_PASSWORD';

export const USAGE = `Usage: ${COMMAND} --outputs <file|-> [options]

Registers the role of each account in Terraform outputs as a Qualys AWS connector (Connector API v3), keyed
by the AWS account ID: creates what is missing, leaves what matches, reports what differs.

  --outputs <file|->        \`terraform output -json\` of a connector stack or module (- reads standard input),
                            or a cdktf outputs file (with sensitive outputs)
  --stack <name>            the stack: of a cdktf outputs file, and of the configuration for the capabilities
  --capabilities <list>     the role's capabilities, comma-separated (${CAPABILITY_NAMES.join(', ')});
                            default: the capabilities output, else those of the stack in the configuration
  --activation <list|none>  the modules discovered assets are activated for, comma-separated
                            (${ACTIVATION_MODULES.join(', ')}); default ${DEFAULT_ACTIVATION.join(',')}, as Qualys' own scripts set them
  --config <file>           the configuration (default: ${PROJECT_CONFIG_FILE} in this folder when it exists,
                            else ${CONFIG_ENV_VAR}); its qualysApi names the API
  --api-url <url>           the API server, https only (wins over --platform and the configuration)
  --platform <name>         the Qualys platform: ${QUALYS_PLATFORM_NAMES.join(', ')}
  --organization-members    organization outputs: register the management role and every member role as
                            account connectors (accounts an organization connector holds are skipped)
  --update                  change connectors that differ from the outputs (default: report them, exit 3)
  --dry-run                 read-only calls: print what would be done
  --offline                 no calls: print the search and create requests (method, URL, body) after every
                            check a real run makes, credentials in the environment included (never sent)
  --format <text|json>      default text
  --name-prefix <text>      names of new connectors: <prefix><account ID> (default "aws-")
  --pace <seconds>          least time between two writes (default 2)
  --timeout <seconds>       per call (default 60)
  --ca-file <pem>           extra certificate authorities to trust (a TLS-inspecting proxy)

Credentials come only from the environment: ${USERNAME_VAR} and ${PASSWORD_VAR} (an API user with the Manager
role). The password, the authorization header and the external ID are never printed.

Exit codes: 0 done (or nothing to do); 1 a call failed (later accounts not run); 2 bad input, options or
environment; 3 a person must decide (a connector differs without --update, several connectors for one account,
or one held by an organization connector); 4 a connector's Qualys account is not the one the role trusts.`;

const VALUE_OPTIONS = [
  '--outputs',
  '--stack',
  '--capabilities',
  '--config',
  '--api-url',
  '--platform',
  '--format',
  '--name-prefix',
  '--pace',
  '--timeout',
  '--ca-file',
  '--activation',
];
const FLAGS = ['--organization-members', '--update', '--dry-run', '--offline'];
const CREDENTIAL_OPTIONS = /^(-u|-p|--user(name)?|--pass(word)?|--credentials?|--auth(orization)?|--token)$/;

interface Parsed {
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
}

function parseArgs(argv: readonly string[]): Parsed {
  const problems: InputProblem[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitOption(argv[i]);
    if (CREDENTIAL_OPTIONS.test(name)) {
      problems.push({
        field: 'arguments',
        value: name,
        rule: `credentials are taken only from ${USERNAME_VAR} and ${PASSWORD_VAR} in the environment, never from arguments (which shell history and process lists keep)`,
      });
      if (inline === undefined) i++;
    } else if (FLAGS.includes(name) && inline === undefined) flags.add(name);
    else if (VALUE_OPTIONS.includes(name)) {
      const taken = takeValue(argv, i, name, inline);
      i = taken.index;
      setOnce(values, problems, name, taken);
    } else {
      problems.push({
        field: 'arguments',
        value: JSON.stringify(argv[i]),
        rule: `is not an option of ${COMMAND}${didYouMean(name, [...VALUE_OPTIONS, ...FLAGS])}; see --help`,
      });
    }
  }
  if (!values.has('--outputs'))
    problems.push({
      field: '--outputs',
      value: '(missing)',
      rule: 'must name the outputs file, or - for standard input',
    });
  if (flags.has('--offline') && flags.has('--dry-run')) {
    problems.push({
      field: '--offline',
      value: 'with --dry-run',
      rule: 'choose one: --offline makes no calls, --dry-run only reads',
    });
  }
  const format = values.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'json')
    problems.push({ field: '--format', value: JSON.stringify(format), rule: 'must be text or json' });
  for (const name of ['--pace', '--timeout']) {
    const value = values.get(name);
    if (value !== undefined && !(/^\d+(\.\d+)?$/.test(value) && (name === '--pace' || Number(value) > 0))) {
      problems.push({
        field: name,
        value: JSON.stringify(value),
        rule: `must be a number of seconds${name === '--timeout' ? ' above 0' : ''}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems, `Invalid ${COMMAND} command line`);
  return { values, flags };
}

/**
 * The capabilities: from --capabilities, else from the outputs (what was deployed), else from the stack of a
 * configuration file (never the built-in default).
 */
function capabilitiesOf(
  parsed: Parsed,
  env: NodeJS.ProcessEnv,
  problems: InputProblem[],
  reading: OutputsReading,
): CapabilityName[] | undefined {
  const listed = parsed.values.get('--capabilities');
  if (listed !== undefined) {
    const names = listed
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const found = capabilityProblems(names);
    for (const p of found)
      problems.push({ field: '--capabilities', value: JSON.stringify(p.capability), rule: p.rule });
    return found.length === 0 ? (names as CapabilityName[]) : undefined;
  }
  if (reading.capabilities !== undefined) return [...reading.capabilities];
  const source = configSource(parsed.values.get('--config'), env, process.cwd());
  if (source === undefined) {
    problems.push({
      field: '--capabilities',
      value: '(missing)',
      rule: `must list the role's capabilities when the outputs have no capabilities output and there is no configuration file (--config, ${PROJECT_CONFIG_FILE} or ${CONFIG_ENV_VAR}): the connector's apps follow from them`,
    });
    return undefined;
  }
  const config = loadConfig(source);
  const stackName = parsed.values.get('--stack');
  const stacks = config.stacks.filter((s) => stackName === undefined || s.name === stackName);
  if (stacks.length !== 1) {
    problems.push({
      field: '--stack',
      value: stackName === undefined ? '(missing)' : JSON.stringify(stackName),
      rule: `must name one stack of the configuration: ${config.stacks.map((s) => s.name).join(', ')}`,
    });
    return undefined;
  }
  return [...(stacks[0].connector.capabilities ?? [])] as CapabilityName[];
}

/** The activation modules: --activation (a list, or none), else what Qualys' scripts set. */
function activationOf(parsed: Parsed, problems: InputProblem[]): ActivationModule[] {
  const given = parsed.values.get('--activation');
  if (given === undefined) return [...DEFAULT_ACTIVATION];
  if (given === 'none') return [];
  const names = given.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(ACTIVATION_MODULES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    problems.push({
      field: '--activation',
      value: JSON.stringify(given),
      rule: `must be none or a comma-separated list of ${ACTIVATION_MODULES.join(', ')}${unknown.length > 0 ? ` (not ${unknown.map((u) => JSON.stringify(u)).join(', ')})` : ''}`,
    });
  return [...new Set(names)].filter((n): n is ActivationModule =>
    (ACTIVATION_MODULES as readonly string[]).includes(n),
  );
}

/** The API URL: --api-url, --platform, then the configuration's qualysApi. */
function apiUrlOf(parsed: Parsed, env: NodeJS.ProcessEnv, problems: InputProblem[]): string | undefined {
  const given = parsed.values.get('--api-url');
  if (given !== undefined) {
    const problem = apiUrlProblem(given);
    if (problem) problems.push({ field: '--api-url', value: JSON.stringify(given), rule: problem });
    return given.replace(/\/$/, '');
  }
  const platform = parsed.values.get('--platform');
  if (platform !== undefined) {
    if (!(platform in QUALYS_PLATFORMS)) {
      problems.push({
        field: '--platform',
        value: JSON.stringify(platform),
        rule: `must be one of ${QUALYS_PLATFORM_NAMES.join(', ')}${didYouMean(platform, QUALYS_PLATFORM_NAMES)}`,
      });
      return undefined;
    }
    return QUALYS_PLATFORMS[platform as QualysPlatform];
  }
  const source = configSource(parsed.values.get('--config'), env, process.cwd());
  const api = source === undefined ? undefined : loadConfig(source).qualysApi;
  if (api?.url) return api.url.replace(/\/$/, '');
  if (api?.platform) return QUALYS_PLATFORMS[api.platform];
  problems.push({
    field: '--api-url',
    value: '(missing)',
    rule: 'must name the Qualys API: --api-url, --platform or qualysApi in the configuration',
  });
  return undefined;
}

function readOutputsText(file: string, stdin: () => string): unknown {
  let text: string;
  try {
    text = file === '-' ? stdin() : readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      [{ field: '--outputs', value: JSON.stringify(file), rule: `cannot be read: ${(error as Error).message}` }],
      'Cannot register',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    // The text holds the external ID in clear: never quote it.
    throw new ConfigurationError(
      [
        {
          field: '--outputs',
          value: JSON.stringify(file),
          rule: 'must be JSON, as `terraform output -json` prints it',
        },
      ],
      'Cannot register',
    );
  }
}

interface RunSettings {
  readonly capabilities: CapabilityName[];
  readonly activation: ActivationModule[];
  readonly apiUrl?: string;
  readonly username?: string;
  readonly password?: string;
  readonly ca?: string;
  readonly offline: boolean;
}

/**
 * Everything the run needs besides the outputs; every problem at once. `--offline` makes the same checks as a
 * real run (the API URL, the credentials' presence), so an offline check in CI fails where the real step would.
 */
function settingsOf(parsed: Parsed, env: NodeJS.ProcessEnv, reading: OutputsReading): RunSettings {
  const problems: InputProblem[] = [];
  const capabilities = capabilitiesOf(parsed, env, problems, reading);
  const activation = activationOf(parsed, problems);
  const offline = parsed.flags.has('--offline');
  const apiUrl = apiUrlOf(parsed, env, problems);
  const username = env[USERNAME_VAR];
  const password = env[PASSWORD_VAR];
  for (const [name, value] of [
    [USERNAME_VAR, username],
    [PASSWORD_VAR, password],
  ]) {
    if (!value)
      problems.push({
        field: name as string,
        value: '(unset)',
        rule: `must be set in the environment: the Qualys API user (Manager role) and its password${offline ? ' (--offline checks them as a real run does, and sends nothing)' : ''}`,
      });
  }
  const caFile = parsed.values.get('--ca-file');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      problems.push({
        field: '--ca-file',
        value: JSON.stringify(caFile),
        rule: `cannot be read: ${(error as Error).message}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems, 'Cannot register');
  return { capabilities: capabilities as CapabilityName[], activation, apiUrl, username, password, ca, offline };
}

export interface RegisterRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RegisterIo {
  readonly stdin?: () => string;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The whole command without touching the process: what it prints and the exit code. */
export async function runRegister(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: RegisterIo = {},
): Promise<RegisterRun> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))
    return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  const secrets = [env[PASSWORD_VAR] ?? ''];
  const guard = (run: RegisterRun): RegisterRun => ({
    ...run,
    stdout: hideSecrets(run.stdout, secrets),
    stderr: hideSecrets(run.stderr, secrets),
  });
  try {
    const parsed = parseArgs(argv);
    const reading = readOutputs(
      readOutputsText(parsed.values.get('--outputs') as string, io.stdin ?? (() => readFileSync(0, 'utf8'))),
      {
        stack: parsed.values.get('--stack'),
        organizationMembers: parsed.flags.has('--organization-members'),
        source: '--outputs',
      },
    );
    secrets.push(...reading.targets.map((t) => t.externalId));
    const { capabilities, activation, apiUrl, username, password, ca, offline } = settingsOf(parsed, env, reading);
    secrets.push(Buffer.from(`${username}:${password}`).toString('base64'));
    const apps = connectorAppsFor(capabilities as CapabilityName[]);
    const connectors = reading.targets.map((t) =>
      desiredConnector(t, apps, parsed.values.get('--name-prefix') ?? 'aws-', activation),
    );
    const mode = offline ? 'offline' : parsed.flags.has('--dry-run') ? 'dry run' : 'apply';
    const results = offline
      ? offlinePlan(connectors, apiUrl as string)
      : await register(
          new ConnectorApi({
            baseUrl: apiUrl as string,
            username: username as string,
            password: password as string,
            ca,
            timeoutMs: Number(parsed.values.get('--timeout') ?? 60) * 1000,
            writeIntervalMs: Number(parsed.values.get('--pace') ?? 2) * 1000,
            sleep: io.sleep,
          }),
          connectors,
          {
            update: parsed.flags.has('--update'),
            dryRun: parsed.flags.has('--dry-run'),
            organizationMembers: parsed.flags.has('--organization-members'),
          },
        );
    const exitCode = exitCodeOf(results);
    const json = parsed.values.get('--format') === 'json';
    return guard({
      exitCode,
      stdout: json ? renderJson(results, exitCode, mode) : renderText(results, mode),
      stderr: '',
    });
  } catch (error) {
    if (error instanceof ConfigurationError)
      return guard({ exitCode: EXIT.usage, stdout: '', stderr: `${error.message}\n\nSee ${COMMAND} --help.\n` });
    throw error;
  }
}

if (require.main === module) {
  runRegister(process.argv.slice(2), process.env).then(
    (run) => {
      process.stdout.write(run.stdout);
      process.stderr.write(run.stderr);
      process.exitCode = run.exitCode;
    },
    (error: unknown) => {
      const secrets = [process.env[PASSWORD_VAR] ?? ''];
      process.stderr.write(hideSecrets(`${error instanceof Error ? error.message : String(error)}\n`, secrets));
      process.exitCode = EXIT.failed;
    },
  );
}
