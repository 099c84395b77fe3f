import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { loadConfig } from '../src/tools/app';
import { checkTemplateChange } from '../src/render/cloudformation/change-check';
import { PROJECT_ROOT } from './support/app-process';
import { synthConfig } from './support/synth';

/*
 * What CloudFormation does when a stack made by an earlier release is updated with today's template: every
 * organization template each release made (test/fixtures/releases, from the first organization release on)
 * against the template this version makes for the same example, judged with the CloudFormation resource
 * specification. No resource may be replaced under its own name, which CloudFormation refuses.
 */

const RELEASES = join(PROJECT_ROOT, 'test', 'fixtures', 'releases');
const versions = readdirSync(RELEASES)
  .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
  .sort();

type Stack = { resource: Record<string, Record<string, Record<string, unknown>>> };

/** The templates a stack deploys, by kind, with the parameters it passes them. */
function deployed(
  stack: Stack,
): Record<string, { template: Record<string, unknown>; parameters: Record<string, string> }> {
  const out: Record<string, { template: Record<string, unknown>; parameters: Record<string, string> }> = {};
  const literal = (body: unknown) => JSON.parse(String(body).replace(/([$%])\1\{/g, '$1{')) as Record<string, unknown>;
  for (const set of Object.values(stack.resource.aws_cloudformation_stack_set ?? {}))
    out.member = { template: literal(set.template_body), parameters: set.parameters as Record<string, string> };
  for (const managed of Object.values(stack.resource.aws_cloudformation_stack ?? {}))
    out.management = {
      template: literal(managed.template_body),
      parameters: managed.parameters as Record<string, string>,
    };
  return out;
}

/** This version's stacks for an example configuration, in process. */
function current(example: string): Record<string, Stack> {
  return synthConfig(loadConfig(join(PROJECT_ROOT, 'examples', `${example}.json`))) as unknown as Record<string, Stack>;
}

const cases = versions.flatMap((version) =>
  readdirSync(join(RELEASES, version)).flatMap((example) =>
    readdirSync(join(RELEASES, version, example))
      .filter((f) => /\.(member|management)-template\.json$/.test(f))
      .map((file) => {
        const [stack, kind] = file.replace(/-template\.json$/, '').split('.');
        return { version, example, stack, kind, file: join(RELEASES, version, example, file) };
      }),
  ),
);

test('there are organization templates of every recorded release, from the first on', () => {
  expect(versions[0]).toBe('0.1.0');
  for (const version of versions)
    expect(cases.filter((c) => c.version === version && c.kind === 'member').map((c) => c.example)).toEqual([
      'organization',
      'organization-govcloud-delegated-admin',
    ]);
});

describe.each(cases)('$kind template of $example made by $version', ({ example, stack, kind, file }) => {
  const before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const recorded = JSON.parse(
    readFileSync(file.replace(/\.(member|management)-template\.json$/, '.tf.json'), 'utf8'),
  ) as Stack;
  const now = deployed(current(example)[stack])[kind];
  const parametersBefore = Object.values(
    recorded.resource[kind === 'member' ? 'aws_cloudformation_stack_set' : 'aws_cloudformation_stack'],
  )[0].parameters as Record<string, string>;

  test('updates in place, or by replacements CloudFormation can make: nothing under its own name', () => {
    const check = checkTemplateChange(
      { template: before, parameters: parametersBefore },
      { template: now.template, parameters: now.parameters },
    );
    expect(check.errors).toEqual([]);
    // What is replaced is replaced under a new name: said, not hidden.
    for (const replacement of check.replacements) expect(replacement.name?.before).not.toBe(replacement.name?.after);
  });
});

describe('the check itself', () => {
  const stack = current('organization')['qualys-organization'];
  const { template, parameters } = deployed(stack).member;
  const resources = template.Resources as Record<string, { Properties: Record<string, unknown> }>;
  const edited = (edit: (r: typeof resources) => void) => {
    const copy = JSON.parse(JSON.stringify(template)) as { Resources: typeof resources };
    edit(copy.Resources);
    return { template: copy, parameters };
  };

  test('an unchanged template changes nothing', () => {
    expect(checkTemplateChange({ template, parameters }, { template, parameters })).toEqual({
      replacements: [],
      nameClashes: [],
      errors: [],
    });
  });

  test("a policy's description changed under its name is refused, as the first release's upgrade was", () => {
    const check = checkTemplateChange(
      { template, parameters },
      edited((r) => (r.QualysPolicyCspm.Properties.Description = 'another text')),
    );
    expect(check.errors).toEqual([
      expect.stringMatching(
        /^QualysPolicyCspm \(AWS::IAM::ManagedPolicy\) would be replaced under its own name .* for a change of Description: CloudFormation refuses/,
      ),
    ]);
  });

  test('the same change with a new name is a replacement CloudFormation makes', () => {
    const check = checkTemplateChange(
      { template, parameters },
      edited((r) => {
        r.QualysPolicyCspm.Properties.Description = 'another text';
        r.QualysPolicyCspm.Properties.ManagedPolicyName = { 'Fn::Sub': '${RoleName}-Cspm-v9' };
      }),
    );
    expect(check.errors).toEqual([]);
    expect(check.replacements).toEqual([
      expect.objectContaining({
        logicalId: 'QualysPolicyCspm',
        properties: ['ManagedPolicyName', 'Description'],
        refused: false,
      }),
    ]);
  });

  test("the role's path is refused; a new role name parameter is a replacement under a new name", () => {
    expect(
      checkTemplateChange(
        { template, parameters },
        edited((r) => (r.QualysConnectorRole.Properties.Path = '/qualys/')),
      ).errors,
    ).toEqual([expect.stringMatching(/^QualysConnectorRole \(AWS::IAM::Role\) would be replaced under its own name/)]);
    const renamed = checkTemplateChange(
      { template, parameters },
      { template, parameters: { ...parameters, RoleName: 'Other' } },
    );
    expect(renamed.errors).toEqual([]);
    expect(renamed.replacements.map((r) => r.logicalId)).toContain('QualysConnectorRole');
  });

  test('a policy moved to a new logical ID under its name is refused: the new one is created first', () => {
    const check = checkTemplateChange(
      { template, parameters },
      edited((r) => {
        r.QualysPolicyMoved = r.QualysPolicyCspm;
        delete (r as Record<string, unknown>).QualysPolicyCspm;
      }),
    );
    expect(check.errors).toEqual([expect.stringMatching(/^QualysPolicyMoved takes the name of QualysPolicyCspm/)]);
  });

  test('fixtures exist for this check to run on', () => {
    expect(existsSync(RELEASES)).toBe(true);
  });
});
