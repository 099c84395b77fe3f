/*
 * Configurations synthesized for the emulated tier: the app itself, for AWS provider 5 (the real provider the tier
 * runs), into the project's test output folder.
 */
import { spawn } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT, appProcess } from '../support/app-process';
import { deadline } from '../support/deadline';

/** Synthesizes `config` into `outdir` (inside the project) and returns the folder of each stack by name. */
export async function synthesizeForProvider5(config: unknown, outdir: string): Promise<Record<string, string>> {
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, 'qualys-connector.json');
  writeFileSync(file, JSON.stringify(config));
  const { command, args, env } = appProcess(outdir, { args: ['--config', file], awsProvider: 5 });
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const finished = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const timer = deadline(120, `the app to synthesize ${file}`);
  try {
    const status = await Promise.race([finished, timer.promise]);
    if (status !== 0) throw new Error(`synthesis of ${file} failed: ${stderr}`);
  } finally {
    timer.cancel();
  }
  const stacks = (config as { stacks: { name: string }[] }).stacks;
  return Object.fromEntries(stacks.map((s) => [s.name, join(outdir, 'stacks', s.name)]));
}
