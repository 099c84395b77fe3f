import {
  CloudFormationClient,
  CreateStackCommand,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackCommand,
  DeleteStackInstancesCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  DescribeStacksCommand,
  ListStackInstancesCommand,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { OrganizationsClient, RegisterDelegatedAdministratorCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { scaledSeconds } from '../support/deadline';
import { EmulatedAws, motoPatchNames } from './emulator';
import { readRole } from './readback';

/*
 * Where moto differs from AWS in what the emulated tier relies on, and the named patch (test/emulated/moto) that
 * closes each gap. Every test runs the same calls against unpatched moto, where the gap must still be there (a moto
 * release that closes it fails the test, and the patch can go), and against patched moto, where AWS's documented
 * behaviour must hold. Full tier (it starts moto_server).
 */

const PATCHES = {
  no_value_removes: 'AWS::NoValue removes the list element it stands for',
  partition_pseudo_parameter: 'AWS::Partition is the partition of the stack region',
  iam_update_role_keeps_unset_fields: 'UpdateRole changes only the fields it is given',
  cfn_role_managed_policy_arns: "an AWS::IAM::Role's ManagedPolicyArns are attached, and detached when it goes",
  cfn_managed_policy_delete: 'deleting a stack deletes its customer managed policies',
  stack_set_fields: 'a stack set keeps AutoDeployment, ManagedExecution and Capabilities',
  organizational_unit_targets: 'an OU target reaches nested OUs, and never the management account',
  stack_instance_summaries: 'stack instances name the OU they were deployed for and keep their stack ID',
  stack_set_update_propagates: 'UpdateStackSet updates every instance and later ones',
  delete_stack_instances_by_ou: 'DeleteStackInstances reaches OU targets, and RetainStacks keeps the stacks',
  delegated_admin_call_as:
    'CallAs DELEGATED_ADMIN reaches the management account, from a registered administrator only',
} as const;
type PatchName = keyof typeof PATCHES;

let unpatched: EmulatedAws;
let patched: EmulatedAws;
let nextAccount = 700000000001;
const newAccount = () => String(nextAccount++);

beforeAll(
  async () => {
    [unpatched, patched] = await Promise.all([EmulatedAws.start('none'), EmulatedAws.start('all')]);
  },
  scaledSeconds(120) * 1000,
);
afterAll(async () => {
  await Promise.all([unpatched?.stop(), patched?.stop()]);
});

test('every patch is tested here, and the patched server applied them all', () => {
  expect(motoPatchNames()).toEqual(Object.keys(PATCHES).sort());
  expect([...patched.patches].sort()).toEqual(Object.keys(PATCHES).sort());
  expect(unpatched.patches).toEqual([]);
});

const trustWith = (externalIds: unknown[]) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::805950163170:root' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': externalIds } },
    },
  ],
});

/** A template of one role (with the given trust IDs) and, optionally, a customer managed policy attached to it. */
function roleTemplate(options: { externalIds?: unknown[]; policy?: boolean; outputs?: object } = {}): string {
  const policyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' }],
  };
  return JSON.stringify({
    Parameters: { ExternalId: { Type: 'String', Default: 'X-1' } },
    Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
    Resources: {
      ...(options.policy
        ? {
            Policy: {
              Type: 'AWS::IAM::ManagedPolicy',
              Properties: { ManagedPolicyName: 'GapPolicy', PolicyDocument: policyDocument },
            },
          }
        : {}),
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'GapRole',
          AssumeRolePolicyDocument: trustWith(options.externalIds ?? [{ Ref: 'ExternalId' }]),
          ...(options.policy
            ? {
                ManagedPolicyArns: [
                  { Ref: 'Policy' },
                  { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit' },
                ],
              }
            : {}),
        },
      },
    },
    ...(options.outputs ? { Outputs: options.outputs } : {}),
  });
}

/** Runs `probe` against both servers: the gap must show on unpatched moto, AWS's behaviour on patched moto. */
async function gap<T>(name: PatchName, probe: (aws: EmulatedAws) => Promise<T>, expected: { moto: T; aws: T }) {
  const [moto, aws] = await Promise.all([probe(unpatched), probe(patched)]);
  expect({ patch: name, unpatched: moto, patched: aws }).toEqual({
    patch: name,
    unpatched: expected.moto,
    patched: expected.aws,
  });
}

const stackIn = async (aws: EmulatedAws, account: string, template: string, region?: 'aws-us-gov') => {
  const cf = aws.client(CloudFormationClient, account, region ?? 'aws');
  await cf.send(
    new CreateStackCommand({ StackName: 'gap', TemplateBody: template, Capabilities: ['CAPABILITY_NAMED_IAM'] }),
  );
  return cf;
};

