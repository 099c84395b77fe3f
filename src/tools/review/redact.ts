import { EXTERNAL_ID_KEY } from './trust';
import { StackView, asList } from './views';

/*
 * The last guard against printing an external ID: every value a trust policy of either side compares
 * `sts:ExternalId` with (under any operator), and any ID the caller knows of (configuration files), is
 * replaced wherever it appears in what the review prints, in any of the forms it can take there.
 */

export const HIDDEN = '<external ID>';

/** Every value compared with sts:ExternalId in the views' trust policies; variable stand-ins are names, not IDs. */
export function externalIdsIn(views: readonly StackView[]): string[] {
  const ids = new Set<string>();
  for (const role of views.flatMap((v) => v.roles)) {
    for (const statement of asList(role.trust.Statement)) {
      for (const byKey of Object.values(statement.Condition ?? {})) {
        for (const [key, values] of Object.entries(byKey)) {
          if (key.toLowerCase() === EXTERNAL_ID_KEY) asList(values).forEach((v) => ids.add(String(v)));
        }
      }
    }
  }
  return [...ids].filter((id) => !/^var\.[A-Za-z_][\w-]*$/.test(id));
}

/** Values under an `externalId` key anywhere in parsed JSON (a configuration file), for the guard. */
export function externalIdsInJson(data: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, underKey: boolean) => {
    if (typeof value === 'string' && underKey) found.push(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, underKey));
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, underKey || k === 'externalId');
  };
  walk(data, false);
  return found;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces each ID: as a substring when it is long enough to be no ordinary word (4 characters or more), else
 * only where it stands alone; in its JSON-escaped form too.
 */
export function redactExternalIds(text: string, ids: readonly string[]): string {
  let out = text;
  const forms = [...new Set(ids.flatMap((id) => [id, JSON.stringify(id).slice(1, -1)]))]
    .filter((f) => f !== '')
    .sort((a, b) => b.length - a.length);
  for (const form of forms) {
    const pattern = form.length >= 4 ? escapeRegex(form) : `(?<![\\w+=,.@:/-])${escapeRegex(form)}(?![\\w+=,.@:/-])`;
    out = out.replace(new RegExp(pattern, 'g'), HIDDEN);
  }
  return out;
}
