import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { writeTemplates } from '../scripts/write-templates';
import {
  CloudFormationTemplate,
  ROLE_LOGICAL_ID,
  TEMPLATE_BODY_LIMIT,
  renderRoleTemplate,
  templateSize,
} from '../src/render/cloudformation/role-template';
import { ConfigurationError } from '../src/rules/errors';
import { CapabilityName } from '../src/model/permissions';
import { PROJECT_ROOT } from './support/app-process';
import { StackInstance } from './support/cloudformation';
import { OU_A, OU_B, SAMPLE_EXTERNAL_ID, StackParts, organizationConfig, organizationPlanOf } from './support/configs';
import { securityAuditDocument, simulateAssumeRole, simulateIdentity, resourceFor } from './support/simulate';
import {
  IamPolicyJson,
  SynthesizedStack,
  customerPolicyDocuments,
  resourcesOfType,
  synthConfig,
  synthConnector,
  trustPolicyOf,
} from './support/synth';

const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;

/** An organization stack synthesized as the app does it. */
function synthOrg(parts: StackParts = {}): SynthesizedStack {
  return synthConfig(organizationConfig(parts)).org;
}

const single = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};

/** The template a stack set or stack carries: a literal whose "$${" and "%%{" Terraform reads as "${" and "%{". */
function templateOf(resource: Record<string, unknown>): CloudFormationTemplate {
  return JSON.parse(String(resource.template_body).replace(/([$%])\1\{/g, '$1{')) as CloudFormationTemplate;
}

describe('synthesized organization stacks', () => {
  test('two OUs: management role with Organization, a service-managed stack set, one instance per OU', () => {
    const stack = synthOrg({ members: { organizationalUnitIds: [OU_A, OU_B, OU_A] } });
    const managementPolicies = resourcesOfType(stack, 'aws_iam_policy')
      .map((p) => p.name)
      .sort();
    expect(managementPolicies).toEqual(['QualysCVRole-AssetView', 'QualysCVRole-Cspm', 'QualysCVRole-Organization']);
    const stackSet = single(resourcesOfType(stack, 'aws_cloudformation_stack_set'));
    expect(stackSet).toMatchObject({
      name: 'QualysConnectorMemberRoles',
      permission_model: 'SERVICE_MANAGED',
      call_as: 'SELF',
      auto_deployment: { enabled: true, retain_stacks_on_account_removal: false },
      managed_execution: { active: true },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      parameters: { ExternalId: EXTERNAL_ID, RoleName: 'QualysCVRole', TrustedAccountId: '805950163170' },
      // auto_deployment is replace-on-change in the provider: kept out of Terraform's diff (README).
      lifecycle: { ignore_changes: ['administration_role_arn', 'auto_deployment'], prevent_destroy: false },
      timeouts: { update: '60m' },
    });
    const instances = stack.resource.aws_cloudformation_stack_set_instance;
    // The duplicate OU is dropped; each OU has its own resource, named after it.
    expect(Object.keys(instances).sort()).toEqual(['member_roles_ou_ab12_11111111', 'member_roles_ou_ab12_22222222']);
    for (const [name, instance] of Object.entries(instances)) {
      expect(instance).toMatchObject({
        call_as: 'SELF',
        stack_set_instance_region: 'us-east-1',
        deployment_targets: { organizational_unit_ids: [name.replace('member_roles_', '').replace(/_/g, '-')] },
        retain_stack: false,
        lifecycle: {
          ignore_changes: ['operation_preferences'],
          replace_triggered_by: ['aws_cloudformation_stack_set.member_roles.stack_set_id'],
        },
      });
    }
    expect(Object.keys(stack.output).sort()).toEqual([
      'capabilities',
      'external_id',
      'management_role_arn',
      'member_role_arns',
      'member_role_name',
      'stack_set_arn',
      'stack_set_id',
      'trusted_principal',
    ]);
    expect(stack.output.external_id.sensitive).toBe(true);
    // What the register command checks each connector's Qualys account against.
    expect(stack.output.trusted_principal.value).toBe('arn:aws:iam::805950163170:root');
    // The member template carries the member role without Organization.
    const template = templateOf(stackSet);
    expect(Object.keys(template.Resources as object).sort()).toEqual([
      'QualysConnectorRole',
      'QualysPolicyAssetView',
      'QualysPolicyCspm',
    ]);
  });

  test('whole organization: one instance targeting the root', () => {
    const stack = synthOrg({ members: { organizationalUnitIds: undefined, organizationRootId: 'r-ab12' } });
    const instance = single(resourcesOfType(stack, 'aws_cloudformation_stack_set_instance'));
    expect(instance.deployment_targets).toEqual({ organizational_unit_ids: ['r-ab12'] });
  });

  test('adding an OU adds a resource and leaves the others unchanged', () => {
    const before = synthOrg({ members: { organizationalUnitIds: [OU_A] } });
    const after = synthOrg({ members: { organizationalUnitIds: [OU_A, OU_B] } });
    const key = 'member_roles_ou_ab12_11111111';
    expect(after.resource.aws_cloudformation_stack_set_instance[key]).toEqual(
      before.resource.aws_cloudformation_stack_set_instance[key],
    );
    expect(Object.keys(after.resource.aws_cloudformation_stack_set_instance)).toHaveLength(2);
  });

  test('editing exclusions changes only the template body: no instance is replaced', () => {
    const before = synthOrg({ members: { excludedAccountIds: ['333333333333'] } });
    const after = synthOrg({ members: { excludedAccountIds: ['333333333333', '444444444444'] } });
    expect(after.resource.aws_cloudformation_stack_set_instance).toEqual(
      before.resource.aws_cloudformation_stack_set_instance,
    );
    const [a, b] = [before, after].map((s) => single(resourcesOfType(s, 'aws_cloudformation_stack_set')));
    const { template_body: bodyA, ...restA } = a;
    const { template_body: bodyB, ...restB } = b;
    expect(restB).toEqual(restA);
    expect(bodyB).not.toEqual(bodyA);
  });

  test('delegated administrator: the stack set and instances use its provider and call_as', () => {
    const stack = synthOrg({
      ...{
        provider: { accountId: '111111111111' },
        delegatedAdmin: { accountId: '222222222222', assumeRoleArn: 'arn:aws:iam::222222222222:role/StackSetAdmin' },
      },
    });
    const providers = stack.provider.aws as unknown as Record<string, unknown>[];
    expect(providers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ allowed_account_ids: ['111111111111'], region: 'us-east-1' }),
        expect.objectContaining({
          alias: 'stackset_admin',
          allowed_account_ids: ['222222222222'],
          assume_role: [expect.objectContaining({ role_arn: 'arn:aws:iam::222222222222:role/StackSetAdmin' })],
        }),
      ]),
    );
    const stackSet = single(resourcesOfType(stack, 'aws_cloudformation_stack_set'));
    expect(stackSet).toMatchObject({ call_as: 'DELEGATED_ADMIN', provider: 'aws.stackset_admin' });
    for (const instance of resourcesOfType(stack, 'aws_cloudformation_stack_set_instance')) {
      expect(instance).toMatchObject({ call_as: 'DELEGATED_ADMIN', provider: 'aws.stackset_admin' });
    }
    expect(single(resourcesOfType(stack, 'aws_iam_role')).provider).toBeUndefined();
  });

  test('GovCloud: partition region, trusted account and ARNs', () => {
    const stack = synthOrg({ connector: { qualysAccountType: 'govcloud', trustedAccountId: '210987654321' } });
    expect(stack.provider.aws[0].region).toBe('us-gov-west-1');
    expect(single(resourcesOfType(stack, 'aws_cloudformation_stack_set')).parameters).toMatchObject({
      TrustedAccountId: '210987654321',
    });
    for (const instance of resourcesOfType(stack, 'aws_cloudformation_stack_set_instance'))
      expect(instance.stack_set_instance_region).toBe('us-gov-west-1');
    const attachments = resourcesOfType(stack, 'aws_iam_role_policy_attachment').map((a) => a.policy_arn);
    expect(attachments).toContain('arn:aws-us-gov:iam::aws:policy/SecurityAudit');
  });

  test('management role as a CloudFormation stack of the management template', () => {
    const stack = synthOrg({ managementRole: { deployWith: 'cloudformation-stack' } });
    expect(resourcesOfType(stack, 'aws_iam_role')).toHaveLength(0);
    const cfnStack = single(resourcesOfType(stack, 'aws_cloudformation_stack'));
    expect(cfnStack).toMatchObject({
      name: 'QualysConnectorManagementRole',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      parameters: { ExternalId: EXTERNAL_ID },
    });
    expect(Object.keys(templateOf(cfnStack).Resources as object)).toContain('QualysPolicyOrganization');
    expect(stack.output.management_role_arn.value).toMatch(
      /aws_cloudformation_stack\.[\w-]+\.outputs\.RoleArn|outputs\["RoleArn"\]/,
    );
  });

  test('protection, retention, preferences and timeouts reach the resources', () => {
    const stack = synthOrg({
      members: {
        protectFromDestroy: true,
        retainStacksOnAccountRemoval: true,
        operationPreferences: {
          failureToleranceCount: 1,
          maxConcurrentCount: 5,
          concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        },
        timeouts: { create: '2h', update: '90m', delete: '30m' },
        stackSetName: 'QualysMembers',
      },
    });
    const stackSet = single(resourcesOfType(stack, 'aws_cloudformation_stack_set'));
    expect(stackSet).toMatchObject({
      name: 'QualysMembers',
      auto_deployment: { retain_stacks_on_account_removal: true },
      operation_preferences: { failure_tolerance_count: 1, max_concurrent_count: 5 },
      lifecycle: { prevent_destroy: true },
      timeouts: { update: '90m' },
    });
    for (const instance of resourcesOfType(stack, 'aws_cloudformation_stack_set_instance')) {
      expect(instance).toMatchObject({
        operation_preferences: {
          failure_tolerance_count: 1,
          max_concurrent_count: 5,
          concurrency_mode: 'SOFT_FAILURE_TOLERANCE',
        },
        lifecycle: { prevent_destroy: true },
        timeouts: { create: '2h', update: '90m', delete: '30m' },
      });
    }
  });
});

