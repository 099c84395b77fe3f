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
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
