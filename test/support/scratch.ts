import { mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'fs';
import { dirname, join } from 'path';
import { PROJECT_ROOT } from './app-process';

/*
 * Folders for test output. Stacks with a local backend must be synthesized inside the project folder (their
 * state path is relative to it), so syntheses go below `.test-output/` in the project; `test/global-setup.ts`
 * gives each run its own folder there and its own temporary folder, and removes both at the end.
 */

/** This run's folder inside the project (ignored by git). */
export function testOutputRoot(): string {
  const dir = process.env.QUALYS_TEST_OUTPUT ?? join(PROJECT_ROOT, '.test-output', 'adhoc');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new empty folder inside the project for one test's output. */
export function projectScratch(prefix: string): string {
  return mkdtempSync(join(testOutputRoot(), `${prefix}-`));
}

/**
 * Where the shared syntheses of the default configuration and every example are (full tier): for AWS provider 6
 * (the default), or for provider 5.
 */
export function sharedSynthesisDir(awsProvider: 5 | 6 = 6): string {
  return join(testOutputRoot(), awsProvider === 6 ? 'shared-synthesis' : `shared-synthesis-aws${awsProvider}`);
}

/** Removes a scratch folder and the folders above it in `.test-output/` that it leaves empty. */
export function releaseScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (let parent = dirname(dir); parent.startsWith(join(PROJECT_ROOT, '.test-output')); parent = dirname(parent)) {
    try {
      if (readdirSync(parent).length > 0) return;
      rmdirSync(parent);
    } catch {
      return;
    }
  }
}
