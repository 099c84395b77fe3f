// `npm run deploy|diff|output -- [--config <file>] [cdktf options]`: the cdktf CLI with the app command of
// cdktf.json, given the configuration the user named. The CLI keeps its options to itself and would never pass
// `--config` on to the app, so it is taken out here and appended to the app command; the app then applies the
// same rule as every command (and rejects a bad option). No usage reports or version checks are sent.
'use strict';
const { spawnSync } = require('child_process');
const { readFileSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');

/** A word for a POSIX shell, which the cdktf CLI runs the app command with. */
function shellWord(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
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
const cli = join(root, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');
const run = spawnSync(process.execPath, [cli, command, ...withApp, ...cliArgs], {
  cwd: process.cwd(),
  stdio: 'inherit',
  env: { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' },
});
process.exit(run.status ?? 1);
