import { planConfiguration } from '../../config/load';
import { AppConfig } from '../../config/schema';
import { OrganizationPlan, StackPlan } from '../../plan/stack';
import { BackendPlan } from '../../plan/stack-facts';
import { ConnectorRoleModel } from '../../plan/role';
import { policyName } from '../../plan/policies';
import { ConfigurationError } from '../../rules/errors';
import { AwsPartition, roleArn } from '../../rules/partition';
import { IAM_LIMITS } from '../../model/policy/limits';
import { PolicyCondition, PolicyDocument, PolicyStatement } from '../../model/policy/model';
import { splitPolicyDocument } from '../../model/policy/split';
import { EVIDENCE, EvidenceEntry, EvidenceNeed, EvidenceStep, EvidenceSubject } from './evidence';

/**
 * What the identity runs: `deploy` (cdktf deploy, terraform apply, destroy and import) or `plan` (terraform
 * init and plan only: the provider's configuration, the refresh of every resource, the state and its lock).
 */
export type DeployerPurpose = 'deploy' | 'plan';
export const DEPLOYER_PURPOSES: readonly DeployerPurpose[] = ['deploy', 'plan'];

/** The steps of the evidence a plan makes: nothing that creates, changes or deletes a resource. */
export const PLAN_STEPS: readonly EvidenceStep[] = ['configure', 'init', 'lock', 'unlock', 'read'];

/** Which identity a document is for. */
export type DeployerRole =
  'connector-account' | 'management-account' | 'stack-set-account' | 'state-backend' | 'assume-roles';

/** Everything the policy of one identity is scoped to, as plain values. */
export interface DeployerScope {
  readonly partition: AwsPartition;
  /** The account of the resources: the 12 digits the configuration gives, else `*` (the identity's own account). */
  readonly account: string;
  /** The provider region: where stacks and stack sets live. */
  readonly region: string;
  readonly role?: ConnectorRoleModel;
  readonly managementStackName?: string;
  readonly stackSet?: { readonly name: string; readonly accounts: readonly string[]; readonly targetRegion: string };
  readonly backend?: {
    readonly bucket: string;
    readonly key: string;
    readonly region: string;
    readonly lockfile: boolean;
    readonly dynamodbTable?: string;
  };
  readonly assumeRoleArns?: readonly string[];
  readonly delegatedAdmin: boolean;
  /** Account roles may carry a permissions boundary; organization roles never do, so none is ever removed there. */
  readonly boundaryAllowed: boolean;
}

export interface DeployerDocument {
  /** `<stack>-<role>`, with `-<n>` when a document had to be split to fit IAM's size limit. */
  readonly name: string;
  readonly role: DeployerRole;
  /** Who to attach it to. */
  readonly attachTo: string;
  /** The account the identity acts in: 12 digits, or `*` when the configuration does not say. */
  readonly account: string;
  readonly subjects: readonly EvidenceSubject[];
  readonly document: PolicyDocument;
  /** The evidence rows the document grants. */
  readonly grants: readonly EvidenceEntry[];
}

export interface StackDeployerPolicy {
  readonly stack: string;
  readonly kind: StackPlan['kind'];
  readonly purpose: DeployerPurpose;
  readonly documents: readonly DeployerDocument[];
}

const IAM_ROLE_SUBJECTS: readonly EvidenceSubject[] = [
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_role_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
];
const MANAGEMENT_STACK_SUBJECTS: readonly EvidenceSubject[] = [
  'aws_cloudformation_stack',
  'cloudformation-service:AWS::IAM::Role',
  'cloudformation-service:AWS::IAM::ManagedPolicy',
];
const STACK_SET_SUBJECTS: readonly EvidenceSubject[] = [
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
  'cloudformation-service:stack-set-service-managed',
];

/**
 * Optional resource types the catalogue lists for an action besides its required one: a request may name
 * them too, so the statement must cover them. Their ARN values for service-managed stack sets are not
 * documented, so they are scoped by partition only.
 */
export const OPTIONAL_RESOURCE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'cloudformation:CreateStackInstances': ['stackset-target', 'type'],
  'cloudformation:UpdateStackInstances': ['stackset-target', 'type'],
  'cloudformation:DeleteStackInstances': ['stackset-target', 'type'],
  'cloudformation:UpdateStackSet': ['stackset-target', 'type'],
};

