import { mkdirSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';
import { synthesizeExamples } from './support/examples';
import { sharedSynthesisDir } from './support/scratch';
import { findMotoServer } from './emulated/emulator';
import { prepareRealProvider, shareInstallation } from './emulated/real-terraform';

/*
 * Once per jest run, before the test files: this run's own temporary folder (TMPDIR, inherited by the
 * workers and every process they start, so whatever a tool leaves there goes with it) and output folder
 * in the project; in the full tier, the default configuration and every example synthesized once for each AWS
 * provider major, shared by the determinism, Terraform and emulated-AWS tests, and the real AWS provider installed
 * into the run's plugin cache. global-teardown.ts removes both folders.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CHECKPOINT_DISABLE = '1';
  process.env.QUALYS_TEST_ORIGINAL_TMPDIR = tmpdir();
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'qualys-tests-'));
  mkdirSync(join(PROJECT_ROOT, '.test-output'), { recursive: true });
  process.env.QUALYS_TEST_OUTPUT = mkdtempSync(join(PROJECT_ROOT, '.test-output', 'run-'));
  if (process.env.QUALYS_TEST_TIER !== 'fast') {
    // The emulated-AWS tier's two evaluators, found before any test runs: a missing one fails the run, saying how
    // to install it, instead of skipping anything.
    findMotoServer();
    shareInstallation(await prepareRealProvider(process.env.TMPDIR));
    await synthesizeExamples(sharedSynthesisDir());
    await synthesizeExamples(sharedSynthesisDir(5), 2, 'cdktf', 5);
  }
}
