import { AccountResult } from './register';

/*
 * What the command prints: a line per account (text) or one JSON document. The external ID never appears: the
 * request bodies carry a placeholder, differences say only that it differs, and every line is finally passed
 * through `hideSecrets` with the run's secrets (password, authorization, external IDs) as a last guard.
 */

export const HIDDEN_EXTERNAL_ID = '(hidden: the external_id output)';

/** A value with every `externalId` field, at any depth, replaced by the placeholder. */
function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === 'externalId' ? HIDDEN_EXTERNAL_ID : masked(v)]),
  );
}

export function renderJson(results: readonly AccountResult[], exitCode: number, mode: string): string {
  const accounts = results.map((r) => (r.requests ? { ...r, requests: masked(r.requests) } : r));
  return `${JSON.stringify({ mode, exitCode, accounts }, null, 2)}\n`;
}

export function renderText(results: readonly AccountResult[], mode: string): string {
  const lines = [`Qualys connector registration (${mode}):`];
  for (const r of results) {
    const id = r.connectorId ? ` connector ${r.connectorId}` : '';
    lines.push(`  ${r.accountId}  ${r.action.padEnd(10)}${id}  ${r.roleArn}  (${r.from})`);
    lines.push(`      ${r.message}`);
    for (const d of r.differences ?? []) {
      lines.push(d.secret ? `      ${d.field}: differs (not shown)` : `      ${d.field}: ${d.current} -> ${d.wanted}`);
    }
    for (const request of r.requests ?? []) {
      lines.push(`      ${request.method} ${request.url}`);
      for (const line of JSON.stringify(masked(request.body), null, 2).split('\n')) lines.push(`      ${line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Every occurrence of a secret (and of its base64 and URL forms) replaced; empty and one-character secrets are not searched. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = secrets
    .filter((s) => s.length > 1)
    .flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  for (const form of new Set(forms)) out = out.split(form).join('(hidden)');
  return out;
}
