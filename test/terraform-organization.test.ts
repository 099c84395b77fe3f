import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseConfig, planConfiguration } from '../src/tools/app';
import { exportTemplates } from '../src/render/cloudformation/export';
import { normalizedTemplateBody, templateBody, templateSize } from '../src/render/cloudformation/role-template';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { sharedOutdir } from './support/examples';
import { OU_A, SAMPLE_EXTERNAL_ID, StackParts, organizationConfig, organizationPlanOf } from './support/configs';
import { projectScratch, releaseScratch, sharedSynthesisDir } from './support/scratch';
import {
  OfflineTerraform,
  PROJECT_RESOURCE_TYPES,
  OfflineWorkspace,
  PlannedChange,
  SavedPlan,
} from './terraform/harness';

/*
 * Organization stacks planned and applied by the real Terraform binary against the offline provider: what
 * Terraform evaluates from the synthesized files, and what it does on the next apply after a change.
 */

// Inside the project: a stack with a local backend is synthesized there (its state path is relative to it).
const work = projectScratch('tf-organization');
const README = readFileSync(join(PROJECT_ROOT, 'docs', 'organizations.md'), 'utf8');
const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
const STACK_SET = 'aws_cloudformation_stack_set.member_roles';
const INSTANCE_A = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_11111111';
const INSTANCE_B = 'aws_cloudformation_stack_set_instance.member_roles_ou_ab12_22222222';

/** Every character the description rule allows: tab, newline, carriage return, printable ASCII, Latin-1. */
const DESCRIPTION =
  'Qualys\tconnector\r\nrole: ' +
  Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('') +
  ' ${AWS::Region} %{ if x } $${ %%{ ' +
  Array.from({ length: 0x100 - 0xa1 }, (_, i) => String.fromCharCode(0xa1 + i)).join('');
/** Unicode letters, numbers and separators (U+00A0, U+2028, U+3000) that tags allow. */
const TAGS = { 'Ünïcødé 名前': 'a\u00a0b\u2028c\u3000d ١٢٣ Ⅻ _.:/=+-@', owner: 'platform team' };

let configCounter = 0;
/** Synthesizes an organization stack (managed from account 111111111111) with the app; its plan as the app makes it. */
function synthesize(parts: StackParts = {}): { dir: string; plan: ReturnType<typeof organizationPlanOf> } {
  const name = `config-${++configCounter}`;
  const file = join(work, `${name}.json`);
  const withProvider = { provider: { accountId: '111111111111' }, ...parts };
  writeFileSync(file, JSON.stringify(organizationConfig(withProvider)));
  synthesizeInto(join(work, name), file);
  return { dir: join(work, name, 'stacks', 'org'), plan: organizationPlanOf(withProvider) };
}

let terraform: OfflineTerraform;
beforeAll(() => {
  terraform = new OfflineTerraform(PROJECT_RESOURCE_TYPES, []);
});
afterAll(() => {
  terraform?.dispose();
  releaseScratch(work);
});

function change(plan: SavedPlan, address: string): PlannedChange {
  const found = plan.changes.find((c) => c.address === address);
  if (!found) throw new Error(`the plan has no ${address}; it has ${plan.changes.map((c) => c.address).join(', ')}`);
  return found;
}

describe('template bodies as Terraform evaluates them', () => {
  test.each(['terraform', 'cloudformation-stack'])(
    'every character description and tags allow reaches CloudFormation unchanged (management role: %s)',
    (deployWith) => {
      const { dir, plan: models } = synthesize({
        connector: { description: DESCRIPTION, tags: TAGS },
        managementRole: { deployWith },
      });
      const workspace = terraform.workspace(dir);
      const plan = workspace.plan();
      const memberBody = change(plan, STACK_SET).after?.template_body as string;
      // Byte for byte the text the model renders, so the size check measured what CloudFormation receives.
      expect(memberBody).toBe(templateBody(models.templates.member));
      expect(Buffer.byteLength(memberBody)).toBe(templateSize(models.templates.member, 'stack-set'));
      expect(JSON.parse(memberBody).Resources.QualysConnectorRole.Properties.Description).toBe(DESCRIPTION);
      if (deployWith === 'cloudformation-stack') {
        const stackBody = change(plan, 'aws_cloudformation_stack.management_role').after?.template_body as string;
        expect(stackBody).toBe(templateBody(models.templates.management));
      } else {
        const role = plan.changes.find((c) => c.address.startsWith('aws_iam_role.'))!;
        expect(role.after?.description).toBe(DESCRIPTION);
        expect(role.after?.tags).toEqual(TAGS);
      }
    },
  );

  test("the bytes a stack receives are Go's JSON encoding of the body, as Terraform's own jsonencode writes it", () => {
    const { dir, plan: models } = synthesize({
      connector: { description: DESCRIPTION, tags: TAGS },
      managementRole: { deployWith: 'cloudformation-stack' },
    });
    const workspace = terraform.workspace(dir);
    writeFileSync(
      join(workspace.dir, 'normalized.tf.json'),
      JSON.stringify({
        output: {
          normalized: { value: '${jsonencode(jsondecode(aws_cloudformation_stack.management_role.template_body))}' },
        },
      }),
    );
    const plan = workspace.plan();
    const outputs = (plan.json.planned_values as { outputs: Record<string, { value: string }> }).outputs;
    expect(outputs.normalized.value).toBe(normalizedTemplateBody(models.templates.management));
    expect(templateSize(models.templates.management, 'stack')).toBe(Buffer.byteLength(outputs.normalized.value));
  });

  test.each(['organization.json', 'organization-govcloud-delegated-admin.json'])(
    'npm run templates for examples/%s writes the template bodies Terraform deploys',
    (example) => {
      const file = join(PROJECT_ROOT, 'examples', example);
      const out = sharedOutdir(sharedSynthesisDir(), example.replace(/\.json$/, ''));
      const config = parseConfig(JSON.parse(readFileSync(file, 'utf8')));
      const stackName = config.stacks[0].name;
      const workspace = terraform.workspace(join(out, 'stacks', stackName), { external_id: EXTERNAL_ID });
      const plan = workspace.plan();
      const exported = exportTemplates(planConfiguration(config));
      const deployed: Record<string, unknown> = {
        member: JSON.parse(change(plan, STACK_SET).after?.template_body as string),
      };
      const stack = plan.changes.find((c) => c.address.startsWith('aws_cloudformation_stack.'));
      expect(exported[`${stackName}/member-accounts.template.json`]).toEqual(deployed.member);
      if (stack)
        expect(exported[`${stackName}/management-account.template.json`]).toEqual(
          JSON.parse(stack.after?.template_body as string),
        );
    },
  );
});

