import { DEFAULT_MAX_SESSION_DURATION } from '../../../rules/value-rules';
import { ConfigurationError } from '../../../rules/errors';
import { describeRegion } from '../../../rules/partition';
import { memberRegionOf } from '../../../rules/aws-provider';
import { IamDocumentJson, PlaceView, ReachView, RoleKind, RoleView, StackView, placeOf } from '../views';
import { isAwsManagedPolicyArn, rolesFromTemplate } from './cloudformation';

/*
 * A `terraform show -json` plan read into the review's views: the state before the plan and the values after
 * it. Every route of permission to a role is followed: the role's own `inline_policy` and
 * `managed_policy_arns`, `aws_iam_role_policy` (role by name or by id), `aws_iam_role_policy_attachment`,
 * `aws_iam_policy_attachment`, `aws_iam_role_policy_attachments_exclusive` and
 * `aws_iam_role_policies_exclusive`, and the roles of CloudFormation stacks and stack sets. An attachment is
 * linked to a role by the role's name, or, where the name is known only after apply, by the plan's
 * configuration references. What cannot be resolved is a role's unknown part, never silently empty.
 */

type Values = Record<string, unknown>;

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly module_address?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Values | null;
    readonly after: Values | null;
  };
}

interface ConfigResource {
  readonly address: string;
  readonly provider_config_key?: string;
  readonly expressions?: Record<string, unknown>;
}

interface ConfigModule {
  readonly resources?: readonly ConfigResource[];
  readonly module_calls?: Record<string, { module?: ConfigModule }>;
}

interface ProviderConfig {
  readonly name?: string;
  readonly alias?: string;
  readonly module_address?: string;
  readonly expressions?: Record<string, unknown>;
}

export interface PlanJson {
  readonly format_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly configuration?: {
    readonly provider_config?: Record<string, ProviderConfig>;
    readonly root_module?: ConfigModule;
  };
}

/** A delete or replacement of something a role depends on, from the plan's actions. */
export interface Disruption {
  readonly stack: string;
  readonly address: string;
  readonly action: 'delete' | 'replace';
  /** A stack set instance with `retain_stack`: its stacks (and roles) leave the stack set but stay in the accounts. */
  readonly stacksKept?: boolean;
}

const DISRUPTIVE_TYPES = new Set([
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_role_policy',
  'aws_iam_role_policy_attachment',
  'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_cloudformation_stack',
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
]);

/** Checks a parsed plan's format: the review reads format 1.x only. */
export function checkPlanFormat(plan: unknown, option: string, file: string): PlanJson {
  const version = (plan as PlanJson | null)?.format_version;
  if (
    typeof plan !== 'object' ||
    plan === null ||
    typeof version !== 'string' ||
    !Array.isArray((plan as PlanJson).resource_changes)
  ) {
    throw new ConfigurationError(
      [
        {
          field: option,
          value: JSON.stringify(file),
          rule: 'must be `terraform show -json <saved plan>` output (format_version and resource_changes)',
        },
      ],
      'Invalid qualys-connector-review input',
    );
  }
  if (version.split('.')[0] !== '1') {
    throw new ConfigurationError(
      [
        {
          field: option,
          value: `${JSON.stringify(file)} (format_version ${JSON.stringify(version)})`,
          rule: 'must be plan JSON of format 1.x (Terraform 1.x); this version of the review does not read other formats',
        },
      ],
      'Invalid qualys-connector-review input',
    );
  }
  return plan as PlanJson;
}

interface ConfiguredResource {
  /** Attributes the configuration sets, with the addresses their expressions refer to. */
  readonly expressions: Record<string, string[]>;
  readonly providerKey?: string;
}

