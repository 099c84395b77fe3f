import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CapabilityName } from '../src/model/permissions';
import { QualysAccountType } from '../src/rules/partition';
import { PROJECT_ROOT, Toolchain } from './support/app-process';
import { OU_A, organizationPlanOf, SAMPLE_EXTERNAL_ID } from './support/configs';
import { IamPolicyJson, customerPolicyDocuments, synthConnector, trustPolicyOf } from './support/synth';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES } from './terraform/harness';
import { bindingsProviderVersion, boundProviderVersion } from './terraform/schema';
import { MODULE_AWS_PROVIDER_CONSTRAINT, TESTED_AWS_PROVIDER_VERSIONS } from '../src/rules/aws-provider';

/*
 * The plain Terraform modules and the examples that call them, judged by the real Terraform binary against
 * the offline provider: validate, `terraform test` of each example, and plans whose IAM documents must equal
 * those of the app's stack for the same settings.
 */

const EXAMPLES = join('examples', 'terraform');
const TOOLCHAINS: readonly Toolchain[] = ['cdktf', 'cdktn'];
const modules = readdirSync(join(PROJECT_ROOT, 'modules'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const examples = readdirSync(join(PROJECT_ROOT, EXAMPLES), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** A copy of the modules and examples with an offline Terraform serving one AWS provider version. */
interface Checkout {
  readonly terraform: OfflineTerraform;
  readonly tree: string;
}
function checkout(toolchain: Toolchain): Checkout {
  const terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, ['aws_partition'], [toolchain]);
  return { terraform, tree: terraform.copyTree(PROJECT_ROOT, ['modules', EXAMPLES]) };
}
// The provider of CDK for Terraform's bindings (the modules' floor), and CDK Terrain's (newer): each module and
// example is validated and tested with both; the plans below use the first.
const checkouts: Partial<Record<Toolchain, Checkout>> = {};
let terraform: OfflineTerraform;
let tree: string;
beforeAll(() => {
  for (const toolchain of TOOLCHAINS) checkouts[toolchain] = checkout(toolchain);
  ({ terraform, tree } = checkouts.cdktf as Checkout);
});
afterAll(() => Object.values(checkouts).forEach((c) => c.terraform.dispose()));

function initialized(dir: string, on: OfflineTerraform = terraform): string {
  const init = on.run(dir, ['init', '-backend=false', '-input=false']);
  if (init.status !== 0) throw new Error(`terraform init in ${dir} failed: ${init.stderr}`);
  return init.stdout;
}

test('the modules state the provider versions they are tested with: those of every binding, within their range', () => {
  // Provider 5 as its bindings describe it (the emulated tier runs the real binary of that version), then 6 as each
  // toolchain's bindings describe it (served here by the stand-in).
  expect([...TESTED_AWS_PROVIDER_VERSIONS]).toEqual([
    bindingsProviderVersion('cdktf-provider-aws-v5'),
    ...TOOLCHAINS.map((toolchain) => boundProviderVersion(toolchain)),
  ]);
  const [floor, ceiling] = /^>= (\S+), < (\S+)$/.exec(MODULE_AWS_PROVIDER_CONSTRAINT)?.slice(1) ?? [];
  const number = (version: string) => version.split('.').reduce((sum, part) => sum * 1000 + Number(part), 0);
  for (const version of TESTED_AWS_PROVIDER_VERSIONS) {
    expect([version, number(version) >= number(floor) && number(version) < number(ceiling)]).toEqual([version, true]);
  }
  expect(floor).toBe(TESTED_AWS_PROVIDER_VERSIONS[0]);
});

test('there are modules and examples to check', () => {
  expect(modules).toEqual(expect.arrayContaining(['qualys-connector-role', 'qualys-permissions-cspm']));
  expect(examples.length).toBeGreaterThanOrEqual(4);
});

/** Values for a module's required variables, so that a caller can be validated and planned. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  'qualys-connector-role': { external_id: SAMPLE_EXTERNAL_ID },
  'qualys-organization': { external_id: SAMPLE_EXTERNAL_ID, organizational_unit_ids: ['ou-ab12-11111111'] },
};

/** A root module in the copied tree that calls `name` with `inputs`, passing `aws.stackset` where the module takes it. */
function caller(
  name: string,
  folder: string,
  inputs: Record<string, unknown> = {},
  on: Checkout = { terraform, tree },
): string {
  const dir = join(on.tree, folder);
  mkdirSync(dir, { recursive: true });
  const stackset = readFileSync(join(on.tree, 'modules', name, 'versions.tf'), 'utf8').includes('aws.stackset');
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      provider: { aws: [{ region: 'us-east-1' }, { alias: 'admin', region: 'us-east-1' }] },
      module: {
        under_test: {
          source: `../modules/${name}`,
          ...(stackset ? { providers: { aws: 'aws', 'aws.stackset': 'aws.admin' } } : {}),
          ...(REQUIRED[name] ?? { role_name: 'QualysCVRole' }),
          ...inputs,
        },
      },
    }),
  );
  initialized(dir, on.terraform);
  return dir;
}

