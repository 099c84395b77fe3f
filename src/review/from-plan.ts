import { ConfigurationError } from '../errors';
import { IamDocumentJson, ReachView, RoleKind, RoleView, StackView } from './views';

/*
 * A `terraform show -json` plan read into the review's views: the state before the plan and the values
 * after it, for the app's stacks and for configurations using the modules. Role policies whose ARNs are
 * unknown until apply are linked to their attachments through the plan's configuration references.
 */

type Values = Record<string, unknown>;

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly module_address?: string;
  readonly change: { readonly actions: readonly string[]; readonly before: Values | null; readonly after: Values | null };
}

interface ConfigResource {
  readonly address: string;
  readonly expressions?: Record<string, { references?: string[] } | undefined>;
}

interface ConfigModule {
  readonly resources?: readonly ConfigResource[];
  readonly module_calls?: Record<string, { module?: ConfigModule }>;
}

export interface PlanJson {
  readonly format_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly configuration?: { root_module?: ConfigModule };
}

/** A delete or replacement of something a role depends on, from the plan's actions. */
export interface Disruption {
  readonly stack: string;
  readonly address: string;
  readonly action: 'delete' | 'replace';
}

const DISRUPTIVE_TYPES = new Set([
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_role_policy_attachment',
  'aws_cloudformation_stack',
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
]);

/** Checks a parsed plan's format: the review reads format 1.x only. */
export function checkPlanFormat(plan: unknown, option: string, file: string): PlanJson {
  const version = (plan as PlanJson | null)?.format_version;
  if (typeof plan !== 'object' || plan === null || typeof version !== 'string' || !Array.isArray((plan as PlanJson).resource_changes)) {
    throw new ConfigurationError([{ field: option, value: JSON.stringify(file), rule: 'must be `terraform show -json <saved plan>` output (format_version and resource_changes)' }], 'Invalid qualys-connector-review input');
  }
  if (version.split('.')[0] !== '1') {
    throw new ConfigurationError([{ field: option, value: `${JSON.stringify(file)} (format_version ${JSON.stringify(version)})`, rule: 'must be plan JSON of format 1.x (Terraform 1.x); this version of the review does not read other formats' }], 'Invalid qualys-connector-review input');
  }
  return plan as PlanJson;
}

/** Configuration references of each resource address (module paths included), e.g. `policy_arn` → `aws_iam_policy.cspm`. */
function configurationReferences(plan: PlanJson): Map<string, Record<string, string[]>> {
  const byAddress = new Map<string, Record<string, string[]>>();
  const walk = (module: ConfigModule | undefined, prefix: string): void => {
    for (const resource of module?.resources ?? []) {
      const refs: Record<string, string[]> = {};
      for (const [key, expression] of Object.entries(resource.expressions ?? {})) {
        if (expression?.references) refs[key] = expression.references.map((r) => `${prefix}${r}`);
      }
      byAddress.set(`${prefix}${resource.address}`, refs);
    }
    for (const [name, call] of Object.entries(module?.module_calls ?? {})) walk(call.module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, '');
  return byAddress;
}

/** The instance key at the end of a resource instance's address (`["Cspm"]`, `[0]`), or empty. */
function instanceKey(address: string): string {
  return /(\[[^\]]*\])$/.exec(address)?.[1] ?? '';
}

/** The configuration address of a resource instance: no instance keys (`a["x"]`, `a[0]`). */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, '');
}

function parseDocument(text: unknown): IamDocumentJson | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  return JSON.parse(text) as IamDocumentJson;
}

