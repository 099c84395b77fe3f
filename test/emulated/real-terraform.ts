/*
 * The real Terraform binary with the real AWS provider (hashicorp/aws at the version of the provider 5 bindings),
 * pointed at an emulated AWS. The provider is found as Terraform finds it: the Terraform CLI configuration in effect
 * (the registry, a provider_installation block), or a filesystem mirror named by QUALYS_TERRAFORM_PROVIDER_MIRROR.
 * The global setup installs it once into a plugin cache that every workspace of the run links to.
 */
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { join } from 'path';
import { AWS_PROVIDER_MAJORS } from '../../src/rules/aws-provider';
import { deadline } from '../support/deadline';
import { SavedPlan, TerraformResult, brief, requireTerraform, savedPlan } from '../terraform/harness';

/** The real provider the tier runs: the version the provider 5 bindings were generated from. */
export const REAL_PROVIDER_VERSION = AWS_PROVIDER_MAJORS[5].testedVersions[0];
/** A filesystem mirror (the folder that holds registry.terraform.io/...) to install the provider from. */
export const PROVIDER_MIRROR_VARIABLE = 'QUALYS_TERRAFORM_PROVIDER_MIRROR';
/** How the global setup hands the prepared installation to the test workers. */
const INSTALLATION_VARIABLE = 'QUALYS_EMULATED_TERRAFORM';

export interface TerraformInstallation {
  /** A CLI configuration written for the mirror; absent: the configuration in effect is used as it is. */
  readonly cliConfigFile?: string;
  readonly pluginCacheDir: string;
}

function platform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch;
  return `${process.platform}_${arch}`;
}

/** Environment of every Terraform command of the tier (before the emulated AWS's part). */
function terraformEnv(installation: TerraformInstallation, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    TF_PLUGIN_CACHE_DIR: installation.pluginCacheDir,
    TF_LOG: '',
  };
  if (installation.cliConfigFile) env.TF_CLI_CONFIG_FILE = installation.cliConfigFile;
  return env;
}

