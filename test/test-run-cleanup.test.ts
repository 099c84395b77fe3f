import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';

/*
 * A jest run of this project leaves nothing behind in the temporary folder: a run of two test files that
 * write temporary and output folders, with a fresh TMPDIR, must leave that TMPDIR as it found it (jest's own
 * cache is put elsewhere). Full tier: it starts a second jest.
 */
const outputFolders = () => {
  const outputs = join(PROJECT_ROOT, '.test-output');
  return existsSync(outputs) ? readdirSync(outputs) : [];
};

test('a test run removes every temporary and output folder it made', () => {
  // A temporary folder outside the project, as TMPDIR is for users.
  const scratch = mkdtempSync(join(tmpdir(), 'qualys-cleanup-'));
  try {
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const before = outputFolders();
    const run = spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--cacheDirectory',
        join(scratch, 'jest-cache'),
        'test/validation.test.ts',
        'test/library-example.test.ts',
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp, QUALYS_TEST_TIER: 'fast' } },
    );
    expect(run.stderr).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(run.status).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    // The inner run's output folder in the project is gone too: nothing there that was not there before.
    expect(outputFolders().filter((name) => !before.includes(name))).toEqual([]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
