import { PermissionRow, ReachChange, Review, RoleChange, isMutating, roleLabel } from './compare';
import { codeSpan, markdownText } from '../../render/markdown/markdown';
import { TrustEntry } from './trust';

export { codeSpan, markdownText };

/** Hidden first line, so a workflow can find and update its own pull-request comment. */
export const REVIEW_MARKER = '<!-- qualys-connector-review -->';

/** GitHub's limit for a comment body (characters). */
export const COMMENT_LIMIT = 65536;

function level(row: PermissionRow): string {
  const text = row.accessLevels.length > 0 ? row.accessLevels.join(', ') : 'unknown to the catalogue';
  return isMutating(row) ? `**${text}**` : text;
}

function why(row: PermissionRow, change: 'added' | 'removed', reasonsFrom: Review['reasonsFrom']): string {
  if (row.secret) return `**Reads secrets or returns credentials:** ${markdownText(row.secret)}`;
  const source = row.source ? `${markdownText(row.source)}` : '';
  if (row.why === undefined) return source || (change === 'added' ? 'no reason in the base code' : '');
  const reason = markdownText(row.why);
  const given = change === 'added' && reasonsFrom === 'change' ? `${reason} (the change's own reason)` : reason;
  return source ? `${source}; ${given}` : given;
}

/**
 * Rows an AWS managed policy brings are many (SecurityAudit: thousands) and AWS's own: one line per policy,
 * with only its rows that matter (secrets, Write and Permissions management) in the table.
 */
function managedPolicySummaries(role: RoleChange): string[] {
  const lines: string[] = [];
  for (const [change, rows] of [
    ['added', role.permissionsAdded],
    ['removed', role.permissionsRemoved],
  ] as const) {
    const bySource = new Map<string, PermissionRow[]>();
    for (const row of rows) if (row.source) bySource.set(row.source, [...(bySource.get(row.source) ?? []), row]);
    for (const [source, list] of bySource) {
      const notable = list.filter((r) => r.secret || isMutating(r)).length;
      lines.push(
        `${markdownText(source)}: ${list.length} grants ${change} that the role's own documents do not have${notable > 0 ? `; the ${notable} that read secrets or change resources are in the table` : ''} (\`--format json\` lists them all)`,
      );
    }
  }
  return lines;
}

/** A role's table rows as Markdown lines, with what matters most marked for when rows must be left out. */
interface PreparedRows {
  readonly lines: readonly string[];
  /** Lower is shown first when the table is cut: secrets, then mutating grants, then other grants, then removals. */
  readonly weights: readonly number[];
}

function prepareRows(role: RoleChange, reasonsFrom: Review['reasonsFrom']): PreparedRows {
  const shownInTable = (row: PermissionRow) => row.source === undefined || row.secret !== undefined || isMutating(row);
  const rows = [
    ...role.permissionsAdded.filter(shownInTable).map((r) => ['added', r] as const),
    ...role.permissionsRemoved.filter(shownInTable).map((r) => ['removed', r] as const),
  ];
  return {
    lines: rows.map(([change, row]) => {
      const action = row.effect === 'Deny' ? `${codeSpan(row.action)} (Deny)` : codeSpan(row.action);
      return `| ${change} | ${action} | ${level(row)} | ${codeSpan(row.resource)} | ${codeSpan(row.condition)} | ${markdownText(row.capability ?? '')} | ${why(row, change, reasonsFrom)} |`;
    }),
    weights: rows.map(([change, row]) => (change === 'added' ? (row.secret ? 0 : isMutating(row) ? 1 : 2) : 3)),
  };
}

function permissionRows(prepared: PreparedRows, maxRows: number): { lines: string[]; left: number } {
  const total = prepared.lines.length;
  if (total === 0) return { lines: [], left: 0 };
  let indices = prepared.lines.map((_, i) => i);
  if (total > maxRows) {
    indices = indices
      .sort((a, b) => prepared.weights[a] - prepared.weights[b] || a - b)
      .slice(0, maxRows)
      .sort((a, b) => a - b);
  }
  if (indices.length === 0) return { lines: [], left: total };
  return {
    lines: [
      '| Change | Action | Access level | Resource | Condition | Capability | Why |',
      '|---|---|---|---|---|---|---|',
      ...indices.map((i) => prepared.lines[i]),
    ],
    left: total - indices.length,
  };
}