describe('the next apply after a change', () => {
  let workspace: OfflineWorkspace;

  beforeAll(() => {
    workspace = terraform.workspace(synthesize({}).dir);
    workspace.apply();
  });

  test('an unchanged configuration plans no change', () => {
    expect(workspace.plan().byAction).toEqual({});
  });

  test('a replaced stack set takes its instances along (replace_triggered_by on stack_set_id)', () => {
    const plan = workspace.plan([`-replace=${STACK_SET}`]);
    expect(plan.byAction).toEqual({ 'delete,create': [STACK_SET, INSTANCE_A, INSTANCE_B].sort() });
    expect(change(plan, INSTANCE_A).actionReason).toBe('replace_by_triggers');
  });

  test('a template change (an excluded account) updates the stack set in place and leaves the instances untouched', () => {
    workspace.reconfigure(synthesize({ members: { excludedAccountIds: ['333333333333'] } }).dir);
    const plan = workspace.plan();
    expect(plan.byAction).toEqual({ update: [STACK_SET] });
    const before = change(plan, STACK_SET).before?.template_body as string;
    const after = change(plan, STACK_SET).after?.template_body as string;
    expect(after).not.toBe(before);
  });

  test('a changed retainStacksOnAccountRemoval is no change for Terraform (its replacement would delete every member role)', () => {
    workspace.reconfigure(synthesize({ members: { retainStacksOnAccountRemoval: true } }).dir);
    expect(workspace.plan().byAction).toEqual({});
  });

  test("a tainted instance (failed or timed-out operation) is replaced on the next apply; after the README's untaint, nothing is planned", () => {
    workspace.reconfigure(synthesize({}).dir);
    const untaintCommand = /^terraform untaint '([^']+)'$/m.exec(README);
    if (!untaintCommand) throw new Error('the README lost its untaint command');
    const address = untaintCommand[1];
    expect(workspace.run(['taint', address]).status).toBe(0);
    const tainted = workspace.plan();
    expect(tainted.byAction).toEqual({ 'delete,create': [address] });
    expect(change(tainted, address).actionReason).toBe('replace_because_tainted');
    expect(workspace.run(['untaint', address]).status).toBe(0);
    expect(workspace.plan().byAction).toEqual({});
  });

  test("the README's two-step commands destroy what they say, and only that", () => {
    workspace.reconfigure(synthesize({}).dir);
    expect(README).toContain(
      '`terraform destroy -target=aws_cloudformation_stack_set.member_roles` (its instances go with it)',
    );
    expect(workspace.plan(['-destroy', `-target=${STACK_SET}`]).byAction).toEqual({
      delete: [STACK_SET, INSTANCE_A, INSTANCE_B].sort(),
    });
    // terraform → stack: every IAM resource of the Terraform management role, found with `terraform state list`.
    expect(README).toContain(
      "`terraform destroy $(terraform state list \\| grep '^aws_iam_' \\| sed 's/^/-target=/')`",
    );
    const listed = workspace
      .run(['state', 'list'])
      .stdout.split('\n')
      .filter((a) => a.startsWith('aws_iam_'));
    const destroyed = workspace.plan(['-destroy', ...listed.map((a) => `-target=${a}`)]).byAction;
    expect(Object.keys(destroyed)).toEqual(['delete']);
    expect(destroyed.delete.map((a) => a.split('.')[0]).sort()).toEqual([
      'aws_iam_policy',
      'aws_iam_policy',
      'aws_iam_policy',
      'aws_iam_role',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachment',
      'aws_iam_role_policy_attachments_exclusive',
    ]);
  });
});

