import { InputProblem } from '../rules/errors';

/** `--name=value` as name and inline value; any other argument as itself. */
export function splitOption(arg: string): [name: string, inline: string | undefined] {
  return arg.startsWith('--') && arg.includes('=')
    ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
    : [arg, undefined];
}

/**
 * The value of the option at `argv[index]`: inline (`--name=value`) or the next argument, which must not be
 * another option. Returns the index of the last argument used, so a missing value does not swallow the next
 * option, and the problem when there is no value.
 */
export function takeValue(
  argv: readonly string[],
  index: number,
  name: string,
  inline: string | undefined,
  rule = 'must be followed by a value',
): { value?: string; index: number; problem?: InputProblem } {
  const value = inline ?? argv[index + 1];
  const used = inline === undefined ? index + 1 : index;
  if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
    const problem = { field: name, value: value === undefined ? '(missing)' : JSON.stringify(value), rule };
    return { index: inline === undefined && value !== undefined && value.startsWith('--') ? used - 1 : used, problem };
  }
  return { value, index: used };
}

/** Records a single-valued option's value, or the problem of a missing or repeated one. */
export function setOnce(
  values: Map<string, string>,
  problems: InputProblem[],
  name: string,
  taken: { value?: string; problem?: InputProblem },
): void {
  if (taken.problem) problems.push(taken.problem);
  else if (values.has(name))
    problems.push({ field: name, value: JSON.stringify(taken.value), rule: 'may be given once' });
  else values.set(name, taken.value as string);
}
