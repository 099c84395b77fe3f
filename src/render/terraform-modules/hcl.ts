/*
 * Terraform's native syntax (HCL), written from the same structures the modules are defined with: blocks,
 * attributes whose strings are `${expression}` (written bare) or literals (written quoted), and nested blocks
 * named below. The layout is `terraform fmt`'s: two-space indents, the `=` of neighbouring one-line attributes
 * aligned; a full-tier test runs `terraform fmt -check` on every module.
 */

export type HclJson = string | number | boolean | null | HclJson[] | { [key: string]: HclJson };

/** Keys that are nested blocks, not attributes, in the resources and meta-arguments the modules use. */
const BLOCK_KEYS = new Set([
  'lifecycle',
  'timeouts',
  'deployment_targets',
  'auto_deployment',
  'managed_execution',
  'operation_preferences',
  'validation',
  'precondition',
  'postcondition',
  'required_providers',
  'content',
]);
/** Attributes whose strings are references or keywords, written bare (`ignore_changes = [description]`). */
const BARE_STRINGS = new Set(['ignore_changes', 'replace_triggered_by', 'depends_on', 'provider', 'type']);
/** A comment above the attributes of a block: `"//": "text"`. */
const COMMENT_KEY = '//';
/** Longest one-line list or object before it is written over several lines. */
const INLINE_LIMIT = 100;

/** The expression of a string that is exactly one `${...}`, else undefined. */
function wholeExpression(text: string): string | undefined {
  if (!text.startsWith('${') || !text.endsWith('}')) return undefined;
  let depth = 0;
  let quoted = false;
  for (let i = 2; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i === text.length - 1 ? text.slice(2, -1) : undefined;
      depth--;
    }
  }
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A value in expression syntax, over several lines (indented by `indent`) when it is long. */
export function hclValue(value: HclJson, indent = '', bare = false): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return bare ? value : (wholeExpression(value) ?? JSON.stringify(value));
  if (typeof value !== 'object') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => hclValue(v, inner, bare));
    const oneLine = `[${items.join(', ')}]`;
    if (oneLine.length <= INLINE_LIMIT && !oneLine.includes('\n')) return oneLine;
    return `[\n${items.map((item) => `${inner}${item},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([k]) => k !== COMMENT_KEY);
  if (entries.length === 0) return '{}';
  const pairs = entries.map(([k, v]) => [key(k), hclValue(v, inner, bare)] as const);
  const oneLine = `{ ${pairs.map(([k, v]) => `${k} = ${v}`).join(', ')} }`;
  if (oneLine.length <= INLINE_LIMIT && !oneLine.includes('\n')) return oneLine;
  return `{\n${align(
    pairs.map(([k, v]) => ({ name: k, value: v })),
    inner,
  ).join('\n')}\n${indent}}`;
}

interface Attribute {
  readonly name: string;
  readonly value: string;
}

/** Attribute lines with the `=` of each run of one-line attributes aligned, as `terraform fmt` writes them. */
function align(attributes: readonly Attribute[], indent: string): string[] {
  const lines: string[] = [];
  let run: Attribute[] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((a) => a.name.length));
    for (const a of run) lines.push(`${indent}${a.name.padEnd(width)} = ${a.value}`);
    run = [];
  };
  for (const attribute of attributes) {
    if (!attribute.value.includes('\n')) {
      run.push(attribute);
      continue;
    }
    // A value over several lines stands apart: it ends the run before it and is not aligned with anything.
    flush();
    lines.push(`${indent}${attribute.name} = ${attribute.value}`);
  }
  flush();
  return lines;
}

/** The body of a block: attributes first (aligned), then nested blocks, each after a blank line. */
export function hclBody(body: Record<string, HclJson>, indent: string): string[] {
  const comment =
    typeof body[COMMENT_KEY] === 'string'
      ? (body[COMMENT_KEY] as string).split('\n').map((l) => `${indent}# ${l}`.trimEnd())
      : [];
  const attributes: Attribute[] = [];
  const blocks: string[][] = [];
  for (const [name, value] of Object.entries(body)) {
    if (name === COMMENT_KEY || value === undefined) continue;
    if (name === 'dynamic' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [label, spec] of Object.entries(value))
        blocks.push(block('dynamic', [label], spec as Record<string, HclJson>, indent));
    } else if (BLOCK_KEYS.has(name) && value !== null && typeof value === 'object') {
      for (const item of Array.isArray(value) ? value : [value])
        blocks.push(block(name, [], item as Record<string, HclJson>, indent));
    } else {
      attributes.push({ name: key(name), value: hclValue(value, indent, BARE_STRINGS.has(name)) });
    }
  }
  const lines = [...comment, ...align(attributes, indent)];
  for (const nested of blocks) lines.push(...(lines.length > 0 ? [''] : []), ...nested);
  return lines;
}

/** `type "label" ... { body }`. */
export function block(type: string, labels: readonly string[], body: Record<string, HclJson>, indent = ''): string[] {
  const head = [type, ...labels.map((l) => JSON.stringify(l))].join(' ');
  const inner = hclBody(body, `${indent}  `);
  if (inner.length === 0) return [`${indent}${head} {}`];
  return [`${indent}${head} {`, ...inner, `${indent}}`];
}

/** Blocks of one file, one blank line apart, ending with a newline. */
export function hclFile(blocks: readonly string[][]): string {
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}
