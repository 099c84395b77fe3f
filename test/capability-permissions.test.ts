import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { readFileSync } from 'fs';
import { join } from 'path';
import { QualysCapabilityPermissions } from '../src/render/cdktf/capability-permissions';
import { ConfigurationError } from '../src/rules/errors';
import { customerPolicyDocuments, synthConnector } from './support/synth';
import { projectScratch, releaseScratch } from './support/scratch';

/* One capability's permissions on a role made outside this library, in TypeScript. */

function synthesized(
  build: (stack: TerraformStack) => void,
): Record<string, Record<string, Record<string, Record<string, unknown>>>> {
  const outdir = projectScratch('capability');
  try {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'security');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    build(stack);
    app.synth();
    return JSON.parse(readFileSync(join(outdir, 'stacks', 'security', 'cdk.tf.json'), 'utf8'));
  } finally {
    releaseScratch(outdir);
  }
}

test('CSPM on a role made elsewhere: its policy, named after the role, attached with SecurityAudit; the same document as the connector role', () => {
  const json = synthesized((stack) => {
    const role = new IamRole(stack, 'scanner', { name: 'SecurityScanner', assumeRolePolicy: '{}' });
    new QualysCapabilityPermissions(stack, 'qualys-cspm', {
      capability: 'cspm',
      roleName: role.name,
      addressName: 'qualys',
    });
  });
  const policy = json.resource.aws_iam_policy.qualys_cspm;
  expect(policy.name).toBe('${aws_iam_role.scanner.name}-Cspm');
  const attachments = Object.values(json.resource.aws_iam_role_policy_attachment);
  expect(attachments.map((a) => a.role)).toEqual(['${aws_iam_role.scanner.name}', '${aws_iam_role.scanner.name}']);
  expect(attachments.map((a) => a.policy_arn).sort()).toEqual([
    '${aws_iam_policy.qualys_cspm.arn}',
    'arn:aws:iam::aws:policy/SecurityAudit',
  ]);
  // The role of the connector renders the same capability from the same model.
  const connector = customerPolicyDocuments(synthConnector({ accountType: 'global', capabilities: ['cspm'] })).find(
    (p) => p.name.endsWith('-Cspm'),
  );
  expect(JSON.parse(policy.policy as string)).toEqual(connector?.document);
  // Nothing else: the caller's role is untouched, and no exclusive attachment takes the role over.
  expect(Object.keys(json.resource).sort()).toEqual([
    'aws_iam_policy',
    'aws_iam_role',
    'aws_iam_role_policy_attachment',
  ]);
});

test('GovCloud ARNs with qualysAccountType', () => {
  const json = synthesized(
    (stack) =>
      new QualysCapabilityPermissions(stack, 'qualys-cspm', {
        capability: 'cspm',
        roleName: 'Scanner',
        qualysAccountType: 'govcloud',
      }),
  );
  expect(Object.values(json.resource.aws_iam_role_policy_attachment).map((a) => a.policy_arn)).toContain(
    'arn:aws-us-gov:iam::aws:policy/SecurityAudit',
  );
});

test.each([
  [{ capability: 'inventory', roleName: 'Scanner' }, 'qualys.capability'],
  [{ capability: 'cspm', roleName: 'Security Scanner' }, 'qualys.roleName'],
  [{ capability: 'cspm', roleName: 'Scanner', path: 'qualys' }, 'qualys.path'],
  [{ capability: 'cspm', roleName: 'Scanner', tags: { 'aws:x': '1' } }, 'qualys.tags["aws:x"]'],
])('bad props %j name %s and leave nothing behind', (props, field) => {
  const stack = new TerraformStack(new App({ outdir: projectScratch('capability-bad') }), 's');
  let error: unknown;
  try {
    new QualysCapabilityPermissions(stack, 'qualys', props as never);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as ConfigurationError).problems.map((p) => p.field)).toContain(field);
  expect(stack.node.children).toHaveLength(0);
});
