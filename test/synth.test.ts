import { App, Testing } from 'cdktf';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { isAbsolute, join, resolve } from 'path';
import { buildApp, parseConfig } from '../src/tools/app';
import { MINIMUM_TERRAFORM_VERSION } from '../src/plan/stack-facts';
import { ConfigurationError } from '../src/rules/errors';
import { PROJECT_ROOT } from './support/app-process';
import { accountPlanOf, accountStack, configOf, organizationStack, SAMPLE_EXTERNAL_ID } from './support/configs';
import { QualysAccountConnectorStack } from '../src/render/cdktf/account-connector-stack';
import { CapabilityName } from '../src/model/permissions';
import { QualysAccountType } from '../src/rules/partition';
import { projectScratch } from './support/scratch';
import { customerPolicyDocuments, resourcesOfType, synthConfig, synthConnector, trustPolicyOf } from './support/synth';

/** The five connector variants of the Qualys procedure, as capability lists. */
const VARIANTS: Record<string, CapabilityName[]> = {
  AssetView: [],
  'AssetView with API-based assessment': ['api-based-assessment'],
  'AssetView Organization': ['organization'],
  'AssetView and CSPM': ['cspm'],
  'CSPM with remediation': ['cspm', 'remediation'],
};

/** Written out independently of the implementation's partition table. */
const PARTITIONS: Record<QualysAccountType, { partition: string; principal: string; region: string }> = {
  global: { partition: 'aws', principal: 'arn:aws:iam::805950163170:root', region: 'us-east-1' },
  govcloud: { partition: 'aws-us-gov', principal: 'arn:aws-us-gov:iam::210987654321:root', region: 'us-gov-west-1' },
  china: { partition: 'aws-cn', principal: 'arn:aws-cn:iam::345678901234:root', region: 'cn-north-1' },
};

/** Policy name suffixes each variant must produce, AssetView first. */
const EXPECTED_POLICIES: Record<string, string[]> = {
  AssetView: ['AssetView'],
  'AssetView with API-based assessment': ['AssetView', 'ApiBasedAssessment'],
  'AssetView Organization': ['AssetView', 'Organization'],
  'AssetView and CSPM': ['AssetView', 'Cspm'],
  'CSPM with remediation': ['AssetView', 'Cspm', 'Remediation'],
};

const cases = Object.entries(VARIANTS).flatMap(([variant, capabilities]) =>
  (Object.keys(PARTITIONS) as QualysAccountType[])
    // Qualys has no organization connector in China.
    .filter((accountType) => !(accountType === 'china' && capabilities.includes('organization')))
    .map((accountType) => ({ variant, capabilities, accountType })),
);

describe.each(cases)('$variant in $accountType', ({ variant, capabilities, accountType }) => {
  const expected = PARTITIONS[accountType];
  const stack = synthConnector({ accountType, capabilities });

  test('one role, trusted by the partition principal with the external ID', () => {
    const roles = resourcesOfType(stack, 'aws_iam_role');
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatchObject({ name: 'QualysCVRole', path: '/', max_session_duration: 3600 });
    const trust = trustPolicyOf(stack);
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: expected.principal },
        Condition: { StringEquals: { 'sts:ExternalId': SAMPLE_EXTERNAL_ID } },
      }),
    ]);
  });

  test('one customer managed policy per capability, attached and owned exclusively', () => {
    const policies = resourcesOfType(stack, 'aws_iam_policy');
    // Terraform JSON orders resources by key; compare as sets.
    expect(policies.map((p) => p.name).sort()).toEqual(
      EXPECTED_POLICIES[variant].map((s) => `QualysCVRole-${s}`).sort(),
    );
    const securityAudit = `arn:${expected.partition}:iam::aws:policy/SecurityAudit`;
    const attachments = resourcesOfType(stack, 'aws_iam_role_policy_attachment').map((a) => a.policy_arn);
    const exclusive = resourcesOfType(stack, 'aws_iam_role_policy_attachments_exclusive');
    expect(exclusive).toHaveLength(1);
    expect([...(exclusive[0].policy_arns as string[])].sort()).toEqual([...attachments].sort());
    expect(attachments).toHaveLength(policies.length + (capabilities.includes('cspm') ? 1 : 0));
    expect(attachments.includes(securityAudit)).toBe(capabilities.includes('cspm'));
  });

  test('every ARN in every document follows the partition', () => {
    const texts = [
      JSON.stringify(trustPolicyOf(stack)),
      ...customerPolicyDocuments(stack).map((p) => JSON.stringify(p.document)),
    ];
    const attachmentArns = resourcesOfType(stack, 'aws_iam_role_policy_attachment').map((a) => String(a.policy_arn));
    for (const text of [...texts, ...attachmentArns.filter((a) => a.startsWith('arn:'))]) {
      for (const [, partition] of text.matchAll(/arn:([\w-]+):/g)) expect(partition).toBe(expected.partition);
    }
  });

  test('provider region of the partition and the stable outputs', () => {
    expect(stack.provider.aws[0].region).toBe(expected.region);
    expect(Object.keys(stack.output).sort()).toEqual([
      'capabilities',
      'external_id',
      'policy_arns',
      'role_arn',
      'role_name',
      'trusted_principal',
    ]);
    // What registration chooses the apps from: the variant's capabilities, with AssetView every role has.
    expect(stack.output.capabilities.value).toEqual([...new Set(['asset-view', ...capabilities])].sort());
    expect(stack.output.external_id).toMatchObject({ sensitive: true, value: SAMPLE_EXTERNAL_ID });
    expect(stack.output.trusted_principal.value).toBe(expected.principal);
    expect(stack.output.role_arn.value).toMatch(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/);
    // Only importExistingRole adds import blocks.
    expect((stack as { import?: unknown }).import).toBeUndefined();
  });

  test('no IAM document is built by interpolation', () => {
    for (const p of resourcesOfType(stack, 'aws_iam_policy')) expect(String(p.policy)).not.toContain('${');
    expect(String(resourcesOfType(stack, 'aws_iam_role')[0].assume_role_policy)).not.toContain('${');
  });
});

