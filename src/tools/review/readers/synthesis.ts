import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { fromTerraformLiteral, hasTemplateSequence } from '../../../rules/terraform-text';
import { StackView } from '../views';
import { variableExternalId } from './configuration';
import { PlanJson, stackSide } from './terraform';

/*
 * A synthesized stack (`cdk.tf.json`) read as what it is: the configuration a plan would be made of, without
 * the values only an apply knows. It is turned into a plan's "after" side (literals as values, references as
 * unknowns with their configuration references) so the plan reader serves both; no second reader.
 */

type Values = Record<string, unknown>;

/** Meta-arguments and annotations, not values of the resource. */
const META = new Set(['//', 'lifecycle', 'depends_on', 'provider', 'count', 'for_each', 'provisioner', 'connection']);

/** A value Terraform knows only at apply time: a plan leaves it out (a list keeps its place with null). */
const UNKNOWN = Symbol('unknown');

/** Addresses an expression refers to (`aws_iam_role.this`, `data.aws_partition.current`, `var.external_id`). */
function referencesIn(expression: string): string[] {
  const found = new Set<string>();
  for (const match of expression.matchAll(/(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)/g))
    found.add(match[1]);
  return [...found];
}

const VARIABLE = /^\$\{var\.([A-Za-z_][\w-]*)\}$/;
const POLICY_DOCUMENT_JSON = /^\$\{data\.aws_iam_policy_document\.([A-Za-z_][\w-]*)\.json\}$/;

/** JSON documents of the stack's `aws_iam_policy_document` data sources, by name (unknown when not literal). */
type DataDocuments = ReadonlyMap<string, string | typeof UNKNOWN>;

const JSONENCODE = /^\$\{jsonencode\(([\s\S]*)\)\}$/;

/**
 * The value of one synthesized string: a literal; a lone variable, which the review stands in for by its name
 * (as the configuration review does for a variable external ID); a `jsonencode()` of a literal whose only
 * expressions are variables, as JSON text; otherwise unknown.
 */
function valueOf(text: string, where: string, documents: DataDocuments): string | typeof UNKNOWN {
  if (!hasTemplateSequence(text)) return fromTerraformLiteral(text);
  const variable = VARIABLE.exec(text);
  if (variable) return variableExternalId(variable[1]);
  const document = POLICY_DOCUMENT_JSON.exec(text);
  if (document) return documents.get(document[1]) ?? UNKNOWN;
  const encoded = JSONENCODE.exec(text);
  if (encoded) {
    const value = new HclLiteral(encoded[1], where).read();
    return value === UNKNOWN ? UNKNOWN : JSON.stringify(value);
  }
  return UNKNOWN;
}

function convert(value: unknown, where: string, references: Set<string>, documents: DataDocuments): unknown {
  if (typeof value === 'string') {
    if (hasTemplateSequence(value)) referencesIn(value).forEach((r) => references.add(r));
    return valueOf(value, where, documents);
  }
  if (Array.isArray(value))
    return value.map((v) => convert(v, where, references, documents)).map((v) => (v === UNKNOWN ? null : v));
  if (value !== null && typeof value === 'object') {
    const out: Values = {};
    for (const [key, item] of Object.entries(value as Values)) {
      const converted = convert(item, `${where}.${key}`, references, documents);
      if (converted !== UNKNOWN) out[key] = converted;
    }
    return out;
  }
  return value;
}

/** A literal value, or UNKNOWN when any string in it is not known before apply. */
function literal(value: unknown, where: string): unknown {
  let unknown = false;
  const seen = convert(value, where, new Set(), new Map());
  const walk = (v: unknown): void => {
    if (v === null || v === UNKNOWN) unknown = true;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v as Values).forEach(walk);
  };
  walk(seen);
  return unknown ? UNKNOWN : seen;
}

/**
 * The JSON an `aws_iam_policy_document` data source renders from literal statements (earlier releases of this
 * project built trust policies with a variable external ID that way): Effect, Sid, actions, resources,
 * principals by type and conditions by test and key. Anything it cannot read literally makes it unknown.
 */
