import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { projectScratch, releaseScratch } from './support/scratch';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES } from './terraform/harness';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

/*
 * The app's stacks have readable addresses; a stack applied with the addresses of earlier releases (the
 * files in test/fixtures/before-readable-addresses, synthesized by the project just before the change)
 * must move its resources, never destroy or create them. Terraform plans against the recorded state.
 */

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'before-readable-addresses');
const CASES: { stack: string; config?: string; expected: string[] }[] = [
  {
    stack: 'qualys-connector',
    expected: [
      'aws_iam_role.this',
      'aws_iam_policy.asset_view',
      'aws_iam_policy.cspm',
      'aws_iam_role_policy_attachment.asset_view',
      'aws_iam_role_policy_attachment.cspm',
      'aws_iam_role_policy_attachment.security_audit',
      'aws_iam_role_policy_attachments_exclusive.this',
    ],
  },
  {
    stack: 'qualys-cspm-prod',
    config: 'examples/cspm-remediation-s3-backend.json',
    expected: [
      'aws_iam_role.this',
      'aws_iam_policy.remediation',
      'aws_iam_role_policy_attachment.remediation',
      'aws_iam_role_policy_attachments_exclusive.this',
    ],
  },
  {
    stack: 'qualys-organization',
    config: 'examples/organization.json',
    expected: [
      'aws_iam_role.management',
      'aws_iam_policy.management_organization',
      'aws_iam_role_policy_attachment.management_security_audit',
      'aws_iam_role_policy_attachments_exclusive.management',
      'aws_cloudformation_stack_set.member_roles',
      'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_11111111',
      'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_22222222',
    ],
  },
  {
    stack: 'qualys-govcloud-organization',
    config: 'examples/organization-govcloud-delegated-admin.json',
    expected: [
      'aws_cloudformation_stack.management_role',
      'aws_cloudformation_stack_set.member_roles',
      'aws_cloudformation_stack_set_instance.member_roles_r_ab12',
    ],
  },
];

// Inside the project: stacks with a local backend are synthesized there.
const work = projectScratch('moves');
let terraform: OfflineTerraform;
beforeAll(() => {
  terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, []);
});
afterAll(() => {
  terraform?.dispose();
  releaseScratch(work);
});

/**
 * The synthesized file in `dir`, without outputs: the offline provider records no CloudFormation stack
 * outputs, and outputs are no part of the state that moves.
 */
function copyWithoutOutputs(file: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete config.output;
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(config));
  return dir;
}

interface ResourceChange {
  address: string;
  previous_address?: string;
  change: { actions: string[] };
}

