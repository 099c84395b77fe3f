import { App } from 'cdktf';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseConfig } from '../src/config/load';
import { buildApp } from '../src/tools/app';
import { planDeployerPolicy } from '../src/tools/deployer/policy';
import { Review } from '../src/tools/review/compare';
import { digestDifferences, synthesisDigest } from '../src/tools/review/digest';
import { runReview } from '../src/tools/review/cli';
import { Verdict } from '../src/tools/review/verdict';
import { accountConfig } from './support/configs';
import { callLabel, callsFor, decide, namesOf, subjectsOf } from './support/deployer-simulation';
import { projectScratch, releaseScratch } from './support/scratch';
import { SynthesizedStack } from './support/synth';

/*
 * Deploy only what was judged: the digest of a synthesis, the verdict the gate writes, and its check on the
 * deploy side; and the deployer policy one change ahead, proved with the IAM policy simulator.
 */

const work = projectScratch('verdict');
afterAll(() => releaseScratch(work));

const ID = 'EU2-4451237009';
let counter = 0;

/** A configuration file and its synthesis (the app's own build, as `npm run synth` makes it). */
function synthesize(config: unknown): { dir: string; config: string } {
  const dir = join(work, `case-${++counter}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'qualys-connector.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const out = join(dir, 'cdktf.out');
  buildApp(parseConfig(config), new App({ outdir: out, skipValidation: true })).synth();
  return { dir: out, config: file };
}

const base = accountConfig({ name: 'prod', connector: { externalId: ID, capabilities: ['asset-view'] } });
const broader = accountConfig({
  name: 'prod',
  connector: { externalId: ID, capabilities: ['cspm', 'remediation'] },
});

function baseFile(): string {
  const file = join(work, `base-${++counter}.json`);
  writeFileSync(file, JSON.stringify(base));
  return file;
}

describe('the digest of a synthesis', () => {
  test('the same configuration synthesized twice has the same digest; formatting and key order do not count', () => {
    const a = synthesize(base);
    const b = synthesize(base);
    expect(synthesisDigest(a.dir, a.config)).toEqual(synthesisDigest(b.dir, b.config));
    const stack = join(b.dir, 'stacks', 'prod', 'cdk.tf.json');
    const data = JSON.parse(readFileSync(stack, 'utf8')) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(data).reverse());
    writeFileSync(stack, JSON.stringify(reordered));
    expect(synthesisDigest(b.dir, b.config).digest).toBe(synthesisDigest(a.dir, a.config).digest);
    // What Terraform writes there when it runs is not the synthesis.
    mkdirSync(join(b.dir, 'stacks', 'prod', '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(b.dir, 'stacks', 'prod', '.terraform.lock.hcl'), '# lock\n');
    writeFileSync(join(b.dir, 'stacks', 'prod', 'terraform.tfstate'), '{}');
    expect(synthesisDigest(b.dir, b.config).digest).toBe(synthesisDigest(a.dir, a.config).digest);
  });

  test('a changed value, an added override file, a removed stack or another configuration changes it, by file', () => {
    const judged = synthesize(base);
    const j = synthesisDigest(judged.dir, judged.config);
    const edited = synthesize(base);
    const stack = join(edited.dir, 'stacks', 'prod', 'cdk.tf.json');
    writeFileSync(
      stack,
      readFileSync(stack, 'utf8').replace(/"max_session_duration": ?3600/, '"max_session_duration": 43200'),
    );
    expect(readFileSync(stack, 'utf8')).toContain('43200');
    expect(digestDifferences(j.files, synthesisDigest(edited.dir, edited.config).files)).toEqual([
      'stacks/prod/cdk.tf.json: differs from what was judged',
    ]);
    const override = synthesize(base);
    writeFileSync(join(override.dir, 'stacks', 'prod', 'override.tf.json'), '{"resource":{}}');
    const o = synthesisDigest(override.dir, override.config);
    expect(o.digest).not.toBe(j.digest);
    expect(digestDifferences(j.files, o.files)).toEqual(['stacks/prod/override.tf.json: deployed, but not judged']);
    const other = synthesize(broader);
    expect(digestDifferences(j.files, synthesisDigest(other.dir, other.config).files)).toEqual([
      'configuration: differs from what was judged',
      'stacks/prod/cdk.tf.json: differs from what was judged',
    ]);
    rmSync(join(other.dir, 'stacks', 'prod'), { recursive: true });
    expect(digestDifferences(j.files, synthesisDigest(other.dir).files)).toEqual([
      'configuration: judged, but not in what is deployed',
      'stacks/prod/cdk.tf.json: judged, but not in what is deployed',
    ]);
  });

  test('a symbolic link in a stack folder is refused: a synthesis holds files only', () => {
    const linked = synthesize(base);
    symlinkSync('/etc/hostname', join(linked.dir, 'stacks', 'prod', 'extra.tf.json'));
    expect(() => synthesisDigest(linked.dir)).toThrow('stacks/prod/extra.tf.json is a symbolic link');
    return runReview(['--digest', '--synthesis', linked.dir], {}).then((run) => {
      expect([run.exitCode, run.stdout]).toEqual([2, '']);
      expect(run.stderr).toMatch(/--synthesis: must be digestible: stacks\/prod\/extra\.tf\.json is a symbolic link/);
    });
  });

  test('--digest prints the digest a verdict records, and nothing else', async () => {
    const pr = synthesize(base);
    const run = await runReview(['--digest', '--synthesis', pr.dir, '--config', pr.config], {});
    expect(run).toEqual({ exitCode: 0, stdout: `${synthesisDigest(pr.dir, pr.config).digest}\n`, stderr: '' });
    const refused = await runReview(['--digest', '--synthesis', pr.dir, '--fail-on-broadening'], {});
    expect([refused.exitCode, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(
      /--digest: prints the digest of a synthesis, without a review: leave out --fail-on-broadening/,
    );
  });
});

describe('the verdict, written by the gate and checked by the deploy', () => {
  const COMMIT = 'a'.repeat(40);
  const OTHER_COMMIT = 'b'.repeat(40);

  async function judge(synthesis: { dir: string; config: string }, extra: string[] = []) {
    const verdict = join(work, `verdict-${++counter}.json`);
    const run = await runReview(
      [
        '--base-config',
        baseFile(),
        '--synthesis',
        synthesis.dir,
        '--config',
        synthesis.config,
        '--fail-on-broadening',
        '--verdict',
        verdict,
        '--base-commit',
        COMMIT,
        '--pull-request',
        '7',
        ...extra,
      ],
      {},
    );
    return { run, verdict, text: readFileSync(verdict, 'utf8') };
  }

  const verify = (verdict: string, synthesis: { dir: string; config: string }, commit = COMMIT) =>
    runReview(
      [
        '--verify-verdict',
        verdict,
        '--synthesis',
        synthesis.dir,
        '--config',
        synthesis.config,
        '--base-commit',
        commit,
      ],
      {},
    );

  test('an honest change: the gate passes, the verdict records what it judged, and the deploy of the same synthesis is accepted', async () => {
    const pr = synthesize(base);
    const { run, verdict, text } = await judge(pr);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    const written = JSON.parse(text) as Verdict;
    expect(written).toMatchObject({ verdictFormat: 1, passed: true, base: COMMIT, pullRequest: 7, reasons: [] });
    expect(written.digest).toBe(synthesisDigest(pr.dir, pr.config).digest);
    expect(text).not.toContain(ID);
    // The merged code's own synthesis, made again on the deploy side, in another folder.
    const merged = synthesize(base);
    const accepted = await verify(verdict, merged);
    expect([accepted.exitCode, accepted.stderr]).toEqual([0, '']);
    expect(accepted.stdout).toMatch(
      /^The synthesis in .*cdktf\.out is the one judged in pull request #7 against base commit a{40}, and the gate passed \(sha256:[0-9a-f]{64}\)\.\n$/,
    );
  });

  test("the pull request's job uploads a harmless synthesis while its code deploys a broader one: the gate passes what it saw, and the deploy refuses", async () => {
    // What the pull request's job uploaded: the base's own synthesis and configuration ("No change").
    const uploaded = synthesize(base);
    const { run, verdict } = await judge(uploaded);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('No change to the Qualys roles');
    // What its code synthesizes once merged: CSPM with remediation.
    const merged = synthesize(broader);
    const refused = await verify(verdict, merged);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^qualys-connector-review: refused: no passing review judged the synthesis in .*cdktf\.out:\n/,
    );
    expect(refused.stderr).toContain('configuration: differs from what was judged');
    expect(refused.stderr).toContain('stacks/prod/cdk.tf.json: differs from what was judged');
    // The same with the honest configuration but the broader stacks (a synth script pointed elsewhere).
    const mixed = synthesize(base);
    cpSync(join(merged.dir, 'stacks', 'prod', 'cdk.tf.json'), join(mixed.dir, 'stacks', 'prod', 'cdk.tf.json'));
    const alsoRefused = await verify(verdict, mixed);
    expect(alsoRefused.exitCode).toBe(1);
    expect(alsoRefused.stderr).not.toContain('configuration:');
    expect(alsoRefused.stderr).toContain('stacks/prod/cdk.tf.json: differs from what was judged');
  });

  test('a verdict of another base commit, or one the gate held, does not cover the deploy', async () => {
    const pr = synthesize(base);
    const { verdict } = await judge(pr);
    const moved = await verify(verdict, pr, OTHER_COMMIT);
    expect(moved.exitCode).toBe(1);
    expect(moved.stderr).toContain(
      `the review judged the change against base commit ${COMMIT}, this deploy follows ${OTHER_COMMIT}: review the change again`,
    );
    const held = await judge(synthesize(broader));
    expect(held.run.exitCode).toBe(1);
    expect((JSON.parse(held.text) as Verdict).passed).toBe(false);
    expect(held.text).not.toContain(ID);
    const refused = await verify(held.verdict, synthesize(broader));
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/the review held the change \(prod: role QualysCVRole: \d+ grants added/);
  });

  test('a verdict file that is not one, or was edited to pass, is bad input (exit 2), never a pass', async () => {
    const pr = synthesize(base);
    const { verdict, text } = await judge(pr);
    const edits: [string, string][] = [
      ['not JSON', '{'],
      ['another format', text.replace('"verdictFormat": 1', '"verdictFormat": 2')],
      ['passed as text', text.replace('"passed": true', '"passed": "true"')],
      ['a digest without its algorithm', text.replace(/"digest": "sha256:/, '"digest": "')],
      ['a base that is no commit', text.replace(COMMIT, 'main')],
    ];
    for (const [what, content] of edits) {
      const file = join(work, `edited-${++counter}.json`);
      writeFileSync(file, content);
      const run = await verify(file, pr);
      expect([what, run.exitCode, run.stdout]).toEqual([what, 2, '']);
      expect(run.stderr).toMatch(/--verify-verdict: must (be|hold) .*\(got ".*edited-\d+\.json"\)/);
    }
    expect((await verify(verdict, pr)).exitCode).toBe(0);
  });

  test('options that do not go together are refused before anything is read (exit 2), with the option and the rule', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--base-config', 'a.json', '--verdict', 'v.json'],
        /--verdict: goes with --synthesis: a verdict records the digest of a synthesis \(got "v\.json"\)/,
      ],
      [
        ['--verify-verdict', 'v.json'],
        /--verify-verdict: needs --synthesis: the synthesis about to be deployed \(got "v\.json"\)/,
      ],
      [
        ['--verify-verdict', 'v.json', '--synthesis', 'out', '--base-config', 'a.json', '--fail-on-broadening'],
        /checks a synthesis against a verdict, without a review: leave out --base-config, --fail-on-broadening/,
      ],
      [
        ['--base-config', 'a.json', '--synthesis', 'out', '--base-commit', 'main', '--verdict', 'v'],
        /--base-commit: must be a commit hash.* \(got "main"\)/,
      ],
      [
        ['--base-config', 'a.json', '--synthesis', 'out', '--pull-request', '0', '--verdict', 'v'],
        /--pull-request: must be a pull request number: digits, from 1 \(got "0"\)/,
      ],
      [
        ['--base-config', 'a.json', '--synthesis', 'out', '--pull-request', '3'],
        /--pull-request: is recorded in a verdict: give --verdict <file> too \(got "3"\)/,
      ],
      [['--plan', 'p.json', '--deployer-policy-managed-elsewhere'], /a plan review does not compare deployer policies/],
    ];
    for (const [args, message] of cases) {
      const run = await runReview(args, {});
      expect([args.join(' '), run.exitCode, run.stdout]).toEqual([args.join(' '), 2, '']);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('what Terraform would read and the review does not: the gate holds', () => {
  async function gate(edit: (dir: string) => void): Promise<{ exitCode: number; stderr: string }> {
    const pr = synthesize(base);
    edit(pr.dir);
    return runReview(
      ['--base-config', baseFile(), '--synthesis', pr.dir, '--config', pr.config, '--fail-on-broadening'],
      {},
    );
  }
  const prod = (dir: string, file = '') => join(dir, 'stacks', 'prod', file);

  test.each([
    [
      'an override file beside cdk.tf.json',
      (dir: string) => writeFileSync(prod(dir, 'prod_override.tf.json'), '{"resource":{}}'),
      'stacks/prod/prod_override.tf.json is beside cdk.tf.json',
    ],
    [
      'a variables file beside cdk.tf.json',
      (dir: string) => writeFileSync(prod(dir, 'terraform.tfvars'), 'external_id = "x"\n'),
      'stacks/prod/terraform.tfvars is beside cdk.tf.json',
    ],
    [
      'a manifest that names another file for the stack',
      (dir: string) => {
        cpSync(prod(dir, 'cdk.tf.json'), prod(dir, 'judged.json'));
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
        manifest.stacks.prod.synthesizedStackPath = 'stacks/prod/judged.json';
        writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      },
      'the manifest names "stacks/prod/judged.json" for stack prod, not stacks/prod/cdk.tf.json',
    ],
    [
      'a manifest that runs the stack in another folder',
      (dir: string) => {
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
        manifest.stacks.prod.workingDirectory = 'stacks/elsewhere';
        writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      },
      'the manifest runs stack prod in "stacks/elsewhere", not in stacks/prod',
    ],
    [
      'a stack folder the manifest does not list',
      (dir: string) => cpSync(prod(dir), join(dir, 'stacks', 'shadow'), { recursive: true }),
      'stacks/shadow is in the synthesis but not in its manifest',
    ],
  ])('%s', async (_what, edit, reason) => {
    const run = await gate(edit);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`  - not judged: ${reason}`);
  });

  test('the honest synthesis passes', async () => {
    const run = await gate(() => undefined);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
  });
});

describe('the deployer policy one change ahead', () => {
  const tagged = (tags: Record<string, string>, capabilities = ['asset-view']) =>
    accountConfig({ name: 'prod', connector: { externalId: ID, capabilities, tags } });

  async function reviewChange(before: unknown, after: unknown, extra: string[] = []) {
    const beforeFile = join(work, `before-${++counter}.json`);
    const afterFile = join(work, `after-${counter}.json`);
    writeFileSync(beforeFile, JSON.stringify(before));
    writeFileSync(afterFile, JSON.stringify(after));
    const json = await runReview(
      ['--base-config', beforeFile, '--config', afterFile, '--format', 'json', '--fail-on-broadening', ...extra],
      {},
    );
    const markdown = await runReview(['--base-config', beforeFile, '--config', afterFile, ...extra], {});
    return { json, review: JSON.parse(json.stdout) as Review, markdown: markdown.stdout };
  }

  /**
   * The calls the deploy of `after` makes, on its own names, simulated against the deployer policy of
   * `policyOf`: the ones refused. The names are read from the synthesis of `after`, not from the planner.
   */
  async function refusedCalls(after: unknown, policyOf: unknown): Promise<string[]> {
    const synthesized = synthesize(after);
    const stack = JSON.parse(
      readFileSync(join(synthesized.dir, 'stacks', 'prod', 'cdk.tf.json'), 'utf8'),
    ) as SynthesizedStack;
    const [policy] = planDeployerPolicy(parseConfig(policyOf));
    const names = namesOf(stack);
    const { real } = callsFor(policy, names, subjectsOf(stack, names));
    const refused: string[] = [];
    for (const call of real) if ((await decide(call)) !== 'Allowed') refused.push(callLabel(call));
    return refused;
  }

  test('a tag key renamed (owner → team): no access changes, yet the policy in force denies tagging with the new key; the review says so and holds', async () => {
    const before = tagged({ owner: 'platform' });
    const after = tagged({ team: 'platform' });
    const { json, review, markdown } = await reviewChange(before, after);
    expect(review.roles.map((r) => r.status)).toEqual(['unchanged']);
    expect(review.broadening).toEqual([
      "deployer policy: update the deploying role's policy before merging: 2 grants the base configuration's policy does not give (prod-connector-account)",
    ]);
    expect(json.exitCode).toBe(1);
    expect(review.summary).toBe(
      "No change to the Qualys roles\u2019 permissions, trust or reach; the deploying role's policy must change first (2 grants to add); the gate holds (1 reason).",
    );
    expect(review.deployerPolicy?.needed.map((g) => g.grant)).toEqual([
      'Allow iam:TagPolicy on arn:aws:iam::*:policy/QualysCVRole-* when ForAllValues:StringEquals aws:TagKeys [team]',
      'Allow iam:TagRole on arn:aws:iam::*:role/QualysCVRole when ForAllValues:StringEquals aws:TagKeys [team]',
    ]);
    expect(markdown).toContain("**Update the deploying role's policy before merging**");
    expect(markdown).toContain(
      '| needed | `prod-connector-account` | `Allow iam:TagRole on arn:aws:iam::*:role/QualysCVRole when ForAllValues:StringEquals aws:TagKeys [team]` |',
    );
    // The IAM policy simulator, on the calls the deploy of the change makes: the policy in force refuses the tagging.
    expect(await refusedCalls(after, before)).toEqual(
      [expect.stringContaining('iam:TagPolicy'), expect.stringContaining('iam:TagRole')].sort(),
    );
    expect(await refusedCalls(after, after)).toEqual([]);
    // Told that the policy is managed elsewhere, the review still shows it and the gate passes.
    const elsewhere = await reviewChange(before, after, ['--deployer-policy-managed-elsewhere']);
    expect([elsewhere.json.exitCode, elsewhere.review.broadening]).toEqual([0, []]);
    expect(elsewhere.markdown).toContain('managed elsewhere: the gate does not hold on it');
  });

  test('a capability added (CSPM): the review names the grants to add, and the simulator agrees the policy in force refuses them', async () => {
    const before = tagged({});
    const after = tagged({}, ['asset-view', 'cspm']);
    const { review } = await reviewChange(before, after);
    const needed = review.deployerPolicy?.needed.map((g) => g.grant) ?? [];
    expect(needed).toContainEqual(
      expect.stringMatching(
        /^Allow iam:AttachRolePolicy on arn:aws:iam::\*:role\/QualysCVRole when .*arn:aws:iam::aws:policy\/SecurityAudit/,
      ),
    );
    expect(review.broadening).toContainEqual(
      expect.stringMatching(/^deployer policy: update the deploying role's policy before merging/),
    );
    const refused = await refusedCalls(after, before);
    expect(refused).toContainEqual(expect.stringMatching(/iam:AttachRolePolicy .*SecurityAudit/));
    expect(await refusedCalls(after, after)).toEqual([]);
  });

  test('a change the policy in force covers (a capability removed, a longer session): no hold from the deployer, and the simulator allows every call', async () => {
    for (const [before, after] of [
      [tagged({}, ['asset-view', 'cspm']), tagged({}, ['asset-view'])],
      [
        tagged({ owner: 'x' }),
        accountConfig({
          name: 'prod',
          connector: { externalId: ID, capabilities: ['asset-view'], tags: { owner: 'x' }, maxSessionDuration: 7200 },
        }),
      ],
    ]) {
      const { review } = await reviewChange(before, after);
      expect(review.deployerPolicy?.needed).toEqual([]);
      expect(review.broadening.filter((r) => r.startsWith('deployer policy'))).toEqual([]);
      expect(await refusedCalls(after, before)).toEqual([]);
    }
  });
});
