/*
 * The steps of the GitHub Actions examples, run locally as GitHub runs them: each `run: |` block found by its
 * step's name and run with bash -e -o pipefail (GitHub's default shell for bash steps) in a checkout.
 */
import { spawn, spawnSync } from 'child_process';

/** The shell script of a workflow step (its `run: |` block), found by the step's name. */
export function stepScript(workflow: string, name: string): string {
  const step = new RegExp(`- name: ${name}\\n(?: {8}.*\\n)*? {8}run: \\|\\n((?: {10}.*\\n)+)`).exec(workflow);
  if (!step) throw new Error(`the workflow has no step "${name}" with a run block`);
  return step[1].replace(/^ {10}/gm, '');
}

/** A step's script run as GitHub runs it, in a checkout, with the runner's variables. */
export function runStep(checkout: string, workflow: string, name: string, env: NodeJS.ProcessEnv, script?: string) {
  return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script ?? stepScript(workflow, name)], {
    cwd: checkout,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The same, without blocking: for steps that call a server running in the test's own process. */
export function runStepAsync(
  checkout: string,
  workflow: string,
  name: string,
  env: NodeJS.ProcessEnv,
  script?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script ?? stepScript(workflow, name)], {
      cwd: checkout,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
