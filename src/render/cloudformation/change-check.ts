import { Evaluator, Template, UNKNOWN, parameterValues } from './evaluate';

/*
 * What CloudFormation does with a template change, judged by its resource specification
 * (`@aws-cdk/aws-service-spec`): a property change marked `causesReplacement` replaces the resource, and a
 * resource with a custom name (`<Type>Name`, e.g. RoleName, ManagedPolicyName) cannot be replaced under the
 * same name: CloudFormation creates the replacement first, the name is taken, and the stack update fails and
 * rolls back. For a stack set that is every member account's stack. The same holds for a resource that moves
 * to a new logical ID while keeping its name. Changes are compared after evaluating each side with the
 * parameters its stack is given, so a new parameter value (another role name) is a change too.
 */

export interface TemplateSide {
  /** The template text (a template_body) or its parsed JSON. */
  readonly template: string | Record<string, unknown>;
  readonly parameters?: Record<string, string>;
}

export interface ResourceReplacement {
  readonly logicalId: string;
  readonly type: string;
  /** The properties whose change makes CloudFormation replace the resource. */
  readonly properties: readonly string[];
  /** The custom name before and after, when the resource has one. */
  readonly name?: { readonly before: string; readonly after: string };
  /** Whether CloudFormation refuses it: the name is the same on both sides. */
  readonly refused: boolean;
}

export interface TemplateChangeCheck {
  /** Replacements, whether CloudFormation can make them (new name) or refuses (same name). */
  readonly replacements: readonly ResourceReplacement[];
  /** Resources added under the name of a resource removed in the same update: the creation fails, the name is taken. */
  readonly nameClashes: readonly string[];
  /** One line per change CloudFormation refuses (empty: the update applies). */
  readonly errors: readonly string[];
}

interface PropertySpec {
  readonly causesReplacement?: 'yes' | 'maybe' | 'no';
}
interface ResourceSpec {
  readonly name: string;
  readonly properties: Record<string, PropertySpec>;
}
interface SpecDatabase {
  lookup(kind: 'resource', key: 'cloudFormationType', how: 'equals', value: string): ResourceSpec[];
}

let database: SpecDatabase | undefined;
function spec(): SpecDatabase {
  if (!database) {
    // Loaded on first use only: the database takes most of a second to read.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const serviceSpec = require('@aws-cdk/aws-service-spec') as { loadAwsServiceSpecSync(): SpecDatabase };
    database = serviceSpec.loadAwsServiceSpecSync();
  }
  return database;
}

interface Created {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

const text = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => (v === UNKNOWN ? '<unknown>' : v)) ?? 'undefined';

/** The resources a stack of the template holds, each property evaluated with the side's parameters. */
function resources(side: TemplateSide, partition: string): Map<string, Created> {
  const template = (typeof side.template === 'string' ? JSON.parse(side.template) : side.template) as Template;
  const evaluator = new Evaluator(template, parameterValues(template, side.parameters ?? {}), partition);
  const out = new Map<string, Created>();
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    out.set(id, {
      type: String(resource.Type),
      properties: evaluator.value(resource.Properties ?? {}) as Record<string, unknown>,
    });
  }
  return out;
}

/** The name property of a type by CloudFormation's `<Type>Name` convention, when the specification has one. */
function nameProperty(resource: ResourceSpec): string | undefined {
  const name = `${resource.name}Name`;
  return name in resource.properties ? name : undefined;
}

function resourceSpec(type: string): ResourceSpec | undefined {
  return spec().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** Compares two templates as CloudFormation would apply the second over the first. */
export function checkTemplateChange(before: TemplateSide, after: TemplateSide, partition = 'aws'): TemplateChangeCheck {
  const a = resources(before, partition);
  const b = resources(after, partition);
  const replacements: ResourceReplacement[] = [];
  const errors: string[] = [];
  for (const [id, now] of b) {
    const previous = a.get(id);
    if (!previous) continue;
    const resource = resourceSpec(now.type);
    if (previous.type !== now.type) {
      replacements.push({ logicalId: id, type: now.type, properties: ['Type'], refused: false });
      continue;
    }
    if (!resource) {
      errors.push(`${id}: the resource specification does not know ${now.type}, so what a change does cannot be told`);
      continue;
    }
    const named = nameProperty(resource);
    const changed = [...new Set([...Object.keys(previous.properties), ...Object.keys(now.properties)])].filter(
      (p) => text(previous.properties[p]) !== text(now.properties[p]),
    );
    const replacing = changed.filter(
      (p) => p !== named && ['yes', 'maybe'].includes(resource.properties[p]?.causesReplacement ?? 'no'),
    );
    const renamed = named !== undefined && changed.includes(named);
    if (replacing.length === 0 && !renamed) continue;
    const name =
      named === undefined
        ? undefined
        : { before: text(previous.properties[named]), after: text(now.properties[named]) };
    const refused = named !== undefined && previous.properties[named] !== undefined && !renamed && replacing.length > 0;
    replacements.push({
      logicalId: id,
      type: now.type,
      properties: renamed ? [named as string, ...replacing] : replacing,
      ...(name ? { name } : {}),
      refused,
    });
    if (refused)
      errors.push(
        `${id} (${now.type}) would be replaced under its own name ${name?.after} for a change of ${replacing.join(', ')}: CloudFormation refuses, and the stack update rolls back`,
      );
  }
  // A resource that moves to another logical ID under the same name is created before the old one is deleted.
  const namesOf = (map: Map<string, Created>, ids: string[]) =>
    ids.flatMap((id) => {
      const created = map.get(id) as Created;
      const resource = resourceSpec(created.type);
      const named = resource ? nameProperty(resource) : undefined;
      return named && created.properties[named] !== undefined
        ? [{ id, key: `${created.type} ${text(created.properties[named])}` }]
        : [];
    });
  const removed = namesOf(
    a,
    [...a.keys()].filter((id) => !b.has(id)),
  );
  const added = namesOf(
    b,
    [...b.keys()].filter((id) => !a.has(id)),
  );
  const nameClashes = added
    .filter((x) => removed.some((r) => r.key === x.key))
    .map(
      (x) =>
        `${x.id} takes the name of ${removed.find((r) => r.key === x.key)?.id} (${x.key}), which is deleted only after it is created`,
    );
  errors.push(...nameClashes);
  return { replacements, nameClashes, errors };
}
