import { spawn } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { AwsProviderMajor, PROJECT_ROOT, Toolchain, appProcess } from './app-process';

/** The configurations the app is checked with end to end: the default (no file) and every example. */
export function exampleConfigs(): { name: string; file?: string }[] {
  return [
    { name: 'default' },
    ...readdirSync(join(PROJECT_ROOT, 'examples'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ name: f.replace(/\.json$/, ''), file: join(PROJECT_ROOT, 'examples', f) })),
  ];
}

/** Synthesizes every configuration into `dir/<name>`, two processes at a time, with the toolchain given. */
export async function synthesizeExamples(
  dir: string,
  parallel = 2,
  toolchain?: Toolchain,
  awsProvider?: AwsProviderMajor,
): Promise<void> {
  const queue = [...exampleConfigs()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { command, args, env } = appProcess(join(dir, next.name), { configEnv: next.file, toolchain, awsProvider });
      const name = next.name;
      await new Promise<void>((done, fail) => {
        const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('error', fail);
        child.on('close', (code) => (code === 0 ? done() : fail(new Error(`synthesis of ${name} failed: ${stderr}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The shared synthesis of one configuration (made once per run by the global setup of the full tier). */
export function sharedOutdir(dir: string, name: string): string {
  const outdir = join(dir, name);
  if (!existsSync(join(outdir, 'manifest.json')))
    throw new Error(`no shared synthesis of ${name} in ${dir}: run the full tier (npm test)`);
  return outdir;
}