function entryText(entry: TrustEntry): string {
  return `${entry.effect === 'Deny' ? 'denied: ' : ''}${codeSpan(entry.principals)} may call ${entry.actions.map(codeSpan).join(', ')} with ${markdownText(entry.requirement)}`;
}

function roleFacts(role: RoleChange): string[] {
  const facts: string[] = [...managedPolicySummaries(role)];
  if (role.arn)
    facts.push(
      `**The role's ARN changes:** ${codeSpan(role.arn.before)} \u2192 ${codeSpan(role.arn.after)} (the role is replaced; give Qualys the new ARN)`,
    );
  if (role.place) {
    const text = (p: { accounts: readonly string[]; via: readonly string[] }) =>
      codeSpan([p.accounts.length > 0 ? `account ${p.accounts.join(', ')}` : 'any account', ...p.via].join('; '));
    facts.push(
      `${role.place.moved ? '**Deployed elsewhere:**' : 'Deployment changed:'} ${text(role.place.before)} \u2192 ${text(role.place.after)}`,
    );
  }
  for (const refusal of role.cloudFormation ?? [])
    facts.push(
      `**${role.kind === 'member role' ? 'Member stacks fail' : 'The stack fails'}:** ${markdownText(refusal)}`,
    );
  if (role.deployedBy)
    facts.push(`**Deployed by** ${role.deployedBy.before} \u2192 ${role.deployedBy.after} (a change in two steps)`);
  for (const arn of role.managedPoliciesAttached) facts.push(`AWS managed policy attached: ${codeSpan(arn)}`);
  for (const arn of role.managedPoliciesDetached) facts.push(`AWS managed policy detached: ${codeSpan(arn)}`);
  const t = role.trust;
  for (const line of t.broadening) facts.push(`**Trust broadened:** ${markdownText(line)}`);
  for (const p of t.principalsAdded) facts.push(`Trusts a new principal: ${codeSpan(p)}`);
  for (const p of t.principalsRemoved) facts.push(`No longer trusts: ${codeSpan(p)}`);
  for (const e of t.entriesAdded) facts.push(`Trust now: ${entryText(e)}`);
  for (const e of t.entriesRemoved) facts.push(`Trust no longer: ${entryText(e)}`);
  if (t.externalIdsAdded + t.externalIdsRemoved > 0) {
    facts.push(
      `External IDs: ${t.externalIdsAdded} added, ${t.externalIdsRemoved} removed (${t.externalIdsBefore} accepted before, ${t.externalIdsAfter} after)`,
    );
  }
  if (role.secrets.length > 0)
    facts.push(`**Grants actions that read secrets or return credentials:** ${role.secrets.map(codeSpan).join(', ')}`);
  const b = role.boundary;
  if (b) {
    if (b.after === undefined) facts.push(`**Permissions boundary removed:** ${codeSpan(b.before ?? '')}`);
    else if (b.before === undefined) facts.push(`Permissions boundary added: ${codeSpan(b.after)}`);
    else
      facts.push(
        `${b.grantsAdded > 0 || b.unknown ? '**Permissions boundary changed:**' : 'Permissions boundary changed:'} ${codeSpan(b.before)} \u2192 ${codeSpan(b.after)}${b.grantsAdded > 0 ? ` (allows ${b.grantsAdded} more grants)` : ''}${b.unknown ? ` (${markdownText(b.unknown)})` : ''}`,
      );
  }
  if (role.maxSession) {
    const raised = role.maxSession.after > role.maxSession.before;
    facts.push(
      `${raised ? '**Maximum session raised:**' : 'Maximum session lowered:'} ${role.maxSession.before} s \u2192 ${role.maxSession.after} s`,
    );
  }
  for (const part of role.unknown)
    facts.push(`**Not known before apply:** ${markdownText(part)} (the comparison cannot tell what it grants)`);
  return facts;
}

/** What a role's section is made of, rendered once; budgets only choose how much of the table to show. */
interface PreparedRole {
  readonly title: string;
  readonly rows: PreparedRows;
  readonly facts: readonly string[];
}

