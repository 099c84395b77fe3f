import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { capabilityPermissionsProblems } from '../../plan/checks';
import { CustomerManagedPolicyModel, connectorPolicies, policyDescription, policyName } from '../../plan/policies';
import { ConfigurationError } from '../../rules/errors';
import { QualysAccountType, partitionOf } from '../../rules/partition';
import { CapabilityName } from '../../model/permissions/types';
import { addressName, readableAddress } from './addresses';

/** What to attach to one role: customer managed policies (made here) and AWS managed policies. */
export interface PolicyAttachmentPlan {
  /** The role's name as written in policy names (a literal, or a reference to a role made elsewhere). */
  readonly roleName: string;
  readonly path: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly customerManagedPolicies: readonly CustomerManagedPolicyModel[];
  readonly awsManagedPolicyArns: readonly string[];
  /** Readable addresses: `<prefix>_<policy>` (or `<policy>` for `this`); cdktf's derived ones when absent. */
  readonly addressName?: string;
}

/**
 * Makes the customer managed policies of a plan and attaches them and the AWS managed ones to the role: the
 * one renderer of a capability's policies, used by the connector role and by `QualysCapabilityPermissions`.
 * Construct IDs are `policy-<suffix>` and `attachment-<suffix or managed policy name>` under `scope`.
 */
export function attachPolicies(
  scope: Construct,
  plan: PolicyAttachmentPlan,
  attachTo: string,
): { policies: IamPolicy[]; policyArns: string[] } {
  const part = (name: string) =>
    plan.addressName === 'this' ? addressName(name) : `${plan.addressName}_${addressName(name)}`;
  const tagValues = plan.tags && Object.keys(plan.tags).length > 0 ? { ...plan.tags } : undefined;
  const policies = plan.customerManagedPolicies.map((policy) => {
    const resource = new IamPolicy(scope, `policy-${policy.suffix}`, {
      name: policyName(plan.roleName, policy.suffix),
      path: plan.path,
      description: policyDescription(plan.roleName, policy.suffix),
      policy: policy.document.toJsonString(),
      tags: tagValues,
      // IAM cannot change a policy's description, so the provider replaces the policy when it changes. Made
      // only of the name it stays put; and a release that rewords it never replaces a policy already made.
      lifecycle: { ignoreChanges: ['description'] },
    });
    if (plan.addressName !== undefined) readableAddress(resource, part(policy.suffix));
    return resource;
  });
  const attached = [
    ...policies.map((p, i) => ({ id: plan.customerManagedPolicies[i].suffix, arn: p.arn })),
    ...plan.awsManagedPolicyArns.map((arn) => ({ id: arn.split('/').pop() as string, arn })),
  ];
  for (const { id, arn } of attached) {
    const attachment = new IamRolePolicyAttachment(scope, `attachment-${id}`, { role: attachTo, policyArn: arn });
    if (plan.addressName !== undefined) readableAddress(attachment, part(id));
  }
  return { policies, policyArns: attached.map((a) => a.arn) };
}

export interface QualysCapabilityPermissionsProps {
  /** The capability whose policies to attach, e.g. `cspm`. Remediation without CSPM is the caller's choice. */
  readonly capability: CapabilityName;
  /** Name of the role, made elsewhere, to attach them to (a literal or a reference such as `role.name`); the policies are named `<roleName>-<Capability>`. */
  readonly roleName: string;
  /** The partition of the ARNs. Default `global` (`aws`). */
  readonly qualysAccountType?: QualysAccountType;
  /** IAM path of the policies. Default `/`. */
  readonly path?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Readable addresses (see `QualysConnectorRole`); cdktf's derived ones when absent. */
  readonly addressName?: string;
}

/**
 * One capability's Qualys permissions on a role managed elsewhere: its customer managed policies and their
 * attachments (plus AWS managed SecurityAudit for CSPM). If that role has an exclusive attachment resource, list
 * `policyArns` there; the role's quota of managed policies is the caller's.
 */
export class QualysCapabilityPermissions extends Construct {
  readonly policies: readonly IamPolicy[];
  /** Every policy attached: customer managed first, then AWS managed. */
  readonly policyArns: readonly string[];

  constructor(scope: Construct, id: string, props: QualysCapabilityPermissionsProps) {
    // A reference to a role made elsewhere is only known to Terraform; a literal name must follow the IAM rule.
    const problems = capabilityPermissionsProblems({ ...props }, id, Token.isUnresolved(props.roleName));
    if (problems.length > 0) throw new ConfigurationError(problems, 'Invalid Qualys capability permissions props');
    super(scope, id);
    const { customerManagedPolicies, awsManagedPolicyArns } = connectorPolicies(
      [props.capability],
      partitionOf(props.qualysAccountType ?? 'global'),
    );
    const attached = attachPolicies(
      this,
      {
        roleName: props.roleName,
        path: props.path ?? '/',
        tags: props.tags,
        customerManagedPolicies,
        awsManagedPolicyArns,
        addressName: props.addressName,
      },
      props.roleName,
    );
    this.policies = attached.policies;
    this.policyArns = attached.policyArns;
  }
}
