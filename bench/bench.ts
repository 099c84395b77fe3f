// Prints speed figures (npm run bench), each beside its goal. Whole-process medians on the same machine as
// `node -e 0`, so the figures can be read against what Node itself costs there. Goals (2-core machine):
// `npm run synth` of the default configuration at most 1.0 s; the app process as cdktf.json runs it at most
// 0.35 s and 80 MiB; an organization of 1,000 OUs at most 1.0 s, growing linearly; terraform validate of one
// stack under 1.5 s; the Terraform part of the test suite under 30 s; the fast test tier at most 60 s, the
// emulated-AWS tier (test/emulated, the real AWS provider against moto) at most 8 minutes and the full suite at most
// 12. Also the review and deployer policy commands (figures only). Figures, not assertions: timing tests flake.
// BENCH_TIERS=0 leaves out the test tiers (they take minutes).
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { OfflineTerraform, readJson, typesUsed } from '../test/terraform/harness';

const root = join(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function line(name: string, ms: number[], goal?: number): void {
  const m = median(ms);
  const verdict = goal === undefined ? '' : m <= goal ? `  (goal ${goal} ms: met)` : `  (goal ${goal} ms: MISSED)`;
  const min = Math.min(...ms).toFixed(0);
  process.stdout.write(
    `${name.padEnd(52)} median ${m.toFixed(0).padStart(6)} ms  min ${min.padStart(6)} ms  (${ms.length} runs)${verdict}\n`,
  );
}

// Inside the project: stacks with a local backend are synthesized there.
mkdirSync(join(root, '.test-output'), { recursive: true });
const work = mkdtempSync(join(root, '.test-output', 'bench-'));
/** Preloaded into a measured Node process: writes its peak resident memory (KiB) when it ends. */
const rssProbe = join(work, 'rss-probe.cjs');
writeFileSync(
  rssProbe,
  "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
);
const { app: appCommand } = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')) as { app: string };

/** One whole process: wall time and (for a Node process) peak memory. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { ms: number; mib: number } {
  const rssFile = join(work, 'rss');
  rmSync(rssFile, { force: true });
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    BENCH_RSS_FILE: rssFile,
    NODE_OPTIONS: `--require ${rssProbe}`,
  };
  // The default configuration unless one is named.
  delete childEnv.QUALYS_CONNECTOR_CONFIG;
  const options = { cwd: root, encoding: 'utf8' as const, env: childEnv };
  let result: ReturnType<typeof spawnSync> | undefined;
  const ms = timed(() => {
    result = spawnSync(command, args, options);
  });
  if (result?.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${String(result?.stderr).slice(-2000)}`);
  const kib = Number(readFileSync(rssFile, 'utf8'));
  return { ms, mib: kib / 1024 };
}

/** Runs a process `runs` times; prints its median time and memory beside `node -e 0` and the goals. */
function processLine(
  name: string,
  run: () => { ms: number; mib: number },
  goals: { ms?: number; mib?: number } = {},
  baseline?: { ms: number; mib: number },
): { ms: number; mib: number } {
  const samples = Array.from({ length: runs }, run);
  const ms = median(samples.map((s) => s.ms));
  const mib = median(samples.map((s) => s.mib));
  const verdict = (value: number, goal: number | undefined, unit: string) =>
    goal === undefined ? '' : ` (goal ${goal} ${unit}: ${value <= goal ? 'met' : 'MISSED'})`;
  const against = baseline ? `  node -e 0: ${baseline.ms.toFixed(0)} ms, ${baseline.mib.toFixed(0)} MiB` : '';
  process.stdout.write(
    `${name.padEnd(52)} median ${ms.toFixed(0).padStart(6)} ms${verdict(ms, goals.ms, 'ms')}  ${mib.toFixed(0)} MiB${verdict(mib, goals.mib, 'MiB')}${against}\n`,
  );
  return { ms, mib };
}

/** The app as cdktf.json runs it (through a shell, as the cdktf CLI does), writing into `outdir`. */
const app = (outdir: string, config?: string) => () =>
  measure('sh', ['-c', config ? `${appCommand} --config ${config}` : appCommand], { CDKTF_OUTDIR: outdir });

try {
  const outdir = join(work, 'out');
  const node = processLine('node -e 0 (what Node itself costs here)', () => measure(process.execPath, ['-e', '0']));
  measure('sh', ['-c', appCommand], { CDKTF_OUTDIR: outdir }); // builds the app's bundle once, outside the figures
  processLine('the app, default configuration (as cdktf.json runs it)', app(outdir), { ms: 350, mib: 80 }, node);
  processLine(
    'npm run synth, default configuration (whole npm run)',
    () => measure('npm', ['run', '--silent', 'synth'], { CDKTF_OUTDIR: outdir }),
    { ms: 1000 },
    node,
  );

  const stackDir = join(outdir, 'stacks', 'qualys-connector');
  const used = typesUsed([readJson(join(stackDir, 'cdk.tf.json'))]);
  const terraform = new OfflineTerraform(used.resources, used.dataSources);
  const copy = terraform.copyOf(stackDir);
  const init = terraform.run(copy, ['init', '-backend=false', '-input=false']);
  if (init.status !== 0) throw new Error(init.stderr);
  line(
    'offline provider start (node, no Terraform)',
    Array.from({ length: runs }, () =>
      timed(() => {
        spawnSync(
          process.execPath,
          ['-e', "require('@grpc/grpc-js');require('@grpc/proto-loader');require('@msgpack/msgpack')"],
          { cwd: root },
        );
      }),
    ),
  );
  line(
    'terraform validate, one stack (after init)',
    Array.from({ length: runs }, () =>
      timed(() => {
        const r = terraform.run(copy, ['validate']);
        if (r.status !== 0) throw new Error(r.stderr);
      }),
    ),
    1500,
  );
  line(
    'terraform init + validate, one stack',
    Array.from({ length: runs }, () =>
      timed(() => {
        const r = terraform.validate(stackDir);
        if (r.status !== 0) throw new Error(r.stderr);
      }),
    ),
  );
  terraform.dispose();

  // Organizations: whole-process synthesis for many OUs and many exclusions (goal: under 1.5 s, linear).
  const organization = (members: Record<string, unknown>) => {
    const file = join(work, `org-${Object.keys(members).join('-')}-${JSON.stringify(members).length}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        stacks: [
          {
            kind: 'organization',
            name: 'org',
            connector: { externalId: 'EU2-2792719', capabilities: ['cspm'] },
            members,
          },
        ],
      }),
    );
    return file;
  };
  const ous = (n: number) => Array.from({ length: n }, (_, i) => `ou-ab12-${String(10000000 + i)}`);
  const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(300000000000 + i));
  const perSize: [number, number][] = [];
  for (const n of [250, 500, 1000]) {
    const file = organization({ organizationalUnitIds: ous(n) });
    const figure = processLine(
      `organization with ${n} OUs (the app)`,
      app(join(work, 'org-out'), file),
      n === 1000 ? { ms: 1000 } : {},
      node,
    );
    perSize.push([n, figure.ms]);
  }
  const [[n1, t1], , [n3, t3]] = perSize;
  process.stdout.write(
    `${'growth per OU between 250 and 1000 OUs'.padEnd(52)} ${((t3 - t1) / (n3 - n1)).toFixed(2)} ms/OU (linear if the three points lie on a line: ${perSize.map(([n, t]) => `${n}:${t.toFixed(0)}`).join(' ')})\n`,
  );
  const excluded = organization({ organizationalUnitIds: ous(2), excludedAccountIds: accounts(650) });
  processLine(
    'organization with 650 excluded accounts (the app)',
    app(join(work, 'org-out'), excluded),
    { ms: 1500 },
    node,
  );
  const tooMany = organization({ organizationalUnitIds: ous(2), excludedAccountIds: accounts(1000) });
  line(
    '1000 excluded accounts: rejected (template limit)',
    Array.from({ length: runs }, () =>
      timed(() => {
        const r = spawnSync('sh', ['-c', `${appCommand} --config ${tooMany}`], {
          cwd: root,
          env: { ...process.env, CDKTF_OUTDIR: join(work, 'org-out') },
        });
        if (r.status !== 1) throw new Error('1000 exclusions should be rejected');
      }),
    ),
  );

  // The two commands, whole process as `npm run` starts them (TypeScript through tsx).
  const command = (script: string, args: string[]) => () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  };
  const example = (name: string) => join(root, 'examples', name);
  line(
    'deployer policy, delegated-admin organization',
    Array.from({ length: runs }, () =>
      timed(command('src/tools/deployer/cli.ts', ['--config', example('organization-govcloud-delegated-admin.json')])),
    ),
  );
  line(
    'review --base-config, organization example',
    Array.from({ length: runs }, () =>
      timed(
        command('src/tools/review/cli.ts', [
          '--base-config',
          example('organization.json'),
          '--config',
          example('organization.json'),
        ]),
      ),
    ),
  );
  line(
    'review --base HEAD (shared node_modules)',
    Array.from({ length: Math.min(runs, 3) }, () =>
      timed(command('src/tools/review/cli.ts', ['--base', 'HEAD', '--config', example('organization.json')])),
    ),
  );

  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  line(
    'Terraform part of the test suite (jest)',
    [
      timed(() => {
        const r = spawnSync(process.execPath, [jest, 'test/terraform.test.ts', 'test/terraform-variable.test.ts'], {
          cwd: root,
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(r.stderr);
      }),
    ],
    30000,
  );

  if (process.env.BENCH_TIERS !== '0') {
    line(
      'emulated-AWS tier (jest test/emulated)',
      [
        timed(() => {
          const r = spawnSync(process.execPath, [jest, 'test/emulated'], { cwd: root, encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`the emulated tier failed: ${r.stderr.slice(-2000)}`);
        }),
      ],
      480000,
    );
    for (const [name, script, goal] of [
      ['fast test tier (npm run test:fast)', 'test:fast', 60000],
      ['full test suite (npm test)', 'test', 720000],
    ] as const) {
      line(
        name,
        [
          timed(() => {
            const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, encoding: 'utf8' });
            if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr.slice(-2000)}`);
          }),
        ],
        goal,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
