import { readdirSync, rmSync, rmdirSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';

/** Removes this run's temporary and output folders (see global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  for (const dir of [process.env.TMPDIR, process.env.QUALYS_TEST_OUTPUT]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const outputs = join(PROJECT_ROOT, '.test-output');
  try {
    if (readdirSync(outputs).length === 0) rmdirSync(outputs);
  } catch {
    // Already gone, or another run still uses it.
  }
  if (process.env.QUALYS_TEST_ORIGINAL_TMPDIR) process.env.TMPDIR = process.env.QUALYS_TEST_ORIGINAL_TMPDIR;
}
