#!/usr/bin/env node
// A stand-in for the GitHub CLI (`gh`) on the PATH of a workflow step run locally: it answers the REST calls the
// deploy workflow makes from a state file (FAKE_GH_STATE), so the step's own jq filters and checks run unchanged.
// It knows only `gh api [-X GET] <path> [-f k=v]...` and `gh run download <id> --repo R --name N --dir D`.
'use strict';
const { copyFileSync, mkdirSync, readFileSync } = require('fs');
const { join } = require('path');

const state = JSON.parse(readFileSync(process.env.FAKE_GH_STATE, 'utf8'));
const args = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`fake gh: ${message}\n`);
  process.exit(1);
};
const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

if (args[0] === 'api') {
  const path = args.slice(1).find((a, i, all) => !a.startsWith('-') && !['-X', '-f'].includes(all[i - 1]));
  const fields = Object.fromEntries(
    args.flatMap((a, i) => (args[i - 1] === '-f' ? [a.split(/=(.*)/s).slice(0, 2)] : [])),
  );
  const artifacts = /^repos\/([^/]+\/[^/]+)\/actions\/artifacts$/.exec(path);
  const run = /^repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)$/.exec(path);
  if (artifacts) {
    const found = state.artifacts.filter((a) => a.name === fields.name);
    process.stdout.write(
      JSON.stringify({
        total_count: found.length,
        artifacts: found.map((a, i) => ({ id: i + 1, name: a.name, expired: a.expired === true, workflow_run: { id: a.runId } })),
      }),
    );
  } else if (run) {
    const known = state.runs[run[2]];
    if (!known) fail(`HTTP 404: no run ${run[2]}`);
    process.stdout.write(JSON.stringify({ id: Number(run[2]), ...known }));
  } else fail(`no answer for ${path}`);
} else if (args[0] === 'run' && args[1] === 'download') {
  const artifact = state.artifacts.find((a) => String(a.runId) === args[2] && a.name === option('--name'));
  if (!artifact) fail(`no artifact ${option('--name')} in run ${args[2]}`);
  mkdirSync(option('--dir'), { recursive: true });
  copyFileSync(artifact.file, join(option('--dir'), 'verdict.json'));
} else fail(`not a call the deploy workflow makes: gh ${args.join(' ')}`);
