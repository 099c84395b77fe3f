import { IamDocumentJson } from '../views';

/*
 * A CloudFormation template read for the roles it creates and every route of permission to them: the role's
 * own `Policies`, `ManagedPolicyArns` and `PermissionsBoundary`, and `AWS::IAM::ManagedPolicy`,
 * `AWS::IAM::Policy` and `AWS::IAM::RolePolicy` resources that name the role. Intrinsic functions are
 * evaluated with the parameters the stack or stack set is given (Ref, Fn::Sub, Fn::Join, Fn::If with the
 * template's conditions, Fn::Select, Fn::Split, Fn::GetAtt to a resource); anything else, and anything that
 * depends on the deploying account, is unknown, and what it makes unknown is said so.
 */

type Json = unknown;
const UNKNOWN = Symbol('unknown');
const NO_VALUE = Symbol('AWS::NoValue');

/** A reference to a resource of the template (Ref or Fn::GetAtt), resolved by the reader, not the evaluator. */
interface ResourceReference {
  readonly resource: string;
  readonly attribute?: string;
}

function isReference(value: unknown): value is ResourceReference {
  return typeof value === 'object' && value !== null && typeof (value as ResourceReference).resource === 'string' && Object.keys(value).every((k) => k === 'resource' || k === 'attribute');
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsUnknown);
  return false;
}

interface Template {
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources?: Record<string, { Type?: string; Condition?: string; Properties?: Record<string, Json> }>;
}

/** Resource types a connector template may hold without the review losing sight of a role's permissions. */
const JUDGED_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::CloudFormation::WaitConditionHandle']);
/** Pseudo parameters that depend on where the stack runs: unknown to a review. */
const PER_DEPLOYMENT = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::NotificationARNs', 'AWS::URLSuffix']);

class Evaluator {
  private readonly conditionValues = new Map<string, boolean | undefined>();

  constructor(
    private readonly template: Template,
    private readonly parameters: Record<string, string>,
    private readonly partition: string,
  ) {}

  private ref(name: string): unknown {
    if (name === 'AWS::Partition') return this.partition;
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (PER_DEPLOYMENT.has(name)) return UNKNOWN;
    if (name in this.parameters) return this.parameters[name];
    if (this.template.Resources && name in this.template.Resources) return { resource: name };
    return UNKNOWN;
  }

  condition(name: string, seen: ReadonlySet<string> = new Set()): boolean | undefined {
    if (this.conditionValues.has(name)) return this.conditionValues.get(name);
    if (seen.has(name) || !this.template.Conditions || !(name in this.template.Conditions)) return undefined;
    const value = this.conditionValue(this.template.Conditions[name], new Set([...seen, name]));
    this.conditionValues.set(name, value);
    return value;
  }

  private conditionValue(expression: Json, seen: ReadonlySet<string>): boolean | undefined {
    if (typeof expression !== 'object' || expression === null) return undefined;
    const node = expression as Record<string, Json>;
    if (typeof node.Condition === 'string') return this.condition(node.Condition, seen);
    const args = (key: string) => (Array.isArray(node[key]) ? (node[key] as Json[]) : []);
    if ('Fn::Equals' in node) {
      const [a, b] = args('Fn::Equals').map((v) => this.value(v));
      return containsUnknown(a) || containsUnknown(b) ? undefined : JSON.stringify(a) === JSON.stringify(b);
    }
    if ('Fn::Not' in node) {
      const inner = this.conditionValue(args('Fn::Not')[0], seen);
      return inner === undefined ? undefined : !inner;
    }
    const parts = (key: string) => args(key).map((c) => this.conditionValue(c, seen));
    if ('Fn::And' in node) {
      const values = parts('Fn::And');
      return values.includes(false) ? false : values.includes(undefined) ? undefined : true;
    }
    if ('Fn::Or' in node) {
      const values = parts('Fn::Or');
      return values.includes(true) ? true : values.includes(undefined) ? undefined : false;
    }
    return undefined;
  }

  private substitute(text: string, variables: Record<string, unknown>): unknown {
    let unknown = false;
    let whole: unknown;
    const out = text.replace(/\$\{(!?)([^}]*)\}/g, (match, literal: string, name: string) => {
      if (literal === '!') return `\${${name}}`;
      const value = name in variables ? variables[name] : name.includes('.') ? { resource: name.split('.')[0], attribute: name.split('.').slice(1).join('.') } : this.ref(name);
      if (typeof value === 'string') return value;
      if (match === text) whole = value;
      unknown = true;
      return '';
    });
    if (whole !== undefined) return whole;
    return unknown ? UNKNOWN : out;
  }

  value(node: Json): unknown {
    if (Array.isArray(node)) return node.map((v) => this.value(v)).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const object = node as Record<string, Json>;
    const keys = Object.keys(object);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = object[key];
      const list = (v: unknown) => (Array.isArray(v) ? v : []);
      switch (key) {
        case 'Ref':
          return typeof arg === 'string' ? this.ref(arg) : UNKNOWN;
        case 'Fn::GetAtt': {
          const parts = typeof arg === 'string' ? arg.split('.') : list(arg).map(String);
          return this.template.Resources && parts[0] in this.template.Resources ? { resource: parts[0], attribute: parts.slice(1).join('.') } : UNKNOWN;
        }
        case 'Fn::Sub': {
          if (typeof arg === 'string') return this.substitute(arg, {});
          const [text, variables] = list(arg);
          const values = Object.fromEntries(Object.entries((variables ?? {}) as Record<string, Json>).map(([k, v]) => [k, this.value(v)]));
          return typeof text === 'string' ? this.substitute(text, values) : UNKNOWN;
        }
        case 'Fn::Join': {
          const [delimiter, items] = list(arg);
          const values = this.value(items);
          return typeof delimiter === 'string' && Array.isArray(values) && values.every((v) => typeof v === 'string') ? values.join(delimiter) : UNKNOWN;
        }
        case 'Fn::Select': {
          const [index, items] = list(arg);
          const values = this.value(items);
          const i = Number(this.value(index));
          return Array.isArray(values) && Number.isInteger(i) && i >= 0 && i < values.length ? values[i] : UNKNOWN;
        }
        case 'Fn::Split': {
          const [delimiter, text] = list(arg);
          const value = this.value(text);
          return typeof delimiter === 'string' && typeof value === 'string' ? value.split(delimiter) : UNKNOWN;
        }
        case 'Fn::If': {
          const [name, then, otherwise] = list(arg);
          const chosen = typeof name === 'string' ? this.condition(name) : undefined;
          return chosen === undefined ? UNKNOWN : this.value(chosen ? then : otherwise);
        }
        default:
          if (key.startsWith('Fn::')) return UNKNOWN;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(object)) {
      const evaluated = this.value(value);
      if (evaluated !== NO_VALUE) out[key] = evaluated;
    }
    return out;
  }
}

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
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value !== undefined) parameters[name] = value;
  }
  const evaluator = new Evaluator(template, parameters, partition);
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