/** Configuration of each resource address (module paths included): what it sets and what it refers to. */
function configuredResources(plan: PlanJson): Map<string, ConfiguredResource> {
  const byAddress = new Map<string, ConfiguredResource>();
  const walk = (module: ConfigModule | undefined, prefix: string): void => {
    for (const resource of module?.resources ?? []) {
      const expressions: Record<string, string[]> = {};
      for (const [key, expression] of Object.entries(resource.expressions ?? {}))
        expressions[key] = referencesOf(expression).map((r) => `${prefix}${r}`);
      byAddress.set(`${prefix}${resource.address}`, { expressions, providerKey: resource.provider_config_key });
    }
    for (const [name, call] of Object.entries(module?.module_calls ?? {}))
      walk(call.module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, '');
  return byAddress;
}

/** Every reference in an expression, nested blocks included. */
function referencesOf(expression: unknown): string[] {
  if (Array.isArray(expression)) return expression.flatMap(referencesOf);
  if (expression === null || typeof expression !== 'object') return [];
  const node = expression as { references?: unknown };
  if (Array.isArray(node.references)) return node.references.map(String);
  return Object.values(expression).flatMap(referencesOf);
}

/** The instance key at the end of a resource instance's address (`["Cspm"]`, `[0]`), or empty. */
function instanceKey(address: string): string {
  return /(\[[^\]]*\])$/.exec(address)?.[1] ?? '';
}

/** The configuration address of a resource instance: no instance keys (`a["x"]`, `a[0]`). */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, '');
}

/** Whether a configuration reference (`aws_iam_role.this.name`, `module.m.aws_iam_role.this`) names a resource. */
function refersTo(reference: string, resourceConfigAddress: string): boolean {
  const plain = configAddress(reference);
  return plain === resourceConfigAddress || plain.startsWith(`${resourceConfigAddress}.`);
}

function parseDocument(text: unknown): IamDocumentJson | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text) as IamDocumentJson;
  } catch {
    return undefined;
  }
}

/** The partition of a region, from the AWS SDK's partition data (commercial when no region is known). */
function partitionOfRegion(region: string | undefined): string {
  return region ? describeRegion(region).partition : 'aws';
}

function constant(expression: unknown): unknown {
  return expression !== null && typeof expression === 'object' && 'constant_value' in expression
    ? (expression as { constant_value: unknown }).constant_value
    : undefined;
}

/** The place of a provider configuration of the plan; a setting given by an expression leaves it unknown. */
function providerPlace(config: ProviderConfig | undefined): { place: PlaceView; region?: string; unknown?: string } {
  const expressions = config?.expressions ?? {};
  const accountIds = constant(expressions.allowed_account_ids);
  const assumeRole = Array.isArray(expressions.assume_role)
    ? (expressions.assume_role[0] as Record<string, unknown> | undefined)
    : undefined;
  const roleArn = assumeRole ? constant(assumeRole.role_arn) : undefined;
  const profile = constant(expressions.profile);
  const region = constant(expressions.region);
  const computed = ['allowed_account_ids', 'profile', 'region'].filter(
    (k) => k in expressions && constant(expressions[k]) === undefined,
  );
  if (assumeRole && 'role_arn' in assumeRole && roleArn === undefined) computed.push('assume_role.role_arn');
  return {
    place: placeOf({
      accountIds: Array.isArray(accountIds) ? accountIds.map(String) : undefined,
      assumeRoleArn: typeof roleArn === 'string' ? roleArn : undefined,
      profile: typeof profile === 'string' ? profile : undefined,
    }),
    region: typeof region === 'string' ? region : undefined,
    ...(computed.length > 0
      ? { unknown: `where the provider deploys it (${computed.join(', ')} known only at plan time)` }
      : {}),
  };
}

interface Resource {
  readonly address: string;
  readonly type: string;
  readonly values: Values;
  readonly config: ConfiguredResource;
}

/** A nested block's first item: a plan lists blocks, a synthesized stack writes a single block as an object. */
function firstBlock(value: unknown): Values | undefined {
  if (Array.isArray(value)) return value[0] as Values | undefined;
  return value !== null && typeof value === 'object' ? (value as Values) : undefined;
}

/**
 * A value known before apply. A synthesized stack's lone variable (`var.name`, the synthesis reader's stand-in,
 * right for an external ID) is not: a role name or policy ARN from a variable could be anything at plan time.
 */
const knownText = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && !/^var\.[A-Za-z_][\w-]*$/.test(value);

/** What the routes of permission give one role, gathered before its view is made. */
interface RoleRoutes {
  readonly documents: IamDocumentJson[];
  readonly aws: Set<string>;
  readonly unknown: string[];
  readonly inlineNames: Set<string>;
  exclusiveArnsUnknown: boolean;
}