function dataDocument(block: Values, where: string): string | typeof UNKNOWN {
  const keys = Object.keys(block).filter((k) => !META.has(k));
  if (keys.some((k) => k !== 'statement' && k !== 'version')) return UNKNOWN;
  const statements = literal(block.statement ?? [], `${where}.statement`);
  if (statements === UNKNOWN || !Array.isArray(statements)) return UNKNOWN;
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  const rendered = statements.map((statement: Values) => {
    const out: Values = {};
    if (typeof statement.sid === 'string' && statement.sid !== '') out.Sid = statement.sid;
    out.Effect = statement.effect ?? 'Allow';
    for (const [from, to] of [
      ['actions', 'Action'],
      ['not_actions', 'NotAction'],
      ['resources', 'Resource'],
      ['not_resources', 'NotResource'],
    ] as const) {
      if (list(statement[from]).length > 0) out[to] = list(statement[from]);
    }
    for (const [from, to] of [
      ['principals', 'Principal'],
      ['not_principals', 'NotPrincipal'],
    ] as const) {
      const byType: Record<string, string[]> = {};
      for (const p of list(statement[from]) as Values[])
        byType[String(p.type)] = [...(byType[String(p.type)] ?? []), ...(list(p.identifiers) as string[])];
      if (Object.keys(byType).length > 0) out[to] = byType;
    }
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const c of list(statement.condition) as Values[]) {
      const test = String(c.test);
      conditions[test] = { ...(conditions[test] ?? {}), [String(c.variable)]: list(c.values) as string[] };
    }
    if (Object.keys(conditions).length > 0) out.Condition = conditions;
    return out;
  });
  return JSON.stringify({
    Version: typeof block.version === 'string' ? block.version : '2012-10-17',
    Statement: rendered,
  });
}

/** A provider block's arguments as a plan's provider configuration: literals as constants, the rest as references. */
function providerExpressions(block: Values, documents: DataDocuments): Record<string, unknown> {
  const expressions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    if (key === 'alias') continue;
    const expression = (item: unknown): unknown => {
      const references = new Set<string>();
      const converted = convert(item, `provider.${key}`, references, documents);
      return converted === UNKNOWN || references.size > 0
        ? { references: [...references] }
        : { constant_value: converted };
    };
    // Nested blocks (assume_role) are lists of objects of expressions, as in a plan.
    expressions[key] =
      key === 'assume_role'
        ? [value].flat().map((b) => Object.fromEntries(Object.entries(b as Values).map(([k, v]) => [k, expression(v)])))
        : expression(value);
  }
  return expressions;
}

/** A synthesized stack as a plan that creates it: every resource's values as "after", nothing before. */
export function planFromSynthesis(stack: {
  resource?: Record<string, Record<string, Values>>;
  data?: Record<string, Record<string, Values>>;
  provider?: Record<string, Values[]>;
}): PlanJson {
  const documents = new Map(
    Object.entries(stack.data?.aws_iam_policy_document ?? {}).map(
      ([name, block]) => [name, dataDocument(block, `data.aws_iam_policy_document.${name}`)] as const,
    ),
  );
  const resourceChanges: {
    address: string;
    type: string;
    change: { actions: string[]; before: null; after: Values };
  }[] = [];
  const configured: {
    address: string;
    provider_config_key: string;
    expressions: Record<string, { references: string[] }>;
  }[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, resource] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      const after: Values = {};
      const expressions: Record<string, { references: string[] }> = {};
      for (const [key, value] of Object.entries(resource)) {
        if (META.has(key)) continue;
        const references = new Set<string>();
        const converted = convert(value, `${address}.${key}`, references, documents);
        if (converted !== UNKNOWN) after[key] = converted;
        // Every argument the stack sets is configured, with the resources its expression refers to.
        expressions[key] = { references: [...references] };
      }
      resourceChanges.push({ address, type, change: { actions: ['create'], before: null, after } });
      configured.push({
        address,
        provider_config_key: typeof resource.provider === 'string' ? resource.provider : 'aws',
        expressions,
      });
    }
  }
  const providerConfig: Record<string, { name: string; alias?: string; expressions: Record<string, unknown> }> = {};
  for (const block of stack.provider?.aws ?? []) {
    const alias = typeof block.alias === 'string' ? block.alias : undefined;
    providerConfig[alias ? `aws.${alias}` : 'aws'] = {
      name: 'aws',
      ...(alias ? { alias } : {}),
      expressions: providerExpressions(block, documents),
    };
  }
  return {
    format_version: '1.2',
    resource_changes: resourceChanges,
    configuration: { provider_config: providerConfig, root_module: { resources: configured } },
  };
}

/** Every stack of a synthesis output folder (`cdktf.out`), as the review sees it; stacks named as in the manifest. */
/**
 * What in a synthesis folder the review does not read, yet Terraform or the deploy would: each stack must be
 * `stacks/<name>/cdk.tf.json` in its own working directory, holding nothing else (an override file, a second
 * `.tf` file or a `.tfvars` file there would be applied without being judged), and every stack folder must be
 * one the manifest lists. Each finding holds the gate.
 */
