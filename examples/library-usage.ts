// Using the constructs from your own cdktf app instead of the configuration file.
// Run: npx tsx examples/library-usage.ts  (writes cdktf.out/stacks/security-tooling)
// In your project, import from 'qualys-aws-connector-cdktf' instead of '../src'.
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { QualysConnectorRole } from '../src';

const app = new App();
const stack = new TerraformStack(app, 'security-tooling');
new AwsProvider(stack, 'aws', { region: 'eu-central-1' });

const externalId = new TerraformVariable(stack, 'qualys_external_id', { type: 'string', sensitive: true });
const connector = new QualysConnectorRole(stack, 'qualys', {
  externalId,
  capabilities: ['cspm'],
  roleName: 'QualysTotalCloud',
  tags: { owner: 'security' },
});

// The outputs `npm run register` reads from `terraform output -json`, under the names it reads them by.
new TerraformOutput(stack, 'role_arn', { value: connector.roleArn });
new TerraformOutput(stack, 'external_id', { value: connector.externalIdValue, sensitive: true });
new TerraformOutput(stack, 'trusted_principal', { value: connector.model.trustedPrincipal });
new TerraformOutput(stack, 'capabilities', { value: [...connector.model.capabilities].sort() });
app.synth();
