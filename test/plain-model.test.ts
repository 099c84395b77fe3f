import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseConfig } from '../src/app';
import { templateBody } from '../src/cloudformation/role-template';
import {
  ValueRule,
  accountIdRule,
  cloudFormationConstraints,
  externalIdRule,
  organizationRootIdRule,
  organizationalUnitIdRule,
  roleNameRule,
  terraformCondition,
  zodString,
} from '../src/config/rules';
import { OrganizationStackConfig } from '../src/config/schema';
import { fillSlots, slot } from '../src/connector/parameters';
import { planStack } from '../src/connector/plan';
import { PROJECT_ROOT } from './support/app-process';
import { OfflineTerraform } from './terraform/harness';

/*
 * The plan is plain values, and each value rule is defined once: Terraform's own evaluation of the rendered
 * `validation` conditions, CloudFormation's constraints and the configuration's zod schema judge alike.
 */

const RULES: Record<string, { rule: ValueRule; valid: string; samples: string[] }> = {
  external_id: {
    rule: externalIdRule,
    valid: 'EU2-2792719',
    samples: ['EU2-2792719', 'ab', 'a', '', 'x'.repeat(1224), 'x'.repeat(1225), 'a:b/c@d=e,f.g+h_i-j', 'has space', 'ünï', 'ab\n', 'a"b', 'a\\b'],
  },
  role_name: {
    rule: roleNameRule,
    valid: 'QualysCVRole',
    samples: ['QualysCVRole', 'r', '', 'x'.repeat(64), 'x'.repeat(65), 'a+=,.@_-b', 'a/b', 'a:b', 'Rôle'],
  },
  account_id: {
    rule: accountIdRule,
    valid: '123456789012',
    samples: ['123456789012', '12345678901', '1234567890123', 'abcdefghijkl', '١٢٣٤٥٦٧٨٩٠١٢', ' 23456789012'],
  },
  organizational_unit_id: {
    rule: organizationalUnitIdRule,
    valid: 'ou-ab12-11111111',
    samples: ['ou-ab12-11111111', 'ou-AB12-11111111', 'ou-ab1-11111111', 'ou-ab12-1111111', `ou-${'a'.repeat(32)}-${'1'.repeat(32)}`, `ou-${'a'.repeat(33)}-11111111`, 'r-ab12'],
  },
  organization_root_id: {
    rule: organizationRootIdRule,
    valid: 'r-ab12',
    samples: ['r-ab12', 'r-ab1', `r-${'a'.repeat(32)}`, `r-${'a'.repeat(33)}`, 'r-AB12', 'ou-ab12-11111111'],
  },
};

const accepts = (rule: ValueRule, value: string): boolean => zodString(rule).safeParse(value).success;

