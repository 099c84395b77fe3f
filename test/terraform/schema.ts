/*
 * Builds Terraform provider schemas (the shape GetProviderSchema returns) from the generated
 * @cdktf/provider-aws bindings, so the offline provider serves exactly the version the bindings were made
 * from. Each binding's JavaScript lists its arguments in snake_case with their kind (`synthesizeHclAttributes`)
 * and its computed attributes (getters and "computed: true" comments); its declarations say which
 * arguments are optional. What the bindings do not carry (sensitivity, replacement rules, the provider's own
 * value checks) is not in these schemas.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import type { Toolchain } from '../support/app-process';

export type { Toolchain };

export type CtyType = string | [string, CtyType] | ['object', Record<string, CtyType>];

export interface SchemaAttribute {
  name: string;
  type: CtyType;
  required: boolean;
  optional: boolean;
  computed: boolean;
}

export interface SchemaBlock {
  attributes: SchemaAttribute[];
  blockTypes: SchemaNestedBlock[];
}

export interface SchemaNestedBlock {
  typeName: string;
  nesting: 'SINGLE' | 'LIST' | 'SET';
  block: SchemaBlock;
}

export interface ProviderSchemas {
  provider: SchemaBlock;
  resources: Record<string, SchemaBlock>;
  dataSources: Record<string, SchemaBlock>;
}

/** Where a toolchain's bindings are, and the name their code calls the core library by. */
const BINDINGS: Readonly<
  Record<Toolchain, { readonly lib: () => string; readonly core: string; readonly provider: string }>
> = {
  cdktf: {
    lib: () => join(dirname(require.resolve('@cdktf/provider-aws/package.json')), 'lib'),
    core: 'cdktf',
    provider: '@cdktf/provider-aws',
  },
  cdktn: {
    lib: () => join(dirname(require.resolve('@cdktn/provider-aws/package.json')), 'lib'),
    core: 'cdktn',
    provider: '@cdktn/provider-aws',
  },
};

/** Folder of a type's binding: aws_iam_role -> iam-role, data source -> data-aws-iam-policy-document. */
function bindingDir(lib: string, kind: 'resource' | 'data' | 'provider', typeName: string): string {
  if (kind === 'provider') return join(lib, 'provider');
  const base = typeName.replace(/_/g, '-');
  return join(lib, kind === 'data' ? `data-${base}` : base.replace(/^aws-/, ''));
}

interface HclEntry {
  name: string;
  value: string;
  isBlock: boolean;
  kind: string;
  storage: string;
}

/** Entries of an `attrs = { ... }` literal starting at `from` in the binding source. */
function hclEntries(source: string, from: number): HclEntry[] {
  const start = source.indexOf('const attrs = {', from);
  if (start < 0) throw new Error('binding has no attrs literal where expected');
  let depth = 0;
  let end = start + 'const attrs = '.length;
  for (; end < source.length; end++) {
    if (source[end] === '{') depth++;
    else if (source[end] === '}' && --depth === 0) break;
  }
  const body = source.slice(start, end);
  const entries: HclEntry[] = [];
  const pattern =
    /(\w+): \{\s*value: ([^\n]+),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}/g;
  for (const m of body.matchAll(pattern)) {
    entries.push({ name: m[1], value: m[2], isBlock: m[3] === 'true', kind: m[4], storage: m[5] });
  }
  return entries;
}