type ProviderPlace = ReturnType<typeof providerPlace>;

/** The document of a policy resource, or why it is unknown. */
function policyDocumentOf(policy: Resource, what: string, routes: RoleRoutes): void {
  const document = parseDocument(policy.values.policy);
  if (document) routes.documents.push(document);
  else
    routes.unknown.push(
      `the document of ${what} ${knownText(policy.values.name) ? policy.values.name : policy.address} is known only after apply`,
    );
}

/** One side of a plan (before or after), read route by route into the review's view of the stack. */
class PlanSide {
  private readonly resources: Resource[];
  private readonly providers: Record<string, ProviderConfig>;
  private readonly roleResources: Resource[];
  private readonly policyInstances: Resource[];
  private readonly routes = new Map<Resource, RoleRoutes>();
  /** Policies some attachment names: with unknown exclusive ARNs, the rest belong to the only role. */
  private readonly linkedOnce = new Set<Resource>();
  /** Attachments whose role is known only after apply: unknown for every role. */
  private readonly unlinked: string[] = [];

  constructor(
    plan: PlanJson,
    private readonly side: 'before' | 'after',
  ) {
    const configured = configuredResources(plan);
    this.resources = (plan.resource_changes ?? [])
      .filter((rc) => rc.change[side] !== null && rc.change[side] !== undefined)
      .map((rc) => ({
        address: rc.address,
        type: rc.type,
        values: rc.change[side] as Values,
        config: configured.get(configAddress(rc.address)) ?? { expressions: {} },
      }));
    this.providers = plan.configuration?.provider_config ?? {};
    this.roleResources = this.ofType('aws_iam_role');
    this.policyInstances = this.ofType('aws_iam_policy');
    for (const role of this.roleResources) {
      this.routes.set(role, {
        documents: [],
        aws: new Set(),
        unknown: [],
        inlineNames: new Set(),
        exclusiveArnsUnknown: false,
      });
    }
  }

  get empty(): boolean {
    return this.resources.length === 0;
  }

  private ofType(type: string): Resource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /**
   * Where a resource is deployed. A plan holds only the new configuration, so the state before it says where
   * a resource was: the account in its ARN. After the change, the provider's settings say where it goes, and
   * the ARN where they name no account.
   */
  private placed(resource: Resource, provider: ProviderPlace): ProviderPlace {
    const fromArn = knownText(resource.values.arn) ? resource.values.arn.split(':')[4] : undefined;
    let accounts = provider.place.accounts.length > 0 ? provider.place.accounts : fromArn ? [fromArn] : [];
    if (this.side === 'before' && fromArn) accounts = [fromArn];
    return { ...provider, place: { ...provider.place, accounts } };
  }

  private placeOf(resource: Resource): ProviderPlace {
    return this.placed(
      resource,
      providerPlace(this.providers[resource.config.providerKey ?? 'aws'] ?? this.providers.aws),
    );
  }

  /**
   * The roles an attachment's attribute names: by value (a role's name, which is also its id), else by the
   * configuration's references; `undefined` when neither tells (the role is known only after apply).
   */
  private rolesNamedBy(resource: Resource, attribute: string): Resource[] | undefined {
    const value = resource.values[attribute];
    const values: unknown[] | undefined = Array.isArray(value)
      ? value
      : value === undefined || value === null
        ? undefined
        : [value];
    const byName = this.roleResources.filter((r) => (values ?? []).includes(r.values.name));
    if (values !== undefined && values.every(knownText)) return byName;
    const references = resource.config.expressions[attribute] ?? [];
    const refersToRole = (r: Resource) => references.some((ref) => refersTo(ref, configAddress(r.address)));
    const byReference = this.roleResources.filter(refersToRole);
    const elsewhere = references.some(
      (ref) => !this.roleResources.some((r) => refersTo(ref, configAddress(r.address))),
    );
    return byReference.length > 0 && !elsewhere ? [...new Set([...byName, ...byReference])] : undefined;
  }

