import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';

import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachmentsExclusive } from '@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive';
import { Fn, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { ConnectorRoleModel, planConnectorRole, trustPolicyTemplate } from '../../plan/role';
import { fillSlots } from '../../plan/parameters';
import { QualysConnectorRoleProps } from '../../plan/settings';
import { readableAddress } from './addresses';
import { attachPolicies } from './capability-permissions';
import { terraformLiteral } from '../../rules/terraform-text';

export interface QualysConnectorRoleConstructProps extends Omit<QualysConnectorRoleProps, 'externalId'> {
  /**
   * The external ID entered in the Qualys connector: a value, a list (up to 5) while one is being rotated,
   * or a variable (a TerraformVariable of the stack, or `{ variable: name }` for one the stack declares).
   */
  readonly externalId: QualysConnectorRoleProps['externalId'] | TerraformVariable;
  /**
   * Adopt a role of the same name that was created by hand: Terraform imports it on the next apply
   * instead of failing with "already exists".
   */
  readonly importExistingRole?: boolean;
  /**
   * Readable Terraform addresses under this name, with `moved` blocks from the addresses cdktf derives: the
   * role and the exclusive attachments are `<type>.<name>`, each policy and attachment `<type>.<name>_<policy>`
   * (`<type>.<policy>` for the name `this`), e.g. `aws_iam_policy.cspm`. One name per stack. Default: the
   * addresses cdktf derives from the construct path.
   */
  readonly addressName?: string;
}

/** A role rendered from a plan made beforehand (e.g. by `planStack`), instead of from props. */
export interface PlannedConnectorRoleProps extends Pick<
  QualysConnectorRoleConstructProps,
  'importExistingRole' | 'addressName'
> {
  readonly plan: ConnectorRoleModel;
  /** The stack's variable that holds the external ID, when the plan names one. */
  readonly externalIdVariable?: TerraformVariable;
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
  /** The (current) external ID as Terraform writes it: the literal, or a reference to the variable. */
  readonly externalIdValue: string;

  constructor(scope: Construct, id: string, props: QualysConnectorRoleConstructProps | PlannedConnectorRoleProps) {
    const { importExistingRole, addressName: name } = props;
    // Validate before the construct joins the tree: bad input leaves nothing behind.
    const { model, variable } =
      'plan' in props ? { model: props.plan, variable: props.externalIdVariable } : planFromProps(props, id);
    super(scope, id);
    this.model = model;
    const tags = Object.keys(model.tags).length > 0 ? { ...model.tags } : undefined;
    const acceptedIds = model.externalId.values ?? [
      variable ? variable.stringValue : `\${var.${model.externalId.variable}}`,
    ];
    this.externalIdValue = acceptedIds[0];

    this.role = new IamRole(this, 'role', {
      name: model.roleName,
      path: model.path,
      description: terraformLiteral(model.description),
      assumeRolePolicy: this.renderTrustPolicy(model, acceptedIds),
      maxSessionDuration: model.maxSessionDuration,
      permissionsBoundary: model.permissionsBoundaryArn,
      tags,
    });
    if (name !== undefined) readableAddress(this.role, name);
    if (importExistingRole) this.role.importFrom(model.roleName);

    // The same renderer as QualysCapabilityPermissions, with the resources directly under this construct so
    // their addresses stay what they have been.
    const attached = attachPolicies(
      this,
      {
        roleName: model.roleName,
        path: model.path,
        tags: model.tags,
        customerManagedPolicies: model.customerManagedPolicies,
        awsManagedPolicyArns: model.awsManagedPolicyArns,
        addressName: name,
      },
      this.role.name,
    );
    this.policies = attached.policies;
    this.policyArns = attached.policyArns;

    const exclusive = new IamRolePolicyAttachmentsExclusive(this, 'exclusive-attachments', {
      roleName: this.role.name,
      policyArns: [...this.policyArns],
    });
    if (name !== undefined) readableAddress(exclusive, name);
  }

  get roleArn(): string {
    return this.role.arn;
  }

  get roleName(): string {
    return this.role.name;
  }

  /**
   * The trust policy as a JSON literal; when it holds a Terraform variable, as `jsonencode()` of the same
   * object, so a plan shows the document and nothing is built by string interpolation.
   */
  private renderTrustPolicy(model: ConnectorRoleModel, acceptedIds: readonly string[]): string {
    const trust = fillSlots(trustPolicyTemplate().toJson(), {
      TrustedPrincipal: model.trustedPrincipal,
      ExternalId: acceptedIds.length === 1 ? acceptedIds[0] : [...acceptedIds],
    });
    if (model.externalId.values) return JSON.stringify(trust);
    assertPlainHclStrings(trust, acceptedIds[0]);
    return Fn.jsonencode(trust);
  }
}

/**
 * cdktf writes the strings of a `jsonencode()` argument into HCL unescaped: a quote, a backslash or a template
 * sequence would change the expression. ARNs and the statement's fixed strings hold none; a later change that
 * brings one in fails here instead of in Terraform.
 */
function assertPlainHclStrings(value: unknown, reference: string): void {
  if (typeof value === 'string') {
    if (value !== reference && /["\\]|[$%]\{/.test(value))
      throw new Error(`cannot write ${JSON.stringify(value)} into a Terraform jsonencode() expression`);
  } else if (Array.isArray(value)) value.forEach((v) => assertPlainHclStrings(v, reference));
  else if (value !== null && typeof value === 'object')
    Object.entries(value).forEach(
      ([k, v]) => (assertPlainHclStrings(k, reference), assertPlainHclStrings(v, reference)),
    );
}

function planFromProps(
  props: QualysConnectorRoleConstructProps,
  id: string,
): { model: ConnectorRoleModel; variable?: TerraformVariable } {
  const { importExistingRole: _import, addressName: _address, externalId, ...settings } = props;
  if (externalId instanceof TerraformVariable) {
    return {
      model: planConnectorRole({ ...settings, externalId: { variable: externalId.friendlyUniqueId } }, id),
      variable: externalId,
    };
  }
  return { model: planConnectorRole({ ...settings, externalId }, id) };
}