test(PATCHES.no_value_removes, async () => {
  const ids = [{ Ref: 'ExternalId' }, { 'Fn::If': ['Never', 'X-2', { Ref: 'AWS::NoValue' }] }];
  await gap(
    'no_value_removes',
    async (aws) => {
      const account = newAccount();
      await stackIn(aws, account, roleTemplate({ externalIds: ids }));
      const role = await readRole(aws, account, 'GapRole');
      return (role?.trust as { Statement: { Condition: unknown }[] }).Statement[0].Condition;
    },
    {
      moto: { StringEquals: { 'sts:ExternalId': ['X-1', null] } },
      aws: { StringEquals: { 'sts:ExternalId': 'X-1' } },
    },
  );
});

test(PATCHES.partition_pseudo_parameter, async () => {
  await gap(
    'partition_pseudo_parameter',
    async (aws) => {
      const cf = await stackIn(
        aws,
        newAccount(),
        roleTemplate({ outputs: { P: { Value: { Ref: 'AWS::Partition' } } } }),
        'aws-us-gov',
      );
      const [stack] = (await cf.send(new DescribeStacksCommand({ StackName: 'gap' }))).Stacks ?? [];
      return stack?.Outputs?.find((o) => o.OutputKey === 'P')?.OutputValue;
    },
    { moto: 'aws', aws: 'aws-us-gov' },
  );
});

test(PATCHES.iam_update_role_keeps_unset_fields, async () => {
  await gap(
    'iam_update_role_keeps_unset_fields',
    async (aws) => {
      const iam = aws.client(IAMClient, newAccount());
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'GapRole',
          AssumeRolePolicyDocument: JSON.stringify(trustWith(['X-1'])),
          Description: 'kept',
          MaxSessionDuration: 7200,
        }),
      );
      // What the AWS provider sends for a new session length; then what it sends for a new description alone.
      await iam.send(new UpdateRoleCommand({ RoleName: 'GapRole', MaxSessionDuration: 10800 }));
      const afterDuration = (await iam.send(new GetRoleCommand({ RoleName: 'GapRole' }))).Role?.Description ?? null;
      await iam.send(new UpdateRoleCommand({ RoleName: 'GapRole', Description: 'changed' }));
      const afterDescription = (await iam.send(new GetRoleCommand({ RoleName: 'GapRole' }))).Role?.MaxSessionDuration;
      return { afterDuration, afterDescription };
    },
    { moto: { afterDuration: null, afterDescription: 3600 }, aws: { afterDuration: 'kept', afterDescription: 10800 } },
  );
});

test(PATCHES.cfn_role_managed_policy_arns, async () => {
  await gap(
    'cfn_role_managed_policy_arns',
    async (aws) => {
      const account = newAccount();
      await stackIn(aws, account, roleTemplate({ policy: true }));
      const iam = aws.client(IAMClient, account);
      const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'GapRole' }))).AttachedPolicies;
      return (attached ?? []).map((p) => p.PolicyName).sort();
    },
    { moto: [], aws: ['GapPolicy', 'SecurityAudit'] },
  );
});

