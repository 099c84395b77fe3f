/** One rejected input: which field, what it held, which rule it broke. */
export interface InputProblem {
  /** Dotted path of the field, e.g. `stacks[0].connector.roleName`. */
  readonly field: string;
  /** The rejected value as text (`(missing)` when absent). */
  readonly value: string;
  readonly rule: string;
}

/** Thrown for bad input before anything is synthesized; lists every problem found. */
export class ConfigurationError extends Error {
  constructor(
    readonly problems: readonly InputProblem[],
    context = 'Invalid Qualys connector configuration',
  ) {
    super(`${context}:\n${problems.map((p) => `  - ${p.field}: ${p.rule} (got ${p.value})`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Renders a rejected value for an error message, shortened so a huge input cannot flood the terminal. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `a.b[0].c`, or `tags["aws:x"]` for a key that is not a name: a field's path below `prefix`. */
export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    const name = String(key);
    if (typeof key === 'number') out += `[${key}]`;
    else if (!/^[A-Za-z_$][\w$-]*$/.test(name)) out += `[${showValue(name)}]`;
    else out += out === '' ? name : `.${name}`;
  }
  return out === '' ? '(root)' : out;
}
