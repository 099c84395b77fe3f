// The app as cdktf.json and `npm run synth` run it: main.ts and src/ bundled by esbuild into a cache, named by
// a hash of the sources, and run compiled. Compiling TypeScript on every start (tsx) costs a quarter of a second;
// the bundle is rebuilt only when a source changes. Naming it by content keeps two checkouts that share one
// node_modules (the review's --base) from ever running each other's code. QUALYS_CONNECTOR_TOOLCHAIN=cdktn builds
// the same sources against CDK Terrain, QUALYS_CONNECTOR_AWS_PROVIDER=5 against the bindings of AWS provider 5
// (scripts/toolchains.cjs); each such bundle has its own name.
'use strict';
const { createHash } = require('crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } = require('fs');
const { join, relative } = require('path');
const { aliases, awsProviderFromEnv, toolchainOrExit } = require('./toolchains.cjs');

const root = join(__dirname, '..');
const cache = join(root, 'node_modules', '.cache', 'qualys-connector-app');
/** A day: bundles of other source states are removed after it, never one another process may be starting. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/** Every TypeScript file the app is built from, in a stable order. */
function sources(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, found);
    else if (entry.name.endsWith('.ts')) found.push(path);
  }
  return found;
}

function sourceHash(toolchain, awsProvider) {
  const hash = createHash('sha256').update(toolchain).update('\0').update(String(awsProvider)).update('\0');
  for (const file of [join(root, 'main.ts'), join(root, 'tsconfig.json'), ...sources(join(root, 'src'))]) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function build(bundle, toolchain, awsProvider) {
  mkdirSync(cache, { recursive: true });
  const partial = `${bundle}.${process.pid}.partial`;
  require('esbuild').buildSync({
    entryPoints: [join(root, 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    alias: aliases(toolchain, awsProvider),
    outfile: partial,
    logLevel: 'error',
  });
  // Whole or not at all: another process may be reading the same name.
  renameSync(partial, bundle);
  const now = Date.now();
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (path !== bundle && now - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { force: true });
  }
}

const toolchain = toolchainOrExit();
const awsProvider = awsProviderFromEnv(toolchain);
const bundle = join(cache, `app-${toolchain}-aws${awsProvider}-${sourceHash(toolchain, awsProvider)}.cjs`);
if (!existsSync(bundle)) build(bundle, toolchain, awsProvider);
require(bundle);