function modelsFor(
  capabilities: CapabilityName[],
  excludedAccountIds: string[] = [],
  connector: Record<string, unknown> = {},
) {
  return organizationPlanOf({ connector: { capabilities, ...connector }, members: { excludedAccountIds } });
}

function memberTemplate(capabilities: CapabilityName[], excluded: string[] = []): CloudFormationTemplate {
  return modelsFor(capabilities, excluded).templates.member;
}

/** The role a stack of the template creates in an account, as documents for the simulator. */
function createdRole(template: CloudFormationTemplate, accountId: string, partition = 'aws') {
  const instance = new StackInstance(template, {
    accountId,
    partition,
    region: 'us-east-1',
    parameters: { ExternalId: EXTERNAL_ID },
  });
  const role = instance.resources[ROLE_LOGICAL_ID];
  if (!role) return undefined;
  const byArn = new Map(
    Object.values(instance.resources)
      .filter((r) => r.type === 'AWS::IAM::ManagedPolicy')
      .map((r) => [
        `arn:${partition}:iam::${accountId}:policy${r.properties.Path as string}${r.properties.ManagedPolicyName as string}`,
        r.properties,
      ]),
  );
  const policies = (role.properties.ManagedPolicyArns as string[]).map((arn) => {
    if (arn === `arn:${partition}:iam::aws:policy/SecurityAudit`)
      return { name: 'SecurityAudit', document: securityAuditDocument(partition) };
    const policy = byArn.get(arn);
    if (!policy) throw new Error(`role attaches ${arn}, which the stack does not create`);
    return { name: policy.ManagedPolicyName as string, document: policy.PolicyDocument as IamPolicyJson };
  });
  return {
    trust: role.properties.AssumeRolePolicyDocument as IamPolicyJson,
    policies,
    outputs: instance.outputs,
    resources: instance.resources,
  };
}

