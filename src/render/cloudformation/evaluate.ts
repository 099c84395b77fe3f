/*
 * A CloudFormation template evaluated as a stack of it would see it, with the parameters it is given:
 * Ref (parameters, AWS::Partition, AWS::NoValue, resources), Fn::Sub, Fn::Join, Fn::Select, Fn::Split,
 * Fn::GetAtt to a resource, Fn::If with the template's conditions (Fn::Equals, Fn::Not, Fn::And, Fn::Or).
 * Anything else, and whatever depends on the account or region a stack runs in, is UNKNOWN, so callers can
 * say what they could not evaluate instead of guessing.
 */

type Json = unknown;
export const UNKNOWN = Symbol('unknown');
const NO_VALUE = Symbol('AWS::NoValue');

/** A reference to a resource of the template (Ref or Fn::GetAtt), resolved by the reader, not the evaluator. */
export interface ResourceReference {
  readonly resource: string;
  readonly attribute?: string;
}

export function isReference(value: unknown): value is ResourceReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResourceReference).resource === 'string' &&
    Object.keys(value).every((k) => k === 'resource' || k === 'attribute')
  );
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsUnknown);
  return false;
}

export interface Template {
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources?: Record<string, { Type?: string; Condition?: string; Properties?: Record<string, Json> }>;
}

/** Pseudo parameters that depend on where the stack runs: unknown to a review. */
const PER_DEPLOYMENT = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::NotificationARNs',
  'AWS::URLSuffix',
]);

export class Evaluator {
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
      const value =
        name in variables
          ? variables[name]
          : name.includes('.')
            ? { resource: name.split('.')[0], attribute: name.split('.').slice(1).join('.') }
            : this.ref(name);
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
          return this.template.Resources && parts[0] in this.template.Resources
            ? { resource: parts[0], attribute: parts.slice(1).join('.') }
            : UNKNOWN;
        }
        case 'Fn::Sub': {
          if (typeof arg === 'string') return this.substitute(arg, {});
          const [text, variables] = list(arg);
          const values = Object.fromEntries(
            Object.entries((variables ?? {}) as Record<string, Json>).map(([k, v]) => [k, this.value(v)]),
          );
          return typeof text === 'string' ? this.substitute(text, values) : UNKNOWN;
        }
        case 'Fn::Join': {
          const [delimiter, items] = list(arg);
          const values = this.value(items);
          return typeof delimiter === 'string' && Array.isArray(values) && values.every((v) => typeof v === 'string')
            ? values.join(delimiter)
            : UNKNOWN;
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

/** The parameters a stack of the template uses: the given values, else the template's defaults. */
export function parameterValues(template: Template, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value !== undefined) values[name] = value;
  }
  return values;
}