function prepareRole(role: RoleChange, reasonsFrom: Review['reasonsFrom']): PreparedRole {
  return {
    title: `### ${markdownText(roleLabel(role))}${role.status === 'changed' ? '' : ` (${role.status})`}`,
    rows: prepareRows(role, reasonsFrom),
    facts: roleFacts(role).map((f) => `- ${f}`),
  };
}

function roleSection(role: PreparedRole, maxRows: number): { lines: string[]; left: number } {
  const table = permissionRows(role.rows, maxRows);
  const lines = [role.title, ''];
  if (table.lines.length > 0) lines.push(...table.lines, '');
  if (table.left > 0)
    lines.push(
      `${table.left} permission rows of this role left out to fit a comment; \`--format json\` lists them all.`,
      '',
    );
  if (role.facts.length > 0) lines.push(...role.facts, '');
  return { lines, left: table.left };
}

function reachSection(change: ReachChange): string[] {
  const facts: string[] = [];
  for (const t of change.targetsAdded) facts.push(`**Member roles reach a new target:** ${codeSpan(t)}`);
  for (const t of change.targetsRemoved) facts.push(`Target removed: ${codeSpan(t)}`);
  for (const a of change.exclusionsAdded) facts.push(`Account excluded: ${codeSpan(a)}`);
  for (const a of change.exclusionsRemoved) facts.push(`**Account no longer excluded:** ${codeSpan(a)}`);
  if (change.region)
    facts.push(
      `**Stack set region:** ${codeSpan(change.region.before ?? '(none)')} \u2192 ${codeSpan(change.region.after ?? '(none)')} (a change in two steps)`,
    );
  if (change.stackSetName)
    facts.push(
      `**Stack set replaced** (renamed ${codeSpan(change.stackSetName.before)} \u2192 ${codeSpan(change.stackSetName.after)}): every member role is deleted and created again`,
    );
  if (change.callAs)
    facts.push(`Stack set administered as ${codeSpan(change.callAs.before)} \u2192 ${codeSpan(change.callAs.after)}`);
  if (change.retainStacksOnAccountRemoval) {
    facts.push(
      change.retainStacksOnAccountRemoval.after
        ? '**Roles are kept in accounts that leave the targets**'
        : 'Roles are removed from accounts that leave the targets',
    );
  }
  return [`### ${markdownText(change.stack)}: reach`, '', ...facts.map((f) => `- ${f}`), ''];
}

/** What the deploying identity's policy needs for this change, when it differs from the one for the base. */
function deployerPolicySection(review: Review, maxRows: number): string[] {
  const change = review.deployerPolicy;
  if (change === undefined) return [];
  const elsewhere = change.managedElsewhere ? ' (managed elsewhere: the gate does not hold on it)' : '';
  if (change.unplanned !== undefined)
    return [
      '### Deployer policy',
      '',
      `The policy the change needs could not be planned: ${markdownText(change.unplanned)}${elsewhere}.`,
      '',
    ];
  if (change.needed.length === 0 && change.unneeded.length === 0) return [];
  const lines = ['### Deployer policy', ''];
  if (change.needed.length > 0) {
    lines.push(
      `**Update the deploying role's policy before merging**${elsewhere}: the deploy of this change needs ${change.needed.length === 1 ? 'a grant' : `${change.needed.length} grants`} the policy for the base configuration does not give, and would be denied at apply. \`npm run --silent deployer-policy -- --config <the changed configuration>\` prints the new documents.`,
      '',
    );
  } else {
    lines.push('The policy for the base configuration covers this deploy.', '');
  }
  const rows = [
    ...change.needed.map((g) => ['needed', g] as const),
    ...change.unneeded.map((g) => ['no longer needed', g] as const),
  ];
  const shown = maxRows === Infinity ? rows : rows.slice(0, Math.max(maxRows, 10));
  lines.push('| Change | Document | Grant |', '|---|---|---|');
  for (const [what, grant] of shown) lines.push(`| ${what} | ${codeSpan(grant.document)} | ${codeSpan(grant.grant)} |`);
  if (shown.length < rows.length)
    lines.push('', `and ${rows.length - shown.length} more (\`--format json\` lists them all)`);
  if (change.unneeded.length > 0)
    lines.push('', 'Grants no longer needed can be removed from the policy after the deploy.');
  lines.push('');
  return lines;
}