describe('external ID from a Terraform variable', () => {
  const stack = synthConnector({
    accountType: 'global',
    capabilities: ['cspm'],
    externalId: { variable: 'external_id' },
  });

  test('the variable is sensitive, validated, and the trust policy is jsonencode() of the document', () => {
    expect(stack.variable?.external_id).toMatchObject({ type: 'string', sensitive: true });
    expect(stack.variable?.external_id.validation).toHaveLength(1);
    expect(String(resourcesOfType(stack, 'aws_iam_role')[0].assume_role_policy)).toMatch(
      /^\$\{jsonencode\(\{.*\}\)\}$/,
    );
    expect(stack.data).toBeUndefined();
    expect(trustPolicyOf(stack, { external_id: 'US4-1' }).Statement[0].Condition).toEqual({
      StringEquals: { 'sts:ExternalId': 'US4-1' },
    });
    expect(stack.output.external_id).toEqual(expect.objectContaining({ sensitive: true, value: '${var.external_id}' }));
  });
});

describe('role settings', () => {
  const stack = synthConnector({
    accountType: 'govcloud',
    capabilities: [],
    extra: {
      roleName: 'QualysConnector',
      path: '/security/',
      permissionsBoundaryArn: 'arn:aws-us-gov:iam::123456789012:policy/Boundary',
      maxSessionDuration: 7200,
      description: 'Qualys for the platform team',
      tags: { team: 'platform', 'cost-center': '42' },
    },
  });

  test('reach the role and its policies', () => {
    expect(resourcesOfType(stack, 'aws_iam_role')[0]).toMatchObject({
      name: 'QualysConnector',
      path: '/security/',
      permissions_boundary: 'arn:aws-us-gov:iam::123456789012:policy/Boundary',
      max_session_duration: 7200,
      description: 'Qualys for the platform team',
      tags: { team: 'platform', 'cost-center': '42' },
    });
    expect(resourcesOfType(stack, 'aws_iam_policy')[0]).toMatchObject({
      name: 'QualysConnector-AssetView',
      path: '/security/',
      tags: { team: 'platform', 'cost-center': '42' },
    });
  });

  test('rotation: every listed external ID is accepted by the trust policy', () => {
    const rotating = synthConnector({ accountType: 'global', capabilities: [], externalId: ['EU2-new', 'EU2-old'] });
    expect(trustPolicyOf(rotating).Statement[0].Condition).toEqual({
      StringEquals: { 'sts:ExternalId': ['EU2-new', 'EU2-old'] },
    });
    expect(rotating.output.external_id.value).toBe('EU2-new');
  });

  test('importExistingRole adopts a hand-made role by name', () => {
    const plan = accountPlanOf({ name: 'adopt', importExistingRole: true });
    const outdir = projectScratch('adopt');
    const adopted = new QualysAccountConnectorStack(new App({ outdir }), plan);
    const json = JSON.parse(Testing.synth(adopted)) as { import?: { to: string; id: string }[] };
    rmSync(outdir, { recursive: true, force: true });
    expect(json.import).toEqual([
      expect.objectContaining({ id: 'QualysCVRole', to: expect.stringMatching(/^aws_iam_role\./) }),
    ]);
  });
});