export function unjudgedInSynthesis(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks?: Record<string, { synthesizedStackPath?: unknown; workingDirectory?: unknown }>;
  };
  const problems: string[] = [];
  const listed = Object.entries(manifest.stacks ?? {});
  for (const [id, stack] of listed) {
    if (stack.workingDirectory !== undefined && stack.workingDirectory !== `stacks/${id}`)
      problems.push(
        `the manifest runs stack ${id} in ${JSON.stringify(stack.workingDirectory)}, not in stacks/${id} where the review read it`,
      );
    if (stack.synthesizedStackPath !== undefined && stack.synthesizedStackPath !== `stacks/${id}/cdk.tf.json`)
      problems.push(
        `the manifest names ${JSON.stringify(stack.synthesizedStackPath)} for stack ${id}, not stacks/${id}/cdk.tf.json, which Terraform reads`,
      );
  }
  const stacksDir = join(outdir, 'stacks');
  if (existsSync(stacksDir)) {
    for (const entry of readdirSync(stacksDir, { withFileTypes: true })) {
      if (!listed.some(([id]) => id === entry.name)) {
        problems.push(`stacks/${entry.name} is in the synthesis but not in its manifest`);
        continue;
      }
      if (!entry.isDirectory()) continue;
      for (const file of readdirSync(join(stacksDir, entry.name)).sort())
        if (file !== 'cdk.tf.json')
          problems.push(
            `stacks/${entry.name}/${file} is beside cdk.tf.json: Terraform may read it with the stack, and the review does not`,
          );
    }
  }
  return problems.sort();
}

export function viewsFromSynthesis(outdir: string): StackView[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks?: Record<string, { name?: string; synthesizedStackPath?: string }>;
  };
  return Object.entries(manifest.stacks ?? {})
    .map(([id, stack]) => {
      const name = stack.name ?? id;
      const file = join(outdir, stack.synthesizedStackPath ?? join('stacks', id, 'cdk.tf.json'));
      if (!existsSync(file))
        throw new Error(`the synthesis lists stack ${name} but wrote no ${join('stacks', id, 'cdk.tf.json')}`);
      const view = stackSide(planFromSynthesis(JSON.parse(readFileSync(file, 'utf8'))), name, 'after');
      return view ?? { name, roles: [] };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads the literal inside a synthesized `jsonencode(...)`: HCL objects (`"key" = value`), tuples, quoted
 * strings, numbers, true/false/null, and variables (`var.name`, read as the review's stand-in for them).
 * Any other expression (a function call, a resource attribute, a template) makes the whole value unknown.
 */
class HclLiteral {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  read(): unknown {
    try {
      const value = this.value();
      this.space();
      if (this.at !== this.text.length) throw this.unreadable();
      return value;
    } catch (error) {
      if (error === UNKNOWN) return UNKNOWN;
      throw error;
    }
  }

  private unreadable(): Error {
    return new Error(`cannot read the jsonencode() of ${this.where} at character ${this.at + 1}`);
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '"') return this.string();
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at));
    if (number) {
      this.at += number[0].length;
      return Number(number[0]);
    }
    const word = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*/.exec(this.text.slice(this.at));
    if (!word) throw this.unreadable();
    this.at += word[0].length;
    this.space();
    if (this.text[this.at] === '(' || this.text[this.at] === '[') throw UNKNOWN;
    if (word[0] === 'true') return true;
    if (word[0] === 'false') return false;
    if (word[0] === 'null') return null;
    const variable = /^var\.([A-Za-z_][\w-]*)$/.exec(word[0]);
    if (variable) return variableExternalId(variable[1]);
    throw UNKNOWN;
  }

  private string(): string {
    let out = '';
    this.at++;
    while (this.at < this.text.length) {
      const c = this.text[this.at];
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c === '\\') {
        const next = this.text[this.at + 1];
        if (next === 'u') {
          out += String.fromCharCode(parseInt(this.text.slice(this.at + 2, this.at + 6), 16));
          this.at += 6;
          continue;
        }
        const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (!(next in escapes)) throw this.unreadable();
        out += escapes[next];
        this.at += 2;
        continue;
      }
      if ((c === '$' || c === '%') && this.text[this.at + 1] === '{') throw UNKNOWN;
      if ((c === '$' || c === '%') && this.text[this.at + 1] === c && this.text[this.at + 2] === '{') {
        out += `${c}{`;
        this.at += 3;
        continue;
      }
      out += c;
      this.at++;
    }
    throw this.unreadable();
  }

  private tuple(): unknown[] {
    const items: unknown[] = [];
    this.at++;
    for (;;) {
      this.space();
      if (this.text[this.at] === ']') {
        this.at++;
        return items;
      }
      items.push(this.value());
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== ']') throw this.unreadable();
    }
  }

  private object(): Values {
    const out: Values = {};
    this.at++;
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') {
        this.at++;
        return out;
      }
      let key: string;
      if (this.text[this.at] === '"') key = this.string();
      else {
        const word = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.at));
        if (!word) throw this.unreadable();
        key = word[0];
        this.at += key.length;
      }
      this.space();
      if (this.text[this.at] !== '=' && this.text[this.at] !== ':') throw this.unreadable();
      this.at++;
      out[key] = this.value();
      const end = this.at;
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== '}' && !this.text.slice(end, this.at).includes('\n')) throw this.unreadable();
    }
  }
}