function partitionOfRegion(region: string | undefined): string {
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  if (region?.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** Evaluates the template functions the role templates use, with the stack set's parameters. */
function evaluate(value: unknown, parameters: Record<string, string>, resources: Record<string, Values>): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, parameters, resources)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Values;
  if ('Fn::Sub' in object) return String(object['Fn::Sub']).replace(/\$\{([\w:]+)\}/g, (_, name: string) => parameters[name] ?? `\${${name}}`);
  if ('Ref' in object) {
    const name = String(object.Ref);
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in resources) return { LogicalPolicy: name };
    return parameters[name] ?? `\${${name}}`;
  }
  if ('Fn::If' in object) {
    const [condition, then, otherwise] = object['Fn::If'] as unknown[];
    return evaluate(parameters[`condition:${String(condition)}`] === 'true' ? then : otherwise, parameters, resources);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, evaluate(v, parameters, resources)]));
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The role a CloudFormation role template (stack set or stack) creates, with the parameters it is given. */
export function roleFromTemplate(templateBody: string, given: Record<string, string>, partition: string, kind: RoleKind): { role: RoleView; excludedAccountIds: string[] } {
  const template = JSON.parse(templateBody) as { Parameters?: Record<string, { Default?: unknown }>; Resources: Record<string, Values>; Conditions?: Values };
  const parameters: Record<string, string> = { 'AWS::Partition': partition };
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value !== undefined) parameters[name] = value;
    // Optional earlier external IDs: present only when given.
    parameters[`condition:Has${name}`] = value !== undefined && value !== '' ? 'true' : 'false';
  }
  const policies = Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy'));
  const roleResource = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Role');
  if (!roleResource) throw new Error('the template has no AWS::IAM::Role');
  const properties = evaluate(roleResource.Properties, parameters, policies) as Values;
  const documents: IamDocumentJson[] = [];
  const awsManagedPolicyArns: string[] = [];
  for (const arn of (properties.ManagedPolicyArns as unknown[] | undefined) ?? []) {
    if (typeof arn === 'object' && arn !== null && 'LogicalPolicy' in arn) {
      const policy = policies[String((arn as Values).LogicalPolicy)];
      documents.push(evaluate((policy.Properties as Values).PolicyDocument, parameters, policies) as IamDocumentJson);
    } else {
      awsManagedPolicyArns.push(String(arn));
    }
  }
  const excludedAccountIds = JSON.stringify(template.Conditions ?? {}).match(/\{"Ref":"AWS::AccountId"\},"(\d{12})"/g)?.map((m) => m.slice(-13, -1)) ?? [];
  return {
    role: {
      kind,
      roleName: String(properties.RoleName),
      documents,
      awsManagedPolicyArns,
      trust: properties.AssumeRolePolicyDocument as IamDocumentJson,
      permissionsBoundaryArn: properties.PermissionsBoundary === undefined ? undefined : String(properties.PermissionsBoundary),
      maxSessionDuration: Number(properties.MaxSessionDuration ?? 3600),
    },
    excludedAccountIds: [...new Set(excludedAccountIds)].sort(),
  };
}

/** A nested block's first item: a plan lists blocks, a synthesized stack writes a single block as an object. */
function first(value: unknown): Values | undefined {
  if (Array.isArray(value)) return value[0] as Values | undefined;
  return value !== null && typeof value === 'object' ? (value as Values) : undefined;
}

