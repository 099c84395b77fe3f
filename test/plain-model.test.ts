import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseConfig } from '../src/config/load';
import { templateBody } from '../src/render/cloudformation/role-template';
import { fromTerraformLiteral, hclString, terraformLiteral } from '../src/rules/terraform-text';
import {
  StringRule,
  VALUE_RULES,
  ValueRule,
  breaks,
  cloudFormationConstraints,
  terraformCondition,
  zodRule,
} from '../src/rules/value-rules';
import { fillSlots, slot } from '../src/plan/parameters';
import { PROJECT_ROOT } from './support/app-process';
import { OU_A, organizationConfig, organizationPlanOf, SAMPLE_EXTERNAL_ID } from './support/configs';
import { OfflineTerraform } from './terraform/harness';

/*
 * The plan is plain values, and each value rule is defined once: the plan's check, the configuration's zod
 * schema, Terraform's own evaluation of the rendered `validation` conditions and CloudFormation's constraints
 * judge every sample alike.
 */

type RuleName = keyof typeof VALUE_RULES;

/** Samples on both sides of every rule: lengths at and past each limit, characters just outside each class. */
const SAMPLES: Record<RuleName, readonly (string | number)[]> = {
  externalId: [
    SAMPLE_EXTERNAL_ID,
    'ab',
    'a',
    '',
    'x'.repeat(1224),
    'x'.repeat(1225),
    'a:b/c@d=e,f.g+h_i-j',
    'has space',
    'ünï',
    'ab\n',
    'a"b',
    'a\\b',
    'a${b}',
  ],
  roleName: ['QualysCVRole', 'r', '', 'x'.repeat(64), 'x'.repeat(65), 'a+=,.@_-b', 'a/b', 'a:b', 'Rôle'],
  accountId: ['123456789012', '12345678901', '1234567890123', 'abcdefghijkl', '١٢٣٤٥٦٧٨٩٠١٢', ' 23456789012'],
  organizationalUnitId: [
    'ou-ab12-11111111',
    'ou-AB12-11111111',
    'ou-ab1-11111111',
    'ou-ab12-1111111',
    `ou-${'a'.repeat(32)}-${'1'.repeat(32)}`,
    `ou-${'a'.repeat(33)}-11111111`,
    'r-ab12',
  ],
  organizationRootId: ['r-ab12', 'r-ab1', `r-${'a'.repeat(32)}`, `r-${'a'.repeat(33)}`, 'r-AB12', 'ou-ab12-11111111'],
  iamPath: [
    '/',
    '/qualys/',
    '/a/b/',
    'qualys/',
    '/qualys',
    '//',
    `/${'a'.repeat(510)}/`,
    `/${'a'.repeat(511)}/`,
    '/ü/',
    '/a b/',
  ],
  policyArn: [
    'arn:aws:iam::aws:policy/SecurityAudit',
    'arn:aws-us-gov:iam::123456789012:policy/p/B',
    'arn:aws-cn:iam::123456789012:policy/B',
    'arn:aws:iam::12345:policy/B',
    'arn:aws:iam::123456789012:role/B',
    'arn:aws-x:iam::aws:policy/B',
    'arn:aws:iam::aws:policy/',
  ],
  roleArn: [
    'arn:aws:iam::123456789012:role/Admin',
    'arn:aws-cn:iam::123456789012:role/a/b/Admin',
    'arn:aws:iam::aws:role/Admin',
    'arn:aws:iam::123456789012:policy/Admin',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:sts::123456789012:role/Admin',
  ],
  roleDescription: [
    'Qualys connector',
    '',
    'x'.repeat(1000),
    'x'.repeat(1001),
    'tab\there\nnew line\r',
    'Latin-1 ÿ é',
    'not Latin-1 ā',
    'emoji 😀',
    'del \u007f',
  ],
  tagKey: ['owner', '', 'x'.repeat(128), 'x'.repeat(129), 'Ünïcødé 名前', 'a:b/c=d+e@f_g.h-i', 'a#b', 'a,b'],
  tagValue: ['', 'platform team', 'x'.repeat(256), 'x'.repeat(257), 'a\u00a0b\u3000c', 'a*b', 'a|b'],
  stackSetName: [
    'QualysConnectorMemberRoles',
    'Q',
    '1Qualys',
    'Qualys_Roles',
    `Q${'q'.repeat(127)}`,
    `Q${'q'.repeat(128)}`,
    'Q-1',
  ],
  stackName: ['qualys-connector', 'q', '1q', 'q_1', `q${'x'.repeat(63)}`, `q${'x'.repeat(64)}`, 'my stack'],
  terraformIdentifier: ['external_id', '_x', 'x-1', '1x', 'a b', 'a.b', ''],
  maxSessionDuration: [3600, 3599, 43200, 43201, 7200, 3600.5, 0],
  managedPolicyQuota: [10, 9, 20, 21, 15, 10.5],
};

