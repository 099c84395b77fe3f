import { DEFAULT_MAX_SESSION_DURATION } from '../../../rules/value-rules';
import {
  Evaluator,
  Template,
  UNKNOWN,
  containsUnknown,
  isReference,
  parameterValues,
} from '../../../render/cloudformation/evaluate';
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
const JUDGED_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::RolePolicy',
  'AWS::CloudFormation::WaitConditionHandle',
]);

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

type Resources = [string, NonNullable<Template['Resources']>[string]][];

/** What one role of a template gathers as it is read: its documents, and what only the stack's run knows. */
class RoleReading {
  readonly documents: IamDocumentJson[] = [];
  readonly awsManagedPolicyArns: string[] = [];

  constructor(readonly unknown: string[]) {}

  /** A policy document, when it is known before the stack runs. */
  document(value: unknown, what: string): IamDocumentJson | undefined {
    if (value === undefined) return undefined;
    if (containsUnknown(value) || typeof value !== 'object' || value === null) {
      this.unknown.push(`${what} (it depends on something known only where the stack runs)`);
      return undefined;
    }
    return value as IamDocumentJson;
  }

  add(value: unknown, what: string): void {
    const read = this.document(value, what);
    if (read) this.documents.push(read);
  }
}

/** A template evaluated with its parameters: the resources it creates and their properties. */
class TemplateReader {
  readonly resources: Resources;
  private readonly properties: Map<string, Record<string, unknown>>;
  /** What the template creates besides roles and their policies: unknown for every role. */
  readonly notJudged: string[];

  constructor(
    readonly template: Template,
    given: Record<string, string>,
    partition: string,
  ) {
    const evaluator = new Evaluator(template, parameterValues(template, given), partition);
    this.resources = Object.entries(template.Resources ?? {}).filter(
      ([, r]) => r.Condition === undefined || evaluator.condition(r.Condition) !== false,
    ) as Resources;
    this.notJudged = this.resources
      .filter(([, resource]) => !JUDGED_TYPES.has(String(resource.Type)))
      .map(
        ([id, resource]) =>
          `the template also creates ${String(resource.Type)} ${id}, which this review does not judge`,
      );
    this.properties = new Map(
      this.resources.map(([id, r]) => [id, evaluator.value(r.Properties ?? {}) as Record<string, unknown>]),
    );
  }

  propertiesOf(id: string): Record<string, unknown> {
    return this.properties.get(id) ?? {};
  }

  managedPolicyDocument(id: string): unknown {
    return this.resources.find(([rid]) => rid === id)?.[1].Type === 'AWS::IAM::ManagedPolicy'
      ? this.propertiesOf(id).PolicyDocument
      : undefined;
  }

  role(logicalId: string): TemplateRole {
    const props = this.propertiesOf(logicalId);
    const reading = new RoleReading([...this.notJudged]);
    const roleName = typeof props.RoleName === 'string' ? props.RoleName : undefined;
    if (roleName === undefined)
      reading.unknown.push(
        props.RoleName === undefined ? 'the role name (CloudFormation makes one up)' : 'the role name',
      );
    const trust = reading.document(props.AssumeRolePolicyDocument, 'the trust policy');
    this.readManagedPolicies(props.ManagedPolicyArns, reading);
    const inline = props.Policies;
    if (Array.isArray(inline))
      inline.forEach((p, i) => reading.add((p as Record<string, unknown>)?.PolicyDocument, `inline policy ${i + 1}`));
    else if (inline !== undefined) reading.unknown.push('the inline policies');
    this.readAttachedByOthers(logicalId, roleName, reading);
    const boundary = this.boundary(props.PermissionsBoundary, reading);
    const duration = props.MaxSessionDuration;
    if (duration !== undefined && typeof duration !== 'number' && !/^\d+$/.test(String(duration)))
      reading.unknown.push('the maximum session duration');
    return {
      logicalId,
      roleName: roleName ?? '(unknown)',
      path: typeof props.Path === 'string' ? props.Path : props.Path === undefined ? '/' : '(unknown)',
      documents: reading.documents,
      awsManagedPolicyArns: [...new Set(reading.awsManagedPolicyArns)].sort(),
      trust: trust ?? { Statement: [] },
      ...boundary,
      maxSessionDuration:
        duration === undefined || containsUnknown(duration) ? DEFAULT_MAX_SESSION_DURATION : Number(duration),
      unknown: [...new Set(reading.unknown)].sort(),
    };
  }

