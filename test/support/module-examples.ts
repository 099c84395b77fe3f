import { readdirSync } from 'fs';
import { join } from 'path';
import { AppConfig } from '../../src/config/schema';
import { parseConfig } from '../../src/config/load';
import { OfflineTerraform, OfflineWorkspace } from '../terraform/harness';
import { PROJECT_ROOT } from './app-process';
import { SAMPLE_EXTERNAL_ID } from './configs';

/*
 * The examples in examples/terraform, each with the app configuration that makes the same roles and what
 * planning it offline needs. The configurations are written from the examples' own settings (main.tf), not
 * from any review or policy output. Used by the review's plan tests and the deployer policy's module plans.
 */

export const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
export const OU_A = 'ou-ab12-11111111';
export const OU_B = 'ou-ab12-22222222';

export const accountStack = (connector: Record<string, unknown> = {}) => ({
  kind: 'account',
  name: 'prod',
  connector: { externalId: EXTERNAL_ID, capabilities: ['cspm'], ...connector },
});
export const organizationStack = (members: Record<string, unknown> = {}, connector: Record<string, unknown> = {}) => ({
  kind: 'organization',
  name: 'org',
  provider: { accountId: '111111111111' },
  connector: { externalId: EXTERNAL_ID, capabilities: ['cspm'], ...connector },
  members: { organizationalUnitIds: [OU_A, OU_B], ...members },
});

export const TERRAFORM_EXAMPLES = join('examples', 'terraform');

export interface ModuleExample {
  /** What `aws_partition` reads while the example is planned. */
  readonly partition: string;
  readonly variables: Record<string, string>;
  /** The app stack (without its name) that makes the same roles. */
  readonly equivalent: Record<string, unknown>;
}

export const MODULE_EXAMPLES: Record<string, ModuleExample> = {
  assetview: {
    partition: 'aws',
    variables: { external_id: EXTERNAL_ID },
    equivalent: accountStack({ capabilities: [] }),
  },
  'cspm-remediation': {
    partition: 'aws',
    variables: { external_id: EXTERNAL_ID },
    equivalent: accountStack({
      capabilities: ['cspm', 'remediation'],
      roleName: 'QualysTotalCloudRole',
      tags: { owner: 'platform-team' },
    }),
  },
  'govcloud-base-account': {
    partition: 'aws-us-gov',
    variables: { external_id: EXTERNAL_ID, qualys_account_id: '210987654321' },
    equivalent: accountStack({ qualysAccountType: 'govcloud', trustedAccountId: '210987654321' }),
  },
  // A role made by hand with the CSPM capability module: the app's CSPM role without its AssetView policy.
  'existing-role': { partition: 'aws', variables: {}, equivalent: accountStack({ roleName: 'SecurityScanner' }) },
  organization: {
    partition: 'aws',
    variables: { external_id: EXTERNAL_ID },
    equivalent: {
      ...organizationStack({ excludedAccountIds: ['333333333333'], region: 'us-east-1' }),
      delegatedAdmin: {
        accountId: '222222222222',
        assumeRoleArn: 'arn:aws:iam::222222222222:role/StackSetAdministrator',
      },
    },
  },
};

/** The folders under examples/terraform. */
export function moduleExampleFolders(): string[] {
  return readdirSync(join(PROJECT_ROOT, TERRAFORM_EXAMPLES), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The equivalent app configuration of an example, its one stack named like the example. */
export function equivalentConfig(name: string): AppConfig {
  return parseConfig({ stacks: [{ ...MODULE_EXAMPLES[name].equivalent, name }] });
}

/** A copy of `modules/` and the examples, so that the examples' module sources resolve. */
export function moduleExampleTree(terraform: OfflineTerraform): string {
  return terraform.copyTree(PROJECT_ROOT, ['modules', TERRAFORM_EXAMPLES]);
}

/**
 * An initialized workspace of one example in `tree`. It sets what `aws_partition` reads in `terraform.env`
 * for the plans that follow; the caller removes `QUALYS_OFFLINE_PROVIDER_DATA` when done.
 */
export function moduleExampleWorkspace(terraform: OfflineTerraform, tree: string, name: string): OfflineWorkspace {
  terraform.env.QUALYS_OFFLINE_PROVIDER_DATA = JSON.stringify({
    aws_partition: { partition: MODULE_EXAMPLES[name].partition },
  });
  return terraform.workspaceIn(join(tree, TERRAFORM_EXAMPLES, name), MODULE_EXAMPLES[name].variables);
}