describe('the member template', () => {
  test('grants exactly the documents of the Terraform role, with the same trust', () => {
    for (const [accountType, partition, trusted] of [
      ['global', 'aws', undefined],
      ['govcloud', 'aws-us-gov', '210987654321'],
    ] as const) {
      const models = modelsFor(['cspm', 'remediation'], [], {
        qualysAccountType: accountType,
        trustedAccountId: trusted,
      });
      const template = renderRoleTemplate(models.member, { kind: 'member' });
      const role = createdRole(template, '555555555555', partition)!;
      // The Terraform role for the same settings, as synthesized.
      const terraformRole = synthConnector({
        accountType,
        capabilities: ['cspm', 'remediation'],
        externalId: EXTERNAL_ID,
        trustedAccountId: trusted,
      });
      // The template lists the accepted IDs (the current one and, while rotating, earlier ones): one in a list is that one to IAM.
      const single = (document: unknown) =>
        JSON.parse(JSON.stringify(document), (_key, value) =>
          Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? value[0] : value,
        );
      expect(single(role.trust)).toEqual(trustPolicyOf(terraformRole));
      // The same documents; in templates three policies carry a second generation of their name (-v2).
      const byName = (policies: { name: string; document: IamPolicyJson }[]) =>
        Object.fromEntries(policies.map((p) => [p.name.replace(/-v\d+$/, ''), p.document]));
      expect(byName(role.policies.filter((p) => p.name !== 'SecurityAudit'))).toEqual(
        byName(customerPolicyDocuments(terraformRole)),
      );
      expect(
        role.policies
          .map((p) => p.name)
          .filter((n) => n.endsWith('-v2'))
          .sort(),
      ).toEqual(['QualysCVRole-Cspm-v2', 'QualysCVRole-Remediation-v2']);
      const attached = resourcesOfType(terraformRole, 'aws_iam_role_policy_attachment')
        .map((a) => String(a.policy_arn))
        .filter((a) => a.startsWith('arn:'));
      expect(attached).toEqual([`arn:${partition}:iam::aws:policy/SecurityAudit`]);
      expect(role.policies.some((p) => p.name === 'SecurityAudit')).toBe(true);
    }
  });

  test('IAM simulation of the role a member stack creates', async () => {
    const role = createdRole(memberTemplate(['cspm']), '555555555555')!;
    const qualys = 'arn:aws:iam::805950163170:role/qualys-connector';
    expect(await simulateAssumeRole(role.trust, 'aws', qualys, EXTERNAL_ID)).toBe('Allowed');
    expect(await simulateAssumeRole(role.trust, 'aws', qualys, 'eu2-2792719')).toBe('ImplicitlyDenied');
    expect(await simulateAssumeRole(role.trust, 'aws', qualys, undefined)).toBe('ImplicitlyDenied');
    expect(await simulateAssumeRole(role.trust, 'aws', 'arn:aws:iam::999988887777:root', EXTERNAL_ID)).toBe(
      'ImplicitlyDenied',
    );
    for (const [action, expected] of [
      ['backup:DescribeBackupVault', 'Allowed'],
      ['ec2:DescribeInstances', 'Allowed'],
      ['ec2:StopInstances', 'ImplicitlyDenied'],
      ['ssm:GetParameter', 'ImplicitlyDenied'],
    ] as const) {
      expect([action, await simulateIdentity(role.policies, 'aws', action, await resourceFor(action, 'aws'))]).toEqual([
        action,
        expected,
      ]);
    }
  });

  test('member roles never get the Organization capability; the management role does', async () => {
    const models = modelsFor([]);
    const member = createdRole(models.templates.member, '555555555555')!;
    const management = createdRole(models.templates.management, '111111111111')!;
    const resource = await resourceFor('organizations:ListAccounts', 'aws');
    expect(await simulateIdentity(member.policies, 'aws', 'organizations:ListAccounts', resource)).toBe(
      'ImplicitlyDenied',
    );
    expect(await simulateIdentity(management.policies, 'aws', 'organizations:ListAccounts', resource)).toBe('Allowed');
  });

  test('an excluded account gets no role (only the placeholder); others get the role', () => {
    const excluded = Array.from({ length: 25 }, (_, i) => String(300000000000 + i));
    const template = memberTemplate(['cspm'], excluded);
    for (const account of [excluded[0], excluded[13], excluded[24]]) {
      const stack = new StackInstance(template, {
        accountId: account,
        partition: 'aws',
        region: 'us-east-1',
        parameters: { ExternalId: EXTERNAL_ID },
      });
      expect(Object.values(stack.resources).map((r) => r.type)).toEqual(['AWS::CloudFormation::WaitConditionHandle']);
      expect(stack.outputs).toEqual({});
    }
    const included = createdRole(template, '555555555555')!;
    expect(included.outputs.RoleArn).toBe('arn:aws:iam::555555555555:role/QualysCVRole');
  });

  test('its parameters reject what the Terraform side rejects', () => {
    const template = memberTemplate([]);
    const stackWith = (parameters: Record<string, string>) => () =>
      new StackInstance(template, { accountId: '555555555555', partition: 'aws', region: 'us-east-1', parameters });
    expect(stackWith({ ExternalId: 'has spaces' })).toThrow(/ExternalId failed to satisfy constraint/);
    expect(stackWith({ ExternalId: 'x' })).toThrow(/shorter than 2/);
    expect(stackWith({ ExternalId: EXTERNAL_ID, TrustedAccountId: '1234' })).toThrow(/TrustedAccountId failed/);
    expect(stackWith({ ExternalId: EXTERNAL_ID, RoleName: 'bad name' })).toThrow(/RoleName failed/);
    expect(stackWith({})).toThrow(/ExternalId\] must have values/);
    expect(template.Parameters).not.toHaveProperty('ExternalId.NoEcho');
  });

  test('is within the template_body limit, and too many exclusions are rejected naming the field', () => {
    expect(
      templateSize(
        memberTemplate(
          ['cspm', 'remediation'],
          Array.from({ length: 500 }, (_, i) => String(300000000000 + i)),
        ),
      ),
    ).toBeLessThan(TEMPLATE_BODY_LIMIT);
    const tooMany = Array.from({ length: 1000 }, (_, i) => String(300000000000 + i));
    expect(() => modelsFor(['cspm'], tooMany)).toThrow(ConfigurationError);
    expect(() => modelsFor(['cspm'], tooMany)).toThrow(
      /stacks\[0\]\.members\.excludedAccountIds: make the member template \d+ bytes, above the 51200-byte template_body limit/,
    );
  });

  test("the docs' bounds on excluded accounts hold, to the nearest ten below the real limit", () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'docs', 'organizations.md'), 'utf8');
    const promise = /At most (\d+) \(all capabilities\) to (\d+) \(AssetView only\)/.exec(readme);
    expect(promise).not.toBeNull();
    const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(300000000000 + i));
    const accepts = (capabilities: CapabilityName[], n: number) => {
      try {
        modelsFor(capabilities, accounts(n));
        return true;
      } catch (e) {
        if (e instanceof ConfigurationError) return false;
        throw e;
      }
    };
    const everyCapability: CapabilityName[] = ['api-based-assessment', 'organization', 'cspm', 'remediation'];
    for (const [capabilities, promised] of [
      [everyCapability, Number(promise![1])],
      [[], Number(promise![2])],
    ] as const) {
      expect([
        capabilities,
        promised,
        accepts([...capabilities], promised),
        accepts([...capabilities], promised + 10),
      ]).toEqual([capabilities, promised, true, false]);
    }
  });
});

