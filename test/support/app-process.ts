import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

/** CDK for Terraform or CDK Terrain (scripts/toolchains.cjs). */
export type Toolchain = 'cdktf' | 'cdktn';

/** The AWS provider major the app synthesizes for (scripts/toolchains.cjs; 6 when unset). */
export type AwsProviderMajor = 5 | 6;

export const PROJECT_ROOT = join(__dirname, '..', '..');

/** The app command of cdktf.json (what `cdktf synth` runs), with this Node binary. */
function appCommand(): string[] {
  const { app } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdktf.json'), 'utf8')) as { app: string };
  const [program, ...args] = app.split(/\s+/);
  if (program !== 'node') throw new Error(`cdktf.json's app command should start with node: ${app}`);
  return args;
}

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the app as a separate process, as `cdktf synth` does, writing to `outdir`. The configuration comes
 * from `configFile` through the environment variable (or `--config` with `viaArgument`); none means the default.
 */
export function runApp(outdir: string, configFile?: string, options: { viaArgument?: boolean } = {}): AppRun {
  const viaArgument = options.viaArgument === true && configFile !== undefined;
  return runAppWith(outdir, {
    args: viaArgument ? ['--config', configFile] : [],
    configEnv: configFile !== undefined && !viaArgument ? configFile : undefined,
  });
}

/**
 * Runs the app with exactly these arguments after the app command and this value of the configuration
 * variable (`undefined`: not set at all).
 */
export function runAppWith(
  outdir: string,
  options: { args?: string[]; configEnv?: string; env?: NodeJS.ProcessEnv },
): AppRun {
  const { command, args, env } = appProcess(outdir, options);
  const run = spawnSync(command, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The command, arguments and environment of one app run (for callers that spawn it themselves). */
export function appProcess(
  outdir: string,
  {
    args = [],
    configEnv,
    toolchain,
    awsProvider,
    env: extra = {},
  }: {
    args?: string[];
    configEnv?: string;
    toolchain?: Toolchain;
    awsProvider?: AwsProviderMajor;
    /** Variables set for this run (after the ones it clears). */
    env?: NodeJS.ProcessEnv;
  },
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  // The deploy's own checks (the state backend in CI) apply only where a run asks for them.
  delete env.QUALYS_CONNECTOR_DEPLOY;
  delete env.QUALYS_CONNECTOR_CONFIG;
  delete env.QUALYS_CONNECTOR_TOOLCHAIN;
  delete env.QUALYS_CONNECTOR_AWS_PROVIDER;
  if (configEnv !== undefined) env.QUALYS_CONNECTOR_CONFIG = configEnv;
  if (toolchain !== undefined) env.QUALYS_CONNECTOR_TOOLCHAIN = toolchain;
  if (awsProvider !== undefined) env.QUALYS_CONNECTOR_AWS_PROVIDER = String(awsProvider);
  Object.assign(env, extra);
  return { command: process.execPath, args: [...appCommand(), ...args], env };
}

/** Runs the app and fails with its error output unless it succeeds. */
export function synthesizeInto(outdir: string, configFile?: string): void {
  const run = runApp(outdir, configFile);
  if (run.status !== 0) throw new Error(`synthesis${configFile ? ` of ${configFile}` : ''} failed: ${run.stderr}`);
}
