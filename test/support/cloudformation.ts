import { CloudFormationTemplate, TemplateValue } from '../../src/render/cloudformation/role-template';

/*
 * A small evaluator of the CloudFormation features the role templates use (parameters with their
 * constraints, conditions, Ref, Fn::If with AWS::NoValue, Fn::Sub, Fn::GetAtt), so tests can see what a stack creates in a given
 * account: which resources exist and the documents they carry.
 */

export interface StackContext {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  readonly parameters: Record<string, string>;
}

export interface CreatedResource {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

type Json = TemplateValue;
type JsonObject = { [key: string]: Json };

export class StackInstance {
  readonly resources: Record<string, CreatedResource> = {};
  readonly outputs: Record<string, unknown> = {};
  private readonly parameters: Record<string, string> = {};
  private readonly conditions = new Map<string, boolean>();

  constructor(
    private readonly template: CloudFormationTemplate,
    private readonly context: StackContext,
  ) {
    const declared = (template.Parameters ?? {}) as Record<string, JsonObject>;
    for (const name of Object.keys(context.parameters)) {
      if (!(name in declared)) throw new Error(`parameter ${name} is not declared by the template`);
    }
    for (const [name, spec] of Object.entries(declared)) {
      const value = context.parameters[name] ?? (spec.Default as string | undefined);
      if (value === undefined) throw new Error(`Parameters: [${name}] must have values`);
      if (spec.AllowedPattern !== undefined && !new RegExp(`^(?:${spec.AllowedPattern as string})$`).test(value)) {
        throw new Error(`Parameter ${name} failed to satisfy constraint: ${spec.ConstraintDescription as string}`);
      }
      if (spec.MinLength !== undefined && value.length < (spec.MinLength as number))
        throw new Error(`Parameter ${name} is shorter than ${spec.MinLength as number}`);
      if (spec.MaxLength !== undefined && value.length > (spec.MaxLength as number))
        throw new Error(`Parameter ${name} is longer than ${spec.MaxLength as number}`);
      this.parameters[name] = value;
    }
    const resources = template.Resources as Record<string, JsonObject>;
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Condition !== undefined && !this.condition(resource.Condition as string)) continue;
      this.resources[id] = { type: resource.Type as string, properties: {} };
    }
    for (const [id, resource] of Object.entries(resources)) {
      if (!(id in this.resources)) continue;
      this.resources[id] = {
        type: resource.Type as string,
        properties: this.resolve(resource.Properties ?? {}) as Record<string, unknown>,
      };
    }
    for (const [name, output] of Object.entries((template.Outputs ?? {}) as Record<string, JsonObject>)) {
      if (output.Condition !== undefined && !this.condition(output.Condition as string)) continue;
      this.outputs[name] = this.resolve(output.Value);
    }
  }

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const expression = ((this.template.Conditions ?? {}) as JsonObject)[name];
    if (expression === undefined) throw new Error(`condition ${name} is not declared`);
    const value = this.evaluate(expression);
    this.conditions.set(name, value);
    return value;
  }

  private evaluate(expression: Json): boolean {
    const e = expression as JsonObject;
    if ('Condition' in e) return this.condition(e.Condition as string);
    if ('Fn::Not' in e) return !this.evaluate((e['Fn::Not'] as Json[])[0]);
    const list = (key: string) => {
      const items = e[key] as Json[];
      if (items.length < 2 || items.length > 10)
        throw new Error(`${key} takes 2 to 10 conditions, got ${items.length}`);
      return items.map((c) => this.evaluate(c));
    };
    if ('Fn::Or' in e) return list('Fn::Or').some(Boolean);
    if ('Fn::And' in e) return list('Fn::And').every(Boolean);
    if ('Fn::Equals' in e) {
      const [a, b] = e['Fn::Equals'] as Json[];
      return this.resolve(a) === this.resolve(b);
    }
    throw new Error(`unsupported condition ${JSON.stringify(expression)}`);
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.context.accountId,
      'AWS::Partition': this.context.partition,
      'AWS::Region': this.context.region,
    };
    if (name in pseudo) return pseudo[name];
    if (name in this.parameters) return this.parameters[name];
    const resource = this.resources[name];
    if (resource?.type === 'AWS::IAM::ManagedPolicy') {
      const p = resource.properties;
      return `arn:${this.context.partition}:iam::${this.context.accountId}:policy${(p.Path as string) ?? '/'}${p.ManagedPolicyName as string}`;
    }
    throw new Error(`Ref to ${name}, which is not a parameter, pseudo parameter or created resource`);
  }

  /** Resolves intrinsic functions; `Ref: AWS::NoValue` (from `Fn::If`) removes the list item or property. */
  resolve(value: Json): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    if ('Ref' in value && value.Ref === 'AWS::NoValue') return NO_VALUE;
    if ('Fn::If' in value) {
      const [condition, whenTrue, whenFalse] = value['Fn::If'] as [string, Json, Json];
      return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
    }
    if ('Ref' in value) return this.ref(value.Ref as string);
    if ('Fn::Sub' in value)
      return (value['Fn::Sub'] as string).replace(/\$\{([\w:]+)\}/g, (_m, name: string) => this.ref(name));
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'] as string[];
      const resource = this.resources[id];
      if (!resource) throw new Error(`Fn::GetAtt on ${id}, which is not created`);
      if (resource.type === 'AWS::IAM::Role' && attribute === 'Arn') {
        const p = resource.properties;
        return `arn:${this.context.partition}:iam::${this.context.accountId}:role${(p.Path as string) ?? '/'}${p.RoleName as string}`;
      }
      throw new Error(`unsupported Fn::GetAtt ${id}.${attribute}`);
    }
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, this.resolve(v)])
        .filter(([, v]) => v !== NO_VALUE),
    );
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