test(PATCHES.cfn_managed_policy_delete, async () => {
  await gap(
    'cfn_managed_policy_delete',
    async (aws) => {
      const account = newAccount();
      const cf = await stackIn(aws, account, roleTemplate({ policy: true }));
      await cf.send(new DeleteStackCommand({ StackName: 'gap' }));
      const iam = aws.client(IAMClient, account);
      const left = await iam
        .send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${account}:policy/GapPolicy` }))
        .then(() => 'policy left in the account')
        .catch((error: Error) => error.name);
      return { role: (await readRole(aws, account, 'GapRole')) === undefined ? 'deleted' : 'left', policy: left };
    },
    {
      moto: { role: 'deleted', policy: 'policy left in the account' },
      aws: { role: 'deleted', policy: 'NoSuchEntityException' },
    },
  );
});

test(PATCHES.stack_set_fields, async () => {
  await gap(
    'stack_set_fields',
    async (aws) => {
      const cf = aws.client(CloudFormationClient, newAccount());
      await cf.send(
        new CreateStackSetCommand({
          StackSetName: 'Gap',
          TemplateBody: roleTemplate(),
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          ManagedExecution: { Active: true },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
        }),
      );
      const set = (await cf.send(new DescribeStackSetCommand({ StackSetName: 'Gap' }))).StackSet;
      return { auto: set?.AutoDeployment, managed: set?.ManagedExecution, capabilities: set?.Capabilities ?? [] };
    },
    {
      moto: { auto: undefined, managed: { Active: false }, capabilities: [] },
      aws: {
        auto: { Enabled: true, RetainStacksOnAccountRemoval: false },
        managed: { Active: true },
        capabilities: ['CAPABILITY_NAMED_IAM'],
      },
    },
  );
});

/**
 * An organization whose OU `top` holds `t1` and, two levels down, `deep1`; OU `side` holds `s1`; `loose` and `admin`
 * sit under the root.
 */
async function nestedOrganization(aws: EmulatedAws) {
  const management = newAccount();
  const org = await aws.organization(management, {
    ous: [{ name: 'top' }, { name: 'mid', parent: 'top' }, { name: 'deep', parent: 'mid' }, { name: 'side' }],
    accounts: { t1: 'top', deep1: 'deep', s1: 'side', loose: 'root', admin: 'root' },
  });
  return { ...org, cf: aws.client(CloudFormationClient, management) };
}

async function memberStackSet(
  aws: EmulatedAws,
  target: 'top' | 'root',
): Promise<Awaited<ReturnType<typeof nestedOrganization>>> {
  const org = await nestedOrganization(aws);
  await org.cf.send(
    new CreateStackSetCommand({
      StackSetName: 'Gap',
      TemplateBody: roleTemplate({ policy: true }),
      PermissionModel: 'SERVICE_MANAGED',
      Parameters: [{ ParameterKey: 'ExternalId', ParameterValue: 'X-1' }],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await org.cf.send(
    new CreateStackInstancesCommand({
      StackSetName: 'Gap',
      Regions: ['us-east-1'],
      DeploymentTargets: { OrganizationalUnitIds: [target === 'root' ? org.rootId : org.ous.top] },
    }),
  );
  return org;
}

const rolesIn = async (aws: EmulatedAws, accounts: Record<string, string>) => {
  const found: Record<string, boolean> = {};
  for (const [name, id] of Object.entries(accounts)) found[name] = (await readRole(aws, id, 'GapRole')) !== undefined;
  return found;
};

test(PATCHES.organizational_unit_targets, async () => {
  await gap(
    'organizational_unit_targets',
    async (aws) => {
      const org = await memberStackSet(aws, 'root');
      return rolesIn(aws, { ...org.accounts, management: org.managementAccountId });
    },
    {
      moto: { t1: true, deep1: false, s1: true, loose: true, admin: true, management: true },
      aws: { t1: true, deep1: true, s1: true, loose: true, admin: true, management: false },
    },
  );
});

test(PATCHES.stack_instance_summaries, async () => {
  await gap(
    'stack_instance_summaries',
    async (aws) => {
      const org = await memberStackSet(aws, 'top');
      const list = async () =>
        (await org.cf.send(new ListStackInstancesCommand({ StackSetName: 'Gap' }))).Summaries ?? [];
      const [first, second] = [await list(), await list()];
      return {
        ous: [...new Set(first.map((s) => s.OrganizationalUnitId ?? 'none'))],
        stableStackIds: first.map((s) => s.StackId).join() === second.map((s) => s.StackId).join(),
        matchesTarget: first.every((s) => s.OrganizationalUnitId === org.ous.top),
      };
    },
    {
      moto: { ous: ['none'], stableStackIds: false, matchesTarget: false },
      aws: { ous: [expect.stringMatching(/^ou-/)], stableStackIds: true, matchesTarget: true },
    },
  );
});

test(PATCHES.stack_set_update_propagates, async () => {
  await gap(
    'stack_set_update_propagates',
    async (aws) => {
      const org = await memberStackSet(aws, 'top');
      await org.cf.send(
        new UpdateStackSetCommand({
          StackSetName: 'Gap',
          TemplateBody: roleTemplate({ policy: true, externalIds: [{ Ref: 'ExternalId' }, 'X-in-template-2'] }),
          Parameters: [{ ParameterKey: 'ExternalId', ParameterValue: 'X-2' }],
          Capabilities: ['CAPABILITY_NAMED_IAM'],
        }),
      );
      // An instance created after the update, for another OU.
      await org.cf.send(
        new CreateStackInstancesCommand({
          StackSetName: 'Gap',
          Regions: ['us-east-1'],
          DeploymentTargets: { OrganizationalUnitIds: [org.ous.side] },
        }),
      );
      const externalId = async (account: string) =>
        (
          (await readRole(aws, account, 'GapRole'))?.trust as {
            Statement: { Condition: { StringEquals: Record<string, unknown> } }[];
          }
        ).Statement[0].Condition.StringEquals['sts:ExternalId'];
      return { existing: await externalId(org.accounts.t1), later: await externalId(org.accounts.s1) };
    },
    {
      // Unpatched, a later instance gets the new parameter value but still the template the stack set began with.
      moto: { existing: 'X-1', later: 'X-2' },
      aws: { existing: ['X-2', 'X-in-template-2'], later: ['X-2', 'X-in-template-2'] },
    },
  );
});

test(PATCHES.delete_stack_instances_by_ou, async () => {
  const probe = (retain: boolean) => async (aws: EmulatedAws) => {
    const org = await memberStackSet(aws, 'top');
    await org.cf.send(
      new DeleteStackInstancesCommand({
        StackSetName: 'Gap',
        Regions: ['us-east-1'],
        DeploymentTargets: { OrganizationalUnitIds: [org.ous.top] },
        RetainStacks: retain,
      }),
    );
    const instances = (await org.cf.send(new ListStackInstancesCommand({ StackSetName: 'Gap' }))).Summaries ?? [];
    return { instances: instances.length, roles: await rolesIn(aws, { t1: org.accounts.t1 }) };
  };
  // moto reaches one OU level only, so its stack set has one instance (t1) to begin with.
  await gap('delete_stack_instances_by_ou', probe(false), {
    moto: { instances: 1, roles: { t1: true } },
    aws: { instances: 0, roles: { t1: false } },
  });
  await gap('delete_stack_instances_by_ou', probe(true), {
    moto: { instances: 1, roles: { t1: true } },
    aws: { instances: 0, roles: { t1: true } },
  });
});

test(PATCHES.delegated_admin_call_as, async () => {
  await gap(
    'delegated_admin_call_as',
    async (aws) => {
      const org = await nestedOrganization(aws);
      const registered = await aws
        .client(OrganizationsClient, org.managementAccountId)
        .send(
          new RegisterDelegatedAdministratorCommand({
            AccountId: org.accounts.admin,
            ServicePrincipal: 'member.org.stacksets.cloudformation.amazonaws.com',
          }),
        )
        .then(() => 'registered')
        .catch((error: Error) => error.name);
      const asAdmin = (account: string) =>
        aws
          .client(CloudFormationClient, account)
          .send(
            new CreateStackSetCommand({
              StackSetName: `Gap${account}`,
              TemplateBody: roleTemplate(),
              PermissionModel: 'SERVICE_MANAGED',
              CallAs: 'DELEGATED_ADMIN',
            }),
          )
          .then(() => 'created')
          .catch((error: Error) => error.name);
      const created = await asAdmin(org.accounts.admin);
      const inManagement = await org.cf
        .send(new DescribeStackSetCommand({ StackSetName: `Gap${org.accounts.admin}` }))
        .then(() => 'in the management account')
        .catch((error: Error) => error.name);
      return { registered, created, inManagement, unregistered: await asAdmin(org.accounts.loose) };
    },
    {
      moto: {
        registered: 'InvalidInputException',
        created: 'created',
        inManagement: 'StackSetNotFoundException',
        unregistered: 'created',
      },
      aws: {
        registered: 'registered',
        created: 'created',
        inManagement: 'in the management account',
        unregistered: 'ValidationError',
      },
    },
  );
});

/*
 * Gaps the tier leaves alone, because it claims nothing there: other evaluators are the authority (the IAM simulator
 * on trust and authorization, the limit checks on IAM's quotas). Shown here so the docs' "what moto does not judge"
 * stays true; a moto that starts judging them fails these tests, and the docs can say more.
 */
describe('what moto does not judge', () => {
  test('trust: a role is assumed with a wrong external ID', async () => {
    const account = newAccount();
    const iam = patched.client(IAMClient, account);
    await iam.send(
      new CreateRoleCommand({ RoleName: 'GapRole', AssumeRolePolicyDocument: JSON.stringify(trustWith(['RIGHT'])) }),
    );
    const assumed = await patched.client(STSClient, newAccount()).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/GapRole`,
        RoleSessionName: 'gap',
        ExternalId: 'WRONG',
      }),
    );
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${account}:assumed-role/GapRole/gap`);
  });

  test('time and failure: a stack set operation has succeeded when its call returns', async () => {
    const org = await nestedOrganization(patched);
    await org.cf.send(
      new CreateStackSetCommand({
        StackSetName: 'Gap',
        TemplateBody: roleTemplate(),
        PermissionModel: 'SERVICE_MANAGED',
      }),
    );
    const { OperationId } = await org.cf.send(
      new CreateStackInstancesCommand({
        StackSetName: 'Gap',
        Regions: ['us-east-1'],
        DeploymentTargets: { OrganizationalUnitIds: [org.ous.top] },
      }),
    );
    const operation = await org.cf.send(new DescribeStackSetOperationCommand({ StackSetName: 'Gap', OperationId }));
    expect(operation.StackSetOperation?.Status).toBe('SUCCEEDED');
  });

  test("IAM's limits: a customer managed policy over 6,144 characters is accepted", async () => {
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: Array.from({ length: 500 }, (_, i) => `ec2:Describe${i}`), Resource: '*' },
      ],
    });
    expect(document.length).toBeGreaterThan(6144);
    const made = await patched
      .client(IAMClient, newAccount())
      .send(new CreatePolicyCommand({ PolicyName: 'Big', PolicyDocument: document }));
    expect(made.Policy?.PolicyName).toBe('Big');
  });
});
