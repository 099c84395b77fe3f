import { Evaluator, Template, UNKNOWN, containsUnknown, isReference, parameterValues } from '../../../render/cloudformation/evaluate';
import { IamDocumentJson } from '../views';

/*
 * A CloudFormation template read for the roles it creates and every route of permission to them: the role's
 * own `Policies`, `ManagedPolicyArns` and `PermissionsBoundary`, and `AWS::IAM::ManagedPolicy`,
 * `AWS::IAM::Policy` and `AWS::IAM::RolePolicy` resources that name the role. Intrinsic functions are
 * evaluated with the parameters the stack or stack set is given (Ref, Fn::Sub, Fn::Join, Fn::If with the
 * template's conditions, Fn::Select, Fn::Split, Fn::GetAtt to a resource); anything else, and anything that
 * depends on the deploying account, is unknown, and what it makes unknown is said so.
 */

/** Resource types a connector template may hold without the review losing sight of a role's permissions. */
const JUDGED_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::CloudFormation::WaitConditionHandle']);

export interface TemplateRole {
  readonly logicalId: string;
  readonly roleName: string;
  readonly path: string;
  readonly documents: IamDocumentJson[];
  readonly awsManagedPolicyArns: string[];
  readonly trust: IamDocumentJson;
  readonly permissionsBoundaryArn?: string;
  readonly permissionsBoundaryDocument?: IamDocumentJson;
  readonly maxSessionDuration: number;
  readonly unknown: string[];
}

export interface TemplateRoles {
  readonly roles: TemplateRole[];
  /** Accounts whose stack creates no role (conditions on AWS::AccountId). */
  readonly excludedAccountIds: string[];
}

/** Whether an ARN names an AWS managed policy (`arn:<partition>:iam::aws:policy/...`). */
export function isAwsManagedPolicyArn(arn: string): boolean {
  return /^arn:[\w-]+:iam::aws:policy\//.test(arn);
}