/*
 * Organization changes that must never delete member roles by accident, planned against applied state: a
 * protected instance that leaves the configuration keeps its stacks, the delegated administrator switch and
 * an external ID rotation are updates in place.
 */
describe('changes against applied state that keep the member roles', () => {
  const ROOT_INSTANCE = 'aws_cloudformation_stack_set_instance.member_roles_r_ab12';
  /** Applies one configuration, then plans another against its state. */
  function replan(first: StackParts, second: StackParts): SavedPlan {
    const workspace = terraform.workspace(synthesize(first).dir);
    workspace.apply();
    workspace.reconfigure(synthesize(second).dir);
    return workspace.plan();
  }

  test('protectFromDestroy: an OU removed leaves the stack set and keeps its stacks, roles included (retain_stack)', () => {
    const plan = replan(
      { members: { protectFromDestroy: true } },
      { members: { protectFromDestroy: true, organizationalUnitIds: [OU_A] } },
    );
    expect(plan.byAction).toEqual({ delete: [INSTANCE_B] });
    expect(change(plan, INSTANCE_B).before?.retain_stack).toBe(true);
  });

  test("protectFromDestroy: OUs switched to the root keep the OUs' stacks; the root's instance is added", () => {
    const plan = replan(
      { members: { protectFromDestroy: true } },
      { members: { protectFromDestroy: true, organizationalUnitIds: undefined, organizationRootId: 'r-ab12' } },
    );
    expect(plan.byAction).toEqual({ create: [ROOT_INSTANCE], delete: [INSTANCE_A, INSTANCE_B] });
    for (const instance of [INSTANCE_A, INSTANCE_B]) expect(change(plan, instance).before?.retain_stack).toBe(true);
  });

  test('without protection, an OU removed deletes its stacks, and the member roles in them, as the README says', () => {
    const plan = replan({}, { members: { organizationalUnitIds: [OU_A] } });
    expect(plan.byAction).toEqual({ delete: [INSTANCE_B] });
    expect(change(plan, INSTANCE_B).before?.retain_stack).toBe(false);
    expect(README).toContain("| remove an OU | destroys that OU's instance | **deleted** in that OU's accounts");
  });

  test('turning protection on is an update in place of the instances: in the state before any removal it protects against', () => {
    const plan = replan({}, { members: { protectFromDestroy: true } });
    expect(plan.byAction).toEqual({ update: [INSTANCE_A, INSTANCE_B] });
    expect(change(plan, INSTANCE_A).after?.retain_stack).toBe(true);
  });

  const ADMIN = {
    delegatedAdmin: {
      accountId: '222222222222',
      assumeRoleArn: 'arn:aws:iam::222222222222:role/StackSetAdministrator',
    },
  };
  test.each([
    ['added', {}, ADMIN],
    ['removed', ADMIN, {}],
  ])(
    'a delegated administrator %s: the stack set and its instances are updated in place (call_as), nothing is deleted',
    (_what, before, after) => {
      const plan = replan(before, after);
      expect(plan.byAction).toEqual({ update: [STACK_SET, INSTANCE_A, INSTANCE_B].sort() });
      const callAs = (c: PlannedChange) => [c.before?.call_as, c.after?.call_as];
      expect(callAs(change(plan, STACK_SET))).toEqual(
        'delegatedAdmin' in before ? ['DELEGATED_ADMIN', 'SELF'] : ['SELF', 'DELEGATED_ADMIN'],
      );
    },
  );

  test("an external ID rotation (a second ID, then the old one dropped) updates the roles in place: the management role's trust and the stack set's parameters", () => {
    const both = replan({}, { connector: { externalId: ['EU2-1009001', EXTERNAL_ID] } });
    const role = both.changes.find((c) => c.address.startsWith('aws_iam_role.'))!;
    expect(both.byAction).toEqual({ update: [role.address, STACK_SET].sort() });
    expect(change(both, STACK_SET).after?.parameters).toEqual(
      expect.objectContaining({ ExternalId: 'EU2-1009001', PreviousExternalId1: EXTERNAL_ID, PreviousExternalId2: '' }),
    );
    expect(
      JSON.parse(role.after?.assume_role_policy as string).Statement[0].Condition.StringEquals['sts:ExternalId'],
    ).toEqual(['EU2-1009001', EXTERNAL_ID]);
    const done = replan(
      { connector: { externalId: ['EU2-1009001', EXTERNAL_ID] } },
      { connector: { externalId: 'EU2-1009001' } },
    );
    expect(Object.keys(done.byAction)).toEqual(['update']);
    expect(change(done, STACK_SET).after?.parameters).toEqual(
      expect.objectContaining({ ExternalId: 'EU2-1009001', PreviousExternalId1: '' }),
    );
  });
});