describe('templates against the CloudFormation resource specification', () => {
  const db = loadAwsServiceSpecSync();

  /** Problems the resource specification finds: unknown types, unknown properties, missing required ones. */
  function specProblems(template: CloudFormationTemplate): string[] {
    const problems: string[] = [];
    const resources = Object.entries(
      template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
    );
    if (resources.length === 0) problems.push('no resources');
    for (const [id, resource] of resources) {
      const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
      if (!spec) {
        problems.push(`${id}: unknown type ${resource.Type}`);
        continue;
      }
      const properties = Object.keys(resource.Properties ?? {});
      for (const p of properties) if (!(p in spec.properties)) problems.push(`${id}: unknown property ${p}`);
      for (const [p, def] of Object.entries(spec.properties))
        if (def.required && !properties.includes(p)) problems.push(`${id}: missing required ${p}`);
    }
    for (const key of Object.keys(template)) {
      if (
        ![
          'AWSTemplateFormatVersion',
          'Description',
          'Metadata',
          'Parameters',
          'Conditions',
          'Resources',
          'Outputs',
        ].includes(key)
      )
        problems.push(`unknown section ${key}`);
    }
    return problems;
  }

  test.each([
    [
      'examples/organization.json',
      ['qualys-organization/management-account.template.json', 'qualys-organization/member-accounts.template.json'],
    ],
    ['', ['qualys-connector/account.template.json']],
  ])(
    'npm run templates for %j writes templates the specification accepts, within the size limit',
    (config, expected) => {
      const outdir = mkdtempSync(join(tmpdir(), 'qualys-templates-'));
      try {
        const written = writeTemplates(
          outdir,
          [],
          config ? { QUALYS_CONNECTOR_CONFIG: join(PROJECT_ROOT, config) } : {},
        );
        expect(written.sort()).toEqual(expected);
        for (const file of written) {
          const text = readFileSync(join(outdir, file), 'utf8');
          expect([file, specProblems(JSON.parse(text))]).toEqual([file, []]);
          expect(Buffer.byteLength(JSON.stringify(JSON.parse(text)))).toBeLessThan(TEMPLATE_BODY_LIMIT);
          expect(text).not.toContain('EU2-'); // the external ID is a parameter, never in the file
        }
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    },
  );

  test('the check bites: an unknown type, an unknown property and a missing required one are found', () => {
    const broken: CloudFormationTemplate = {
      Resources: {
        A: { Type: 'AWS::IAM::Rolle' },
        B: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicy: '{}' } },
      },
    };
    expect(specProblems(broken)).toEqual([
      'A: unknown type AWS::IAM::Rolle',
      'B: unknown property AssumeRolePolicy',
      'B: missing required AssumeRolePolicyDocument',
    ]);
  });
});