describe('one definition per value rule', () => {
  test('the zod schemas decide the samples as the rules say', () => {
    // Spot checks that do not come from the rule definitions themselves.
    expect(accepts(externalIdRule, 'ab')).toBe(true);
    expect(accepts(externalIdRule, 'a')).toBe(false);
    expect(accepts(externalIdRule, 'x'.repeat(1225))).toBe(false);
    expect(accepts(roleNameRule, 'x'.repeat(64))).toBe(true);
    expect(accepts(roleNameRule, 'a/b')).toBe(false);
    expect(accepts(accountIdRule, '١٢٣٤٥٦٧٨٩٠١٢')).toBe(false);
    expect(accepts(organizationalUnitIdRule, 'ou-AB12-11111111')).toBe(false);
    expect(accepts(organizationRootIdRule, `r-${'a'.repeat(33)}`)).toBe(false);
  });

  test('the configuration file uses the same rules', () => {
    const stack = (connector: Record<string, unknown>, members: Record<string, unknown> = { organizationalUnitIds: ['ou-ab12-11111111'] }) => ({
      stacks: [{ kind: 'organization', name: 'org', connector: { externalId: 'EU2-2792719', ...connector }, members }],
    });
    expect(() => parseConfig(stack({ roleName: 'a/b' }))).toThrow(roleNameRule.message);
    expect(() => parseConfig(stack({ externalId: 'has space' }))).toThrow(externalIdRule.message);
    expect(() => parseConfig(stack({ trustedAccountId: '12345' }))).toThrow(accountIdRule.message);
    expect(() => parseConfig(stack({}, { organizationalUnitIds: ['ou-AB12-11111111'] }))).toThrow(organizationalUnitIdRule.message);
    expect(() => parseConfig(stack({}, { organizationRootId: 'r-AB' }))).toThrow(organizationRootIdRule.message);
  });

  test('CloudFormation constraints accept exactly what the zod schema accepts', () => {
    for (const { rule, samples } of Object.values(RULES)) {
      const constraints = cloudFormationConstraints(rule);
      // CloudFormation checks AllowedPattern (a Java regex, here without constructs where Java and JavaScript
      // differ) and the lengths; Java's `$` also matches before a final newline, which no sample other than
      // 'ab\n' has, so that one is left out.
      const pattern = new RegExp(constraints.AllowedPattern);
      for (const value of samples.filter((v) => !v.endsWith('\n'))) {
        const cloudFormation =
          pattern.test(value) && value.length >= (constraints.MinLength ?? 0) && value.length <= (constraints.MaxLength ?? Infinity);
        expect({ rule: rule.message, value, accepted: cloudFormation }).toEqual({ rule: rule.message, value, accepted: accepts(rule, value) });
      }
    }
  });

  test('Terraform validation conditions accept exactly what the zod schema accepts (terraform test)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualys-rules-'));
    const terraform = new OfflineTerraform([], []);
    try {
      const variable = Object.fromEntries(
        Object.entries(RULES).map(([name, { rule, valid }]) => [
          name,
          { type: 'string', default: valid, validation: [{ condition: `\${${terraformCondition(rule, `var.${name}`)}}`, error_message: rule.message }] },
        ]),
      );
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ variable }));
      const runs: { name: string; expected: boolean }[] = [];
      const blocks: string[] = [];
      for (const [name, { rule, samples }] of Object.entries(RULES)) {
        samples.forEach((value, i) => {
          const run = `${name}_${i}`;
          const expected = accepts(rule, value);
          runs.push({ name: run, expected });
          // JSON string syntax is HCL's, apart from template sequences, which no sample holds.
          blocks.push(`run "${run}" {\n  command = plan\n  variables {\n    ${name} = ${JSON.stringify(value)}\n  }\n${expected ? '' : `  expect_failures = [var.${name}]\n`}}\n`);
        });
      }
      const result = terraform.test(dir, { 'tests/rules.tftest.hcl': blocks.join('\n') });
      expect(result.init.status).toBe(0);
      const verdicts = Object.fromEntries([...result.stdout.matchAll(/run "([^"]+)"\.\.\. (\w+)/g)].map((m) => [m[1], m[2]]));
      expect(verdicts).toEqual(Object.fromEntries(runs.map((r) => [r.name, 'pass'])));
      expect(runs.filter((r) => !r.expected).length).toBeGreaterThan(10);
      expect(result.status).toBe(0);
    } finally {
      terraform.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the plan is plain values', () => {
  test('the linter keeps cdktf out of the model, the rules and the plain renderers', () => {
    const source = ["import { TerraformVariable } from 'cdktf';", "import { Construct } from 'constructs';", 'export { TerraformVariable, Construct };'].join('\n');
    const lint = (file: string) => {
      const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', file], {
        cwd: PROJECT_ROOT,
        input: source,
        encoding: 'utf8',
      });
      const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; line: number }[] }[];
      return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
    };
    expect(lint('src/connector/lint-probe.ts')).toEqual([1, 2]);
    expect(lint('src/cloudformation/lint-probe.ts')).toEqual([1, 2]);
    expect(lint('src/constructs/lint-probe.ts')).toEqual([]);
  });

  test('an organization plans the same templates whether its external ID is a value or a variable', () => {
    const plan = (externalId: unknown) => {
      const config = parseConfig({ stacks: [{ kind: 'organization', name: 'org', connector: { externalId, capabilities: ['cspm'] }, members: { organizationalUnitIds: ['ou-ab12-11111111'] } }] });
      const planned = planStack(config.stacks[0] as OrganizationStackConfig, 'stacks[0]');
      if (planned.kind !== 'organization') throw new Error('not an organization plan');
      return planned;
    };
    const literal = plan('EU2-2792719');
    const variable = plan({ variable: 'external_id' });
    expect(literal.member.externalId).toEqual({ values: ['EU2-2792719'] });
    expect(variable.member.externalId).toEqual({ variable: 'external_id' });
    expect(templateBody(variable.templates.member)).toBe(templateBody(literal.templates.member));
    expect(templateBody(literal.templates.member)).not.toContain('EU2-2792719');
    // Plain data: a JSON round trip keeps every value of the role plan but its documents' methods.
    expect(JSON.parse(JSON.stringify(variable.member.inputs))).toEqual({ externalId: { variable: 'external_id' }, roleName: 'QualysCVRole', path: '/', trustedAccountId: '805950163170', partition: 'aws' });
  });

  test('a document slot must be filled', () => {
    expect(fillSlots({ a: [slot('ExternalId'), 'x'] }, { ExternalId: { Ref: 'ExternalId' } })).toEqual({ a: [{ Ref: 'ExternalId' }, 'x'] });
    expect(() => fillSlots({ a: slot('RoleName') }, {})).toThrow('no value for parameter RoleName');
  });
});
