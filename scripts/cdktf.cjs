// `npm run deploy|diff|output -- [--config <file>] [cdktf options]`: the cdktf CLI with the app command of
// cdktf.json, given the configuration the user named. The CLI keeps its options to itself and would never pass
// `--config` on to the app, so it is taken out here and appended to the app command; the app then applies the
// same rule as every command (and rejects a bad option). No usage reports or version checks are sent.
// QUALYS_CONNECTOR_TOOLCHAIN=cdktn runs CDK Terrain's CLI (cdktn-cli) instead, with the app built for it.
'use strict';
const { spawnSync } = require('child_process');
const { readFileSync } = require('fs');
const { join } = require('path');
const { TOOLCHAINS, toolchainOrExit } = require('./toolchains.cjs');

const root = join(__dirname, '..');

/** A word for a POSIX shell, which the cdktf CLI runs the app command with. */
function shellWord(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const toolchain = toolchainOrExit();
const { cli: cliPackage, bin } = TOOLCHAINS[toolchain];
const cliManifest = JSON.parse(readFileSync(join(root, 'node_modules', cliPackage, 'package.json'), 'utf8'));
/** Whether this Node.js is older than the `>=x.y.z` the CLI's package states (anything else is not judged). */
function olderThan(engine) {
  const floor = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engine ?? '');
  if (!floor) return false;
  const running = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (running[i] !== Number(floor[i + 1])) return running[i] < Number(floor[i + 1]);
  }
  return false;
}
const tooOld = olderThan(cliManifest.engines?.node);
if (tooOld) {
  process.stderr.write(
    `${cliPackage} ${cliManifest.version} needs Node.js ${cliManifest.engines.node.replace(/^>=\s*/, '')} or later; this is Node.js ${process.versions.node}. ` +
      'Run the commands with a newer Node.js, or synthesize with `npm run synth` (the app itself runs on Node.js 20) and run Terraform in cdktf.out/stacks/<stack>.\n',
  );
  process.exit(2);
}
const [command, ...args] = process.argv.slice(2);
const appArgs = [];
const cliArgs = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--config') {
    appArgs.push(arg);
    if (i + 1 < args.length) appArgs.push(args[++i]);
  } else if (arg.startsWith('--config=')) appArgs.push(arg);
  else cliArgs.push(arg);
}
if (appArgs.length > 0 && cliArgs.some((arg) => arg === '--app' || arg === '-a' || arg.startsWith('--app='))) {
  process.stderr.write('Give the configuration with --config or the app command with --app, not both.\n');
  process.exit(2);
}
const app = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')).app;
const withApp = appArgs.length > 0 ? ['--app', [app, ...appArgs.map(shellWord)].join(' ')] : [];
const cli = join(root, 'node_modules', cliPackage, 'bundle', 'bin', bin);
// A deploy's synthesis applies the checks a deploy needs (the state backend in CI: src/tools/app.ts).
const deploy = command === 'deploy' ? { QUALYS_CONNECTOR_DEPLOY: '1' } : {};
const run = spawnSync(process.execPath, [cli, command, ...withApp, ...cliArgs], {
  cwd: process.cwd(),
  stdio: 'inherit',
  env: { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1', ...deploy },
});
process.exit(run.status ?? 1);
