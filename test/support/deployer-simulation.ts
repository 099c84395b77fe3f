import { runSimulation } from '@cloud-copilot/iam-simulate';
import { EVIDENCE, EvidenceEntry, EvidenceStep, EvidenceSubject } from '../../src/tools/deployer/evidence';
import { DeployerDocument, StackDeployerPolicy } from '../../src/tools/deployer/policy';
import { memberRegionOf } from '../../src/rules/aws-provider';
import { describeRegion } from '../../src/rules/partition';
import { Decision } from './simulate';
import { SynthesizedStack } from './synth';

/*
 * The deployer policy simulated on the names a deploy uses: every call of the evidence that applies to the
 * resource types deployed, on their own names (must be allowed) and on other names (must be denied). The
 * names come from the caller: a synthesized stack (test/deployer-policy.test.ts) or a plan of the plain
 * Terraform modules (test/deployer-module-plans.test.ts); nothing here reads the policy planner's scope.
 */

/** The account used where the configuration leaves the account open (`*` in the policy). */
export const SOME_ACCOUNT = '444455556666';

/** What one deploy names, read from what it deploys (never from the policy planner). */
export interface DeployedNames {
  readonly partition: string;
  /** The region of the provider that makes the IAM resources (and the management stack). */
  readonly region: string;
  readonly account: string;
  /** The account of the identity that manages the stack set, when a delegated administrator does. */
  readonly adminAccount?: string;
  readonly roleArns: string[];
  readonly policyArns: string[];
  /** Each role-policy attachment: the role's ARN and the attached policy's ARN. */
  readonly attachments: { readonly roleArn: string; readonly policyArn: string }[];
  readonly boundary?: string;
  readonly tagKeys: string[];
  readonly stackName?: string;
  readonly stackSetName?: string;
  /** Where the stack set lives, when not in `region`. */
  readonly stackSetRegion?: string;
  /** The regions of the stack set's instances. */
  readonly targetRegions: string[];
  readonly backend?: { bucket: string; key: string; table?: string; lockfile: boolean };
  /** Roles the providers assume, when the caller checks those calls too. */
  readonly assumeRoleArns?: string[];
}

export const IAM_SUBJECTS = new Set<EvidenceSubject>([
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_role_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'cloudformation-service:AWS::IAM::Role',
  'cloudformation-service:AWS::IAM::ManagedPolicy',
]);
/**
 * What terraform init and plan do, stated here from Terraform's own behaviour (not from the policy planner):
 * configure the provider, initialise the backend, take and release the state lock, read the state and
 * refresh every resource. CloudFormation makes no call with the caller's credentials in a plan: it acts only
 * while a stack is created, updated or deleted.
 */
export const TERRAFORM_PLAN_STEPS: ReadonlySet<EvidenceStep> = new Set<EvidenceStep>([
  'configure',
  'init',
  'lock',
  'unlock',
  'read',
]);
export function subjectsOfPlan(subjects: ReadonlySet<EvidenceSubject>): Set<EvidenceSubject> {
  return new Set([...subjects].filter((s) => !s.startsWith('cloudformation-service:')));
}

export const STACK_SET_SUBJECTS = new Set<EvidenceSubject>([
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
  'cloudformation-service:stack-set-service-managed',
]);

export async function simulateDeployer(
  doc: DeployerDocument,
  account: string,
  partition: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: doc.name, policy: doc.document.toJson() as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: `arn:${partition}:sts::${account}:assumed-role/Deployer/ci`,
        action,
        resource: { resource, accountId: account },
        contextVariables: context,
      },
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** One call of the evidence as the deploy makes it: on which document, resource and context. */
export interface Call {
  readonly entry: EvidenceEntry;
  readonly document: DeployerDocument;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  /** The account and partition of the identity making the call. */
  readonly account: string;
  readonly partition: string;
}

function needed(entry: EvidenceEntry, names: DeployedNames, isAccountStack: boolean): boolean {
  switch (entry.needs) {
    case undefined:
      return true;
    case 'tags':
      return names.tagKeys.length > 0;
    case 'permissions-boundary':
      return names.boundary !== undefined;
    case 'no-permissions-boundary':
      return names.boundary === undefined && isAccountStack;
    case 's3-lockfile':
      return names.backend?.lockfile === true;
    case 'delegated-admin':
      return names.adminAccount !== undefined;
  }
}

