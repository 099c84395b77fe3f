import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { join } from 'path';
import { loadConfig, parseConfig, planConfiguration } from '../src/tools/app';
import { exportTemplates } from '../src/render/cloudformation/export';
import {
  CloudFormationTemplate,
  PREVIOUS_EXTERNAL_ID_PARAMETERS,
  ROLE_LOGICAL_ID,
  normalizedTemplateBody,
  templateBody,
  templateSize,
} from '../src/render/cloudformation/role-template';
import { PROJECT_ROOT } from './support/app-process';
import { StackInstance } from './support/cloudformation';
import { SAMPLE_EXTERNAL_ID, accountConfig, organizationConfig } from './support/configs';
import { resourcesOfType, synthConfig, trustPolicyOf } from './support/synth';

/*
 * The exported and deployed CloudFormation templates: every setting rendered, and nothing a later change
 * would have to replace under a name CloudFormation cannot reuse.
 */

const db = loadAwsServiceSpecSync();
const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;

interface NamedResourceRule {
  /** The property holding the physical name, e.g. RoleName (CloudFormation's `<Type>Name` convention). */
  readonly nameProperty: string;
  /** Properties whose change makes CloudFormation replace the resource, per the resource specification. */
  readonly replacing: readonly string[];
}

function ruleFor(type: string): NamedResourceRule | undefined {
  const [resource] = db.lookup('resource', 'cloudFormationType', 'equals', type);
  if (!resource) throw new Error(`the resource specification does not know ${type}`);
  const nameProperty = `${resource.name}Name`;
  if (!(nameProperty in resource.properties)) return undefined;
  const replacing = Object.entries(resource.properties)
    .filter(([name, p]) => name !== nameProperty && p.causesReplacement !== undefined && p.causesReplacement !== 'no')
    .map(([name]) => name);
  return { nameProperty, replacing };
}

/** What a stack of the template creates with its default parameters, per logical ID. */
function created(
  template: CloudFormationTemplate,
): Record<string, { type: string; properties: Record<string, unknown> }> {
  return new StackInstance(template, {
    accountId: '555555555555',
    partition: 'aws',
    region: 'us-east-1',
    parameters: { ExternalId: EXTERNAL_ID },
  }).resources;
}

/**
 * Named resources of `after` whose replacement-causing properties differ from `before` while the name is the
 * same: CloudFormation would have to replace them and refuses ("cannot update a stack when a custom-named
 * resource requires replacing").
 */
function replacementsUnderSameName(before: CloudFormationTemplate, after: CloudFormationTemplate): string[] {
  const [a, b] = [created(before), created(after)];
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(b)) {
    const previous = a[id];
    const rule = ruleFor(resource.type);
    if (!previous || !rule || resource.properties[rule.nameProperty] === undefined) continue;
    if (
      JSON.stringify(previous.properties[rule.nameProperty]) !== JSON.stringify(resource.properties[rule.nameProperty])
    )
      continue;
    for (const property of rule.replacing) {
      if (JSON.stringify(previous.properties[property]) !== JSON.stringify(resource.properties[property]))
        problems.push(`${id}.${property}`);
    }
  }
  return problems;
}

/** Every setting a deployed stack's template can change through, one at a time (role name and path aside). */
// Every row has three items: jest takes a test function with more parameters than a row has items for one
// that waits for a `done` callback.
const CHANGES: [string, Record<string, unknown>, Record<string, unknown> | null][] = [
  ['description', { description: 'Qualys, reviewed by the platform team' }, null],
  ['tags', { tags: { owner: 'security', 'cost-center': '42' } }, null],
  ['capabilities added', { capabilities: ['cspm', 'remediation', 'api-based-assessment'] }, null],
  ['capabilities removed', { capabilities: [] }, null],
  ['trusted account', { trustedAccountId: '123456789012' }, null],
  ['session length', { maxSessionDuration: 7200 }, null],
  ['exclusions', {}, { excludedAccountIds: ['333333333333', '444444444444'] }],
];

function templatesOf(config: unknown): Record<string, CloudFormationTemplate> {
  return exportTemplates(planConfiguration(parseConfig(config)));
}

