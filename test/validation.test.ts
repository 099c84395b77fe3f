import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { configPathFrom, loadConfig, parseConfig, runAppCommand } from '../src/tools/app';
import { configSource } from '../src/config/load';
import { parseDeployerPolicyArgs } from '../src/tools/deployer/cli';
import { QualysConnectorRole } from '../src/render/cdktf/connector-role';
import { ConfigurationError } from '../src/rules/errors';
import { runApp, runAppWith } from './support/app-process';
import { SAMPLE_EXTERNAL_ID, accountConfig, accountStack, configOf, organizationConfig } from './support/configs';
import { projectScratch } from './support/scratch';

function problemsOf(config: unknown): ConfigurationError['problems'] {
  try {
    parseConfig(config);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('configuration was accepted');
}

const M = 'stacks[0].members';

/** [what, configuration, field that must be named, a word of the rule]. */
const BAD_CONFIGS: [string, unknown, string, string][] = [
  [
    'external ID with a space',
    accountConfig({ name: 'test', connector: { externalId: 'EU2 2792719' } }),
    'stacks[0].connector.externalId',
    '2 to 1224',
  ],
  [
    'external ID of one character',
    accountConfig({ name: 'test', connector: { externalId: 'x' } }),
    'stacks[0].connector.externalId',
    '2 to 1224',
  ],
  [
    'external ID longer than 1224',
    accountConfig({ name: 'test', connector: { externalId: 'a'.repeat(1225) } }),
    'stacks[0].connector.externalId',
    '2 to 1224',
  ],
  [
    'external ID with a quote',
    accountConfig({ name: 'test', connector: { externalId: 'EU2"1' } }),
    'stacks[0].connector.externalId',
    'sts:ExternalId',
  ],
  [
    'external ID missing',
    { stacks: [{ kind: 'account', name: 'test', connector: {} }] },
    'stacks[0].connector.externalId',
    'is required',
  ],
  [
    'external ID as a number',
    accountConfig({ name: 'test', connector: { externalId: 2792719 } }),
    'stacks[0].connector.externalId',
    'must be a string, a list of 1 to 5',
  ],
  [
    'empty external ID list',
    accountConfig({ name: 'test', connector: { externalId: [] } }),
    'stacks[0].connector.externalId',
    '1 to 5',
  ],
  [
    'six external IDs',
    accountConfig({ name: 'test', connector: { externalId: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'] } }),
    'stacks[0].connector.externalId',
    'at most 5',
  ],
  [
    'repeated external ID',
    accountConfig({ name: 'test', connector: { externalId: ['EU2-1', 'EU2-1'] } }),
    'stacks[0].connector.externalId',
    'twice',
  ],
  [
    'bad external ID in a list',
    accountConfig({ name: 'test', connector: { externalId: ['EU2-1', 'bad id'] } }),
    'stacks[0].connector.externalId[1]',
    '2 to 1224',
  ],
  [
    'external IDs too long for the trust policy',
    accountConfig({ name: 'test', connector: { externalId: ['a'.repeat(1100), 'b'.repeat(1100)] } }),
    'stacks[0].connector.externalId',
    'trust policy',
  ],
  [
    'bad variable name',
    accountConfig({ name: 'test', connector: { externalId: { variable: '9lives' } } }),
    'stacks[0].connector.externalId.variable',
    'Terraform identifier',
  ],
  [
    'unknown account type',
    accountConfig({ name: 'test', connector: { qualysAccountType: 'europe' } }),
    'stacks[0].connector.qualysAccountType',
    'global, govcloud, china',
  ],
  [
    'govcloud without trusted account',
    accountConfig({ name: 'test', connector: { qualysAccountType: 'govcloud' } }),
    'stacks[0].connector.trustedAccountId',
    'govAccountId',
  ],
  [
    'china without base account',
    accountConfig({ name: 'test', connector: { qualysAccountType: 'china' } }),
    'stacks[0].connector.trustedAccountId',
    'base account',
  ],
  [
    '11-digit account',
    accountConfig({ name: 'test', connector: { trustedAccountId: '80595017016' } }),
    'stacks[0].connector.trustedAccountId',
    '12 digits',
  ],
  [
    'account as a number',
    accountConfig({ name: 'test', connector: { trustedAccountId: 805950163170 } }),
    'stacks[0].connector.trustedAccountId',
    '12 digits',
  ],
  [
    'sample account that is not Qualys',
    accountConfig({ name: 'test', connector: { trustedAccountId: '148141692175' } }),
    'stacks[0].connector.trustedAccountId',
    'not a Qualys account',
  ],
  [
    'unknown capability',
    accountConfig({ name: 'test', connector: { capabilities: ['cspm', 'inventory'] } }),
    'stacks[0].connector.capabilities[1]',
    'is not a capability',
  ],
  [
    'remediation alone',
    accountConfig({ name: 'test', connector: { capabilities: ['remediation'] } }),
    'stacks[0].connector.capabilities[0]',
    'requires the "cspm"',
  ],
  [
    'organization in china',
    accountConfig({
      name: 'test',
      connector: { qualysAccountType: 'china', trustedAccountId: '345678901234', capabilities: ['organization'] },
    }),
    'stacks[0].connector.capabilities[0]',
    'organization connectors',
  ],
  [
    'role name with a space',
    accountConfig({ name: 'test', connector: { roleName: 'Qualys Role' } }),
    'stacks[0].connector.roleName',
    'IAM role name',
  ],
  [
    'role name of 65 characters',
    accountConfig({ name: 'test', connector: { roleName: 'r'.repeat(65) } }),
    'stacks[0].connector.roleName',
    '1 to 64',
  ],
  [
    'path without trailing slash',
    accountConfig({ name: 'test', connector: { path: '/qualys' } }),
    'stacks[0].connector.path',
    'start and end with "/"',
  ],
  [
    'path too long',
    accountConfig({ name: 'test', connector: { path: `/${'p'.repeat(512)}/` } }),
    'stacks[0].connector.path',
    '512',
  ],
  [
    'boundary that is not an ARN',
    accountConfig({ name: 'test', connector: { permissionsBoundaryArn: 'Boundary' } }),
    'stacks[0].connector.permissionsBoundaryArn',
    'policy ARN',
  ],
  [
    'boundary in another partition',
    accountConfig({ name: 'test', connector: { permissionsBoundaryArn: 'arn:aws-us-gov:iam::123456789012:policy/B' } }),
    'stacks[0].connector.permissionsBoundaryArn',
    'partition "aws"',
  ],
  [
    'session of 30 minutes',
    accountConfig({ name: 'test', connector: { maxSessionDuration: 1800 } }),
    'stacks[0].connector.maxSessionDuration',
    '3600',
  ],
  [
    'session of 13 hours',
    accountConfig({ name: 'test', connector: { maxSessionDuration: 46800 } }),
    'stacks[0].connector.maxSessionDuration',
    '43200',
  ],
  [
    'fractional session',
    accountConfig({ name: 'test', connector: { maxSessionDuration: 3600.5 } }),
    'stacks[0].connector.maxSessionDuration',
    'whole number',
  ],
  [
    'reserved tag key',
    accountConfig({ name: 'test', connector: { tags: { 'aws:owner': 'x' } } }),
    'stacks[0].connector.tags["aws:owner"]',
    'reserved',
  ],
  [
    'tag key too long',
    accountConfig({ name: 'test', connector: { tags: { ['k'.repeat(129)]: 'x' } } }),
    `stacks[0].connector.tags.${'k'.repeat(129)}`,
    '1 to 128',
  ],
  [
    'tag value too long',
    accountConfig({ name: 'test', connector: { tags: { team: 'v'.repeat(257) } } }),
    'stacks[0].connector.tags.team',
    '256',
  ],
  [
    '51 tags',
    accountConfig({
      name: 'test',
      connector: { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
    }),
    'stacks[0].connector.tags',
    'at most 50',
  ],
  [
    'tag value that is not text',
    accountConfig({ name: 'test', connector: { tags: { team: 7 } } }),
    'stacks[0].connector.tags.team',
    'string',
  ],
  [
    'misspelt setting',
    accountConfig({ name: 'test', connector: { rolename: 'X' } }),
    'stacks[0].connector.rolename',
    'not a known setting',
  ],
  [
    'quota above 20',
    accountConfig({ name: 'test', connector: { managedPolicyQuota: 25 } }),
    'stacks[0].connector.managedPolicyQuota',
    'to 20',
  ],
  ['invented region', accountConfig({ name: 'test', region: 'us-east-9' }), 'stacks[0].region', 'not an AWS region'],
  [
    'region of another partition',
    accountConfig({ name: 'test', region: 'us-gov-west-1' }),
    'stacks[0].region',
    'partition "aws"',
  ],
  [
    'absolute local state path',
    accountConfig({ name: 'test', backend: { type: 'local', path: '/var/state.tfstate' } }),
    'stacks[0].backend.path',
    'relative',
  ],
  [
    'unknown backend',
    accountConfig({ name: 'test', backend: { type: 'gcs' } }),
    'stacks[0].backend.type',
    'must be {"type": "local"} or {"type": "s3"',
  ],
  [
    'S3 backend bucket in another partition',
    accountConfig({ name: 'test', backend: { type: 's3', bucket: 'state', key: 'k', region: 'cn-north-1' } }),
    'stacks[0].backend.region',
    'partition "aws"',
  ],
  [
    'provider role in another partition',
    accountConfig({ name: 'test', provider: { assumeRoleArn: 'arn:aws-cn:iam::123456789012:role/Admin' } }),
    'stacks[0].provider.assumeRoleArn',
    'partition "aws"',
  ],
  [
    'provider account that is not 12 digits',
    accountConfig({ name: 'test', provider: { accountId: '1234' } }),
    'stacks[0].provider.accountId',
    '12 digits',
  ],
  [
    'organization: bad OU ID',
    organizationConfig({ members: { organizationalUnitIds: ['ou-AB12-1'] } }),
    `${M}.organizationalUnitIds[0]`,
    'organizational unit ID',
  ],
  [
    'organization: bad root ID',
    organizationConfig({ members: { organizationalUnitIds: undefined, organizationRootId: 'root' } }),
    `${M}.organizationRootId`,
    'r-',
  ],
  [
    'organization: root and OUs',
    organizationConfig({ members: { organizationRootId: 'r-ab12' } }),
    `${M}.organizationalUnitIds`,
    'not both',
  ],
  [
    'organization: no targets',
    organizationConfig({ members: { organizationalUnitIds: undefined } }),
    `${M}.organizationalUnitIds`,
    'need targets',
  ],
  [
    'organization: empty OU list',
    organizationConfig({ members: { organizationalUnitIds: [] } }),
    `${M}.organizationalUnitIds`,
    'at least one OU',
  ],
  [
    'organization: several regions',
    organizationConfig({ members: { region: ['us-east-1', 'eu-west-1'] } }),
    `${M}.region`,
    'IAM is global',
  ],
  [
    'organization: member region of another partition',
    organizationConfig({ members: { region: 'us-gov-west-1' } }),
    `${M}.region`,
    'partition "aws"',
  ],
  [
    'organization: invented member region',
    organizationConfig({ members: { region: 'eu-north-9' } }),
    `${M}.region`,
    'not an AWS region',
  ],
  [
    'organization: bad excluded account',
    organizationConfig({ members: { excludedAccountIds: ['12345'] } }),
    `${M}.excludedAccountIds[0]`,
    '12 digits',
  ],
  [
    'organization: account excluded twice',
    organizationConfig({ members: { excludedAccountIds: ['333333333333', '333333333333'] } }),
    `${M}.excludedAccountIds`,
    'twice',
  ],
  [
    'organization: management account excluded',
    organizationConfig({ members: { excludedAccountIds: ['111111111111'] }, provider: { accountId: '111111111111' } }),
    `${M}.excludedAccountIds[0]`,
    'never deploys to',
  ],
  [
    'organization: too many exclusions',
    organizationConfig({
      members: { excludedAccountIds: Array.from({ length: 1000 }, (_, i) => String(300000000000 + i)) },
    }),
    `${M}.excludedAccountIds`,
    'template_body limit',
  ],
  [
    'organization: failure tolerance above 100',
    organizationConfig({ members: { operationPreferences: { failureTolerancePercentage: 101 } } }),
    `${M}.operationPreferences.failureTolerancePercentage`,
    '0 to 100',
  ],
  [
    'organization: concurrency of 0',
    organizationConfig({ members: { operationPreferences: { maxConcurrentCount: 0 } } }),
    `${M}.operationPreferences.maxConcurrentCount`,
    'at least 1',
  ],
  [
    'organization: count and percentage',
    organizationConfig({ members: { operationPreferences: { maxConcurrentCount: 2, maxConcurrentPercentage: 10 } } }),
    `${M}.operationPreferences.maxConcurrentPercentage`,
    'conflicts',
  ],
  [
    'organization: tolerance not below concurrency',
    organizationConfig({ members: { operationPreferences: { maxConcurrentCount: 2, failureToleranceCount: 2 } } }),
    `${M}.operationPreferences.failureToleranceCount`,
    'lower than maxConcurrentCount',
  ],
  [
    'organization: unknown concurrency mode',
    organizationConfig({ members: { operationPreferences: { concurrencyMode: 'FAST' } } }),
    `${M}.operationPreferences.concurrencyMode`,
    'STRICT_FAILURE_TOLERANCE',
  ],
  [
    'organization: bad timeout',
    organizationConfig({ members: { timeouts: { create: '1 hour' } } }),
    `${M}.timeouts.create`,
    'duration',
  ],
  [
    'organization: stack set name with a digit first',
    organizationConfig({ members: { stackSetName: '1Qualys' } }),
    `${M}.stackSetName`,
    'StackSet name rule',
  ],
  [
    'organization: stack set name with an underscore',
    organizationConfig({ members: { stackSetName: 'Qualys_Roles' } }),
    `${M}.stackSetName`,
    'StackSet name rule',
  ],
  [
    'organization: stack set name of 129 characters',
    organizationConfig({ members: { stackSetName: `Q${'q'.repeat(128)}` } }),
    `${M}.stackSetName`,
    'at most 128',
  ],
  [
    'organization: delegated admin without credentials',
    organizationConfig({ delegatedAdmin: { accountId: '222222222222' } }),
    'stacks[0].delegatedAdmin.assumeRoleArn',
    'delegated administrator account',
  ],
  [
    'organization: delegated admin role in another account',
    organizationConfig({
      delegatedAdmin: { accountId: '222222222222', assumeRoleArn: 'arn:aws:iam::333333333333:role/Admin' },
    }),
    'stacks[0].delegatedAdmin.assumeRoleArn',
    'must be a role in the delegated administrator account',
  ],
  [
    'organization: delegated admin is the management account',
    organizationConfig({
      provider: { accountId: '222222222222' },
      delegatedAdmin: { accountId: '222222222222', profile: 'admin' },
    }),
    'stacks[0].delegatedAdmin.accountId',
    'management account',
  ],
  [
    'organization: delegated admin role in another partition',
    organizationConfig({
      delegatedAdmin: { accountId: '222222222222', assumeRoleArn: 'arn:aws-us-gov:iam::222222222222:role/Admin' },
    }),
    'stacks[0].delegatedAdmin.assumeRoleArn',
    'partition "aws"',
  ],
  [
    'organization: China',
    organizationConfig({ connector: { qualysAccountType: 'china', trustedAccountId: '345678901234' } }),
    'stacks[0].connector.qualysAccountType',
    'no organization connector',
  ],
  [
    'organization: six external IDs',
    organizationConfig({ connector: { externalId: ['EU2-1', 'EU2-2', 'EU2-3', 'EU2-4', 'EU2-5', 'EU2-6'] } }),
    'stacks[0].connector.externalId',
    'at most 5',
  ],
  [
    'organization: a path other than "/"',
    organizationConfig({ connector: { path: '/qualys/' } }),
    'stacks[0].connector.path',
    'cannot change the path of a named role',
  ],
  [
    'organization: permissions boundary',
    organizationConfig({ connector: { permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/B' } }),
    'stacks[0].connector.permissionsBoundaryArn',
    'not supported for organization',
  ],
  [
    'organization: unknown management deployment',
    organizationConfig({ managementRole: { deployWith: 'manual' } }),
    'stacks[0].managementRole.deployWith',
    'cloudformation-stack',
  ],
  [
    'organization: stack name without the stack option',
    organizationConfig({ managementRole: { stackName: 'Qualys' } }),
    'stacks[0].managementRole.stackName',
    'only applies',
  ],
  [
    'organization: adopting a role with the stack option',
    organizationConfig({ importExistingRole: true, managementRole: { deployWith: 'cloudformation-stack' } }),
    'stacks[0].importExistingRole',
    'Terraform management role',
  ],
  [
    'organization: unknown members setting',
    organizationConfig({ members: { regionOrder: ['us-east-1'] } }),
    `${M}.regionOrder`,
    'not a known setting',
  ],
  ['stack name with a space', accountConfig({ name: 'my stack' }), 'stacks[0].name', 'start with a letter'],
  [
    'unknown stack kind',
    { stacks: [{ kind: 'cluster', name: 'x', connector: { externalId: SAMPLE_EXTERNAL_ID } }] },
    'stacks[0].kind',
    'must be "account" or "organization"',
  ],
  ['no stacks', { stacks: [] }, 'stacks', 'at least one'],
  [
    'two stacks of one name',
    {
      stacks: [
        { kind: 'account', name: 'a', connector: { externalId: SAMPLE_EXTERNAL_ID } },
        { kind: 'account', name: 'a', connector: { externalId: SAMPLE_EXTERNAL_ID } },
      ],
    },
    'stacks[1].name',
    'unique',
  ],
];

describe('bad configuration is rejected with the field, the value and the rule', () => {
  test.each(BAD_CONFIGS)('%s', (_what, config, field, rule) => {
    const problems = problemsOf(config);
    const problem = problems.find((p) => p.field === field);
    expect({ fields: problems.map((p) => p.field), found: problem !== undefined }).toEqual(
      expect.objectContaining({ found: true }),
    );
    expect(problem?.rule).toContain(rule);
    expect(problem?.value.length).toBeGreaterThan(0);
  });

  test('the message shows the value it rejects', () => {
    expect(() => parseConfig(accountConfig({ name: 'test', connector: { roleName: 'Qualys Role' } }))).toThrow(
      /stacks\[0\]\.connector\.roleName: .*IAM role name.*\(got "Qualys Role"\)/,
    );
  });
});

describe('external IDs are never echoed in an error', () => {
  const ID = SAMPLE_EXTERNAL_ID;
  test.each([
    [
      'a bad ID (a space)',
      accountConfig({ name: 'test', connector: { externalId: 'EU2 2792719' } }),
      'EU2 2792719',
      /- stacks\[0\]\.connector\.externalId: .* \(got a value of 11 characters, not shown\)/,
    ],
    [
      'a bad ID in a list',
      accountConfig({ name: 'test', connector: { externalId: [ID, 'EU2 2792719'] } }),
      'EU2 2792719',
      /externalId\[1\]: .*\(got a value of 11 characters, not shown\)/,
    ],
    [
      'an ID repeated in a list',
      accountConfig({ name: 'test', connector: { externalId: [ID, ID] } }),
      ID,
      /externalId: must not list the same external ID twice \(got a list of 2, not shown\)/,
    ],
    [
      'an organization given a repeated ID',
      organizationConfig({ connector: { externalId: [ID, ID] } }),
      ID,
      /externalId: must not list the same external ID twice \(got a list of 2, not shown\)/,
    ],
    ['a stack without its kind', { stacks: [{ name: 'x', connector: { externalId: ID } }] }, ID, /stacks\[0\]/],
    [
      'IDs too long for the trust policy',
      accountConfig({
        name: 'test',
        connector: { externalId: [`${ID}${'a'.repeat(1100)}`, `${ID}${'b'.repeat(1100)}`] },
      }),
      ID,
      /trust policy/,
    ],
  ])('%s', (_what, config, id, message) => {
    let text = '';
    try {
      parseConfig(config);
    } catch (error) {
      text = (error as Error).message;
    }
    expect(text).toMatch(message);
    expect(text).not.toContain(id);
  });

  test('nor in a JSON syntax error, whose parser quotes the text around it', () => {
    let text = '';
    const file = join(mkdtempSync(join(tmpdir(), 'qualys-json-')), 'config.json');
    writeFileSync(file, `{ "stacks": [{ "kind": "account", "name": "x", "connector": { "externalId": ${ID} } }] }`);
    try {
      loadConfig(file);
    } catch (error) {
      text = (error as Error).message;
    }
    rmSync(file);
    expect(text).toMatch(/must be valid JSON: Unexpected token/);
    expect(text).not.toMatch(/EU2-|2792719/);
  });
});

describe('construct props are checked by the same rules', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = projectScratch('props');
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const stack = () => new TerraformStack(new App({ outdir }), 's');

  test.each([
    [{ externalId: 'a b' }, 'connector.externalId'],
    [{ externalId: ['EU2-1', 'x'] }, 'connector.externalId[1]'],
    [{ externalId: 'EU2-1', capabilities: ['remediation'] }, 'connector.capabilities[0]'],
    [{ externalId: 'EU2-1', qualysAccountType: 'govcloud' }, 'connector.trustedAccountId'],
    [{ externalId: 'EU2-1', tags: { 'aws:x': '1' } }, 'connector.tags["aws:x"]'],
    [{}, 'connector.externalId'],
  ])('%j names %s', (props, field) => {
    const scope = stack();
    expect(() => new QualysConnectorRole(scope, 'connector', props as never)).toThrow(ConfigurationError);
    try {
      new QualysConnectorRole(scope, 'connector', props as never);
    } catch (error) {
      expect((error as ConfigurationError).problems.map((p) => p.field)).toContain(field);
    }
    // Nothing half-built stays in the tree.
    expect(scope.node.children).toHaveLength(0);
  });

  test('a TerraformVariable is accepted as external ID', () => {
    const scope = stack();
    const variable = new TerraformVariable(scope, 'external_id', { type: 'string', sensitive: true });
    expect(() => new QualysConnectorRole(scope, 'connector', { externalId: variable })).not.toThrow();
  });
});

describe('through the real app', () => {
  let work: string;
  beforeAll(() => {
    work = projectScratch('app');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A configuration file in its own folder, and an output folder next to it that does not exist yet. */
  function prepared(config: unknown, fileName = 'config.json') {
    const dir = mkdtempSync(join(work, 'case-'));
    const file = join(dir, fileName);
    writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
    return { file, outdir: join(dir, 'out') };
  }

  function runWithConfig(config: unknown, how: 'env' | 'argv' = 'env') {
    const { file, outdir } = prepared(config);
    const run = runApp(outdir, file, { viaArgument: how === 'argv' });
    const wroteSomething = existsSync(outdir) && readdirSync(outdir).length > 0;
    return { ...run, outdir, wroteSomething, wroteFolder: existsSync(outdir) };
  }

  const stackNames = (outdir: string) => readdirSync(join(outdir, 'stacks')).sort();

  test.each([
    [
      'bad external ID',
      accountConfig({ name: 'test', connector: { externalId: 'no spaces allowed' } }),
      'stacks[0].connector.externalId',
    ],
    [
      'remediation without CSPM',
      accountConfig({ name: 'test', connector: { capabilities: ['remediation'] } }),
      'stacks[0].connector.capabilities[0]',
    ],
    [
      'govcloud region for a global connector',
      accountConfig({ name: 'test', region: 'us-gov-east-1' }),
      'stacks[0].region',
    ],
    ['not JSON', '{ "stacks": [', 'must be valid JSON'],
  ])('%s: exit 1, the field on stderr, no output at all', (_what, config, field) => {
    const run = runWithConfig(config);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(field);
    expect(run.wroteFolder).toBe(false);
  });

  test('a JSON syntax error is placed by line and column', () => {
    const lines = ['{', '  "stacks": [', '    { "kind": "account", "name": "x" "connector": {} }', '  ]', '}'];
    // The parser stops at the quote that opens "connector" (a comma is missing before it).
    const line = 3;
    const column = lines[line - 1].indexOf('"connector"') + 1;
    const { file, outdir } = prepared(lines.join('\n'));
    const run = runApp(outdir, file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`at line ${line}, column ${column}`);
    expect(run.stderr).not.toMatch(/position \d+/);
  });

  test('a good configuration given with --config synthesizes', () => {
    const run = runWithConfig(accountConfig({ name: 'test', connector: { capabilities: ['cspm'] } }), 'argv');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(stackNames(run.outdir)).toEqual(['test']);
  });

  test('--config=<file> is the same option: that file is synthesized, not the default', () => {
    const { file, outdir } = prepared(accountConfig({ name: 'from-equals' }));
    const run = runAppWith(outdir, { args: [`--config=${file}`] });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(stackNames(outdir)).toEqual(['from-equals']);
  });

  /** The app's run in this process: what it prints and its exit code, with the output folder given. */
  function inProcess(outdir: string, { args = [], configEnv }: { args?: string[]; configEnv?: string }) {
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
    delete env.QUALYS_CONNECTOR_CONFIG;
    if (configEnv !== undefined) env.QUALYS_CONNECTOR_CONFIG = configEnv;
    let stdout = '';
    let stderr = '';
    const status = runAppCommand(
      args,
      env,
      { write: (s: string) => ((stdout += s), true) } as never,
      {
        write: (s: string) => ((stderr += s), true),
      } as never,
    );
    return { status, stdout, stderr };
  }

  // Each of these shows that the user meant something the app would otherwise ignore: never the default.
  test.each<[string, { args?: string[]; configEnv?: string }, string, string]>([
    ['the variable set but empty', { configEnv: '' }, 'QUALYS_CONNECTOR_CONFIG', 'set but empty'],
    ['the variable set to blanks', { configEnv: '  ' }, 'QUALYS_CONNECTOR_CONFIG', 'set but empty'],
    [
      '--config= without a file',
      { args: ['--config='] },
      '--config',
      'must be followed by the path of a configuration file (got "")',
    ],
    [
      '--config without a file',
      { args: ['--config'] },
      '--config',
      'must be followed by the path of a configuration file (got (missing))',
    ],
    [
      '--config followed by another option',
      { args: ['--config', '--verbose'] },
      '--config',
      'must be followed by the path',
    ],
    [
      'an unknown argument',
      { args: ['examples/organization.json'] },
      'arguments',
      'is not an option of the app; the only one is --config <file> (got "examples/organization.json")',
    ],
    ['an unknown option', { args: ['--cfg', 'examples/organization.json'] }, 'arguments', '(got "--cfg")'],
    [
      '--config twice',
      { args: ['--config', 'examples/organization.json', '--config=examples/two-accounts.json'] },
      '--config',
      'may be given once',
    ],
    [
      'both the option and the variable',
      { args: ['--config', 'examples/organization.json'], configEnv: 'examples/two-accounts.json' },
      '--config and QUALYS_CONNECTOR_CONFIG',
      'name the configuration file one way only: unset the variable or drop the option (got "examples/organization.json" and "examples/two-accounts.json")',
    ],
  ])('%s: an error naming the option or variable, and nothing is written', (_what, how, field, rule) => {
    const outdir = join(mkdtempSync(join(work, 'case-')), 'out');
    const run = inProcess(outdir, how);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`  - ${field}: `);
    expect(run.stderr).toContain(rule);
    expect(existsSync(outdir)).toBe(false);
  });

  test('the app process exits 1 on a bad command line, with the problem on stderr once', () => {
    const outdir = join(mkdtempSync(join(work, 'case-')), 'out');
    const run = runAppWith(outdir, { args: ['--cfg'] });
    expect(run.status).toBe(1);
    expect(run.stderr.match(/is not an option of the app/g)).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(existsSync(outdir)).toBe(false);
  });

  test.each<[string, { args?: string[]; configEnv?: string }, string]>([
    ['the variable', { configEnv: 'does/not/exist.json' }, 'QUALYS_CONNECTOR_CONFIG'],
    ['--config', { args: ['--config', 'does/not/exist.json'] }, '--config'],
    ['--config=', { args: ['--config=does/not/exist.json'] }, '--config'],
  ])('a missing file named with %s is reported under that name', (_what, how, field) => {
    const outdir = join(mkdtempSync(join(work, 'case-')), 'out');
    const run = inProcess(outdir, how);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`  - ${field}: must name an existing configuration file`);
    expect(run.stderr).toContain('(got "does/not/exist.json")');
    expect(existsSync(outdir)).toBe(false);
  });

  test('a synthesis says which configuration it read and where it wrote', () => {
    const { file, outdir } = prepared(accountConfig({ name: 'told' }));
    const named = inProcess(outdir, { args: ['--config', file] });
    expect(named.stdout).toBe(`Synthesized told into ${join(outdir, 'stacks')} from ${file} (--config).\n`);
    const fromVariable = inProcess(outdir, { configEnv: file });
    expect(fromVariable.stdout).toContain(`from ${file} (QUALYS_CONNECTOR_CONFIG).`);
    const builtIn = inProcess(outdir, {});
    expect(builtIn.stdout).toContain('into');
    expect(builtIn.stdout).toContain(
      'from the built-in default configuration (no --config, no qualys-connector.json in the project folder, QUALYS_CONNECTOR_CONFIG unset).',
    );
    // The earlier stack is gone from the output, as cdktf synth leaves it.
    expect(stackNames(outdir)).toEqual(['qualys-connector']);
  });

  test('after a failed synthesis, the stacks of the earlier one are removed and the user is told', () => {
    const { file, outdir } = prepared(accountConfig({ name: 'earlier' }));
    expect(runApp(outdir, file).status).toBe(0);
    expect(stackNames(outdir)).toEqual(['earlier']);
    writeFileSync(file, JSON.stringify(accountConfig({ connector: { externalId: 'no spaces' }, name: 'earlier' })));
    const run = runApp(outdir, file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('stacks[0].connector.externalId');
    expect(run.stderr).toContain(`Removed the earlier output of earlier from ${outdir}`);
    expect(existsSync(join(outdir, 'stacks', 'earlier'))).toBe(false);
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
  });

  test('an output folder outside the project is rejected for a local backend before anything is written', () => {
    const outside = join(tmpdir(), `qualys-outside-${process.pid}`, 'out');
    const run = runAppWith(outside, {});
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `output folder (cdktf --output, CDKTF_OUTDIR or the App outdir): must be inside the project folder`,
    );
    expect(run.stderr).toContain(`(got ${JSON.stringify(outside)})`);
    expect(existsSync(join(outside, '..'))).toBe(false);
  });

  test('an output folder outside the project is fine for S3 state', () => {
    const { file } = prepared(
      accountConfig({
        name: 'test',
        backend: { type: 's3', bucket: 'state', key: 'qualys.tfstate', region: 'us-east-1' },
      }),
    );
    const outside = mkdtempSync(join(tmpdir(), 'qualys-outside-'));
    try {
      const run = runApp(join(outside, 'out'), file);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('which configuration every command reads: --config, the project folder file, the variable, the default', () => {
  let project: string;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'qualys-project-'));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));
  const withProjectFile = () => writeFileSync(join(project, 'qualys-connector.json'), JSON.stringify(accountConfig()));
  const VARIABLE = 'QUALYS_CONNECTOR_CONFIG';

  test('nothing named and no project file: the built-in default', () => {
    expect(configSource(undefined, {}, project)).toBeUndefined();
  });

  test('the variable when the project folder has no file', () => {
    expect(configSource(undefined, { [VARIABLE]: 'a.json' }, project)).toEqual({ path: 'a.json', origin: VARIABLE });
  });

  test("the project folder's file before the variable's default", () => {
    withProjectFile();
    expect(configSource(undefined, {}, project)).toEqual({
      path: join(project, 'qualys-connector.json'),
      origin: 'qualys-connector.json',
    });
    // The variable naming that same file is no conflict.
    expect(configSource(undefined, { [VARIABLE]: join(project, 'qualys-connector.json') }, project)?.origin).toBe(
      'qualys-connector.json',
    );
  });

  test('--config before the project folder file', () => {
    withProjectFile();
    expect(configSource('other.json', {}, project)).toEqual({ path: 'other.json', origin: '--config' });
  });

  test.each<[string, string | undefined, NodeJS.ProcessEnv, boolean, RegExp]>([
    [
      'the project file and a variable naming another',
      undefined,
      { [VARIABLE]: 'elsewhere.json' },
      true,
      /names another file than the project folder's qualys-connector\.json/,
    ],
    [
      '--config and the variable',
      'a.json',
      { [VARIABLE]: 'b.json' },
      false,
      /name the configuration file one way only/,
    ],
    ['the variable set but empty', undefined, { [VARIABLE]: '' }, false, /set but empty/],
  ])('%s: an error, never a guess', (_what, option, env, projectFile, message) => {
    if (projectFile) withProjectFile();
    expect(() => configSource(option, env, project)).toThrow(message);
  });

  test('the app, the review and the deployer policy follow the same rule', () => {
    withProjectFile();
    const cwd = process.cwd();
    try {
      process.chdir(project);
      expect(configPathFrom([], {}, project)?.origin).toBe('qualys-connector.json');
      expect(parseDeployerPolicyArgs([], {}).config?.origin).toBe('qualys-connector.json');
      expect(parseDeployerPolicyArgs(['--config', 'x.json'], {}).config).toEqual({
        path: 'x.json',
        origin: '--config',
      });
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('errors a person can act on', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qualys-errors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const problemsOfFile = (name: string, text: string): ConfigurationError['problems'] => {
    const file = join(dir, name);
    writeFileSync(file, text);
    try {
      loadConfig(file);
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems;
      throw error;
    }
    throw new Error('the file was accepted');
  };
  const YAML = 'stacks:\n  - kind: account\n    name: a\n    connector:\n      externalId: EU2-1\n';

  test.each([
    ['config.yaml', YAML, 'YAML (by its name)'],
    ['config.json', YAML, 'YAML ("key: value" lines)'],
    ['config.json', '---\nstacks: []\n', 'YAML'],
    ['config.toml', '[[stacks]]\nkind = "account"\n', 'TOML (by its name)'],
    ['config.json', '[stacks]\nkind = "account"\n', 'TOML (a [table] header)'],
    ['config.json', '  \n', 'empty'],
  ])('%s holding %j: JSON only, said so', (name, text, format) => {
    const [problem] = problemsOfFile(name, text);
    expect(problem.rule).toContain(`the configuration file is JSON only, and this one is ${format}`);
    expect(problem.rule).not.toMatch(/line \d+/);
  });

  test('JSON that ends too early is placed at its last line, not after it', () => {
    const text = '{ "stacks": [\n  { "kind": "account", "name": "a",\n    "connector": { "externalId": "EU2-1" } }\n';
    const [problem] = problemsOfFile('open.json', text);
    expect(problem.rule).toContain('at the end of the file (line 3): a bracket or brace is not closed');
  });

  test('a stack without kind: the kind, and every other problem of the stack as the kind it most likely is', () => {
    const problems = problemsOf({
      stacks: [
        { name: 'a', connector: { externalId: 'EU2 1', roleName: 'a/b' } },
        { name: 'o', connector: { externalId: 'EU2-1' }, members: { organizationalUnitIds: ['ou-AB'] } },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'stacks[0].kind',
      'stacks[0].connector.externalId',
      'stacks[0].connector.roleName',
      'stacks[1].kind',
      'stacks[1].members.organizationalUnitIds[0]',
    ]);
    expect(problems[0]).toEqual({
      field: 'stacks[0].kind',
      value: '(missing)',
      rule: 'must be "account" or "organization"',
    });
  });

  test.each([
    [
      'a misspelt kind',
      { stacks: [{ kind: 'acount', name: 'a', connector: { externalId: 'EU2-1' } }] },
      'stacks[0].kind',
      '(did you mean "account"?)',
    ],
    [
      'a misspelt setting',
      accountConfig({ connector: { rolename: 'X' } }),
      'stacks[0].connector.rolename',
      '(did you mean "roleName"?)',
    ],
    [
      'a setting in the wrong place',
      accountConfig({ roleName: 'X' }),
      'stacks[0].roleName',
      'the settings here are kind, name, region',
    ],
    ['a misspelt top-level key', { stack: [], stacks: [accountStack()] }, 'stack', '(did you mean "stacks"?)'],
    [
      'a misspelt capability',
      accountConfig({ connector: { capabilities: ['cpsm'] } }),
      'stacks[0].connector.capabilities[0]',
      '(did you mean "cspm"?)',
    ],
    [
      'a misspelt members setting',
      organizationConfig({ members: { excludedAccounts: [] } }),
      'stacks[0].members.excludedAccounts',
      '(did you mean "excludedAccountIds"?)',
    ],
  ])('%s: did you mean', (_what, config, field, hint) => {
    const problem = problemsOf(config).find((p) => p.field === field);
    expect(problem?.rule).toContain(hint);
  });

  test('no guess when nothing is close', () => {
    const problem = problemsOf(accountConfig({ connector: { colour: 'blue' } })).find(
      (p) => p.field === 'stacks[0].connector.colour',
    );
    expect(problem?.rule).not.toContain('did you mean');
    expect(problem?.value).toBe('"colour"');
  });

  test("one stack's malformed field does not hide another stack's planning problems", () => {
    const problems = problemsOf(
      configOf(
        accountStack({ name: 'a', connector: { roleName: 'a/b' } }),
        accountStack({ name: 'b', connector: { capabilities: ['remediation'] } }),
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'stacks[0].connector.roleName',
      'stacks[1].connector.capabilities[0]',
    ]);
  });
});