test('every module and example is written as terraform fmt writes it, in HCL', () => {
  for (const name of modules) {
    const files = readdirSync(join(PROJECT_ROOT, 'modules', name));
    expect({ name, files: files.filter((f) => f.endsWith('.tf')).sort() }).toEqual({
      name,
      files: ['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf'],
    });
    expect(files.filter((f) => f.endsWith('.tf.json'))).toEqual([]);
  }
  const check = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', '-no-color', 'modules', EXAMPLES], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  expect(check.stdout).toBe('');
  expect(check.status).toBe(0);
});

test('the fmt check bites: a module file written otherwise is found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qualys-fmt-'));
  try {
    const text = readFileSync(join(PROJECT_ROOT, 'modules', 'qualys-connector-role', 'variables.tf'), 'utf8');
    writeFileSync(join(dir, 'variables.tf'), text.replace(/^(\s+)type(\s+)=/m, '$1type=$2'));
    expect(spawnSync('terraform', ['fmt', '-check', '-no-color', dir], { encoding: 'utf8' }).status).not.toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const withProviders = TOOLCHAINS.flatMap((toolchain) => modules.map((name) => ({ toolchain, name })));
describe.each(withProviders)('module $name (the AWS provider of $toolchain)', ({ toolchain, name }) => {
  test('terraform init and validate succeed, called from a root module', () => {
    const on = checkouts[toolchain] as Checkout;
    const result = on.terraform.run(caller(name, `validate-${name}`, {}, on), ['validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Success! The configuration is valid.');
  });
});

const examplesWithProviders = TOOLCHAINS.flatMap((toolchain) => examples.map((name) => ({ toolchain, name })));
describe.each(examplesWithProviders)('example $name (the AWS provider of $toolchain)', ({ toolchain, name }) => {
  test('terraform validate and terraform test pass', () => {
    const on = checkouts[toolchain] as Checkout;
    const dir = join(on.tree, EXAMPLES, name);
    const init = initialized(dir, on.terraform);
    expect(init).toContain(`Installing hashicorp/aws v${on.terraform.providerVersion}`);
    expect(on.terraform.run(dir, ['validate']).stdout).toContain('Success! The configuration is valid.');
    const result = on.terraform.run(dir, ['test']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/Success! \d+ passed, 0 failed\./);
    expect(result.status).toBe(0);
  });
});

test('the check bites: an example test with a wrong expectation fails', () => {
  const dir = join(tree, EXAMPLES, 'assetview');
  initialized(dir);
  writeFileSync(
    join(dir, 'tests', 'wrong.tftest.hcl'),
    [
      'mock_provider "aws" {',
      '  mock_data "aws_partition" {',
      '    defaults = { partition = "aws" }',
      '  }',
      '}',
      'variables {',
      '  external_id = "EU2-2792719"',
      '}',
      'run "grants_remediation" {',
      '  command = plan',
      '  assert {',
      '    condition     = contains(keys(module.qualys.policy_documents), "Remediation")',
      '    error_message = "AssetView alone has no remediation"',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const result = terraform.run(dir, ['test', '-filter=tests/wrong.tftest.hcl']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('AssetView alone has no remediation');
});

const PARTITION: Record<QualysAccountType, string> = { global: 'aws', govcloud: 'aws-us-gov', china: 'aws-cn' };
const TRUSTED: Record<QualysAccountType, string | undefined> = {
  global: undefined,
  govcloud: '210987654321',
  china: '345678901234',
};
const VARIANTS: CapabilityName[][] = [
  [],
  ['api-based-assessment'],
  ['organization'],
  ['cspm'],
  ['cspm', 'remediation'],
];

/** Single values and one-item lists mean the same to IAM. */
function normalized(document: IamPolicyJson): unknown {
  return JSON.parse(JSON.stringify(document), (_key, value: unknown) =>
    Array.isArray(value) && value.length === 1 ? value[0] : value,
  );
}

describe('the connector role module renders the documents of the app stack', () => {
  const cases = VARIANTS.flatMap((capabilities) =>
    (Object.keys(PARTITION) as QualysAccountType[])
      .filter((t) => !(t === 'china' && capabilities.includes('organization')))
      .map((accountType) => ({
        capabilities,
        accountType,
        name: `${capabilities.join('+') || 'asset-view'} in ${accountType}`,
      })),
  );

  test.each(cases)('$name', ({ capabilities, accountType }) => {
    const dir = join(tree, `equivalence-${accountType}-${capabilities.join('-') || 'asset-view'}`);
    const module = {
      source: '../modules/qualys-connector-role',
      external_id: SAMPLE_EXTERNAL_ID,
      capabilities,
      ...(TRUSTED[accountType] ? { trusted_account_id: TRUSTED[accountType] } : {}),
    };
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'main.tf.json'),
      JSON.stringify({ provider: { aws: { region: 'us-east-1' } }, module: { qualys: module } }),
    );
    initialized(dir);
    terraform.env.QUALYS_OFFLINE_PROVIDER_DATA = JSON.stringify({
      aws_partition: { partition: PARTITION[accountType] },
    });
    const planned = terraform.run(dir, ['plan', '-input=false', '-out=tfplan']);
    expect(planned.stderr).toBe('');
    const plan = JSON.parse(terraform.run(dir, ['show', '-json', 'tfplan']).stdout) as {
      resource_changes: { type: string; change: { after: Record<string, unknown> } }[];
    };
    const after = (type: string) => plan.resource_changes.filter((c) => c.type === type).map((c) => c.change.after);

    const app = synthConnector({ accountType, capabilities });
    const modulePolicies = Object.fromEntries(
      after('aws_iam_policy').map((p) => [p.name as string, JSON.parse(p.policy as string)]),
    );
    const appPolicies = Object.fromEntries(customerPolicyDocuments(app).map((p) => [p.name, p.document]));
    expect(modulePolicies).toEqual(appPolicies);
    const [role] = after('aws_iam_role');
    expect(normalized(JSON.parse(role.assume_role_policy as string))).toEqual(normalized(trustPolicyOf(app)));
    const managed = after('aws_iam_role_policy_attachment')
      .map((a) => a.policy_arn)
      .filter((arn): arn is string => typeof arn === 'string');
    expect(managed).toEqual(
      capabilities.includes('cspm') ? [`arn:${PARTITION[accountType]}:iam::aws:policy/SecurityAudit`] : [],
    );
  });
});

test('a capability module attaches its policies to a role made outside it', () => {
  const dir = join(tree, EXAMPLES, 'existing-role');
  initialized(dir);
  terraform.env.QUALYS_OFFLINE_PROVIDER_DATA = JSON.stringify({ aws_partition: { partition: 'aws' } });
  expect(terraform.run(dir, ['plan', '-input=false', '-out=tfplan']).stderr).toBe('');
  const plan = JSON.parse(terraform.run(dir, ['show', '-json', 'tfplan']).stdout) as {
    resource_changes: {
      address: string;
      type: string;
      change: { actions: string[]; after: Record<string, unknown> };
    }[];
  };
  const attachments = plan.resource_changes.filter((c) => c.type === 'aws_iam_role_policy_attachment');
  expect(attachments.map((a) => a.address).sort()).toEqual([
    'module.qualys_cspm.aws_iam_role_policy_attachment.this["Cspm"]',
    'module.qualys_cspm.aws_iam_role_policy_attachment.this["SecurityAudit"]',
  ]);
  for (const a of attachments) expect(a.change.after.role).toBe('SecurityScanner');
  // The caller's role is created by the caller, not replaced or changed by the module.
  expect(plan.resource_changes.filter((c) => c.type === 'aws_iam_role').map((c) => c.address)).toEqual([
    'aws_iam_role.security_scanner',
  ]);
});

test("the plain Terraform snippets of the README and the docs are the examples' code", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const quickStart = readme.slice(
    readme.indexOf('## Quick start: plain Terraform'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start: plain Terraform') + 3),
  );
  const page = readFileSync(join(PROJECT_ROOT, 'docs', 'terraform-modules.md'), 'utf8');
  const snippets = [...`${quickStart}\n${page}`.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(snippets.length).toBeGreaterThanOrEqual(3);
  const exampleTexts = examples.map((e) => readFileSync(join(PROJECT_ROOT, EXAMPLES, e, 'main.tf'), 'utf8'));
  for (const snippet of snippets) {
    // The README pins a released copy from git; the examples use the modules of this checkout.
    const local = snippet.replace(
      /source = "git::<repository URL>\/\/modules\/([\w-]+)\?ref=<tag>"/g,
      'source = "../../../modules/$1"',
    );
    expect(exampleTexts.some((text) => text.includes(local))).toBe(true);
  }
});

describe('the organization module', () => {
  function plan(folder: string, inputs: Record<string, unknown>) {
    const dir = caller('qualys-organization', folder, inputs);
    terraform.env.QUALYS_OFFLINE_PROVIDER_DATA = JSON.stringify({ aws_partition: { partition: 'aws' } });
    const planned = terraform.run(dir, ['plan', '-input=false', '-out=tfplan']);
    if (planned.status !== 0) return { error: planned.stderr };
    const json = JSON.parse(terraform.run(dir, ['show', '-json', 'tfplan']).stdout) as {
      resource_changes: { address: string; type: string; change: { after: Record<string, unknown> } }[];
    };
    return { changes: json.resource_changes };
  }

  test.each([
    ['no exclusions, AssetView', [], []],
    ['one exclusion, CSPM', ['cspm'], ['333333333333']],
    [
      'ten exclusions, CSPM with remediation',
      ['cspm', 'remediation'],
      Array.from({ length: 10 }, (_, i) => String(300000000000 + i)),
    ],
    ['eleven exclusions', ['cspm'], Array.from({ length: 11 }, (_, i) => String(300000000000 + i))],
    [
      '101 exclusions, tags and a description',
      ['api-based-assessment'],
      Array.from({ length: 101 }, (_, i) => String(300000000000 + i)),
    ],
  ])('%s: the stack set template equals the app stack set template', (_what, capabilities, excluded) => {
    const extra = _what.includes('tags')
      ? { tags: { owner: 'platform team', 'cost-center': '42' }, description: 'Qualys <reviewed> & "approved"' }
      : {};
    const result = plan(`org-${capabilities.join('-')}-${excluded.length}`, {
      capabilities,
      excluded_account_ids: excluded,
      ...extra,
    });
    if (!result.changes) throw new Error(result.error);
    const stackSet = result.changes.find((c) => c.type === 'aws_cloudformation_stack_set')!;
    const app = organizationPlanOf({
      connector: { capabilities, ...(extra.tags ? { tags: extra.tags, description: extra.description } : {}) },
      members: { organizationalUnitIds: [OU_A], excludedAccountIds: excluded },
    });
    expect(JSON.parse(stackSet.change.after.template_body as string)).toEqual(app.templates.member);
    expect(
      result.changes.filter((c) => c.type === 'aws_cloudformation_stack_set_instance').map((c) => c.address),
    ).toEqual(['module.under_test.aws_cloudformation_stack_set_instance.member_roles["ou-ab12-11111111"]']);
  });

  /** Applies the caller, then plans it again with other inputs: what each resource's next apply does. */
  function replan(folder: string, first: Record<string, unknown>, second: Record<string, unknown>) {
    const dir = caller('qualys-organization', folder, first);
    terraform.env.QUALYS_OFFLINE_PROVIDER_DATA = JSON.stringify({ aws_partition: { partition: 'aws' } });
    const applied = terraform.run(dir, ['apply', '-auto-approve', '-input=false']);
    if (applied.status !== 0) throw new Error(applied.stderr);
    const main = JSON.parse(readFileSync(join(dir, 'main.tf.json'), 'utf8')) as {
      module: { under_test: Record<string, unknown> };
    };
    main.module.under_test = { ...main.module.under_test, ...second };
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(main));
    const planned = terraform.run(dir, ['plan', '-input=false', '-out=tfplan']);
    if (planned.status !== 0) throw new Error(planned.stderr);
    const json = JSON.parse(terraform.run(dir, ['show', '-json', 'tfplan']).stdout) as {
      resource_changes: {
        address: string;
        type: string;
        change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
      }[];
    };
    return json.resource_changes.filter((c) => c.change.actions.join() !== 'no-op');
  }
  const OUS = ['ou-ab12-11111111', 'ou-ab12-22222222'];

  test('rotation: the management role trusts every ID, and the stack set passes the earlier ones to the member template', () => {
    const result = plan('org-rotation', { external_id: 'EU2-new', previous_external_ids: ['EU2-old'] });
    if (!result.changes) throw new Error(result.error);
    const stackSet = result.changes.find((c) => c.type === 'aws_cloudformation_stack_set')!;
    expect(stackSet.change.after.parameters).toEqual(
      expect.objectContaining({
        ExternalId: 'EU2-new',
        PreviousExternalId1: 'EU2-old',
        PreviousExternalId2: '',
        PreviousExternalId3: '',
        PreviousExternalId4: '',
      }),
    );
    const role = result.changes.find((c) => c.type === 'aws_iam_role')!;
    expect(
      JSON.parse(role.change.after.assume_role_policy as string).Statement[0].Condition.StringEquals['sts:ExternalId'],
    ).toEqual(['EU2-new', 'EU2-old']);
    const app = organizationPlanOf({
      connector: { externalId: ['EU2-new', 'EU2-old'], capabilities: [] },
      members: { organizationalUnitIds: [OU_A] },
    });
    expect(JSON.parse(stackSet.change.after.template_body as string)).toEqual(app.templates.member);
  });

  test('retain_member_stacks: a target removed from the list leaves the stack set and keeps its stacks (retain_stack in the state it is destroyed with)', () => {
    const changes = replan(
      'org-retain',
      { organizational_unit_ids: OUS, retain_member_stacks: true },
      { organizational_unit_ids: OUS.slice(0, 1) },
    );
    expect(changes.map((c) => [c.address, c.change.actions])).toEqual([
      ['module.under_test.aws_cloudformation_stack_set_instance.member_roles["ou-ab12-22222222"]', ['delete']],
    ]);
    expect(changes[0].change.before?.retain_stack).toBe(true);
    // Without it, the same change deletes the OU's stacks, and the member roles with them.
    const unprotected = replan(
      'org-no-retain',
      { organizational_unit_ids: OUS },
      { organizational_unit_ids: OUS.slice(0, 1) },
    );
    expect(unprotected[0].change.before?.retain_stack).toBe(false);
  });

  test('call_as switched to a delegated administrator (and back) updates the stack set and its instances in place', () => {
    for (const [from, to] of [
      ['SELF', 'DELEGATED_ADMIN'],
      ['DELEGATED_ADMIN', 'SELF'],
    ]) {
      const changes = replan(`org-call-as-${from}`, { organizational_unit_ids: OUS, call_as: from }, { call_as: to });
      expect(changes.map((c) => [c.address, c.change.actions.join()]).sort()).toEqual(
        [
          ['module.under_test.aws_cloudformation_stack_set.member_roles', 'update'],
          ['module.under_test.aws_cloudformation_stack_set_instance.member_roles["ou-ab12-11111111"]', 'update'],
          ['module.under_test.aws_cloudformation_stack_set_instance.member_roles["ou-ab12-22222222"]', 'update'],
        ].sort(),
      );
      for (const c of changes) expect([c.change.before?.call_as, c.change.after?.call_as]).toEqual([from, to]);
    }
  });

  test('rejects a root and OUs together, and a template over the size limit', () => {
    expect(plan('org-both-targets', { organization_root_id: 'r-ab12' }).error).toContain(
      'Give organizational_unit_ids or organization_root_id, not both',
    );
    const tooMany = Array.from({ length: 900 }, (_, i) => String(300000000000 + i));
    // Terraform wraps its messages at 80 columns.
    expect(
      plan('org-too-many', { capabilities: ['cspm'], excluded_account_ids: tooMany }).error?.replace(/\s+/g, ' '),
    ).toContain("larger than CloudFormation's 51200-byte template_body limit");
  });
});