/** snake_case argument -> optional? for every interface of a declaration file. */
function optionality(declarations: string): Map<string, Map<string, boolean>> {
  const byInterface = new Map<string, Map<string, boolean>>();
  const parts = declarations.split(/export interface (\w+)/);
  for (let i = 1; i < parts.length; i += 2) {
    const fields = new Map<string, boolean>();
    const body = parts[i + 1].split(/\n}\n/)[0];
    for (const m of body.matchAll(/#(\w+) \w+#\w+\}\s*\*\/\s*readonly (\w+)(\?)?:/g)) fields.set(m[1], m[3] === '?');
    for (const m of body.matchAll(/#(\w+) \w+#\w+\}[\s\S]*?\*\/\s*readonly (\w+)(\?)?:/g))
      if (!fields.has(m[1])) fields.set(m[1], m[3] === '?');
    byInterface.set(parts[i], fields);
  }
  return byInterface;
}

function simpleType(kind: string, storage: string): CtyType {
  const element: Record<string, string> = {
    string: 'string',
    number: 'number',
    boolean: 'bool',
    stringList: 'string',
    numberList: 'number',
    booleanList: 'bool',
    stringMap: 'string',
    numberMap: 'number',
    booleanMap: 'bool',
  };
  const scalar = element[storage];
  if (scalar === undefined) return 'dynamic';
  if (kind === 'simple') return scalar;
  if (kind === 'list' || kind === 'set' || kind === 'map') return [kind, scalar];
  return 'dynamic';
}

const GETTER_TYPES: Record<string, CtyType> = {
  getStringAttribute: 'string',
  getNumberAttribute: 'number',
  getBooleanAttribute: 'bool',
  getListAttribute: ['list', 'string'],
  getNumberListAttribute: ['list', 'number'],
  getStringMapAttribute: ['map', 'string'],
  getNumberMapAttribute: ['map', 'number'],
  getBooleanMapAttribute: ['map', 'bool'],
  getAnyMapAttribute: ['map', 'dynamic'],
};

class BindingReader {
  private readonly source: string;
  private readonly interfaces: Map<string, Map<string, boolean>>;
  private readonly declarations: string;

  constructor(
    readonly dir: string,
    readonly typeName: string,
    core = 'cdktf',
    provider = '@cdktf/provider-aws',
  ) {
    if (!existsSync(join(dir, 'index.js'))) {
      throw new Error(`no ${provider} binding for ${typeName} (looked in ${dir}); is the type name right?`);
    }
    // CDK Terrain's bindings are CDK for Terraform's with the core library renamed: read as one.
    this.source = readFileSync(join(dir, 'index.js'), 'utf8').replace(new RegExp(`\\b${core}\\.`, 'g'), 'cdktf.');
    this.declarations = readFileSync(join(dir, 'index.d.ts'), 'utf8');
    this.interfaces = optionality(this.declarations);
  }

  topLevel(className: string): SchemaBlock {
    const classStart = this.source.indexOf(`class ${className} extends cdktf.Terraform`);
    if (classStart < 0) throw new Error(`${this.typeName}: class ${className} not found in its binding`);
    const entries = hclEntries(this.source, this.source.indexOf('synthesizeHclAttributes() {', classStart));
    const block = this.blockFrom(entries, this.interfaces.get(`${className}Config`) ?? new Map());
    this.addComputed(block, classStart, this.classEnd(classStart));
    return block;
  }

  private classEnd(start: number): number {
    const next = this.source.indexOf('\nclass ', start + 1);
    return next < 0 ? this.source.length : next;
  }

  private blockFrom(entries: HclEntry[], optional: Map<string, boolean>): SchemaBlock {
    const block: SchemaBlock = { attributes: [], blockTypes: [] };
    for (const entry of entries) {
      if (entry.isBlock) {
        const mapper = /(\w+)ToHclTerraform/.exec(entry.value.replace(/cdktf\.\w+ToHclTerraform/g, ''))?.[1];
        if (!mapper) throw new Error(`${this.typeName}.${entry.name}: cannot find the block's mapper`);
        const fn = this.source.indexOf(`function ${mapper}ToHclTerraform(struct)`);
        const iface = new RegExp(`function ${mapper}ToHclTerraform\\(struct\\?: (\\w+)`).exec(this.declarations)?.[1];
        const nested = this.blockFrom(
          hclEntries(this.source, fn),
          (iface ? this.interfaces.get(iface) : undefined) ?? new Map(),
        );
        // Struct blocks (timeouts) are single; the others repeat, even those limited to one item.
        block.blockTypes.push({
          typeName: entry.name,
          nesting: entry.kind === 'set' ? 'SET' : entry.kind === 'struct' ? 'SINGLE' : 'LIST',
          block: nested,
        });
      } else {
        const isOptional = optional.get(entry.name) ?? true;
        block.attributes.push({
          name: entry.name,
          type: simpleType(entry.kind, entry.storage),
          required: !isOptional,
          optional: isOptional,
          // Optional arguments may be filled by the provider (id, tags_all...); the bindings cannot tell which.
          computed: isOptional,
        });
      }
    }
    return block;
  }

  /** Attributes only the provider sets, from the class's "computed: true, optional: false" getters. */
  private addComputed(block: SchemaBlock, from: number, to: number): void {
    const body = this.source.slice(from, to);
    const known = new Set([...block.attributes.map((a) => a.name), ...block.blockTypes.map((b) => b.typeName)]);
    for (const m of body.matchAll(
      /\/\/ (\w+) - computed: true, optional: false, required: false\n\s*(.+)\n(.*)\n(.*)/g,
    )) {
      const name = m[1];
      if (known.has(name)) continue;
      known.add(name);
      block.attributes.push({
        name,
        type: this.computedType(name, `${m[2]}\n${m[3]}\n${m[4]}`),
        required: false,
        optional: false,
        computed: true,
      });
    }
  }

  private computedType(name: string, code: string): CtyType {
    const getter = /this\.(get\w+Attribute)\(/.exec(code)?.[1];
    if (getter && GETTER_TYPES[getter]) return GETTER_TYPES[getter];
    const map = /new cdktf\.(String|Number|Boolean|Any)Map\(/.exec(code)?.[1];
    if (map) return ['map', { String: 'string', Number: 'number', Boolean: 'bool', Any: 'dynamic' }[map] as string];
    const complex = /new (\w+?)(List|OutputReference|Map)\(this, "(\w+)"/.exec(code);
    if (complex) {
      const object = this.objectType(`${complex[1]}OutputReference`);
      return complex[2] === 'Map' ? ['map', object] : ['list', object];
    }
    throw new Error(`${this.typeName}.${name}: cannot tell the type of this computed attribute from its binding`);
  }

  private objectType(className: string): CtyType {
    const start = this.source.indexOf(`class ${className} extends`);
    if (start < 0) return 'dynamic';
    const body = this.source.slice(start, this.classEnd(start));
    const attributes: Record<string, CtyType> = {};
    for (const m of body.matchAll(/\/\/ (\w+) - computed: true, optional: \w+, required: \w+\n\s*(.+)\n(.*)\n(.*)/g)) {
      attributes[m[1]] = this.computedType(m[1], `${m[2]}\n${m[3]}\n${m[4]}`);
    }
    return ['object', attributes];
  }
}

function classNameOf(dir: string): string {
  const m = /^class (\w+) extends (?:cdktf|cdktn)\.(TerraformResource|TerraformDataSource|TerraformProvider)/m.exec(
    readFileSync(join(dir, 'index.js'), 'utf8'),
  );
  if (!m) throw new Error(`no resource class in ${dir}`);
  return m[1];
}

function readSchema(toolchain: Toolchain, kind: 'resource' | 'data' | 'provider', typeName: string): SchemaBlock {
  const { lib, core, provider } = BINDINGS[toolchain];
  const dir = bindingDir(lib(), kind, typeName);
  const reader = new BindingReader(dir, typeName, core, provider);
  return reader.topLevel(classNameOf(dir));
}

/** Schemas of the provider and of exactly the given resource and data source types, from a toolchain's bindings. */
export function providerSchemas(
  resourceTypes: Iterable<string>,
  dataSourceTypes: Iterable<string>,
  toolchain: Toolchain = 'cdktf',
): ProviderSchemas {
  const resources: Record<string, SchemaBlock> = {};
  const dataSources: Record<string, SchemaBlock> = {};
  for (const type of [...new Set(resourceTypes)].sort()) resources[type] = readSchema(toolchain, 'resource', type);
  for (const type of [...new Set(dataSourceTypes)].sort()) dataSources[type] = readSchema(toolchain, 'data', type);
  return { provider: readSchema(toolchain, 'provider', 'aws'), resources, dataSources };
}

/** The provider version a toolchain's bindings were generated for (what Terraform must be told it is installing). */
/** The hashicorp/aws version a bindings package (by its installed name) was generated from. */
export function bindingsProviderVersion(packageName: string): string {
  const manifest = JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), 'utf8')) as {
    cdktf?: { provider?: { version?: string } };
  };
  const version = manifest.cdktf?.provider?.version;
  if (!version) throw new Error(`${packageName} does not say which hashicorp/aws version it was made for`);
  return version;
}

export function boundProviderVersion(toolchain: Toolchain = 'cdktf'): string {
  const manifest = JSON.parse(readFileSync(join(BINDINGS[toolchain].lib(), '..', 'package.json'), 'utf8')) as Record<
    string,
    { provider?: { version?: string } } | undefined
  >;
  const version = manifest[BINDINGS[toolchain].core]?.provider?.version ?? manifest.cdktf?.provider?.version;
  if (!version)
    throw new Error(`the ${toolchain} AWS provider bindings do not say which hashicorp/aws version they were made for`);
  return version;
}