const accepts = (rule: ValueRule, value: string | number): boolean =>
  (zodRule(rule as StringRule) as { safeParse(v: unknown): { success: boolean } }).safeParse(value).success;

describe('one definition per value rule, rendered into every language', () => {
  const entries = Object.entries(VALUE_RULES) as [RuleName, ValueRule][];

  test('every rule has samples it accepts and samples it rejects', () => {
    for (const [name, rule] of entries) {
      const verdicts = SAMPLES[name].map((value) => breaks(rule, value) === undefined);
      expect({ name, accepts: verdicts.includes(true), rejects: verdicts.includes(false) }).toEqual({
        name,
        accepts: true,
        rejects: true,
      });
    }
  });

  test("the plan's check and the configuration's zod schema decide every sample alike", () => {
    for (const [name, rule] of entries) {
      for (const value of SAMPLES[name]) {
        expect({ name, value, zod: accepts(rule, value) }).toEqual({
          name,
          value,
          zod: breaks(rule, value) === undefined,
        });
      }
    }
    // Spot checks that do not come from the rule definitions themselves.
    expect(breaks(VALUE_RULES.externalId, 'ab')).toBeUndefined();
    expect(breaks(VALUE_RULES.externalId, 'a')).toBeDefined();
    expect(breaks(VALUE_RULES.accountId, '١٢٣٤٥٦٧٨٩٠١٢')).toBeDefined();
    expect(breaks(VALUE_RULES.maxSessionDuration, 3600.5)).toBeDefined();
  });

  test('the configuration file names each broken rule by its message', () => {
    const config = (connector: Record<string, unknown>, members: Record<string, unknown> = {}) =>
      organizationConfig({ connector, members });
    expect(() => parseConfig(config({ roleName: 'a/b' }))).toThrow(VALUE_RULES.roleName.message);
    expect(() => parseConfig(config({ externalId: 'has space' }))).toThrow(VALUE_RULES.externalId.message);
    expect(() => parseConfig(config({ trustedAccountId: '12345' }))).toThrow(VALUE_RULES.accountId.message);
    expect(() => parseConfig(config({ maxSessionDuration: 3599 }))).toThrow(VALUE_RULES.maxSessionDuration.message);
    expect(() => parseConfig(config({ tags: { 'a#b': 'x' } }))).toThrow(VALUE_RULES.tagKey.message);
    expect(() => parseConfig(config({}, { organizationalUnitIds: ['ou-AB12-11111111'] }))).toThrow(
      VALUE_RULES.organizationalUnitId.message,
    );
    expect(() => parseConfig(config({}, { organizationalUnitIds: undefined, organizationRootId: 'r-AB' }))).toThrow(
      VALUE_RULES.organizationRootId.message,
    );
    expect(() => parseConfig(config({}, { stackSetName: '1Qualys' }))).toThrow(VALUE_RULES.stackSetName.message);
  });

  test('CloudFormation constraints accept exactly what the rule accepts', () => {
    for (const [name, rule] of entries) {
      if (rule.kind === 'integer') continue;
      const constraints = cloudFormationConstraints(rule);
      // CloudFormation checks AllowedPattern (a Java regex, here without constructs where Java and JavaScript
      // differ) and the lengths in characters; Java's `$` also matches before a final newline, so samples
      // ending in one are left out.
      const pattern = new RegExp(constraints.AllowedPattern, rule.kind === 'pattern' && rule.unicode ? 'u' : '');
      for (const value of SAMPLES[name].filter(
        (v): v is string => typeof v === 'string' && !v.endsWith('\n') && !v.endsWith('\r'),
      )) {
        const length = [...value].length;
        const cloudFormation =
          pattern.test(value) &&
          length >= (constraints.MinLength ?? 0) &&
          length <= (constraints.MaxLength ?? Infinity);
        expect({ name, value, cloudFormation }).toEqual({
          name,
          value,
          cloudFormation: breaks(rule, value) === undefined,
        });
      }
    }
  });

  test('Terraform validation conditions accept exactly what the rule accepts (terraform test)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualys-rules-'));
    const terraform = new OfflineTerraform([], []);
    try {
      const variable = Object.fromEntries(
        entries.map(([name, rule]) => [
          name,
          {
            type: rule.kind === 'integer' ? 'number' : 'string',
            default: SAMPLES[name][0],
            validation: [
              {
                condition: `\${${terraformCondition(rule, `var.${name}`)}}`,
                error_message: terraformLiteral(rule.message),
              },
            ],
          },
        ]),
      );
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ variable }));
      const runs: { name: string; expected: boolean }[] = [];
      const blocks: string[] = [];
      for (const [name, rule] of entries) {
        SAMPLES[name].forEach((value, i) => {
          const run = `${name}_${i}`;
          const expected = breaks(rule, value) === undefined;
          runs.push({ name: run, expected });
          const literal = typeof value === 'number' ? String(value) : hclString(value);
          blocks.push(
            `run "${run}" {\n  command = plan\n  variables {\n    ${name} = ${literal}\n  }\n${expected ? '' : `  expect_failures = [var.${name}]\n`}}\n`,
          );
        });
      }
      const result = terraform.test(dir, { 'tests/rules.tftest.hcl': blocks.join('\n') });
      expect(result.init.status).toBe(0);
      const verdicts = Object.fromEntries(
        [...result.stdout.matchAll(/run "([^"]+)"\.\.\. (\w+)/g)].map((m) => [m[1], m[2]]),
      );
      expect(verdicts).toEqual(Object.fromEntries(runs.map((r) => [r.name, 'pass'])));
      expect(runs.filter((r) => !r.expected).length).toBeGreaterThan(50);
      expect(result.status).toBe(0);
    } finally {
      terraform.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Terraform text', () => {
  // [text, as a Terraform literal]: what Terraform must pass on unchanged, interpolation and directive alike.
  const AWKWARD: [string, string][] = [
    ['plain', 'plain'],
    ['${AWS::Region}', '$${AWS::Region}'],
    ['%{ if x }', '%%{ if x }'],
    ['$${already}', '$$${already}'],
    ['$ {spaced}', '$ {spaced}'],
    ['{}$', '{}$'],
    ['a"b\\c\nd', 'a"b\\c\nd'],
  ];
  test.each(AWKWARD)('%j is escaped and read back', (text, literal) => {
    expect(terraformLiteral(text)).toBe(literal);
    expect(fromTerraformLiteral(terraformLiteral(text))).toBe(text);
  });
});