/** Readable statement names per resource type; the condition adds a suffix. */
const SID_BASE: Readonly<Record<string, string>> = {
  '': 'OnlyOnAnyResource',
  role: 'ConnectorRole',
  policy: 'ConnectorPolicies',
  stack: 'ManagementRoleStack',
  stackset: 'MemberRoleStackSet',
  bucket: 'StateBucket',
  object: 'StateObject',
  lockfile: 'StateLockFile',
  table: 'StateLockTable',
  assume: 'AssumeDeployRoles',
};

function featureNeeds(scope: DeployerScope): Set<EvidenceNeed> {
  const needs = new Set<EvidenceNeed>();
  if (scope.role && Object.keys(scope.role.tags).length > 0) needs.add('tags');
  if (scope.role?.permissionsBoundaryArn !== undefined) needs.add('permissions-boundary');
  else if (scope.boundaryAllowed) needs.add('no-permissions-boundary');
  if (scope.backend?.lockfile) needs.add('s3-lockfile');
  if (scope.delegatedAdmin) needs.add('delegated-admin');
  return needs;
}

/** The caller assumes roles for the provider and the backend; the identities that deploy never do. */
function belongsTo(entry: EvidenceEntry, role: DeployerRole): boolean {
  return (entry.action.toLowerCase() === 'sts:assumerole') === (role === 'assume-roles');
}

/**
 * Whether a call happens for the purpose. A plan makes the read-only steps; CloudFormation acts with the
 * caller's credentials only while it creates, updates or deletes a stack, never in a plan.
 */
export function madeFor(entry: EvidenceEntry, purpose: DeployerPurpose): boolean {
  return (
    purpose === 'deploy' || (PLAN_STEPS.includes(entry.step) && !entry.subject.startsWith('cloudformation-service:'))
  );
}

/** The entries a document grants: its subjects and purpose, the configuration's needs, never a call marked not granted. */
export function applicableEntries(
  subjects: readonly EvidenceSubject[],
  scope: DeployerScope,
  role: DeployerRole,
  purpose: DeployerPurpose = 'deploy',
): EvidenceEntry[] {
  const needs = featureNeeds(scope);
  return EVIDENCE.filter(
    (e) =>
      subjects.includes(e.subject) &&
      belongsTo(e, role) &&
      madeFor(e, purpose) &&
      e.granted !== false &&
      (e.needs === undefined || needs.has(e.needs)),
  );
}

function cloudformationArn(scope: DeployerScope, account: string, resource: string, region = scope.region): string {
  return `arn:${scope.partition}:cloudformation:${region}:${account}:${resource}`;
}

/** The role and its policies: the name prefix covers policies an earlier configuration made (a capability removed, a split). */
function roleArnIn(scope: DeployerScope, role: ConnectorRoleModel): string {
  return roleArn(scope.partition, scope.account, role.path, role.roleName);
}
function policyArnPattern(scope: DeployerScope, role: ConnectorRoleModel): string {
  return `arn:${scope.partition}:iam::${scope.account}:policy${role.path}${policyName(role.roleName, '*')}`;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`deployer scope lacks ${what}`);
  return value;
}

