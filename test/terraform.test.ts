import { mkdtempSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { exampleConfigs, sharedOutdir } from './support/examples';
import { sharedSynthesisDir } from './support/scratch';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES, listing, readJson, typesUsed } from './terraform/harness';
import { providerSchemas } from './terraform/schema';

/*
 * Every stack the app synthesizes (default configuration and each example, synthesized once per run by the
 * global setup) checked by the Terraform binary against the schema of the AWS provider version the bindings
 * were generated from, offline.
 */
const work = sharedSynthesisDir();
const outdirs = exampleConfigs().map(({ name }) => sharedOutdir(work, name));
const stacks = outdirs.flatMap((outdir) =>
  readdirSync(join(outdir, 'stacks')).map((stack) => ({
    name: `${outdir.slice(work.length + 1)}/${stack}`,
    dir: join(outdir, 'stacks', stack),
  })),
);
const configs = stacks.map((s) => readJson(join(s.dir, 'cdk.tf.json')));
const used = typesUsed(configs);
let terraform: OfflineTerraform;

beforeAll(() => {
  terraform = new OfflineTerraform(used.resources, used.dataSources);
});
afterAll(() => {
  terraform?.dispose();
});

test('the stacks cover the types the project emits: every one the offline provider serves', () => {
  expect([...used.resources].sort()).toEqual([...PROJECT_RESOURCE_TYPES].sort());
  // Policy documents are JSON literals or jsonencode(): no data source.
  expect([...used.dataSources]).toEqual([]);
  expect(stacks.length).toBeGreaterThanOrEqual(6);
});

describe.each(stacks)('$name', ({ dir }) => {
  test('terraform init and validate succeed, and leave the synthesized folder untouched', () => {
    const before = listing(dir);
    const result = terraform.validate(dir);
    expect(result.init.stderr).toBe('');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Success! The configuration is valid.');
    expect(result.status).toBe(0);
    expect(listing(dir)).toEqual(before);
  });
});

// Terraform JSON as plain data: the cases below poke at paths they know exist.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TerraformJson = Record<string, any>;

describe('the check bites: broken configurations fail validation', () => {
  function validateMutated(mutate: (config: TerraformJson) => void) {
    const config = JSON.parse(JSON.stringify(configs[0]));
    mutate(config);
    const dir = mkdtempSync(join(terraform.root, 'broken-'));
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(config));
    return terraform.validate(dir);
  }
  const firstKey = (o: Record<string, unknown>) => Object.keys(o)[0];

  test.each<[string, (c: TerraformJson) => void, string]>([
    [
      'an unknown attribute',
      (c) => (c.resource.aws_iam_role[firstKey(c.resource.aws_iam_role)].bogus_argument = 'x'),
      'No argument or block type is named "bogus_argument"',
    ],
    [
      'a missing required attribute',
      (c) => delete c.resource.aws_iam_role[firstKey(c.resource.aws_iam_role)].assume_role_policy,
      'Missing required argument',
    ],
    [
      'a reference to an undeclared resource',
      (c) => (c.output.role_arn.value = '${aws_iam_role.missing.arn}'),
      'Reference to undeclared resource',
    ],
    [
      'a reference to an attribute the resource lacks',
      (c) => (c.output.role_arn.value = `\${aws_iam_role.${firstKey(c.resource.aws_iam_role)}.no_such_attribute}`),
      'Unsupported attribute',
    ],
    [
      'an unknown attribute in a nested block',
      (c) => (c.resource.aws_iam_role[firstKey(c.resource.aws_iam_role)].inline_policy = [{ bogus: 'x' }]),
      'No argument or block type is named "bogus"',
    ],
    [
      'a value of the wrong type',
      (c) => (c.resource.aws_iam_role[firstKey(c.resource.aws_iam_role)].max_session_duration = 'one hour'),
      'Incorrect attribute value type',
    ],
    ['an unknown resource type', (c) => (c.resource.aws_iam_rol = { x: { name: 'x' } }), 'Invalid resource type'],
    [
      'a Terraform version floor above the running Terraform',
      (c) => (c.terraform.required_version = '>= 99.0.0'),
      'Unsupported Terraform Core version',
    ],
  ])('%s', (_what, mutate, message) => {
    const result = validateMutated(mutate);
    expect(result.status).toBe(1);
    // Terraform's messages quote the configuration; keep the failure short.
    expect(result.stderr.includes(message) ? message : result.stderr.slice(0, 400)).toBe(message);
  });
});