/** One side of a plan (before or after) as the review's view of the stack. */
export function stackSide(plan: PlanJson, label: string, side: 'before' | 'after'): StackView | undefined {
  const references = configurationReferences(plan);
  const resources = (plan.resource_changes ?? [])
    .map((rc) => ({ address: rc.address, type: rc.type, values: rc.change[side] }))
    .filter((r): r is { address: string; type: string; values: Values } => r.values !== null && r.values !== undefined);
  if (resources.length === 0) return undefined;
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const stackSets = ofType('aws_cloudformation_stack_set');
  const instances = ofType('aws_cloudformation_stack_set_instance');
  const organization = stackSets.length > 0;
  const roles: RoleView[] = [];

  // Every policy instance (a for_each makes several of one configuration address).
  const policyInstances = ofType('aws_iam_policy');
  // An ARN is known once the policy exists; on create (and for the stand-in's empty values) it is not.
  const knownArn = (arn: unknown): arn is string => typeof arn === 'string' && arn !== '';
  const policyWithArn = (arn: string) => policyInstances.find((p) => p.values.arn === arn)?.values;
  /**
   * The policy an attachment attaches when its ARN is unknown: the one its configuration references (of the
   * same instance key when the reference names several), else, as the modules attach through `for_each`
   * over a local map, the policy of the same instance key in the same module.
   */
  const referencedPolicy = (attachment: { address: string }, references: readonly string[]): Values | undefined => {
    const key = instanceKey(attachment.address);
    let candidates = policyInstances.filter((p) => references.some((r) => configAddress(r) === configAddress(p.address)));
    if (candidates.length === 0 && key !== '') {
      const module = attachment.address.slice(0, attachment.address.lastIndexOf('aws_iam_role_policy_attachment.'));
      candidates = policyInstances.filter((p) => p.address.startsWith(module) && /^aws_iam_policy\.[^.[]+(\[[^\]]*\])?$/.test(p.address.slice(module.length)) && instanceKey(p.address) === key);
    }
    if (candidates.length > 1) candidates = candidates.filter((p) => instanceKey(p.address) === key);
    return candidates.length === 1 ? candidates[0].values : undefined;
  };
  const attachedOne = new Set<Values>();
  const perRole = ofType('aws_iam_role').map((role) => {
    const roleName = String(role.values.name);
    const roleConfig = configAddress(role.address);
    const policies = new Set<Values>();
    const awsManagedPolicyArns = new Set<string>();
    const refsOf = (address: string) => references.get(configAddress(address)) ?? {};
    for (const attachment of ofType('aws_iam_role_policy_attachment')) {
      const refs = refsOf(attachment.address);
      if (attachment.values.role !== roleName && !(refs.role ?? []).includes(roleConfig)) continue;
      const arn = attachment.values.policy_arn;
      const own = knownArn(arn) ? policyWithArn(arn) : referencedPolicy(attachment, refs.policy_arn ?? []);
      if (own) policies.add(own);
      else if (knownArn(arn)) awsManagedPolicyArns.add(arn);
      if (own) attachedOne.add(own);
    }
    let unknownArns = false;
    for (const exclusive of ofType('aws_iam_role_policy_attachments_exclusive')) {
      const refs = refsOf(exclusive.address);
      if (exclusive.values.role_name !== roleName && !(refs.role_name ?? []).includes(roleConfig)) continue;
      const arns = exclusive.values.policy_arns;
      for (const arn of Array.isArray(arns) ? arns : []) {
        const own = knownArn(arn) ? policyWithArn(arn) : undefined;
        if (own) policies.add(own);
        else if (knownArn(arn)) awsManagedPolicyArns.add(arn);
      }
      unknownArns ||= !Array.isArray(arns) || arns.some((arn) => !knownArn(arn));
    }
    return { role, roleName, policies, awsManagedPolicyArns, unknownArns };
  });
  for (const { role, roleName, policies, awsManagedPolicyArns, unknownArns } of perRole) {
    // ARNs unknown until apply (the modules list them through locals): with one role, every policy the
    // configuration creates and attaches to no other role is this role's.
    if (unknownArns && perRole.length === 1) for (const p of policyInstances) if (!attachedOne.has(p.values)) policies.add(p.values);
    const unreadable: string[] = [];
    const documents = [...policies].flatMap((p) => {
      const document = parseDocument(p.policy);
      if (!document) unreadable.push(`the document of policy ${typeof p.name === 'string' && p.name !== '' ? p.name : 'without a known name'}`);
      return document ? [document] : [];
    });
    for (const inline of ofType('aws_iam_role_policy')) {
      if (inline.values.role === roleName) {
        const document = parseDocument(inline.values.policy);
        if (document) documents.push(document);
        else unreadable.push(`the document of inline policy ${String(inline.values.name ?? inline.address)}`);
      }
    }
    const trust = parseDocument(role.values.assume_role_policy);
    if (!trust) unreadable.push('the trust policy');
    roles.push({
      kind: organization ? 'management role' : 'role',
      roleName,
      documents,
      awsManagedPolicyArns: [...awsManagedPolicyArns].sort(),
      trust: trust ?? { Statement: [] },
      permissionsBoundaryArn: typeof role.values.permissions_boundary === 'string' && role.values.permissions_boundary !== '' ? role.values.permissions_boundary : undefined,
      maxSessionDuration: Number(role.values.max_session_duration ?? 3600),
      ...(unreadable.length > 0 ? { unreadable: unreadable.sort() } : {}),
    });
  }

  const region = instances.map((i) => i.values.stack_set_instance_region ?? i.values.region).find((r) => typeof r === 'string') as string | undefined;
  const partition = partitionOfRegion(region);
  for (const stack of ofType('aws_cloudformation_stack')) {
    if (typeof stack.values.template_body !== 'string') continue;
    roles.push(roleFromTemplate(stack.values.template_body, (stack.values.parameters ?? {}) as Record<string, string>, partition, 'management role').role);
  }
  let reach: ReachView | undefined;
  for (const stackSet of stackSets) {
    if (typeof stackSet.values.template_body !== 'string') continue;
    const member = roleFromTemplate(stackSet.values.template_body, (stackSet.values.parameters ?? {}) as Record<string, string>, partition, 'member role');
    roles.push(member.role);
    const targets = instances.flatMap((i) => ((first(i.values.deployment_targets)?.organizational_unit_ids as string[] | undefined) ?? []));
    reach = {
      targets: [...new Set(targets)].sort(),
      excludedAccountIds: member.excludedAccountIds,
      region: region ?? '',
      retainStacksOnAccountRemoval: first(stackSet.values.auto_deployment)?.retain_stacks_on_account_removal === true,
    };
  }
  return { name: label, roles, ...(reach ? { reach } : {}) };
}

export interface PlanViews {
  readonly before?: StackView;
  readonly after?: StackView;
  readonly disruptions: readonly Disruption[];
}

/** A plan of one stack: its state before, its values after, and what the apply deletes or replaces. */
export function viewsFromPlan(plan: PlanJson, label: string): PlanViews {
  const disruptions: Disruption[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (!DISRUPTIVE_TYPES.has(rc.type) || !rc.change.actions.includes('delete')) continue;
    disruptions.push({ stack: label, address: rc.address, action: rc.change.actions.includes('create') ? 'replace' : 'delete' });
  }
  return { before: stackSide(plan, label, 'before'), after: stackSide(plan, label, 'after'), disruptions };
}