  /** The customer policy an attachment's unknown ARN names: by reference, else (modules' for_each) by instance key in the same module. */
  private referencedPolicy(attachment: Resource, attribute: string): Resource | undefined {
    const key = instanceKey(attachment.address);
    const references = attachment.config.expressions[attribute] ?? [];
    let candidates = this.policyInstances.filter((p) => references.some((r) => refersTo(r, configAddress(p.address))));
    if (candidates.length === 0 && key !== '') {
      const module = attachment.address.slice(0, attachment.address.lastIndexOf(`${attachment.type}.`));
      candidates = this.policyInstances.filter(
        (p) =>
          p.address.startsWith(module) &&
          /^aws_iam_policy\.[^.[]+(\[[^\]]*\])?$/.test(p.address.slice(module.length)) &&
          instanceKey(p.address) === key,
      );
    }
    if (candidates.length > 1) candidates = candidates.filter((p) => instanceKey(p.address) === key);
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  private attachPolicy(role: Resource, arn: unknown, attachment: Resource, attribute: string): void {
    const routes = this.routes.get(role);
    if (!routes) return;
    if (knownText(arn) && isAwsManagedPolicyArn(arn)) {
      routes.aws.add(arn);
      return;
    }
    const policy = knownText(arn)
      ? this.policyInstances.find((p) => p.values.arn === arn)
      : this.referencedPolicy(attachment, attribute);
    if (!policy) {
      routes.unknown.push(
        knownText(arn)
          ? `policy ${arn}, attached by ${attachment.address}, is not defined in this change`
          : `the policy ${attachment.address} attaches is known only after apply`,
      );
      return;
    }
    this.linkedOnce.add(policy);
    policyDocumentOf(policy, 'policy', routes);
  }

  private eachRoleOf(
    resource: Resource,
    attribute: string,
    action: (role: Resource, routes: RoleRoutes) => void,
  ): void {
    const roles = this.rolesNamedBy(resource, attribute);
    if (roles === undefined) this.unlinked.push(`${resource.address} attaches to a role known only after apply`);
    else for (const role of roles) action(role, this.routes.get(role) as RoleRoutes);
  }

  /** The role's own `inline_policy` blocks and `managed_policy_arns`. */
  private readRoleAttributes(): void {
    for (const [role, routes] of this.routes) {
      const inline = role.values.inline_policy;
      if (Array.isArray(inline)) {
        for (const block of inline as Values[]) {
          if (!knownText(block?.name) && !knownText(block?.policy)) continue;
          if (knownText(block.name)) routes.inlineNames.add(block.name);
          const document = parseDocument(block.policy);
          if (document) routes.documents.push(document);
          else routes.unknown.push(`inline policy ${String(block.name ?? '')} of the role is known only after apply`);
        }
      } else if ('inline_policy' in role.config.expressions)
        routes.unknown.push('the inline policies of the role are known only after apply');
      const managed = role.values.managed_policy_arns;
      if (Array.isArray(managed)) managed.forEach((arn) => this.attachPolicy(role, arn, role, 'managed_policy_arns'));
      else if ('managed_policy_arns' in role.config.expressions)
        routes.unknown.push('the managed_policy_arns of the role are known only after apply');
    }
  }

  /** Inline policy resources, attachments and exclusive attachments, each linked to its roles. */
  private readAttachments(): void {
    for (const inline of this.ofType('aws_iam_role_policy')) {
      this.eachRoleOf(inline, 'role', (_role, routes) => {
        if (knownText(inline.values.name)) routes.inlineNames.add(inline.values.name);
        policyDocumentOf(inline, 'inline policy', routes);
      });
    }
    for (const type of ['aws_iam_role_policy_attachment', 'aws_iam_policy_attachment']) {
      for (const attachment of this.ofType(type)) {
        const attribute = type === 'aws_iam_policy_attachment' ? 'roles' : 'role';
        this.eachRoleOf(attachment, attribute, (role) =>
          this.attachPolicy(role, attachment.values.policy_arn, attachment, 'policy_arn'),
        );
      }
    }
    for (const exclusive of this.ofType('aws_iam_role_policy_attachments_exclusive')) {
      this.eachRoleOf(exclusive, 'role_name', (role, routes) => {
        const arns = exclusive.values.policy_arns;
        if (!Array.isArray(arns) || arns.some((arn) => !knownText(arn))) routes.exclusiveArnsUnknown = true;
        for (const arn of Array.isArray(arns) ? arns.filter(knownText) : [])
          this.attachPolicy(role, arn, exclusive, 'policy_arns');
      });
    }
  }

  /** Inline policies an exclusive resource keeps: checked once every inline policy is read. */
  private checkKeptInlinePolicies(): void {
    for (const exclusive of this.ofType('aws_iam_role_policies_exclusive')) {
      this.eachRoleOf(exclusive, 'role_name', (_role, routes) => {
        const names = exclusive.values.policy_names;
        if (!Array.isArray(names)) {
          routes.unknown.push(`the inline policies ${exclusive.address} keeps are known only after apply`);
          return;
        }
        // A kept name the change does not define is a policy it cannot see.
        for (const name of names.filter((n) => !routes.inlineNames.has(String(n)))) {
          routes.unknown.push(
            `inline policy ${String(name)}, kept by ${exclusive.address}, is not defined in this change`,
          );
        }
      });
    }
  }

  private roleView(role: Resource, routes: RoleRoutes, organization: boolean): RoleView {
    // ARNs unknown until apply (the modules list them through locals): with one role, every policy of the
    // configuration attached to no other role is this role's.
    if (routes.exclusiveArnsUnknown) {
      if (this.roleResources.length === 1) {
        for (const policy of this.policyInstances.filter((p) => !this.linkedOnce.has(p)))
          policyDocumentOf(policy, 'policy', routes);
      } else routes.unknown.push('the policies of its exclusive attachment are known only after apply');
    }
    const trust = parseDocument(role.values.assume_role_policy);
    if (!trust) routes.unknown.push('the trust policy is known only after apply');
    if (!knownText(role.values.name)) routes.unknown.push('the role name is known only after apply');
    const provider = this.placeOf(role);
    if (provider.unknown) routes.unknown.push(provider.unknown);
    const boundaryArn = knownText(role.values.permissions_boundary) ? role.values.permissions_boundary : undefined;
    const boundaryPolicy =
      boundaryArn === undefined ? undefined : this.policyInstances.find((p) => p.values.arn === boundaryArn);
    const boundaryDocument = boundaryPolicy ? parseDocument(boundaryPolicy.values.policy) : undefined;
    const unknown = [...new Set([...routes.unknown, ...this.unlinked])].sort();
    // A boundary known only after apply is read as none: the widest case, so the comparison stays on the safe side.
    return {
      kind: organization ? 'management role' : 'role',
      roleName: knownText(role.values.name) ? role.values.name : '(known after apply)',
      path: knownText(role.values.path) ? role.values.path : '/',
      partition: partitionOfRegion(provider.region),
      address: role.address,
      deployedBy: 'terraform',
      documents: routes.documents,
      awsManagedPolicyArns: [...routes.aws].sort(),
      trust: trust ?? { Statement: [] },
      ...(boundaryArn !== undefined ? { permissionsBoundaryArn: boundaryArn } : {}),
      ...(boundaryDocument !== undefined ? { permissionsBoundaryDocument: boundaryDocument } : {}),
      maxSessionDuration: Number(role.values.max_session_duration ?? DEFAULT_MAX_SESSION_DURATION),
      place: provider.place,
      ...(unknown.length > 0 ? { unknown } : {}),
    };
  }

  /** The roles of CloudFormation stacks (the management role) and stack sets (member roles, with their reach). */
  private templateViews(): RoleView[] {
    const roles: RoleView[] = [];
    for (const stack of this.ofType('aws_cloudformation_stack')) {
      const provider = this.placeOf(stack);
      const partition = partitionOfRegion(provider.region);
      roles.push(
        ...templateRoles(
          stack,
          'management role',
          'cloudformation-stack',
          partition,
          provider.place,
          undefined,
          provider.unknown,
        ),
      );
    }
    const defaultProvider = providerPlace(this.providers.aws);
    const instances = this.ofType('aws_cloudformation_stack_set_instance');
    for (const stackSet of this.ofType('aws_cloudformation_stack_set')) {
      const mine = instances.filter((i) =>
        knownText(i.values.stack_set_name)
          ? i.values.stack_set_name === stackSet.values.name
          : (i.config.expressions.stack_set_name ?? []).some((r) => refersTo(r, configAddress(stackSet.address))),
      );
      const region = mine.map((i) => memberRegionOf(i.values)).find(knownText);
      const targets = mine.flatMap(
        (i) => (firstBlock(i.values.deployment_targets)?.organizational_unit_ids as string[] | undefined) ?? [],
      );
      const reach: ReachView = {
        targets: [...new Set(targets)].sort(),
        excludedAccountIds: [],
        region: region ?? '',
        retainStacksOnAccountRemoval:
          firstBlock(stackSet.values.auto_deployment)?.retain_stacks_on_account_removal === true,
        stackSetName: knownText(stackSet.values.name) ? stackSet.values.name : '(known after apply)',
        callAs: knownText(stackSet.values.call_as) ? stackSet.values.call_as : 'SELF',
      };
      // Member roles are in the organization of the management account, where the stack set lives (its ARN says which).
      const management = this.placed(stackSet, defaultProvider);
      const partition = partitionOfRegion(region ?? defaultProvider.region);
      roles.push(
        ...templateRoles(
          stackSet,
          'member role',
          'stack-set',
          partition,
          management.place,
          reach,
          defaultProvider.unknown,
        ),
      );
    }
    return roles;
  }

  roles(): RoleView[] {
    this.readRoleAttributes();
    this.readAttachments();
    this.checkKeptInlinePolicies();
    const organization = this.ofType('aws_cloudformation_stack_set').length > 0;
    const roles = [...this.routes].map(([role, routes]) => this.roleView(role, routes, organization));
    return [...roles, ...this.templateViews()];
  }
}

/** One side of a plan (before or after) as the review's view of the stack. */
export function stackSide(plan: PlanJson, label: string, side: 'before' | 'after'): StackView | undefined {
  const reader = new PlanSide(plan, side);
  return reader.empty ? undefined : { name: label, roles: reader.roles() };
}

/** The roles a CloudFormation stack or stack set resource creates, read from its template with its parameters. */
function templateRoles(
  resource: Resource,
  kind: RoleKind,
  deployedBy: RoleView['deployedBy'],
  partition: string,
  place: PlaceView,
  reach: ReachView | undefined,
  placeUnknown: string | undefined,
): RoleView[] {
  const body = resource.values.template_body;
  if (!knownText(body)) {
    return [
      {
        kind,
        roleName: '(known after apply)',
        path: '/',
        partition,
        address: resource.address,
        deployedBy,
        documents: [],
        awsManagedPolicyArns: [],
        trust: { Statement: [] },
        maxSessionDuration: DEFAULT_MAX_SESSION_DURATION,
        place,
        ...(reach ? { reach } : {}),
        unknown: ['the template is known only after apply'],
      },
    ];
  }
  const parameters = Object.fromEntries(
    Object.entries((resource.values.parameters ?? {}) as Values).map(([k, v]) => [k, String(v)]),
  );
  const read = rolesFromTemplate(body, parameters, partition);
  return read.roles.map((role) => {
    const unknown = [...role.unknown, ...(placeUnknown ? [placeUnknown] : [])];
    return {
      kind,
      roleName: role.roleName,
      path: role.path,
      partition,
      address: `${resource.address}/${role.logicalId}`,
      deployedBy,
      documents: role.documents,
      awsManagedPolicyArns: role.awsManagedPolicyArns,
      trust: role.trust,
      ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
      ...(role.permissionsBoundaryDocument !== undefined
        ? { permissionsBoundaryDocument: role.permissionsBoundaryDocument }
        : {}),
      maxSessionDuration: role.maxSessionDuration,
      place,
      ...(reach ? { reach: { ...reach, excludedAccountIds: read.excludedAccountIds } } : {}),
      template: { body, parameters },
      ...(unknown.length > 0 ? { unknown } : {}),
    };
  });
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
    const kept = rc.type === 'aws_cloudformation_stack_set_instance' && rc.change.before?.retain_stack === true;
    disruptions.push({
      stack: label,
      address: rc.address,
      action: rc.change.actions.includes('create') ? 'replace' : 'delete',
      ...(kept ? { stacksKept: true } : {}),
    });
  }
  return { before: stackSide(plan, label, 'before'), after: stackSide(plan, label, 'after'), disruptions };
}