describe('terraform test with mock_provider', () => {
  test("the default stack's external ID variable rejects a bad value and accepts a good one", () => {
    const result = terraform.test(stacks[0].dir, {
      'tests/external_id.tftest.hcl': [
        'mock_provider "aws" {}',
        '',
        'run "accepts_a_qualys_external_id" {',
        '  command = plan',
        '  variables {',
        '    external_id = "US4-144359-1646867770137"',
        '  }',
        '  assert {',
        '    condition     = output.trusted_principal == "arn:aws:iam::805950163170:root"',
        '    error_message = "the trust policy principal is not the Qualys account"',
        '  }',
        '}',
        '',
        'run "rejects_an_external_id_with_spaces" {',
        '  command = plan',
        '  variables {',
        '    external_id = "not a valid id"',
        '  }',
        '  expect_failures = [var.external_id]',
        '}',
        '',
      ].join('\n'),
    });
    expect(result.init.status).toBe(0);
    expect(result.stdout).toContain('run "accepts_a_qualys_external_id"... pass');
    expect(result.stdout).toContain('run "rejects_an_external_id_with_spaces"... pass');
    expect(result.stdout).toContain('2 passed, 0 failed');
    expect(result.status).toBe(0);
  });

  test('an expectation that does not hold makes terraform test fail', () => {
    const result = terraform.test(stacks[0].dir, {
      'tests/wrong.tftest.hcl': [
        'mock_provider "aws" {}',
        'run "accepts_spaces" {',
        '  command = plan',
        '  variables {',
        '    external_id = "not a valid id"',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('The external ID must be 2 to 1224 characters');
  });
});

describe('terraform test of the organization example', () => {
  test('member_role_arns maps accounts to roles (duplicates merged, excluded accounts left out); the template keeps ${AWS::Partition}', () => {
    const organization = stacks.find((s) => s.name === 'organization/qualys-organization');
    if (!organization) throw new Error('the organization example was not synthesized');
    const summary = (account: string, ou: string) =>
      `{ account_id = "${account}", organizational_unit_id = "${ou}", stack_id = "stack-${account}" }`;
    const override = (ou: string, accounts: string[]) =>
      [
        'override_resource {',
        `  target = aws_cloudformation_stack_set_instance.member_roles_${ou.replace(/-/g, '_')}`,
        `  values = { stack_instance_summaries = [${accounts.map((a) => summary(a, ou)).join(', ')}] }`,
        '}',
      ].join('\n');
    const result = terraform.test(organization.dir, {
      'tests/organization.tftest.hcl': [
        'mock_provider "aws" {}',
        override('ou-ab12-11111111', ['444444444444', '555555555555', '333333333333']),
        override('ou-ab12-22222222', ['555555555555', '666666666666']),
        'run "rollout" {',
        '  variables {',
        '    external_id = "EU2-2792719"',
        '  }',
        '  assert {',
        '    condition = output.member_role_arns == {',
        '      "444444444444" = "arn:aws:iam::444444444444:role/QualysCVRole"',
        '      "555555555555" = "arn:aws:iam::555555555555:role/QualysCVRole"',
        '      "666666666666" = "arn:aws:iam::666666666666:role/QualysCVRole"',
        '    }',
        '    error_message = "member_role_arns is wrong"',
        '  }',
        '  assert {',
        '    condition     = jsondecode(aws_cloudformation_stack_set.member_roles.template_body).Resources.QualysConnectorRole.Type == "AWS::IAM::Role"',
        '    error_message = "the template body is not the member template"',
        '  }',
        '  assert {',
        '    condition     = strcontains(aws_cloudformation_stack_set.member_roles.template_body, "arn:$${AWS::Partition}:iam::aws:policy/SecurityAudit")',
        '    error_message = "the template lost its $${AWS::Partition}"',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    expect(result.init.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 passed, 0 failed');
    expect(result.status).toBe(0);
  });
});

test('a type missing from the bindings fails loudly', () => {
  expect(() => providerSchemas(['aws_no_such_resource'], [])).toThrow(
    /no @cdktf\/provider-aws binding for aws_no_such_resource/,
  );
});