  private readManagedPolicies(arns: unknown, reading: RoleReading): void {
    if (!Array.isArray(arns)) {
      if (arns !== undefined) reading.unknown.push('the managed policy ARNs');
      return;
    }
    const what = 'a managed policy';
    for (const arn of arns) {
      if (isReference(arn)) {
        const policy = this.managedPolicyDocument(arn.resource);
        if (policy === undefined)
          reading.unknown.push(`${what}: ${arn.resource} is not a managed policy of the template`);
        else reading.add(policy, `the document of managed policy ${arn.resource}`);
      } else if (typeof arn === 'string' && isAwsManagedPolicyArn(arn)) reading.awsManagedPolicyArns.push(arn);
      else if (typeof arn === 'string')
        reading.unknown.push(`${what}: policy ${arn}, which the template does not define`);
      else reading.unknown.push(`${what}: a policy ARN known only where the stack runs`);
    }
  }

  /** Other resources that attach to this role: by Ref (the role's name) or by its literal name. */
  private readAttachedByOthers(logicalId: string, roleName: string | undefined, reading: RoleReading): void {
    const names = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
    const namesRole = (value: unknown): boolean | undefined => {
      if (isReference(value))
        return value.resource === logicalId && (value.attribute === undefined || value.attribute === '');
      if (typeof value === 'string') return roleName !== undefined && value === roleName;
      return undefined;
    };
    for (const [id, other] of this.resources) {
      const props = this.propertiesOf(id);
      const targets =
        other.Type === 'AWS::IAM::RolePolicy'
          ? [props.RoleName]
          : other.Type === 'AWS::IAM::Policy' || other.Type === 'AWS::IAM::ManagedPolicy'
            ? names(props.Roles)
            : [];
      const named = targets.map(namesRole);
      if (named.includes(undefined))
        reading.unknown.push(`${other.Type} ${id} names a role known only where the stack runs`);
      else if (named.includes(true)) reading.add(props.PolicyDocument, `the document of ${other.Type} ${id}`);
    }
  }

  private boundary(
    boundary: unknown,
    reading: RoleReading,
  ): Pick<TemplateRole, 'permissionsBoundaryArn' | 'permissionsBoundaryDocument'> {
    if (isReference(boundary)) {
      const document = reading.document(
        this.managedPolicyDocument(boundary.resource) ?? UNKNOWN,
        'the permissions boundary',
      );
      return {
        permissionsBoundaryArn: `(managed policy ${boundary.resource} of the template)`,
        ...(document !== undefined ? { permissionsBoundaryDocument: document } : {}),
      };
    }
    if (typeof boundary === 'string') return { permissionsBoundaryArn: boundary };
    if (boundary !== undefined) reading.unknown.push('the permissions boundary');
    return {};
  }
}

/** The roles a template creates, with the parameters it is given (the template's defaults fill the rest). */
export function rolesFromTemplate(
  templateBody: string,
  given: Record<string, string>,
  partition: string,
): TemplateRoles {
  let template: Template;
  try {
    template = JSON.parse(templateBody) as Template;
  } catch {
    // CloudFormation also takes YAML; this reader does not, so such a template is unknown as a whole.
    return { roles: [unreadableRole('the template is not JSON, which this review reads')], excludedAccountIds: [] };
  }
  const reader = new TemplateReader(template, given, partition);
  const roles = reader.resources
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .map(([id]) => reader.role(id));
  if (roles.length === 0 && reader.notJudged.length > 0) roles.push(unreadableRole(reader.notJudged.join('; ')));
  const excludedAccountIds =
    JSON.stringify(template.Conditions ?? {})
      .match(/\{"Ref":"AWS::AccountId"\},"(\d{12})"/g)
      ?.map((m) => m.slice(-13, -1)) ?? [];
  return { roles, excludedAccountIds: [...new Set(excludedAccountIds)].sort() };
}

/** A role that stands for a template the reader cannot read: nothing known, everything held. */
function unreadableRole(why: string): TemplateRole {
  return {
    logicalId: '(template)',
    roleName: '(unknown)',
    path: '/',
    documents: [],
    awsManagedPolicyArns: [],
    trust: { Statement: [] },
    maxSessionDuration: DEFAULT_MAX_SESSION_DURATION,
    unknown: [why],
  };
}
