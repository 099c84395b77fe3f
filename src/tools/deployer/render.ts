import { tableCell } from '../../render/markdown/markdown';
import { IAM_LIMITS } from '../../model/policy/limits';
import { EVIDENCE, EVIDENCE_STEPS, EvidenceEntry, EvidenceSource, NO_CALLS } from './evidence';
import { StackDeployerPolicy } from './policy';

/** The policies as JSON: per stack, one IAM policy document per identity, in a fixed order. */
export function renderDeployerJson(plans: readonly StackDeployerPolicy[]): string {
  const json = {
    stacks: plans.map((plan) => ({
      stack: plan.stack,
      kind: plan.kind,
      documents: plan.documents.map((d) => ({
        name: d.name,
        attachTo: d.attachTo,
        account: d.account,
        size: d.document.size,
        policy: d.document.toJson(),
      })),
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function code(values: readonly string[]): string {
  return values.map((v) => `\`${v}\``).join(', ');
}

/** The policies as Markdown: each document with who to attach it to, its size and its JSON. */
export function renderDeployerMarkdown(plans: readonly StackDeployerPolicy[], headingLevel = 2): string {
  const h = (n: number) => '#'.repeat(headingLevel + n);
  const out: string[] = [];
  for (const plan of plans) {
    out.push(
      `${h(0)} ${plan.purpose === 'plan' ? 'Plan-only policy' : 'Deployer policy'} of stack \`${plan.stack}\` (${plan.kind})`,
      '',
    );
    for (const doc of plan.documents) {
      const anyResource = doc.document.statements
        .filter((s) => s.resources.length === 1 && s.resources[0] === '*')
        .flatMap((s) => s.actions);
      out.push(
        `${h(1)} \`${doc.name}\``,
        '',
        `Attach to ${doc.attachTo}. Account: ${doc.account === '*' ? '`*` (the account of that identity)' : `\`${doc.account}\``}. ${grouped(doc.document.size)} of ${grouped(IAM_LIMITS.managedPolicySize)} characters.`,
        '',
        '```json',
        JSON.stringify(doc.document.toJson(), null, 2),
        '```',
        '',
      );
      if (anyResource.length > 0)
        out.push(`On \`*\` because IAM offers no resource type for them: ${code(anyResource)}.`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const SOURCE_LABEL: Readonly<Record<EvidenceSource['kind'], string>> = {
  'provider-source': 'provider source',
  'provider-docs': 'provider docs',
  'terraform-source': 'Terraform source',
  'terraform-docs': 'Terraform docs',
  'aws-docs': 'AWS docs',
  'cloudformation-schema': 'CloudFormation schema',
};

function links(sources: readonly EvidenceSource[]): string {
  const byUrl = new Map<string, EvidenceSource>();
  for (const s of sources) if (!byUrl.has(s.url)) byUrl.set(s.url, s);
  // A link names a tag; when the fact was read at another revision of the file (not at a commit the link names), say which.
  const label = (s: EvidenceSource) =>
    s.revision && !s.revision.startsWith('commit')
      ? `${SOURCE_LABEL[s.kind]}, read at ${s.revision}`
      : SOURCE_LABEL[s.kind];
  return [...byUrl.values()].map((s) => `[${label(s)}](${s.url})`).join(', ');
}

function grantText(entries: readonly EvidenceEntry[]): string {
  if (entries.every((e) => e.granted === false)) return 'no';
  const needs = [...new Set(entries.filter((e) => e.granted !== false).map((e) => e.needs))];
  if (needs.includes(undefined)) return 'yes';
  return `with ${needs.join(', ')}`;
}

/**
 * The evidence as one compact table: one row per subject, action and resource type, with the steps that
 * call it, when, whether the deployer policy grants it, whether the sources confirm it, and the sources.
 */
export function renderEvidenceTable(evidence: readonly EvidenceEntry[] = EVIDENCE): string {
  const rows = new Map<string, EvidenceEntry[]>();
  for (const entry of evidence) {
    const key = [entry.subject, entry.action, entry.resourceType].join(' ');
    rows.set(key, [...(rows.get(key) ?? []), entry]);
  }
  const lines = [
    '| Made by | Action | Resource type | Steps | When | Granted | Confirmed | Source |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const entries of rows.values()) {
    const [first] = entries;
    const steps = EVIDENCE_STEPS.filter((s) => entries.some((e) => e.step === s)).join(', ');
    const when = [...new Set(entries.map((e) => e.when))].join('; ');
    // A row joins steps; when the sources confirm the call for some of them only, the cell says which.
    const stepsWhere = (confirmed: boolean) =>
      EVIDENCE_STEPS.filter((s) => entries.some((e) => e.step === s && e.confirmed === confirmed)).join(', ');
    const confirmed = entries.every((e) => e.confirmed)
      ? 'yes'
      : entries.every((e) => !e.confirmed)
        ? '**no**'
        : `yes (${stepsWhere(true)}), **no** (${stepsWhere(false)})`;
    lines.push(
      `| ${tableCell(first.subject)} | \`${first.action}\` | ${first.resourceType === '' ? '`*`' : first.resourceType} | ${steps} | ${tableCell(when)} | ${grantText(entries)} | ${confirmed} | ${links(entries.map((e) => e.source))} |`,
    );
  }
  return lines.join('\n');
}

/** Steps that make no call, as a list. */
export function renderNoCalls(): string {
  return NO_CALLS.map(
    (n) => `- ${n.subject} (${n.step}): ${tableCell(n.when)} ([${SOURCE_LABEL[n.source.kind]}](${n.source.url}))`,
  ).join('\n');
}

/** The calls the sources do not confirm, grouped by subject and reason, and whether the policy grants them. */
export function renderUnconfirmed(evidence: readonly EvidenceEntry[] = EVIDENCE): string {
  const groups = new Map<string, { subject: string; note: string; granted: Set<string>; left: Set<string> }>();
  for (const e of evidence.filter((x) => !x.confirmed)) {
    const note = e.note ?? e.when;
    const key = `${e.subject}\u0000${note}`;
    const group = groups.get(key) ?? { subject: e.subject, note, granted: new Set<string>(), left: new Set<string>() };
    (e.granted === false ? group.left : group.granted).add(e.action);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => {
      const parts = [
        g.granted.size > 0 ? `granted: ${code([...g.granted].sort())}` : '',
        g.left.size > 0 ? `not granted: ${code([...g.left].sort())}` : '',
      ].filter((p) => p !== '');
      return `- ${g.subject}, ${parts.join('; ')}. ${tableCell(g.note)}`;
    })
    .join('\n');
}

/** The calls the policy deliberately leaves out, with the reason. */
export function renderNotGranted(evidence: readonly EvidenceEntry[] = EVIDENCE): string {
  const rows = new Map<string, EvidenceEntry>();
  for (const e of evidence.filter((x) => x.granted === false)) if (!rows.has(e.action)) rows.set(e.action, e);
  return [...rows.values()].map((e) => `- \`${e.action}\` (${e.subject}): ${tableCell(e.note ?? '')}`).join('\n');
}

/** Granted actions that IAM authorizes only on `*`. */
export function anyResourceActions(evidence: readonly EvidenceEntry[] = EVIDENCE): string[] {
  return [...new Set(evidence.filter((e) => e.granted !== false && e.resourceType === '').map((e) => e.action))].sort();
}