describe('the plan is plain values', () => {
  /** The messages ESLint gives `source` as if it were the file `file` of the project. */
  const lint = (file: string, source: string): { ruleId: string; line: number }[] => {
    const run = spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
        '--format',
        'json',
        '--stdin',
        '--stdin-filename',
        file,
      ],
      {
        cwd: PROJECT_ROOT,
        input: source,
        encoding: 'utf8',
      },
    );
    const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; line: number }[] }[];
    return result.messages.filter(
      (m) => m.ruleId === 'layers/no-upward-import' || m.ruleId === 'no-restricted-imports',
    );
  };

  test('an upward import fails the lint, however it is written', () => {
    const upward = [
      "import { buildApp } from '../tools/app';",
      "import type { AppConfig } from '../config/schema';",
      "export { planStack } from '../plan/stack';",
      "export * from '../render/cloudformation/export';",
      "import { x } from '../rules/../tools/app';",
      "import { y } from './../../src/config/load';",
      "const z = require('../tools/deployer/cli');",
      "const w = import('../config/load');",
      "import { v } from '..';",
      "import { u } from 'qualys-aws-connector-cdktf';",
    ];
    const found = lint('src/model/lint-probe.ts', upward.join('\n'));
    expect(found.map((m) => m.line)).toEqual(upward.map((_, i) => i + 1));
    expect(found.every((m) => m.ruleId === 'layers/no-upward-import')).toBe(true);
  });

  test('each layer may import itself and the layers below it', () => {
    const imports = [
      "import { a } from '../rules/errors';",
      "import { b } from '../model/policy/model';",
      "import { c } from './stack';",
      "import { d } from '../plan/../plan/role';",
    ];
    expect(lint('src/plan/lint-probe.ts', imports.join('\n'))).toEqual([]);
    expect(
      lint(
        'src/tools/review/lint-probe.ts',
        "import { e } from '../../config/load';\nimport { f } from '../../render/cdktf/connector-role';",
      ),
    ).toEqual([]);
    expect(lint('src/render/markdown/lint-probe.ts', "import { g } from '../../plan/role';")).toEqual([]);
    expect(lint('src/rules/lint-probe.ts', "import { h } from '../plan/role';").map((m) => m.line)).toEqual([1]);
  });

  test('cdktf stays in the constructs and the apps', () => {
    const source = [
      "import { TerraformVariable } from 'cdktf';",
      "import { Construct } from 'constructs';",
      "import { IamRole } from '@cdktf/provider-aws/lib/iam-role';",
    ].join('\n');
    for (const layer of [
      'rules',
      'model',
      'plan',
      'render/cloudformation',
      'render/terraform-modules',
      'render/markdown',
      'config',
    ]) {
      expect({ layer, lines: lint(`src/${layer}/lint-probe.ts`, source).map((m) => m.line) }).toEqual({
        layer,
        lines: [1, 2, 3],
      });
    }
    expect(lint('src/render/cdktf/lint-probe.ts', source)).toEqual([]);
    expect(lint('src/tools/lint-probe.ts', source)).toEqual([]);
    expect(
      // The package root, spelled so that no source of this project holds that import itself.
      lint(
        'src/render/cdktf/lint-probe.ts',
        `import { AwsProvider } from '${['@cdktf', 'provider-aws'].join('/')}';`,
      ).map((m) => m.line),
    ).toEqual([1]);
  });

  test('an organization plans the same templates whether its external ID is a value or a variable', () => {
    const plan = (externalId: unknown) =>
      organizationPlanOf({ connector: { externalId }, members: { organizationalUnitIds: [OU_A] } });
    const literal = plan(SAMPLE_EXTERNAL_ID);
    const variable = plan({ variable: 'external_id' });
    expect(literal.member.externalId).toEqual({ values: [SAMPLE_EXTERNAL_ID] });
    expect(variable.member.externalId).toEqual({ variable: 'external_id' });
    expect(templateBody(variable.templates.member)).toBe(templateBody(literal.templates.member));
    expect(templateBody(literal.templates.member)).not.toContain(SAMPLE_EXTERNAL_ID);
    // Plain data: a JSON round trip keeps every value of the role plan but its documents' methods.
    expect(JSON.parse(JSON.stringify(variable.member.inputs))).toEqual({
      externalId: { variable: 'external_id' },
      roleName: 'QualysCVRole',
      path: '/',
      trustedAccountId: '805950163170',
      partition: 'aws',
    });
  });

  test('a document slot must be filled', () => {
    expect(fillSlots({ a: [slot('ExternalId'), 'x'] }, { ExternalId: { Ref: 'ExternalId' } })).toEqual({
      a: [{ Ref: 'ExternalId' }, 'x'],
    });
    expect(() => fillSlots({ a: slot('RoleName') }, {})).toThrow('no value for parameter RoleName');
  });
});