describe('what every stack asks of Terraform and where it keeps local state', () => {
  const examples = join(PROJECT_ROOT, 'examples');
  const allStacks = readdirSync(examples)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => Object.entries(synthConfig(JSON.parse(readFileSync(join(examples, f), 'utf8')))));

  test('every stack of every example states the Terraform floor the README gives', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const documented = /needs Terraform (\d+\.\d+\.\d+) or later/.exec(readme)?.[1];
    expect(documented).toBe(MINIMUM_TERRAFORM_VERSION);
    expect(allStacks.length).toBeGreaterThanOrEqual(8);
    for (const [, stack] of allStacks) expect(stack.terraform.required_version).toBe(`>= ${documented}`);
  });

  const config = (backend?: Record<string, unknown>) =>
    parseConfig({
      stacks: [{ kind: 'account', name: 'depth', connector: { externalId: 'EU2-1' }, ...(backend ? { backend } : {}) }],
    });

  /** The state file Terraform would use, resolved from the stack's folder as Terraform does. */
  function stateFileFor(outdir: string, backend?: Record<string, unknown>): { written: string; resolved: string } {
    mkdirSync(outdir, { recursive: true });
    buildApp(config(backend), new App({ outdir })).synth();
    const stackDir = join(outdir, 'stacks', 'depth');
    const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      terraform: { backend: { local: { path: string } } };
    };
    const written = json.terraform.backend.local.path;
    return { written, resolved: resolve(stackDir, written) };
  }

  test.each([undefined, { type: 'local', path: 'state/dev.tfstate' }])(
    'backend %j: the same state file from output folders at any depth inside the project',
    (backend) => {
      const scratch = projectScratch('depth');
      try {
        const expected = join(PROJECT_ROOT, (backend?.path as string | undefined) ?? 'terraform.depth.tfstate');
        const shallow = stateFileFor(join(scratch, 'out'), backend);
        const deep = stateFileFor(join(scratch, 'a', 'b', 'c', 'out'), backend);
        expect(shallow.resolved).toBe(expected);
        expect(deep.resolved).toBe(expected);
        expect(deep.written).not.toBe(shallow.written);
        for (const { written } of [shallow, deep]) {
          expect(isAbsolute(written)).toBe(false);
          expect(written).not.toContain(PROJECT_ROOT);
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );

  test('the construct rejects an output folder outside the project for a local backend, naming the folder', () => {
    const outdir = join(tmpdir(), 'qualys-outside-the-project');
    expect(() => buildApp(config(), new App({ outdir: join(outdir) }))).toThrow(ConfigurationError);
    expect(() => buildApp(config(), new App({ outdir }))).toThrow(`(got ${JSON.stringify(outdir)})`);
    rmSync(outdir, { recursive: true, force: true });
  });
});

describe('the plan is the spine', () => {
  test('a synthesis plans each stack once, and the constructs render that plan', () => {
    const stackModule = jest.requireActual('../src/plan/stack') as typeof import('../src/plan/stack');
    const spy = jest.spyOn(stackModule, 'planStack');
    const roleModule = jest.requireActual('../src/plan/role') as typeof import('../src/plan/role');
    const roleSpy = jest.spyOn(roleModule, 'buildConnectorRoleModel');
    try {
      const config = parseConfig(
        configOf(accountStack(), organizationStack({ members: { excludedAccountIds: ['333333333333'] } })),
      );
      const outdir = projectScratch('plan-once');
      const app = buildApp(config, new App({ outdir }));
      app.synth();
      rmSync(outdir, { recursive: true, force: true });
      expect(spy).toHaveBeenCalledTimes(2);
      // One role for the account, two for the organization: planned once each, never again by a renderer.
      expect(roleSpy).toHaveBeenCalledTimes(3);
      const organization = app.node.children.find((c) => c.node.id === 'org') as unknown as { plan: unknown };
      expect(organization.plan).toBe(spy.mock.results[1].value);
    } finally {
      spy.mockRestore();
      roleSpy.mockRestore();
    }
  });
});