function documentFor(plan: StackDeployerPolicy, entry: EvidenceEntry, names: DeployedNames): DeployerDocument {
  const subject = entry.subject;
  const role =
    entry.action === 'sts:AssumeRole'
      ? 'assume-roles'
      : subject === 'backend-s3' || subject === 'backend-s3-dynamodb'
        ? 'state-backend'
        : STACK_SET_SUBJECTS.has(subject) && names.adminAccount
          ? 'stack-set-account'
          : plan.kind === 'account'
            ? 'connector-account'
            : 'management-account';
  const doc = plan.documents.find((d) => d.role === role);
  if (!doc) throw new Error(`stack ${plan.stack} has no ${role} document for ${subject}`);
  return doc;
}

/** The request context a call of `entry` carries. */
function requestContext(entry: EvidenceEntry, names: DeployedNames): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  if (entry.action === 'iam:TagRole' || entry.action === 'iam:TagPolicy') context['aws:TagKeys'] = names.tagKeys;
  if ((entry.action === 'iam:CreateRole' || entry.action === 'iam:PutRolePermissionsBoundary') && names.boundary)
    context['iam:PermissionsBoundary'] = names.boundary;
  if (entry.action.endsWith('StackInstances') && names.targetRegions.length > 0)
    context['cloudformation:TargetRegion'] = names.targetRegions;
  context['aws:RequestedRegion'] = STACK_SET_SUBJECTS.has(entry.subject)
    ? (names.stackSetRegion ?? names.region)
    : names.region;
  return context;
}

type Resources = { real: string[]; other: string[]; context?: Record<string, string | string[]> }[];

const otherRole = (arn: string) => `${arn.slice(0, arn.lastIndexOf('/') + 1)}OtherRole`;

/** The resources a call of `entry` names in this deploy, and the same kind of resource under other names. */
function resourcesOf(entry: EvidenceEntry, names: DeployedNames): Resources {
  const p = names.partition;
  const stackSetRegion = names.stackSetRegion ?? names.region;
  switch (entry.resourceType) {
    case '':
      return [{ real: ['*'], other: [] }];
    case 'role': {
      if (entry.action === 'sts:AssumeRole') {
        const roles = names.assumeRoleArns ?? [];
        return [{ real: roles, other: roles.map(otherRole) }];
      }
      const iam = IAM_SUBJECTS.has(entry.subject);
      if (entry.action === 'iam:AttachRolePolicy') {
        return (iam ? names.attachments : []).map((a) => ({
          real: [a.roleArn],
          other: [otherRole(a.roleArn)],
          context: { 'iam:PolicyARN': a.policyArn },
        }));
      }
      const roles = iam ? names.roleArns : [];
      return [{ real: roles, other: roles.map(otherRole) }];
    }
    case 'policy':
      return [
        {
          real: names.policyArns,
          other: names.policyArns.map((arn) => `${arn.slice(0, arn.lastIndexOf('/') + 1)}OtherRole-Cspm`),
        },
      ];
    case 'stack': {
      const arn = `arn:${p}:cloudformation:${names.region}:${names.account}:stack/${names.stackName}/0a1b2c3d-0000-4000-8000-000000000000`;
      return [{ real: [arn], other: [arn.replace(`stack/${names.stackName}/`, 'stack/OtherStack/')] }];
    }
    case 'stackset': {
      const arn = `arn:${p}:cloudformation:${stackSetRegion}:${names.account}:stackset/${names.stackSetName}:0a1b2c3d-0000-4000-8000-000000000000`;
      return [{ real: [arn], other: [arn.replace(`stackset/${names.stackSetName}:`, 'stackset/OtherStackSet:')] }];
    }
    case 'bucket':
      return [{ real: [`arn:${p}:s3:::${names.backend?.bucket}`], other: [`arn:${p}:s3:::other-state-bucket`] }];
    case 'object': {
      const key =
        entry.step === 'lock' || entry.step === 'unlock' ? `${names.backend?.key}.tflock` : names.backend?.key;
      const other = [`arn:${p}:s3:::other-state-bucket/${key}`, `arn:${p}:s3:::${names.backend?.bucket}/other/${key}`];
      return [{ real: [`arn:${p}:s3:::${names.backend?.bucket}/${key}`], other }];
    }
    case 'table': {
      const table = (name: string | undefined) => `arn:${p}:dynamodb:${names.region}:${names.account}:table/${name}`;
      return [{ real: [table(names.backend?.table)], other: [table('other-lock-table')] }];
    }
    default:
      throw new Error(`no test resource for ${entry.resourceType}`);
  }
}