interface Budget {
  readonly maxRows: number;
  /** Role sections shown in full; the rest are named in one line each, then counted. */
  readonly maxRoles: number;
  readonly maxReasons: number;
}

function markdownWith(review: Review, prepared: readonly PreparedRole[], budget: Budget): string {
  const lines = [REVIEW_MARKER, '## Qualys connector review', '', `**${markdownText(review.summary)}**`, ''];
  lines.push(`Before: ${markdownText(review.sources.before)}. After: ${markdownText(review.sources.after)}.`, '');
  if (review.broadening.length > 0) {
    lines.push('The gate holds:', ...review.broadening.slice(0, budget.maxReasons).map((r) => `- ${markdownText(r)}`));
    if (review.broadening.length > budget.maxReasons)
      lines.push(
        `- and ${review.broadening.length - budget.maxReasons} more reasons (\`--format json\` lists them all)`,
      );
    lines.push('');
  }
  const changed = review.roles.filter((r) => r.status !== 'unchanged');
  let rowsLeft = 0;
  prepared.slice(0, budget.maxRoles).forEach((role) => {
    const section = roleSection(role, budget.maxRows);
    lines.push(...section.lines);
    rowsLeft += section.left;
  });
  const rolesLeft = changed.slice(budget.maxRoles);
  for (const change of review.reach) lines.push(...reachSection(change));
  if (review.disruptions.length > 0) {
    lines.push('### Disruption', '', '| Stack | Address | Action |', '|---|---|---|');
    for (const d of review.disruptions.slice(
      0,
      budget.maxRows === Infinity ? undefined : Math.max(budget.maxRows, 5),
    )) {
      const what = d.stacksKept
        ? `**${d.action}**, stacks kept (retain_stack: the roles stay in the accounts)`
        : d.address.includes('aws_cloudformation_stack_set_instance')
          ? `**${d.action}**: its stacks and roles are deleted`
          : `**${d.action}**`;
      lines.push(`| ${markdownText(d.stack)} | ${codeSpan(d.address)} | ${what} |`);
    }
    lines.push('');
  }
  lines.push(...deployerPolicySection(review, budget.maxRows));
  if (rolesLeft.length + rowsLeft > 0) {
    const parts = [
      rolesLeft.length > 0
        ? `${rolesLeft.length} changed roles (${rolesLeft
            .slice(0, 20)
            .map((r) => markdownText(roleLabel(r)))
            .join(', ')}${rolesLeft.length > 20 ? ', \u2026' : ''})`
        : '',
      rowsLeft > 0 ? `${rowsLeft} permission rows` : '',
    ].filter(Boolean);
    lines.push(
      `**Left out to fit a comment:** ${parts.join(' and ')}. The verdict above is on the whole change; \`--format json\` has all of it.`,
      '',
    );
  }
  lines.push(
    `<sub>Effective permissions per role: the union of every attached document, wildcards expanded with the IAM action catalogue ${markdownText(review.catalogue)}. External IDs are counted, never shown.</sub>`,
    '',
  );
  return lines.join('\n');
}

/** The review as Markdown for a pull-request comment or a job summary: at most COMMENT_LIMIT characters, whole lines only. */
export function renderMarkdown(review: Review): string {
  const roles = review.roles.length;
  const budgets: Budget[] = [
    ...[Infinity, 500, 200, 100, 50, 20, 5, 0].map((maxRows) => ({ maxRows, maxRoles: roles, maxReasons: Infinity })),
    ...[200, 100, 50, 20, 10, 0].map((maxRoles) => ({ maxRows: 0, maxRoles, maxReasons: 100 })),
    { maxRows: 0, maxRoles: 0, maxReasons: 20 },
  ];
  const prepared = review.roles
    .filter((r) => r.status !== 'unchanged')
    .map((role) => prepareRole(role, review.reasonsFrom));
  for (const budget of budgets) {
    const text = markdownWith(review, prepared, budget);
    if (text.length <= COMMENT_LIMIT) return text;
  }
  // Every piece is bounded, so the smallest budget fits unless a stack has thousands of reach changes.
  return markdownWith({ ...review, reach: review.reach.slice(0, 20) }, prepared, {
    maxRows: 0,
    maxRoles: 0,
    maxReasons: 20,
  });
}

export function renderJson(review: Review): string {
  return `${JSON.stringify(review, null, 2)}\n`;
}
