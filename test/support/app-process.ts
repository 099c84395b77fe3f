import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

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
  const run = spawnSync(process.execPath, [...appCommand(), ...(viaArgument ? ['--config', configFile] : [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, QUALYS_CONNECTOR_CONFIG: viaArgument ? '' : (configFile ?? '') },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the app and fails with its error output unless it succeeds. */
export function synthesizeInto(outdir: string, configFile?: string): void {
  const run = runApp(outdir, configFile);
  if (run.status !== 0) throw new Error(`synthesis${configFile ? ` of ${configFile}` : ''} failed: ${run.stderr}`);
}