/**
 * The calls of a deploy on its real names, and the same calls on other names. `subjects` are the resource
 * types (and services) the deploy has; `steps`, when given, the steps made (a plan makes only some);
 * `sts:AssumeRole` is checked only when the names list the roles.
 */
export function callsFor(
  plan: StackDeployerPolicy,
  names: DeployedNames,
  subjects: ReadonlySet<EvidenceSubject>,
  steps?: ReadonlySet<EvidenceStep>,
): { real: Call[]; other: Call[] } {
  const real: Call[] = [];
  const other: Call[] = [];
  for (const entry of EVIDENCE) {
    const assume = entry.action === 'sts:AssumeRole';
    if (
      !subjects.has(entry.subject) ||
      (steps !== undefined && !steps.has(entry.step)) ||
      entry.granted === false ||
      (assume && names.assumeRoleArns === undefined) ||
      !needed(entry, names, plan.kind === 'account')
    )
      continue;
    const document = documentFor(plan, entry, names);
    const context = requestContext(entry, names);
    const account = assume
      ? SOME_ACCOUNT
      : document.role === 'stack-set-account'
        ? (names.adminAccount as string)
        : names.account;
    const call = (resource: string, extra: Record<string, string | string[]> = {}): Call => ({
      entry,
      document,
      resource,
      context: { ...context, ...extra },
      account,
      partition: names.partition,
    });
    for (const group of resourcesOf(entry, names)) {
      real.push(...group.real.map((resource) => call(resource, group.context)));
      other.push(...group.other.map((resource) => call(resource, group.context)));
    }
  }
  return { real: distinct(real), other: distinct(other) };
}

/** One simulation per distinct request: many steps make the same call. */
function distinct(calls: Call[]): Call[] {
  const seen = new Map<string, Call>();
  for (const call of calls) {
    const key = JSON.stringify([call.document.name, call.entry.action, call.resource, call.context]);
    if (!seen.has(key)) seen.set(key, call);
  }
  return [...seen.values()];
}

export function callLabel(call: Call): string {
  return `${call.entry.subject} ${call.entry.step} ${call.entry.action} on ${call.resource}${call.context['iam:PolicyARN'] ? ` (policy ${String(call.context['iam:PolicyARN'])})` : ''}`;
}

export function decide(call: Call): Promise<Decision> {
  return simulateDeployer(call.document, call.account, call.partition, call.entry.action, call.resource, call.context);
}

/** The real calls the policy refuses and the other-name calls it does not deny, by label. */
export async function misjudged(
  real: readonly Call[],
  other: readonly Call[],
): Promise<{ refused: string[]; allowed: string[] }> {
  const refused: string[] = [];
  for (const call of real) if ((await decide(call)) !== 'Allowed') refused.push(callLabel(call));
  const allowed: string[] = [];
  for (const call of other) if ((await decide(call)) !== 'ImplicitlyDenied') allowed.push(callLabel(call));
  return { refused, allowed };
}

