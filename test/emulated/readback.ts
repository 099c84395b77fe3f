/*
 * What the emulated AWS holds, read through the AWS API, and what the plan says it should hold, in one shape so a
 * test compares them whole: a role's trust policy, path, session length, description, boundary and tags, and every
 * managed policy attached to it (a customer managed policy with its name, path and document).
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { ConnectorRoleModel, literalTrustPolicy } from '../../src/plan/role';
import { policyName, templatePolicyName } from '../../src/plan/policies';
import { EmulatedAws, Partition } from './emulator';

export interface AttachedPolicy {
  readonly arn: string;
  /** Customer managed policies only (AWS's own are compared by ARN). */
  readonly document?: unknown;
}

export interface RoleState {
  readonly arn: string;
  readonly path: string;
  readonly trust: unknown;
  readonly description: string;
  readonly maxSessionDuration: number;
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Sorted by ARN. */
  readonly attached: readonly AttachedPolicy[];
  readonly inlinePolicies: readonly string[];
}

const decode = (document: string | undefined): unknown =>
  canonicalDocument(JSON.parse(decodeURIComponent(document ?? 'null')));

/**
 * A policy document with every one-element list written as its element. IAM reads `"a"` and `["a"]` alike, and the
 * templates write a list where the Terraform stacks write one value (the trust's optional earlier external IDs are
 * list elements that CloudFormation drops when unused); every other difference stays visible.
 */
export function canonicalDocument(document: unknown): unknown {
  if (Array.isArray(document)) {
    const items = document.map(canonicalDocument);
    return items.length === 1 && typeof items[0] !== 'object' ? items[0] : items;
  }
  if (document !== null && typeof document === 'object')
    return Object.fromEntries(Object.entries(document).map(([k, v]) => [k, canonicalDocument(v)]));
  return document;
}

/** The role `roleName` of `account` as IAM returns it, or undefined when the account has none of that name. */
export async function readRole(
  aws: EmulatedAws,
  account: string,
  roleName: string,
  partition: Partition = 'aws',
): Promise<RoleState | undefined> {
  const iam = aws.client(IAMClient, account, partition);
  let role;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
  if (!role) return undefined;
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
  const policies: AttachedPolicy[] = [];
  for (const { PolicyArn } of attached) {
    const arn = PolicyArn as string;
    if (/:iam::aws:policy\//.test(arn)) {
      policies.push({ arn });
      continue;
    }
    const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
    const version = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy?.DefaultVersionId }),
    );
    policies.push({ arn, document: decode(version.PolicyVersion?.Document) });
  }
  const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: roleName }))).Tags ?? [];
  const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  return {
    arn: role.Arn as string,
    path: role.Path as string,
    trust: decode(role.AssumeRolePolicyDocument),
    description: role.Description ?? '',
    maxSessionDuration: role.MaxSessionDuration as number,
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
    tags: Object.fromEntries(tags.map((t) => [t.Key as string, t.Value as string])),
    attached: policies.sort((a, b) => (a.arn < b.arn ? -1 : 1)),
    inlinePolicies: [...inline].sort(),
  };
}

export interface ExpectedRoleOptions {
  readonly account: string;
  /** The external IDs the trust accepts (a variable's value where the plan names a variable). */
  readonly externalIds: readonly string[];
  /** Policy names as a CloudFormation template writes them (member and management stacks). */
  readonly templateNames?: boolean;
}

/** The role a plan says the account holds. */
export function expectedRole(model: ConnectorRoleModel, options: ExpectedRoleOptions): RoleState {
  const { account, externalIds } = options;
  const prefix = `arn:${model.partition}:iam::${account}:`;
  const name = (policy: ConnectorRoleModel['customerManagedPolicies'][number]) =>
    options.templateNames ? templatePolicyName(model.roleName, policy) : policyName(model.roleName, policy.suffix);
  const attached: AttachedPolicy[] = [
    ...model.customerManagedPolicies.map((policy) => ({
      arn: `${prefix}policy${model.path}${name(policy)}`,
      document: canonicalDocument(policy.document.toJson()),
    })),
    ...model.awsManagedPolicyArns.map((arn) => ({ arn })),
  ];
  return {
    arn: `${prefix}role${model.path}${model.roleName}`,
    path: model.path,
    trust: canonicalDocument(literalTrustPolicy(model, externalIds).toJson()),
    description: model.description,
    maxSessionDuration: model.maxSessionDuration,
    ...(model.permissionsBoundaryArn ? { permissionsBoundaryArn: model.permissionsBoundaryArn } : {}),
    tags: { ...model.tags },
    attached: attached.sort((a, b) => (a.arn < b.arn ? -1 : 1)),
    inlinePolicies: [],
  };
}
