import { spawnSyncWithDeadline } from './deadline';
import { existsSync, mkdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { PROJECT_ROOT } from './app-process';

/*
 * CDK Terrain's CLI needs a newer Node.js than the project's floor (its package states the version). Where the
 * running Node.js is older, the tests that run that CLI get Node.js from the npm registry's official builds
 * (node-<platform>-<arch>), installed once per test run into the run's temporary folder.
 */

const VERSION = '22.23.5';

/** The floor `cdktn-cli` states in its package (`>=x.y.z`). */
export function cdktnCliNodeFloor(): string {
  const manifest = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'node_modules', 'cdktn-cli', 'package.json'), 'utf8'),
  ) as {
    engines: { node: string };
  };
  return manifest.engines.node.replace(/^>=\s*/, '');
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [version, floor].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** A Node.js binary the cdktn CLI runs on: this one when new enough, else one installed from the npm registry. */
export function nodeForCdktnCli(): string {
  if (atLeast(process.versions.node, cdktnCliNodeFloor())) return process.execPath;
  if (!atLeast(VERSION, cdktnCliNodeFloor())) throw new Error(`Node.js ${VERSION} is below cdktn-cli's floor`);
  const prefix = join(tmpdir(), `node-${VERSION}`);
  const name = `node-${process.platform}-${process.arch}`;
  const binary = join(prefix, 'node_modules', name, 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    const install = spawnSyncWithDeadline(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `${name}@${VERSION}`],
      { encoding: 'utf8' },
      600,
      `npm to install Node.js ${VERSION} for cdktn-cli`,
    );
    if (install.status !== 0 || !existsSync(binary)) {
      throw new Error(`could not install Node.js ${VERSION} (${name}) for cdktn-cli: ${install.stderr.slice(-1000)}`);
    }
  }
  return binary;
}

/** PATH with that Node.js first, so that npm and the commands it runs use it. */
export function pathWithNode(node: string, path = process.env.PATH ?? ''): string {
  return `${dirname(node)}:${path}`;
}