describe('replacement-causing properties of named resources change only with the name (CloudFormation resource specification)', () => {
  test('the specification marks what the templates rely on', () => {
    expect(ruleFor('AWS::IAM::Role')).toEqual({
      nameProperty: 'RoleName',
      replacing: expect.arrayContaining(['Path']),
    });
    expect(ruleFor('AWS::IAM::ManagedPolicy')).toEqual({
      nameProperty: 'ManagedPolicyName',
      replacing: expect.arrayContaining(['Path', 'Description']),
    });
  });

  test.each(CHANGES)('%s: organization templates and the account template', (_what, connector, members) => {
    const pairs: [Record<string, CloudFormationTemplate>, Record<string, CloudFormationTemplate>][] = [
      [
        templatesOf(organizationConfig({ managementRole: { deployWith: 'cloudformation-stack' } })),
        templatesOf(
          organizationConfig({
            managementRole: { deployWith: 'cloudformation-stack' },
            connector: { ...connector },
            members: members ?? {},
          }),
        ),
      ],
    ];
    if (!members)
      pairs.push([templatesOf(accountConfig()), templatesOf(accountConfig({ connector: { ...connector } }))]);
    for (const [before, after] of pairs) {
      for (const file of Object.keys(after))
        expect([file, replacementsUnderSameName(before[file], after[file])]).toEqual([file, []]);
    }
  });

  test('in the account template a new path comes with a new role name', () => {
    const before = templatesOf(accountConfig({ connector: { path: '/qualys/' } }))['account/account.template.json'];
    const after = templatesOf(accountConfig({ connector: { path: '/security/', roleName: 'QualysSecurityRole' } }))[
      'account/account.template.json'
    ];
    expect(replacementsUnderSameName(before, after)).toEqual([]);
  });

  test('the check bites: a path or a policy description changed under the same name is found', () => {
    const before = templatesOf(accountConfig({ connector: { path: '/qualys/' } }))['account/account.template.json'];
    const pathOnly = templatesOf(accountConfig({ connector: { path: '/security/' } }))['account/account.template.json'];
    expect(replacementsUnderSameName(before, pathOnly)).toEqual(
      expect.arrayContaining([`${ROLE_LOGICAL_ID}.Path`, 'QualysPolicyCspm.Path']),
    );
    const retitled = JSON.parse(JSON.stringify(before)) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    retitled.Resources.QualysPolicyCspm.Properties.Description = 'Qualys TotalCloud permissions';
    expect(replacementsUnderSameName(before, retitled as unknown as CloudFormationTemplate)).toEqual([
      'QualysPolicyCspm.Description',
    ]);
  });
});

describe('the account template renders every setting of the Terraform role', () => {
  const config = loadConfig(join(PROJECT_ROOT, 'examples', 'cspm-remediation-s3-backend.json'));
  const [file, template] = Object.entries(exportTemplates(planConfiguration(config)))[0];
  const stack = config.stacks[0];
  if (stack.kind !== 'account' || !Array.isArray(stack.connector.externalId))
    throw new Error('the example should rotate external IDs');
  const ids = stack.connector.externalId;
  const terraform = synthConfig(config)[stack.name];
  const terraformRole = resourcesOfType(terraform, 'aws_iam_role')[0];
  const role = (parameters: Record<string, string>) =>
    new StackInstance(template, { accountId: '111122223333', partition: 'aws', region: 'eu-west-1', parameters })
      .resources[ROLE_LOGICAL_ID].properties;

  test('boundary, path, session, description and tags equal the Terraform role', () => {
    expect(file).toBe(`${stack.name}/account.template.json`);
    const properties = role({ ExternalId: ids[0], PreviousExternalId1: ids[1] });
    expect(properties.PermissionsBoundary).toBe(terraformRole.permissions_boundary);
    expect(properties.Path).toBe(terraformRole.path);
    expect(properties.MaxSessionDuration).toBe(terraformRole.max_session_duration);
    expect(properties.Description).toBe(terraformRole.description);
    expect(
      Object.fromEntries((properties.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value])),
    ).toEqual(terraformRole.tags);
  });

  test('with the rotation list given as parameters, the trust policy equals the Terraform one', () => {
    expect(role({ ExternalId: ids[0], PreviousExternalId1: ids[1] }).AssumeRolePolicyDocument).toEqual(
      trustPolicyOf(terraform),
    );
  });

  test('previous-ID parameters are optional, hold no value in the file and follow the external ID rule', () => {
    const trust = role({ ExternalId: ids[0] }).AssumeRolePolicyDocument as { Statement: { Condition: unknown }[] };
    expect(trust.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': [ids[0]] } });
    expect(PREVIOUS_EXTERNAL_ID_PARAMETERS).toHaveLength(4);
    for (const id of ids) expect(JSON.stringify(template)).not.toContain(id);
    expect(() => role({ ExternalId: ids[0], PreviousExternalId2: 'x' })).toThrow(
      /PreviousExternalId2 failed to satisfy constraint/,
    );
    expect(() => role({ ExternalId: ids[0], PreviousExternalId2: 'has space' })).toThrow(
      /PreviousExternalId2 failed to satisfy constraint/,
    );
  });
});