/** Runs Terraform without waiting forever: a passed deadline kills it and says what it was doing. */
export async function runTerraform(
  dir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  seconds = 600,
): Promise<TerraformResult> {
  const child = spawn('terraform', [...args, '-no-color'], { cwd: dir, env, detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const finished = new Promise<TerraformResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const timer = deadline(seconds, `terraform ${args[0]} in ${dir}`);
  try {
    return await Promise.race([finished, timer.promise]);
  } catch (error) {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    throw new Error(`${(error as Error).message}; its output so far: ${brief(stderr || stdout).slice(-2000)}`);
  } finally {
    timer.cancel();
  }
}

/**
 * Once per run (the global setup of the full tier): the CLI configuration for the mirror when one is named, and the
 * provider installed into the run's plugin cache. Fails, saying how to make the provider available, when Terraform
 * cannot install it.
 */
export async function prepareRealProvider(
  runDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TerraformInstallation> {
  requireTerraform(env);
  const pluginCacheDir = join(runDir, 'terraform-plugin-cache');
  mkdirSync(pluginCacheDir, { recursive: true });
  const mirror = env[PROVIDER_MIRROR_VARIABLE];
  let cliConfigFile: string | undefined;
  if (mirror) {
    const expected = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws', REAL_PROVIDER_VERSION, platform());
    if (!existsSync(expected))
      throw new Error(
        `${PROVIDER_MIRROR_VARIABLE}=${mirror} holds no hashicorp/aws ${REAL_PROVIDER_VERSION} for ${platform()} (no folder ${expected}): name the folder that holds registry.terraform.io/, as \`terraform providers mirror\` writes it`,
      );
    cliConfigFile = join(runDir, 'emulated-terraform.rc');
    writeFileSync(
      cliConfigFile,
      [
        'provider_installation {',
        '  filesystem_mirror {',
        `    path    = ${JSON.stringify(mirror)}`,
        '    include = ["registry.terraform.io/hashicorp/aws"]',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/aws"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  }
  const installation: TerraformInstallation = { cliConfigFile, pluginCacheDir };
  const probe = mkdtempSync(join(runDir, 'provider-probe-'));
  writeFileSync(
    join(probe, 'main.tf.json'),
    JSON.stringify({
      terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: REAL_PROVIDER_VERSION } } },
    }),
  );
  const init = await runTerraform(
    probe,
    ['init', '-input=false', '-backend=false'],
    terraformEnv(installation, env),
    900,
  );
  if (init.status !== 0) {
    throw new Error(
      [
        `The emulated-AWS tests run the real AWS provider, hashicorp/aws ${REAL_PROVIDER_VERSION}, and Terraform could not install it:`,
        brief(init.stderr).trim().slice(-1500),
        `Let Terraform install it: from the registry (network access to registry.terraform.io), through the provider_installation block of your Terraform CLI configuration (TF_CLI_CONFIG_FILE or ~/.terraformrc), or from a filesystem mirror named by ${PROVIDER_MIRROR_VARIABLE} (a folder holding registry.terraform.io/hashicorp/aws/${REAL_PROVIDER_VERSION}/${platform()}/, as \`terraform providers mirror\` writes it).`,
      ].join('\n'),
    );
  }
  return installation;
}

/** Hands the installation to the test workers (the global setup calls it). */
export function shareInstallation(installation: TerraformInstallation): void {
  process.env[INSTALLATION_VARIABLE] = JSON.stringify(installation);
}

/** The installation the global setup prepared. */
export function preparedInstallation(): TerraformInstallation {
  const text = process.env[INSTALLATION_VARIABLE];
  if (!text)
    throw new Error('the real AWS provider was not prepared: run the full tier (npm test), whose global setup does');
  return JSON.parse(text) as TerraformInstallation;
}

/**
 * The environment of a Terraform run against the emulated AWS: the prepared provider, the emulator's endpoint and
 * an account's keys; nothing from the user's own AWS configuration (`dir` holds the empty files it points at).
 */
export function emulatorEnv(
  dir: string,
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  extraEnv: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env = terraformEnv(preparedInstallation());
  for (const name of Object.keys(env)) if (/^AWS_/.test(name)) delete env[name];
  return Object.assign(env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, '.aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws-credentials'),
    ...extraEnv,
  });
}

/** A folder Terraform works in against the emulated AWS: init, apply, plan, with deadlines. */
export class RealWorkspace {
  constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static forEmulator(
    dir: string,
    endpoint: string,
    credentials: { accessKeyId: string; secretAccessKey: string },
    extraEnv: NodeJS.ProcessEnv = {},
  ): RealWorkspace {
    return new RealWorkspace(dir, emulatorEnv(dir, endpoint, credentials, extraEnv));
  }

  async run(args: readonly string[], seconds = 600): Promise<TerraformResult> {
    return runTerraform(this.dir, args, this.env, seconds);
  }

  private async succeed(what: string, args: readonly string[]): Promise<TerraformResult> {
    const result = await this.run(args);
    if (result.status !== 0) throw new Error(`terraform ${what} in ${this.dir} failed:\n${brief(result.stderr)}`);
    return result;
  }

  async init(): Promise<void> {
    await this.succeed('init', ['init', '-input=false', '-backend=false']);
  }

  async apply(extra: readonly string[] = []): Promise<TerraformResult> {
    return this.succeed('apply', ['apply', '-auto-approve', '-input=false', ...extra]);
  }

  /** `terraform plan -out` then `terraform show -json` of it. */
  async plan(extra: readonly string[] = []): Promise<SavedPlan> {
    await this.succeed('plan', ['plan', '-input=false', '-out=tfplan', ...extra]);
    const shown = await this.succeed('show', ['show', '-json', 'tfplan']);
    return savedPlan(JSON.parse(shown.stdout));
  }

  /** A plan Terraform refuses: its error output (a plan that succeeds fails the test). */
  async refusedPlan(extra: readonly string[] = []): Promise<string> {
    const result = await this.run(['plan', '-input=false', ...extra]);
    if (result.status === 0) throw new Error(`terraform plan in ${this.dir} was expected to be refused, and succeeded`);
    return result.stderr;
  }
}
