import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseConfig, planConfiguration } from '../src/tools/app';
import { exportTemplates } from '../src/render/cloudformation/export';
import { normalizedTemplateBody, templateBody, templateSize } from '../src/render/cloudformation/role-template';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { sharedOutdir } from './support/examples';
import { SAMPLE_EXTERNAL_ID, StackParts, organizationConfig, organizationPlanOf } from './support/configs';
import { projectScratch, releaseScratch, sharedSynthesisDir } from './support/scratch';
import { OfflineTerraform, PROJECT_RESOURCE_TYPES, PlannedChange, SavedPlan } from './terraform/harness';

/*
 * Organization stacks evaluated by the real Terraform binary against the offline provider: the template bodies
 * Terraform passes on, byte for byte. What the next apply does after a change is shown by the real AWS provider in
 * an emulated organization (test/emulated/organization-lifecycle.test.ts).
 */

// Inside the project: a stack with a local backend is synthesized there (its state path is relative to it).
const work = projectScratch('tf-organization');
const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
const STACK_SET = 'aws_cloudformation_stack_set.member_roles';

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