/** The ARN patterns one call is granted on, from the catalogue resource type it is authorized on. */
export function resourcesFor(entry: EvidenceEntry, scope: DeployerScope): string[] {
  switch (entry.resourceType) {
    case '':
      return ['*'];
    case 'role':
      if (entry.action === 'sts:AssumeRole') return [...required(scope.assumeRoleArns, 'roles to assume')];
      return [roleArnIn(scope, required(scope.role, 'a role'))];
    case 'policy':
      return [policyArnPattern(scope, required(scope.role, 'a role'))];
    case 'stack':
      return [
        cloudformationArn(scope, scope.account, `stack/${required(scope.managementStackName, 'a stack name')}/*`),
      ];
    case 'stackset': {
      const stackSet = required(scope.stackSet, 'a stack set');
      const arns = stackSet.accounts.map((account) => cloudformationArn(scope, account, `stackset/${stackSet.name}:*`));
      for (const type of OPTIONAL_RESOURCE_TYPES[entry.action] ?? []) {
        arns.push(
          type === 'stackset-target'
            ? cloudformationArn(scope, '*', 'stackset-target/*', '*')
            : cloudformationArn(scope, '*', 'type/resource/*', '*'),
        );
      }
      return arns;
    }
    case 'bucket':
      return [`arn:${scope.partition}:s3:::${required(scope.backend, 'a backend').bucket}`];
    case 'object': {
      const backend = required(scope.backend, 'a backend');
      const key = entry.step === 'lock' || entry.step === 'unlock' ? `${backend.key}.tflock` : backend.key;
      return [`arn:${scope.partition}:s3:::${backend.bucket}/${key}`];
    }
    case 'table': {
      const backend = required(scope.backend, 'a backend');
      // The table's account is the one of the backend's credentials, which the configuration does not name.
      return [
        `arn:${scope.partition}:dynamodb:${backend.region}:*:table/${required(backend.dynamodbTable, 'a DynamoDB table')}`,
      ];
    }
    default:
      throw new Error(`no ARN pattern for resource type "${entry.resourceType}" of ${entry.action}`);
  }
}

/** Conditions that narrow a call beyond its resource, where the request carries the key. */
export function conditionsFor(entry: EvidenceEntry, scope: DeployerScope): PolicyCondition[] {
  const role = scope.role;
  switch (entry.action) {
    case 'iam:CreateRole':
    case 'iam:PutRolePermissionsBoundary':
      return role?.permissionsBoundaryArn !== undefined
        ? [{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [role.permissionsBoundaryArn] }]
        : [];
    case 'iam:AttachRolePolicy':
      // The project's own policies (by name prefix) and the AWS managed ones the configuration attaches.
      return role
        ? [
            {
              test: 'ArnLike',
              variable: 'iam:PolicyARN',
              values: [policyArnPattern(scope, role), ...role.awsManagedPolicyArns],
            },
          ]
        : [];
    case 'iam:TagRole':
    case 'iam:TagPolicy':
      return role
        ? [{ test: 'ForAllValues:StringEquals', variable: 'aws:TagKeys', values: Object.keys(role.tags).sort() }]
        : [];
    case 'cloudformation:CreateStackInstances':
    case 'cloudformation:UpdateStackInstances':
    case 'cloudformation:DeleteStackInstances':
    case 'cloudformation:UpdateStackSet':
      return scope.stackSet
        ? [
            {
              test: 'ForAllValues:StringEquals',
              variable: 'cloudformation:TargetRegion',
              values: [scope.stackSet.targetRegion],
            },
          ]
        : [];
    default:
      // Calls that only take `*` in CloudFormation are kept to the stack's region.
      return entry.resourceType === '' && entry.action.startsWith('cloudformation:')
        ? [{ test: 'StringEquals', variable: 'aws:RequestedRegion', values: [scope.region] }]
        : [];
  }
}

const CONDITION_SUFFIX: Readonly<Record<string, string>> = {
  'iam:PermissionsBoundary': 'OnlyWithBoundary',
  'iam:PolicyARN': 'OnlyQualysPolicies',
  'aws:TagKeys': 'OnlyConfiguredTagKeys',
  'cloudformation:TargetRegion': 'OnlyMemberRegion',
  'aws:RequestedRegion': 'InStackRegion',
};

