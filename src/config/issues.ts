import { z } from 'zod';
import { ConfigurationError, InputProblem, fieldPath, showValue } from '../rules/errors';
import { didYouMean } from '../rules/suggest';

type Issue = z.core.$ZodIssue;

export { fieldPath };

/**
 * The rejected value as the message shows it. External IDs are never shown (the review and the app print
 * errors to logs that many people read): a value under `externalId` is described by its length only.
 */
function shownInput(path: readonly PropertyKey[], input: unknown): string {
  const underExternalId = path.some((key) => key === 'externalId') && path[path.length - 1] !== 'variable';
  if (!underExternalId || input === undefined) return showValue(withoutExternalIds(input));
  if (typeof input === 'string') return `a value of ${input.length} characters, not shown`;
  if (Array.isArray(input)) return `a list of ${input.length}, not shown`;
  return `${input === null ? 'null' : typeof input}, not shown`;
}

/** A copy of an object with every value under an `externalId` key (other than a variable's name) replaced. */
function withoutExternalIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExternalIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key !== 'externalId') return [key, withoutExternalIds(item)];
      const variableOnly =
        item !== null &&
        typeof item === 'object' &&
        !Array.isArray(item) &&
        Object.keys(item).every((k) => k === 'variable');
      return [key, variableOnly ? item : '(not shown)'];
    }),
  );
}

/**
 * Flattens zod issues into problems that name field, value and rule. For a union (e.g. an external ID
 * given as text, a list or a variable reference) it reports the branch whose shape the value has, not
 * every alternative.
 */
export function problemsFromIssues(
  issues: readonly Issue[],
  prefix: string,
  basePath: readonly PropertyKey[] = [],
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined,
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const sameShape = issue.errors.filter(
        (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const chosen = sameShape.length === 1 ? sameShape[0] : undefined;
      if (chosen) {
        problems.push(...problemsFromIssues(chosen, prefix, path, knownKeys));
        continue;
      }
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      for (const inner of issue.issues) {
        problems.push({ field: fieldPath(prefix, path), value: shownInput(path, issue.input), rule: inner.message });
      }
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys?.(path) ?? [];
      for (const key of issue.keys) {
        problems.push({
          field: fieldPath(prefix, [...path, key]),
          value: JSON.stringify(key),
          rule: `is not a known setting${didYouMean(key, known)}${known.length > 0 ? `; the settings here are ${known.join(', ')}` : ''}`,
        });
      }
      continue;
    }
    problems.push({ field: fieldPath(prefix, path), value: shownInput(path, issue.input), rule: issue.message });
  }
  return problems;
}

/** Parses with a schema, throwing a ConfigurationError that lists every problem. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: string,
  context?: string,
): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const knownKeys = (path: readonly PropertyKey[]) => objectKeysAt(schema, value, path);
  throw new ConfigurationError(problemsFromIssues(result.error.issues, prefix, [], knownKeys), context);
}

/** The schema a value meets at this point, past optional and default wrappers and the union branch it takes. */
function branchOf(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodUnion) {
      const options = current.options as readonly z.ZodType[];
      const kind = value !== null && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
      const objects = options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      const byKind = objects.find((o) => (o.shape.kind as z.ZodLiteral | undefined)?.value === kind);
      const chosen =
        byKind ?? (value !== null && typeof value === 'object' && !Array.isArray(value) ? objects[0] : undefined);
      if (!chosen) return current;
      current = chosen;
    } else return current;
  }
}

/** The settings an object in the configuration may hold, at `path` of `data` (undefined when not an object). */
export function objectKeysAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] | undefined {
  let current = branchOf(schema, data);
  let value = data;
  for (const key of path) {
    const next = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (current instanceof z.ZodArray) current = branchOf(current.element as z.ZodType, next);
    else if (current instanceof z.ZodObject && typeof key === 'string' && key in current.shape)
      current = branchOf(current.shape[key] as z.ZodType, next);
    else return undefined;
    value = next;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape).filter((k) => k !== '$schema') : undefined;
}
