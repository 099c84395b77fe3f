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

new TerraformOutput(stack, 'qualys_role_arn', { value: connector.roleArn });
app.synth();