/** Groups the granted calls into statements: one per resource list and condition, actions sorted. */
export function buildStatements(entries: readonly EvidenceEntry[], scope: DeployerScope): PolicyStatement[] {
  const groups = new Map<
    string,
    { sidBase: string; resources: string[]; conditions: PolicyCondition[]; actions: Set<string> }
  >();
  for (const entry of entries) {
    const resources = resourcesFor(entry, scope);
    const conditions = conditionsFor(entry, scope);
    const key = JSON.stringify([resources, conditions]);
    const lockFile = entry.resourceType === 'object' && (entry.step === 'lock' || entry.step === 'unlock');
    const kind = entry.action === 'sts:AssumeRole' ? 'assume' : lockFile ? 'lockfile' : entry.resourceType;
    const sidBase =
      (SID_BASE[kind] ?? kind.replace(/[^A-Za-z0-9]/g, '')) +
      conditions.map((c) => CONDITION_SUFFIX[c.variable] ?? '').join('');
    const group = groups.get(key) ?? { sidBase, resources, conditions, actions: new Set<string>() };
    group.actions.add(entry.action);
    groups.set(key, group);
  }
  const used = new Map<string, number>();
  return [...groups.values()]
    .sort((a, b) =>
      a.sidBase === b.sidBase
        ? compare(JSON.stringify(a.resources), JSON.stringify(b.resources))
        : compare(a.sidBase, b.sidBase),
    )
    .map((g) => {
      const n = (used.get(g.sidBase) ?? 0) + 1;
      used.set(g.sidBase, n);
      return new PolicyStatement({
        sid: n === 1 ? g.sidBase : `${g.sidBase}${n}`,
        actions: [...g.actions],
        resources: g.resources,
        conditions: g.conditions,
      });
    });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface DocumentSpec {
  readonly role: DeployerRole;
  readonly attachTo: string;
  readonly subjects: readonly EvidenceSubject[];
  readonly scope: DeployerScope;
}

/** What the identity runs, as the documents say it. */
const RUNS: Readonly<Record<DeployerPurpose, { apply: string; init: string; runner: string }>> = {
  deploy: {
    apply: 'cdktf deploy (terraform apply)',
    init: 'cdktf deploy (terraform init and apply)',
    runner: 'cdktf deploy',
  },
  plan: { apply: 'terraform plan', init: 'terraform init and plan', runner: 'terraform plan' },
};

function providerIdentity(
  access: { assumeRoleArn?: string; profile?: string } | undefined,
  where: string,
  purpose: DeployerPurpose,
): string {
  if (access?.assumeRoleArn) return `the role the AWS provider assumes in ${where} (${access.assumeRoleArn})`;
  if (access?.profile) return `the identity of AWS profile "${access.profile}" in ${where}`;
  return `the identity that runs ${RUNS[purpose].apply} in ${where}`;
}

function backendScope(backend: BackendPlan): DeployerScope['backend'] {
  if (backend.type !== 's3') return undefined;
  return {
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    lockfile: backend.useLockfile,
    dynamodbTable: backend.dynamodbTable,
  };
}

function accountOf(roleArnText: string | undefined): string | undefined {
  return roleArnText?.split(':')[4];
}

/** The documents of an organization's accounts: the management account's, and a delegated administrator's. */
function organizationSpecs(plan: OrganizationPlan, base: DeployerScope, purpose: DeployerPurpose): DocumentSpec[] {
  const admin = plan.stackSet.administrator;
  const viaStack = plan.managementStack !== undefined;
  // A delegated administrator's calls name a stack set the management account owns; both accounts are allowed when known.
  const stackSetAccounts = admin?.accountId
    ? base.account === '*'
      ? ['*']
      : [...new Set([base.account, admin.accountId])].sort()
    : [base.account];
  const stackSet = { name: plan.stackSet.name, accounts: stackSetAccounts, targetRegion: plan.stackSet.region };
  const specs: DocumentSpec[] = [
    {
      role: 'management-account',
      attachTo: providerIdentity(plan.stack.provider, 'the management account', purpose),
      subjects: [
        'provider',
        ...(viaStack ? MANAGEMENT_STACK_SUBJECTS : IAM_ROLE_SUBJECTS),
        ...(admin ? [] : STACK_SET_SUBJECTS),
      ],
      scope: {
        ...base,
        role: plan.management,
        managementStackName: plan.managementStack?.name,
        stackSet: admin ? undefined : stackSet,
      },
    },
  ];
  if (admin) {
    specs.push({
      role: 'stack-set-account',
      attachTo: providerIdentity(admin, `the delegated administrator account ${admin.accountId}`, purpose),
      subjects: ['provider', ...STACK_SET_SUBJECTS],
      scope: { ...base, account: admin.accountId ?? '*', stackSet, delegatedAdmin: true },
    });
  }
  return specs;
}

/** The documents of one stack: its accounts' identities, the state backend's, and the caller's role assumptions. */
function documentSpecs(plan: StackPlan, purpose: DeployerPurpose): DocumentSpec[] {
  const provider = plan.stack.provider;
  const role = plan.kind === 'account' ? plan.role : plan.management;
  const account = provider.accountId ?? accountOf(provider.assumeRoleArn) ?? '*';
  const base = {
    partition: role.partition,
    region: provider.region,
    account,
    delegatedAdmin: false,
    boundaryAllowed: plan.kind === 'account',
  };
  const specs: DocumentSpec[] =
    plan.kind === 'account'
      ? [
          {
            role: 'connector-account',
            attachTo: providerIdentity(provider, 'the connector account', purpose),
            subjects: ['provider', ...IAM_ROLE_SUBJECTS],
            scope: { ...base, role: plan.role },
          },
        ]
      : organizationSpecs(plan, base, purpose);
  const backend = plan.stack.backend;
  const scope = backendScope(backend);
  if (scope && backend.type === 's3') {
    specs.push({
      role: 'state-backend',
      attachTo: backend.roleArn
        ? `the role Terraform's S3 backend assumes (${backend.roleArn})`
        : `the identity that runs ${RUNS[purpose].init}, which Terraform's S3 backend uses`,
      subjects: ['backend-s3', ...(scope.dynamodbTable !== undefined ? (['backend-s3-dynamodb'] as const) : [])],
      scope: { ...base, account: accountOf(backend.roleArn) ?? '*', backend: scope },
    });
  }
  const assumed = [
    provider.assumeRoleArn,
    plan.kind === 'organization' ? plan.stackSet.administrator?.assumeRoleArn : undefined,
    backend.type === 's3' ? backend.roleArn : undefined,
  ].filter((arn): arn is string => arn !== undefined);
  if (assumed.length > 0) {
    specs.push({
      role: 'assume-roles',
      attachTo: `the identity that runs ${RUNS[purpose].runner}, which assumes the roles the configuration names`,
      subjects: ['provider-assume-role', 'backend-s3'],
      scope: { ...base, account: '*', assumeRoleArns: [...new Set(assumed)].sort() },
    });
  }
  return specs;
}

function renderDocuments(stackName: string, spec: DocumentSpec, purpose: DeployerPurpose): DeployerDocument[] {
  const grants = applicableEntries(spec.subjects, spec.scope, spec.role, purpose);
  const whole = new PolicyDocument(buildStatements(grants, spec.scope));
  const parts = splitPolicyDocument(whole, IAM_LIMITS.managedPolicySize);
  const name = `${stackName}-${spec.role}${purpose === 'plan' ? '-plan' : ''}`;
  return parts.map((document, i) => ({
    name: parts.length > 1 ? `${name}-${i + 1}` : name,
    role: spec.role,
    attachTo: spec.attachTo,
    account: spec.scope.account,
    subjects: spec.subjects,
    document,
    grants: grants.filter((g) => document.actions.some((a) => a.toLowerCase() === g.action.toLowerCase())),
  }));
}

/**
 * The deployer policy of each stack of a configuration (or of the one named), as plain values: one document
 * per identity that deploys (or, for `plan`, only plans), each within IAM's managed policy size limit.
 */
export function planDeployerPolicy(
  config: AppConfig,
  stackName?: string,
  purpose: DeployerPurpose = 'deploy',
): StackDeployerPolicy[] {
  if (stackName !== undefined && !config.stacks.some((s) => s.name === stackName)) {
    throw new ConfigurationError(
      [
        {
          field: '--stack',
          value: JSON.stringify(stackName),
          rule: `must name a stack of the configuration (${config.stacks.map((s) => JSON.stringify(s.name)).join(', ')})`,
        },
      ],
      'Invalid qualys-connector-deployer-policy command line',
    );
  }
  return planConfiguration(config)
    .filter((plan) => stackName === undefined || plan.stack.name === stackName)
    .map((plan) => ({
      stack: plan.stack.name,
      kind: plan.kind,
      purpose,
      documents: documentSpecs(plan, purpose).flatMap((spec) => renderDocuments(plan.stack.name, spec, purpose)),
    }));
}
