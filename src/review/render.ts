import { PermissionRow, ReachChange, Review, RoleChange, isMutating, roleLabel } from './compare';

/** Hidden first line, so a workflow can find and update its own pull-request comment. */
export const REVIEW_MARKER = '<!-- qualys-connector-review -->';

/** GitHub's limit for a comment body (characters). */
export const COMMENT_LIMIT = 65536;

/** Text in a table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

function code(text: string): string {
  return text === '' ? '' : `\`${text.replace(/`/g, '\u02cb')}\``;
}

function level(row: PermissionRow): string {
  const text = row.accessLevels.length > 0 ? row.accessLevels.join(', ') : 'unknown to the catalogue';
  return isMutating(row) ? `**${text}**` : text;
}

function permissionTable(added: readonly PermissionRow[], removed: readonly PermissionRow[], maxRows: number): string[] {
  const rows = [...added.map((r) => ['added', r] as const), ...removed.map((r) => ['removed', r] as const)];
  if (rows.length === 0) return [];
  const lines = ['| Change | Action | Access level | Resource | Condition | Capability | Why |', '|---|---|---|---|---|---|---|'];
  for (const [change, row] of rows.slice(0, maxRows)) {
    const action = row.effect === 'Deny' ? `${code(row.action)} (Deny)` : code(row.action);
    lines.push(`| ${change} | ${cell(action)} | ${level(row)} | ${cell(code(row.resource))} | ${cell(code(row.condition))} | ${row.capability ?? ''} | ${cell(row.why ?? '')} |`);
  }
  if (rows.length > maxRows) lines.push('', `${rows.length - maxRows} more rows left out to fit a comment; \`--format json\` lists them all.`);
  return lines;
}

function roleSection(role: RoleChange, maxRows: number): string[] {
  const lines = [`### ${cell(roleLabel(role))}${role.status === 'changed' ? '' : ` (${role.status})`}`, ''];
  lines.push(...permissionTable(role.permissionsAdded, role.permissionsRemoved, maxRows));
  const facts: string[] = [];
  for (const arn of role.managedPoliciesAttached) facts.push(`AWS managed policy attached: ${code(arn)}`);
  for (const arn of role.managedPoliciesDetached) facts.push(`AWS managed policy detached: ${code(arn)}`);
  const t = role.trust;
  for (const p of t.principalsAdded) facts.push(`**Trusts a new principal:** ${code(p)}`);
  for (const p of t.principalsRemoved) facts.push(`No longer trusts: ${code(p)}`);
  for (const c of t.conditionsRemoved) facts.push(`**Trust condition removed:** ${code(c)}`);
  for (const c of t.conditionsAdded) facts.push(`Trust condition added: ${code(c)}`);
  if (t.externalIdsAdded + t.externalIdsRemoved > 0) {
    facts.push(`External IDs: ${t.externalIdsAdded} added, ${t.externalIdsRemoved} removed (${t.externalIdsBefore} accepted before, ${t.externalIdsAfter} after)`);
  }
  if (role.boundary) {
    facts.push(
      role.boundary.after === undefined
        ? `**Permissions boundary removed:** ${code(role.boundary.before ?? '')}`
        : role.boundary.before === undefined
          ? `Permissions boundary added: ${code(role.boundary.after)}`
          : `Permissions boundary changed: ${code(role.boundary.before)} \u2192 ${code(role.boundary.after)}`,
    );
  }
  if (role.maxSession) {
    const raised = role.maxSession.after > role.maxSession.before;
    facts.push(`${raised ? '**Maximum session raised:**' : 'Maximum session lowered:'} ${role.maxSession.before} s \u2192 ${role.maxSession.after} s`);
  }
  for (const part of role.unreadable) facts.push(`**Not known until apply:** ${cell(part)} (the comparison cannot tell what it grants)`);
  if (facts.length > 0) lines.push(...(lines.length > 2 ? [''] : []), ...facts.map((f) => `- ${f}`));
  lines.push('');
  return lines;
}

function reachSection(change: ReachChange): string[] {
  const facts: string[] = [];
  for (const t of change.targetsAdded) facts.push(`**Member roles reach a new target:** ${code(t)}`);
  for (const t of change.targetsRemoved) facts.push(`Target removed: ${code(t)}`);
  for (const a of change.exclusionsAdded) facts.push(`Account excluded: ${code(a)}`);
  for (const a of change.exclusionsRemoved) facts.push(`**Account no longer excluded:** ${code(a)}`);
  if (change.region) facts.push(`Stack set region: ${change.region.before ?? '(none)'} \u2192 ${change.region.after ?? '(none)'}`);
  if (change.retainStacksOnAccountRemoval) {
    facts.push(
      change.retainStacksOnAccountRemoval.after
        ? '**Roles are kept in accounts that leave the targets**'
        : 'Roles are removed from accounts that leave the targets',
    );
  }
  return [`### ${cell(change.stack)}: reach`, '', ...facts.map((f) => `- ${f}`), ''];
}

function markdownWith(review: Review, maxRows: number): string {
  const lines = [REVIEW_MARKER, '## Qualys connector review', '', `**${review.summary}**`, ''];
  if (review.broadening.length > 0) {
    lines.push('Broadening:', ...review.broadening.map((r) => `- ${cell(r)}`), '');
  }
  for (const role of review.roles) if (role.status !== 'unchanged') lines.push(...roleSection(role, maxRows));
  for (const change of review.reach) lines.push(...reachSection(change));
  if (review.disruptions.length > 0) {
    lines.push('### Disruption', '', '| Stack | Address | Action |', '|---|---|---|');
    for (const d of review.disruptions) lines.push(`| ${cell(d.stack)} | ${cell(code(d.address))} | **${d.action}** |`);
    lines.push('');
  }
  lines.push(`<sub>Effective permissions per role: the union of every attached document, wildcards expanded with the IAM action catalogue ${cell(review.catalogue)}. External IDs are counted, never shown.</sub>`, '');
  return lines.join('\n');
}

/** The review as Markdown for a pull-request comment or a job summary: at most COMMENT_LIMIT characters. */
export function renderMarkdown(review: Review): string {
  // Fewer rows per table until the whole fits; the summary and every non-permission fact always stay.
  for (const maxRows of [Infinity, 500, 200, 100, 50, 20, 5, 0]) {
    const text = markdownWith(review, maxRows);
    if (text.length <= COMMENT_LIMIT) return text;
  }
  const text = markdownWith(review, 0);
  return `${text.slice(0, COMMENT_LIMIT - 80)}\n\nReview cut to fit a comment; \`--format json\` has all of it.\n`;
}

export function renderJson(review: Review): string {
  return `${JSON.stringify(review, null, 2)}\n`;
}