/** The roles a template creates, with the parameters it is given (the template's defaults fill the rest). */
export function rolesFromTemplate(templateBody: string, given: Record<string, string>, partition: string): TemplateRoles {
  let template: Template;
  try {
    template = JSON.parse(templateBody) as Template;
  } catch {
    // CloudFormation also takes YAML; this reader does not, so such a template is unknown as a whole.
    return { roles: [unreadableRole('the template is not JSON, which this review reads')], excludedAccountIds: [] };
  }
  const evaluator = new Evaluator(template, parameterValues(template, given), partition);
  const resources = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Condition === undefined || evaluator.condition(r.Condition) !== false);
  const everyRole: string[] = [];
  for (const [logicalId, resource] of resources) {
    if (!JUDGED_TYPES.has(String(resource.Type))) everyRole.push(`the template also creates ${String(resource.Type)} ${logicalId}, which this review does not judge`);
  }
  const properties = new Map(resources.map(([id, r]) => [id, evaluator.value(r.Properties ?? {}) as Record<string, unknown>]));
  const managedPolicyDocument = (id: string): unknown => (resources.find(([rid]) => rid === id)?.[1].Type === 'AWS::IAM::ManagedPolicy' ? properties.get(id)?.PolicyDocument : undefined);

  const roles: TemplateRole[] = [];
  for (const [logicalId, resource] of resources) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = properties.get(logicalId) ?? {};
    const unknown = [...everyRole];
    const document = (value: unknown, what: string): IamDocumentJson | undefined => {
      if (value === undefined) return undefined;
      if (containsUnknown(value) || typeof value !== 'object' || value === null) {
        unknown.push(`${what} (it depends on something known only where the stack runs)`);
        return undefined;
      }
      return value as IamDocumentJson;
    };
    const roleName = typeof props.RoleName === 'string' ? props.RoleName : undefined;
    if (roleName === undefined) unknown.push(props.RoleName === undefined ? 'the role name (CloudFormation makes one up)' : 'the role name');
    const trust = document(props.AssumeRolePolicyDocument, 'the trust policy');
    const documents: IamDocumentJson[] = [];
    const awsManagedPolicyArns: string[] = [];
    const attachArn = (arn: unknown, what: string) => {
      if (isReference(arn)) {
        const policy = managedPolicyDocument(arn.resource);
        if (policy === undefined) unknown.push(`${what}: ${arn.resource} is not a managed policy of the template`);
        else {
          const read = document(policy, `the document of managed policy ${arn.resource}`);
          if (read) documents.push(read);
        }
      } else if (typeof arn === 'string' && isAwsManagedPolicyArn(arn)) awsManagedPolicyArns.push(arn);
      else if (typeof arn === 'string') unknown.push(`${what}: policy ${arn}, which the template does not define`);
      else unknown.push(`${what}: a policy ARN known only where the stack runs`);
    };
    const arns = props.ManagedPolicyArns;
    if (Array.isArray(arns)) arns.forEach((arn) => attachArn(arn, 'a managed policy'));
    else if (arns !== undefined) unknown.push('the managed policy ARNs');
    const inline = props.Policies;
    if (Array.isArray(inline)) {
      inline.forEach((p, i) => {
        const read = document((p as Record<string, unknown>)?.PolicyDocument, `inline policy ${i + 1}`);
        if (read) documents.push(read);
      });
    } else if (inline !== undefined) unknown.push('the inline policies');
    // Other resources that attach to this role: by Ref (the role's name) or by its literal name.
    const names = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
    const namesRole = (value: unknown): boolean | undefined => {
      if (isReference(value)) return value.resource === logicalId && (value.attribute === undefined || value.attribute === '');
      if (typeof value === 'string') return roleName !== undefined && value === roleName;
      return undefined;
    };
    for (const [id, other] of resources) {
      const otherProps = properties.get(id) ?? {};
      const targets = other.Type === 'AWS::IAM::RolePolicy' ? [otherProps.RoleName] : other.Type === 'AWS::IAM::Policy' || other.Type === 'AWS::IAM::ManagedPolicy' ? names(otherProps.Roles) : [];
      const named = targets.map(namesRole);
      if (named.includes(undefined)) unknown.push(`${other.Type} ${id} names a role known only where the stack runs`);
      else if (named.includes(true)) {
        const read = document(otherProps.PolicyDocument, `the document of ${other.Type} ${id}`);
        if (read) documents.push(read);
      }
    }
    let permissionsBoundaryArn: string | undefined;
    let permissionsBoundaryDocument: IamDocumentJson | undefined;
    const boundary = props.PermissionsBoundary;
    if (isReference(boundary)) {
      permissionsBoundaryArn = `(managed policy ${boundary.resource} of the template)`;
      permissionsBoundaryDocument = document(managedPolicyDocument(boundary.resource) ?? UNKNOWN, 'the permissions boundary');
    } else if (typeof boundary === 'string') permissionsBoundaryArn = boundary;
    else if (boundary !== undefined) unknown.push('the permissions boundary');
    const duration = props.MaxSessionDuration;
    if (duration !== undefined && typeof duration !== 'number' && !/^\d+$/.test(String(duration))) unknown.push('the maximum session duration');
    roles.push({
      logicalId,
      roleName: roleName ?? '(unknown)',
      path: typeof props.Path === 'string' ? props.Path : props.Path === undefined ? '/' : '(unknown)',
      documents,
      awsManagedPolicyArns: [...new Set(awsManagedPolicyArns)].sort(),
      trust: trust ?? { Statement: [] },
      ...(permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn } : {}),
      ...(permissionsBoundaryDocument !== undefined ? { permissionsBoundaryDocument } : {}),
      maxSessionDuration: duration === undefined || containsUnknown(duration) ? 3600 : Number(duration),
      unknown: [...new Set(unknown)].sort(),
    });
  }
  if (roles.length === 0 && everyRole.length > 0) roles.push(unreadableRole(everyRole.join('; ')));
  const excludedAccountIds = JSON.stringify(template.Conditions ?? {}).match(/\{"Ref":"AWS::AccountId"\},"(\d{12})"/g)?.map((m) => m.slice(-13, -1)) ?? [];
  return { roles, excludedAccountIds: [...new Set(excludedAccountIds)].sort() };
}

/** A role that stands for a template the reader cannot read: nothing known, everything held. */
function unreadableRole(why: string): TemplateRole {
  return { logicalId: '(template)', roleName: '(unknown)', path: '/', documents: [], awsManagedPolicyArns: [], trust: { Statement: [] }, maxSessionDuration: 3600, unknown: [why] };
}
