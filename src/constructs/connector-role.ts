import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IamRolePolicyAttachmentsExclusive } from '@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive';
import { Construct } from 'constructs';
import { ConnectorRoleModel, buildConnectorRoleModel } from '../connector/model';
import { policyDescription } from '../connector/policies';
import { QualysConnectorRoleProps } from '../connector/props';
import { PolicyDocument } from '../policy/model';
import { terraformLiteral } from './stack-parts';

export interface QualysConnectorRoleConstructProps extends QualysConnectorRoleProps {
  /**
   * Adopt a role of the same name that was created by hand: Terraform imports it on the next apply
   * instead of failing with "already exists".
   */
  readonly importExistingRole?: boolean;
}

/**
 * One Qualys connector role in one account: the role, one customer managed policy per capability (split
 * when a document would exceed the IAM size limit), their attachments, and exclusive ownership of the
 * role's managed policies so an attachment made outside Terraform shows up as drift.
 */
export class QualysConnectorRole extends Construct {
  readonly model: ConnectorRoleModel;
  readonly role: IamRole;
  readonly policies: readonly IamPolicy[];
  /** ARNs of every managed policy attached (customer managed first, then AWS managed). */
  readonly policyArns: readonly string[];

  constructor(scope: Construct, id: string, props: QualysConnectorRoleConstructProps) {
    const { importExistingRole, ...roleProps } = props;
    // Validate before the construct joins the tree: bad input leaves nothing behind.
    const model = buildConnectorRoleModel(roleProps, id);
    super(scope, id);
    this.model = model;
    const tags = Object.keys(model.tags).length > 0 ? { ...model.tags } : undefined;

    this.role = new IamRole(this, 'role', {
      name: model.roleName,
      path: model.path,
      description: terraformLiteral(model.description),
      assumeRolePolicy: this.renderDocument('trust-policy', model.trustPolicy, model.externalIdIsVariable),
      maxSessionDuration: model.maxSessionDuration,
      permissionsBoundary: model.permissionsBoundaryArn,
      tags,
    });
    if (importExistingRole) this.role.importFrom(model.roleName);

    this.policies = model.customerManagedPolicies.map(
      (policy) =>
        new IamPolicy(this, `policy-${policy.suffix}`, {
          name: policy.name,
          path: model.path,
          description: policyDescription(model.roleName, policy.suffix),
          policy: policy.document.toJsonString(),
          tags,
        }),
    );

    const attached: { id: string; arn: string }[] = [
      ...this.policies.map((p, i) => ({ id: model.customerManagedPolicies[i].suffix, arn: p.arn })),
      ...model.awsManagedPolicyArns.map((arn) => ({ id: arn.split('/').pop() as string, arn })),
    ];
    for (const { id: attachmentId, arn } of attached) {
      new IamRolePolicyAttachment(this, `attachment-${attachmentId}`, { role: this.role.name, policyArn: arn });
    }
    this.policyArns = attached.map((a) => a.arn);

    new IamRolePolicyAttachmentsExclusive(this, 'exclusive-attachments', {
      roleName: this.role.name,
      policyArns: [...this.policyArns],
    });
  }

  get roleArn(): string {
    return this.role.arn;
  }

  get roleName(): string {
    return this.role.name;
  }

  /**
   * A document as a JSON literal; when it holds a Terraform variable, as an `aws_iam_policy_document` data
   * source instead, so the synthesized file never carries a policy built by string interpolation.
   */
  private renderDocument(id: string, document: PolicyDocument, hasVariable: boolean): string {
    if (!hasVariable) return document.toJsonString();
    return new DataAwsIamPolicyDocument(this, id, {
      statement: document.statements.map((s) => ({
        sid: s.sid,
        effect: s.effect,
        actions: [...s.actions],
        resources: s.resources.length > 0 ? [...s.resources] : undefined,
        principals: s.principals.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })),
        condition: s.conditions.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
      })),
    }).json;
  }
}
