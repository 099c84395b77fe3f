// The README's generated deployer policy sections (part of npm run docs).
import { join } from 'path';
import { DEFAULT_CONFIG, loadConfig } from '../src/config/load';
import { DeployerPurpose, planDeployerPolicy } from '../src/tools/deployer/policy';
import {
  anyResourceActions,
  renderDeployerMarkdown,
  renderEvidenceTable,
  renderNoCalls,
  renderNotGranted,
  renderUnconfirmed,
} from '../src/tools/deployer/render';

/** One example per configuration kind, the command's Markdown output for each. */
export const DEPLOYER_EXAMPLES: readonly { title: string; file?: string; purpose?: DeployerPurpose }[] = [
  { title: 'An account, state in a local file (the default configuration)' },
  {
    title:
      'An account with a path, a permissions boundary, tags and S3 state (`examples/cspm-remediation-s3-backend.json`)',
    file: 'cspm-remediation-s3-backend.json',
  },
  {
    title: 'An organization, stack set from the management account (`examples/organization.json`)',
    file: 'organization.json',
  },
  {
    title:
      'An organization with a delegated administrator and the management role as a CloudFormation stack (`examples/organization-govcloud-delegated-admin.json`)',
    file: 'organization-govcloud-delegated-admin.json',
  },
  {
    title:
      "Plan only (`--for plan`): the account with S3 state (`examples/cspm-remediation-s3-backend.json`), for a pull request's plan job",
    file: 'cspm-remediation-s3-backend.json',
    purpose: 'plan',
  },
];

function examples(): string {
  return DEPLOYER_EXAMPLES.map(({ title, file, purpose }) => {
    const config = file === undefined ? DEFAULT_CONFIG : loadConfig(join(__dirname, '..', 'examples', file));
    return [
      '<details>',
      `<summary>${title.replace(/`([^`]+)`/g, '<code>$1</code>')}</summary>`,
      '',
      renderDeployerMarkdown(planDeployerPolicy(config, undefined, purpose), 4).trimEnd(),
      '',
      '</details>',
    ].join('\n');
  }).join('\n\n');
}

function evidence(): string {
  return [
    '<details>',
    '<summary>Every call, per resource and step (the evidence table)</summary>',
    '',
    renderEvidenceTable(),
    '',
    '</details>',
    '',
    'Steps that make no AWS call:',
    '',
    renderNoCalls(),
    '',
    `Granted only on \`*\`, because IAM offers no resource type for them: ${anyResourceActions()
      .map((a) => `\`${a}\``)
      .join(', ')}.`,
    '',
    'Calls the policy leaves out, and why:',
    '',
    renderNotGranted(),
    '',
    'Calls the sources do not confirm, and what the policy does with them:',
    '',
    renderUnconfirmed(),
  ].join('\n');
}

export function deployerSections(): Record<string, string> {
  return { 'deployer-evidence': evidence(), 'deployer-examples': examples() };
}