describe('template bytes as CloudFormation receives them', () => {
  const template: CloudFormationTemplate = { Z: 'a<b>&c\u2028é', A: { y: 1, b: [{ d: 'x', c: 'y' }] } };

  test('a stack set receives the text as written; a stack receives Go-encoded JSON (sorted keys, HTML-safe escapes)', () => {
    expect(templateBody(template)).toBe(JSON.stringify(template));
    expect(normalizedTemplateBody(template)).toBe(
      '{"A":{"b":[{"c":"y","d":"x"}],"y":1},"Z":"a\\u003cb\\u003e\\u0026c\\u2028é"}',
    );
    // Bytes, not characters: é is two bytes in UTF-8, U+2028 three as written and six escaped.
    expect(templateSize(template, 'stack-set')).toBe(Buffer.byteLength(JSON.stringify(template)));
    expect(templateSize(template, 'stack-set')).toBe(JSON.stringify(template).length + 1 + 2);
    expect(templateSize(template, 'stack')).toBe(normalizedTemplateBody(template).length + 1);
  });

  test('too many tags for the member template are rejected naming the tags, not the exclusions', () => {
    // 50 tags of 3-byte letters: about 56 KB on the role alone.
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${'名'.repeat(120)}${i}`, '値'.repeat(256)]),
    );
    expect(() =>
      parseConfig(organizationConfig({ managementRole: { deployWith: 'cloudformation-stack' }, connector: { tags } })),
    ).toThrow(
      /stacks\[0\]\.connector\.tags: make the member template \d+ bytes, above the 51200-byte template_body limit/,
    );
  });
});

describe("scanners' by-design findings travel with the resources they concern", () => {
  const templates = templatesOf(
    organizationConfig({ connector: { capabilities: ['cspm', 'remediation', 'api-based-assessment'] } }),
  );
  const member = Object.entries(templates).find(([file]) => file.includes('member'))![1] as unknown as {
    Resources: Record<
      string,
      {
        Type: string;
        Metadata?: {
          checkov?: { skip: { id: string; comment: string }[] };
          'cfn-lint'?: { config: { ignore_checks: string[] } };
        };
      }
    >;
  };
  const skips = (id: string) => (member.Resources[id].Metadata?.checkov?.skip ?? []).map((s) => s.id).sort();

  test('the role: the trust on an account root; policies: W3037 for cfn-lint, Resource "*" where there is one, remediation its write scope', () => {
    expect(skips(ROLE_LOGICAL_ID)).toEqual(['CKV_AWS_61']);
    expect(
      skips('QualysPolicyRemediationv2' in member.Resources ? 'QualysPolicyRemediationv2' : 'QualysPolicyRemediation'),
    ).toEqual(expect.arrayContaining(['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_289', 'CKV_AWS_290']));
    for (const [id, resource] of Object.entries(member.Resources)) {
      if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
      expect([id, resource.Metadata?.['cfn-lint']?.config.ignore_checks]).toEqual([id, ['W3037']]);
      if (!id.startsWith('QualysPolicyRemediation'))
        expect([id, skips(id).filter((s) => s !== 'CKV_AWS_355')]).toEqual([id, []]);
    }
    // Every skip gives its reason.
    for (const resource of Object.values(member.Resources)) {
      for (const skip of resource.Metadata?.checkov?.skip ?? []) expect(skip.comment.length).toBeGreaterThan(10);
    }
  });
});
