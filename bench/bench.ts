// Prints speed figures (npm run bench). Goals, on a 2-core machine: terraform validate of one stack under
// 1.5 s; the whole Terraform part of the test suite under 30 s; an organization with 1,000 OUs synthesized
// (whole process) under 1.5 s, growing linearly; the fast test tier (npm run test:fast) at most 60 s and the
// full one (npm test) at most 5 minutes, wall time. Also the review and deployer policy commands (figures
// only). Figures, not assertions: timing tests flake.
// BENCH_TIERS=0 leaves out the two test tiers (they take minutes).
import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { runApp, synthesizeInto } from '../test/support/app-process';
import { projectScratch, releaseScratch } from '../test/support/scratch';
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
  process.stdout.write(
    `${name.padEnd(52)} median ${m.toFixed(0).padStart(6)} ms  min ${Math.min(...ms)
      .toFixed(0)
      .padStart(6)} ms  (${ms.length} runs)${verdict}\n`,
  );
}

// Inside the project: stacks with a local backend are synthesized there.
const work = projectScratch('bench');
try {
  const outdir = join(work, 'out');
  const synth = () => synthesizeInto(outdir);
  line(
    'synthesis of the default stack (whole process)',
    Array.from({ length: runs }, () => timed(synth)),
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
    const times = Array.from({ length: runs }, () => timed(() => synthesizeInto(join(work, 'org-out'), file)));
    line(`organization with ${n} OUs`, times, n === 1000 ? 1500 : undefined);
    perSize.push([n, median(times)]);
  }
  const [[n1, t1], , [n3, t3]] = perSize;
  process.stdout.write(
    `${'growth per OU between 250 and 1000 OUs'.padEnd(52)} ${((t3 - t1) / (n3 - n1)).toFixed(2)} ms/OU (linear if the three points lie on a line: ${perSize.map(([n, t]) => `${n}:${t.toFixed(0)}`).join(' ')})\n`,
  );
  const excluded = organization({ organizationalUnitIds: ous(2), excludedAccountIds: accounts(700) });
  line(
    'organization with 700 excluded accounts',
    Array.from({ length: runs }, () => timed(() => synthesizeInto(join(work, 'org-out'), excluded))),
    1500,
  );
  const tooMany = organization({ organizationalUnitIds: ous(2), excludedAccountIds: accounts(1000) });
  line(
    '1000 excluded accounts: rejected (template limit)',
    Array.from({ length: runs }, () =>
      timed(() => {
        if (runApp(join(work, 'org-out'), tooMany).status !== 1) throw new Error('1000 exclusions should be rejected');
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
    for (const [name, script, goal] of [
      ['fast test tier (npm run test:fast)', 'test:fast', 60000],
      ['full test suite (npm test)', 'test', 300000],
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
  releaseScratch(work);
}