test.each(CASES)(
  '$stack: a stack applied with the earlier addresses plans only moves',
  ({ stack, config, expected }) => {
    const before = copyWithoutOutputs(join(FIXTURES, `${stack}.tf.json`), join(work, stack, 'before'));
    const oldConfig = JSON.parse(readFileSync(join(before, 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, unknown>>;
      variable?: Record<string, unknown>;
    };
    const oldAddresses = Object.entries(oldConfig.resource).flatMap(([type, byName]) =>
      Object.keys(byName).map((name) => `${type}.${name}`),
    );

    const variables: Record<string, string> = oldConfig.variable?.external_id
      ? { external_id: SAMPLE_EXTERNAL_ID }
      : {};
    const workspace = terraform.workspace(before, variables);
    workspace.apply();

    const after = join(work, stack, 'after');
    synthesizeInto(after, config === undefined ? undefined : join(PROJECT_ROOT, config));
    workspace.reconfigure(
      copyWithoutOutputs(join(after, 'stacks', stack, 'cdk.tf.json'), join(work, stack, 'after-without-outputs')),
    );
    const plan = workspace.plan();

    // Nothing is created, destroyed or replaced. Only a stack set's template may be updated in place: later
    // releases changed the member template (rotation parameters, policy names; see CHANGELOG.md), which the
    // upgrade test judges with CloudFormation's rules.
    expect(Object.keys(plan.byAction).filter((action) => action !== 'update')).toEqual([]);
    expect((plan.byAction.update ?? []).filter((address) => !address.startsWith('aws_cloudformation_stack'))).toEqual(
      [],
    );
    const changes = (plan.json.resource_changes ?? []) as ResourceChange[];
    const moves = Object.fromEntries(
      changes.filter((c) => c.previous_address).map((c) => [c.previous_address as string, c.address]),
    );
    // Every resource of the earlier state is moved, to a new, readable address.
    expect(Object.keys(moves).sort()).toEqual([...oldAddresses].sort());
    expect(changes.map((c) => c.address).sort()).toEqual(Object.values(moves).sort());
    for (const address of Object.values(moves)) expect(address).toMatch(/^aws_[a-z_]+\.[a-z0-9_]+$/);
    expect(Object.values(moves)).toEqual(expect.arrayContaining(expected));
    expect(changes.every((c) => ['no-op', 'update'].includes(c.change.actions.join()))).toBe(true);
    // What the user reads before approving.
    const shown = workspace.run(['show', 'tfplan']).stdout;
    // A resource that is moved and updated reads "(moved from ...)" instead.
    expect(shown).toMatch(
      new RegExp(`has moved to ${expected[0]}|# ${expected[0]} will be updated in-place\n\\s+# \\(moved from`),
    );
    expect(shown).toMatch(/Plan: 0 to add, \d+ to change, 0 to destroy\./);
  },
);

test('without the moved blocks the same plan would destroy the role', () => {
  const stack = 'qualys-connector';
  const before = join(work, 'no-moves', 'before');
  mkdirSync(before, { recursive: true });
  copyFileSync(join(FIXTURES, `${stack}.tf.json`), join(before, 'cdk.tf.json'));
  const workspace = terraform.workspace(before, { external_id: SAMPLE_EXTERNAL_ID });
  workspace.apply();
  const after = join(work, 'no-moves', 'after');
  synthesizeInto(after);
  const file = join(after, 'stacks', stack, 'cdk.tf.json');
  const synthesized = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete synthesized.moved;
  mkdirSync(join(work, 'no-moves', 'stripped'), { recursive: true });
  writeFileSync(join(work, 'no-moves', 'stripped', 'cdk.tf.json'), JSON.stringify(synthesized));
  workspace.reconfigure(join(work, 'no-moves', 'stripped'));
  const plan = workspace.plan();
  expect(plan.byAction.delete).toContain('aws_iam_role.connector_role_46F95BFF');
  expect(plan.byAction.create).toContain('aws_iam_role.this');
});

test('a role adopted with importExistingRole is imported at its readable address, next to the move', () => {
  const file = join(work, 'import.json');
  writeFileSync(
    file,
    JSON.stringify({
      stacks: [
        {
          kind: 'account',
          name: 'qualys-imported',
          importExistingRole: true,
          connector: { externalId: SAMPLE_EXTERNAL_ID },
        },
      ],
    }),
  );
  const out = join(work, 'import');
  synthesizeInto(out, file);
  const dir = join(out, 'stacks', 'qualys-imported');
  const synthesized = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as {
    import: { to: string; id: string }[];
    moved: { from: string; to: string }[];
  };
  expect(synthesized.import).toEqual([{ to: 'aws_iam_role.this', id: 'QualysCVRole' }]);
  expect(synthesized.moved).toContainEqual({ from: 'aws_iam_role.connector_role_46F95BFF', to: 'aws_iam_role.this' });
  const result = terraform.validate(dir);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

/*
 * Releases before the policy descriptions were made only of the policy name wrote `Qualys connector CSPM
 * (TotalCloud) permissions ...`. IAM cannot change a description, so the provider would replace the policy
 * (detach, delete, create, attach: Qualys without those permissions in between). The stacks ignore changes
 * of the description; Terraform must plan nothing for such a policy.
 */
test("a policy applied with an earlier release's description is left as it is, not replaced", () => {
  const stack = 'qualys-connector';
  const before = join(work, 'old-description', 'before');
  mkdirSync(before, { recursive: true });
  const old = JSON.parse(readFileSync(join(FIXTURES, `${stack}.tf.json`), 'utf8')) as {
    resource: Record<string, Record<string, Record<string, unknown>>>;
    output?: unknown;
  };
  delete old.output;
  const cspm = Object.entries(old.resource.aws_iam_policy).find(([, p]) => String(p.name).endsWith('-Cspm'));
  if (!cspm) throw new Error('the fixture has no Cspm policy');
  cspm[1].description = 'Qualys connector CSPM (TotalCloud) permissions for role QualysCVRole';
  writeFileSync(join(before, 'cdk.tf.json'), JSON.stringify(old));
  const workspace = terraform.workspace(before, { external_id: SAMPLE_EXTERNAL_ID });
  workspace.apply();

  const after = join(work, 'old-description', 'after');
  synthesizeInto(after);
  const current = JSON.parse(readFileSync(join(after, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as {
    resource: Record<string, Record<string, Record<string, unknown>>>;
    output?: unknown;
  };
  delete current.output;
  expect(current.resource.aws_iam_policy.cspm.lifecycle).toEqual({ ignore_changes: ['description'] });
  const planOf = (config: unknown, folder: string) => {
    mkdirSync(join(work, 'old-description', folder), { recursive: true });
    writeFileSync(join(work, 'old-description', folder, 'cdk.tf.json'), JSON.stringify(config));
    workspace.reconfigure(join(work, 'old-description', folder));
    return workspace.plan();
  };
  expect(planOf(current, 'current').byAction).toEqual({});
  // The same stack without the lifecycle rule would change the policy.
  delete current.resource.aws_iam_policy.cspm.lifecycle;
  const changed = planOf(current, 'without-lifecycle').byAction;
  expect([...(changed.update ?? []), ...(changed.replace ?? [])]).toContain('aws_iam_policy.cspm');
});