/** What a synthesized stack names, read from its Terraform JSON (and the management template for the stack option). */
export function namesOf(stack: SynthesizedStack): DeployedNames {
  const providers = (
    stack.provider as unknown as { aws: { region: string; alias?: string; allowed_account_ids?: string[] }[] }
  ).aws;
  const main = providers.find((p) => p.alias === undefined) as { region: string; allowed_account_ids?: string[] };
  const admin = providers.find((p) => p.alias !== undefined);
  const partition = describeRegion(main.region).partition;
  const account = main.allowed_account_ids?.[0] ?? SOME_ACCOUNT;
  const resources = (type: string) => Object.values(stack.resource[type] ?? {}) as Record<string, unknown>[];
  const iamArn = (kind: string, path: string, name: string) => `arn:${partition}:iam::${account}:${kind}${path}${name}`;
  const roleArns = resources('aws_iam_role').map((r) => iamArn('role', String(r.path), String(r.name)));
  const policyArns = resources('aws_iam_policy').map((p) => iamArn('policy', String(p.path), String(p.name)));
  const attached = resources('aws_iam_role_policy_attachment')
    .map((a) => String(a.policy_arn))
    .filter((arn) => arn.includes(':iam::aws:policy/'));
  const roles = resources('aws_iam_role');
  let boundary = roles.map((r) => r.permissions_boundary as string | undefined).find((b) => b !== undefined);
  let tagKeys = Object.keys((roles[0]?.tags as Record<string, string> | undefined) ?? {});
  const [cfnStack] = resources('aws_cloudformation_stack');
  if (cfnStack) {
    // The management role as CloudFormation creates it: names from the template and the stack's parameters.
    const template = JSON.parse(String(cfnStack.template_body).replace(/\$\$\{/g, '${')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const roleName = String((cfnStack.parameters as Record<string, string>).RoleName);
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type === 'AWS::IAM::Role') {
        roleArns.push(iamArn('role', String(resource.Properties.Path), roleName));
        tagKeys = ((resource.Properties.Tags as { Key: string }[] | undefined) ?? []).map((t) => t.Key);
        // AWS managed policies are written with the partition as a pseudo parameter.
        const arns = (resource.Properties.ManagedPolicyArns as unknown[]).map((a) =>
          typeof a === 'string' ? a : (a as { 'Fn::Sub'?: string })['Fn::Sub'],
        );
        attached.push(...arns.filter((a): a is string => a !== undefined && a.includes(':iam::aws:policy/')));
        boundary = boundary ?? (resource.Properties.PermissionsBoundary as string | undefined);
      }
      if (resource.Type === 'AWS::IAM::ManagedPolicy') {
        const name = String((resource.Properties.ManagedPolicyName as { 'Fn::Sub': string })['Fn::Sub']).replace(
          '${RoleName}',
          roleName,
        );
        policyArns.push(iamArn('policy', String(resource.Properties.Path), name));
      }
    }
  }
  const awsManagedPolicyArns = [
    ...new Set(attached.map((a) => a.replace(/^arn:\$\{AWS::Partition\}/, `arn:${partition}`))),
  ];
  const [stackSet] = resources('aws_cloudformation_stack_set');
  const [instance] = resources('aws_cloudformation_stack_set_instance');
  const s3 = (stack.terraform.backend as Record<string, Record<string, unknown>> | undefined)?.s3;
  return {
    partition,
    region: main.region,
    account,
    adminAccount: admin?.allowed_account_ids?.[0],
    roleArns,
    policyArns,
    // Every role with each of the stack's policies: what the stack's attachments may attach.
    attachments: [...policyArns, ...awsManagedPolicyArns].flatMap((policyArn) =>
      roleArns.map((roleArn) => ({ roleArn, policyArn })),
    ),
    boundary,
    tagKeys,
    stackName: cfnStack ? String(cfnStack.name) : undefined,
    stackSetName: stackSet ? String(stackSet.name) : undefined,
    targetRegions: instance ? [String(memberRegionOf(instance))] : [],
    backend: s3
      ? {
          bucket: String(s3.bucket),
          key: String(s3.key),
          table: s3.dynamodb_table as string | undefined,
          lockfile: s3.use_lockfile === true,
        }
      : undefined,
  };
}

/** The subjects the synthesized stack has, read from its resources (not from the policy planner). */
export function subjectsOf(stack: SynthesizedStack, names: DeployedNames): Set<EvidenceSubject> {
  const subjects = new Set<EvidenceSubject>(['provider']);
  for (const type of Object.keys(stack.resource)) subjects.add(type as EvidenceSubject);
  if (names.stackName) {
    subjects.add('cloudformation-service:AWS::IAM::Role');
    subjects.add('cloudformation-service:AWS::IAM::ManagedPolicy');
  }
  if (names.stackSetName) subjects.add('cloudformation-service:stack-set-service-managed');
  if (names.backend) subjects.add('backend-s3');
  if (names.backend?.table) subjects.add('backend-s3-dynamodb');
  return subjects;
}

/** The calls of a stack on its real names, and the same calls on other names. */
export function callsOf(
  plan: StackDeployerPolicy,
  stack: SynthesizedStack,
): { real: Call[]; other: Call[]; names: DeployedNames } {
  const names = namesOf(stack);
  return { ...callsFor(plan, names, subjectsOf(stack, names)), names };
}
