import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadConfig, parseConfig } from '../src/app';
import { QualysConnectorRole } from '../src/constructs/connector-role';
import { ConfigurationError } from '../src/errors';
import { runApp, runAppWith } from './support/app-process';
import { projectScratch } from './support/scratch';

const ok = { externalId: 'EU2-2792719' };
const withConnector = (connector: Record<string, unknown>, stack: Record<string, unknown> = {}) => ({
  stacks: [{ kind: 'account', name: 'test', connector: { ...ok, ...connector }, ...stack }],
});

function problemsOf(config: unknown): ConfigurationError['problems'] {
  try {
    parseConfig(config);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('configuration was accepted');
}

const org = (members: Record<string, unknown> = {}, stack: Record<string, unknown> = {}, connector: Record<string, unknown> = {}) => ({
  stacks: [{ kind: 'organization', name: 'org', connector: { ...ok, ...connector }, members: { organizationalUnitIds: ['ou-ab12-11111111'], ...members }, ...stack }],
});
const M = 'stacks[0].members';

/** [what, configuration, field that must be named, a word of the rule]. */
const BAD_CONFIGS: [string, unknown, string, string][] = [
  ['external ID with a space', withConnector({ externalId: 'EU2 2792719' }), 'stacks[0].connector.externalId', '2 to 1224'],
  ['external ID of one character', withConnector({ externalId: 'x' }), 'stacks[0].connector.externalId', '2 to 1224'],
  ['external ID longer than 1224', withConnector({ externalId: 'a'.repeat(1225) }), 'stacks[0].connector.externalId', '2 to 1224'],
  ['external ID with a quote', withConnector({ externalId: 'EU2"1' }), 'stacks[0].connector.externalId', 'sts:ExternalId'],
  ['external ID missing', { stacks: [{ kind: 'account', name: 'test', connector: {} }] }, 'stacks[0].connector.externalId', 'is required'],
  ['external ID as a number', withConnector({ externalId: 2792719 }), 'stacks[0].connector.externalId', 'must be a string, a list of 1 to 5'],
  ['empty external ID list', withConnector({ externalId: [] }), 'stacks[0].connector.externalId', '1 to 5'],
  ['six external IDs', withConnector({ externalId: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'] }), 'stacks[0].connector.externalId', 'at most 5'],
  ['repeated external ID', withConnector({ externalId: ['EU2-1', 'EU2-1'] }), 'stacks[0].connector.externalId', 'twice'],
  ['bad external ID in a list', withConnector({ externalId: ['EU2-1', 'bad id'] }), 'stacks[0].connector.externalId[1]', '2 to 1224'],
  ['external IDs too long for the trust policy', withConnector({ externalId: ['a'.repeat(1100), 'b'.repeat(1100)] }), 'stacks[0].connector.externalId', 'trust policy'],
  ['bad variable name', withConnector({ externalId: { variable: '9lives' } }), 'stacks[0].connector.externalId.variable', 'Terraform identifier'],
  ['unknown account type', withConnector({ qualysAccountType: 'europe' }), 'stacks[0].connector.qualysAccountType', 'global, govcloud, china'],
  ['govcloud without trusted account', withConnector({ qualysAccountType: 'govcloud' }), 'stacks[0].connector.trustedAccountId', 'govAccountId'],
  ['china without base account', withConnector({ qualysAccountType: 'china' }), 'stacks[0].connector.trustedAccountId', 'base account'],
  ['11-digit account', withConnector({ trustedAccountId: '80595017016' }), 'stacks[0].connector.trustedAccountId', '12 digits'],
  ['account as a number', withConnector({ trustedAccountId: 805950163170 }), 'stacks[0].connector.trustedAccountId', '12 digits'],
  ['sample account that is not Qualys', withConnector({ trustedAccountId: '148141692175' }), 'stacks[0].connector.trustedAccountId', 'not a Qualys account'],
  ['unknown capability', withConnector({ capabilities: ['cspm', 'inventory'] }), 'stacks[0].connector.capabilities[1]', 'is not a capability'],
  ['remediation alone', withConnector({ capabilities: ['remediation'] }), 'stacks[0].connector.capabilities[0]', 'requires the "cspm"'],
  ['organization in china', withConnector({ qualysAccountType: 'china', trustedAccountId: '345678901234', capabilities: ['organization'] }), 'stacks[0].connector.capabilities[0]', 'organization connectors'],
  ['role name with a space', withConnector({ roleName: 'Qualys Role' }), 'stacks[0].connector.roleName', 'IAM role name'],
  ['role name of 65 characters', withConnector({ roleName: 'r'.repeat(65) }), 'stacks[0].connector.roleName', '1 to 64'],
  ['path without trailing slash', withConnector({ path: '/qualys' }), 'stacks[0].connector.path', 'start and end with "/"'],
  ['path too long', withConnector({ path: `/${'p'.repeat(512)}/` }), 'stacks[0].connector.path', '512'],
  ['boundary that is not an ARN', withConnector({ permissionsBoundaryArn: 'Boundary' }), 'stacks[0].connector.permissionsBoundaryArn', 'policy ARN'],
  ['boundary in another partition', withConnector({ permissionsBoundaryArn: 'arn:aws-us-gov:iam::123456789012:policy/B' }), 'stacks[0].connector.permissionsBoundaryArn', 'partition "aws"'],
  ['session of 30 minutes', withConnector({ maxSessionDuration: 1800 }), 'stacks[0].connector.maxSessionDuration', '3600'],
  ['session of 13 hours', withConnector({ maxSessionDuration: 46800 }), 'stacks[0].connector.maxSessionDuration', '43200'],
  ['fractional session', withConnector({ maxSessionDuration: 3600.5 }), 'stacks[0].connector.maxSessionDuration', 'whole number'],
  ['reserved tag key', withConnector({ tags: { 'aws:owner': 'x' } }), 'stacks[0].connector.tags["aws:owner"]', 'reserved'],
  ['tag key too long', withConnector({ tags: { ['k'.repeat(129)]: 'x' } }), `stacks[0].connector.tags.${'k'.repeat(129)}`, '1 to 128'],
  ['tag value too long', withConnector({ tags: { team: 'v'.repeat(257) } }), 'stacks[0].connector.tags.team', '256'],
  ['51 tags', withConnector({ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }), 'stacks[0].connector.tags', 'at most 50'],
  ['tag value that is not text', withConnector({ tags: { team: 7 } }), 'stacks[0].connector.tags.team', 'string'],
  ['misspelt setting', withConnector({ rolename: 'X' }), 'stacks[0].connector.rolename', 'not a known setting'],
  ['quota above 20', withConnector({ managedPolicyQuota: 25 }), 'stacks[0].connector.managedPolicyQuota', 'at most 20'],
  ['invented region', withConnector({}, { region: 'us-east-9' }), 'stacks[0].region', 'not an AWS region'],
  ['region of another partition', withConnector({}, { region: 'us-gov-west-1' }), 'stacks[0].region', 'partition "aws"'],
  ['absolute local state path', withConnector({}, { backend: { type: 'local', path: '/var/state.tfstate' } }), 'stacks[0].backend.path', 'relative'],
  ['unknown backend', withConnector({}, { backend: { type: 'gcs' } }), 'stacks[0].backend.type', 'must be {"type": "local"} or {"type": "s3"'],
  ['S3 backend bucket in another partition', withConnector({}, { backend: { type: 's3', bucket: 'state', key: 'k', region: 'cn-north-1' } }), 'stacks[0].backend.region', 'partition "aws"'],
  ['provider role in another partition', withConnector({}, { provider: { assumeRoleArn: 'arn:aws-cn:iam::123456789012:role/Admin' } }), 'stacks[0].provider.assumeRoleArn', 'partition "aws"'],
  ['provider account that is not 12 digits', withConnector({}, { provider: { accountId: '1234' } }), 'stacks[0].provider.accountId', '12 digits'],
  ['organization: bad OU ID', org({ organizationalUnitIds: ['ou-AB12-1'] }), `${M}.organizationalUnitIds[0]`, 'organizational unit ID'],
  ['organization: bad root ID', org({ organizationalUnitIds: undefined, organizationRootId: 'root' }), `${M}.organizationRootId`, 'r-'],
  ['organization: root and OUs', org({ organizationRootId: 'r-ab12' }), `${M}.organizationalUnitIds`, 'not both'],
  ['organization: no targets', org({ organizationalUnitIds: undefined }), `${M}.organizationalUnitIds`, 'need targets'],
  ['organization: empty OU list', org({ organizationalUnitIds: [] }), `${M}.organizationalUnitIds`, 'at least one OU'],
  ['organization: several regions', org({ region: ['us-east-1', 'eu-west-1'] }), `${M}.region`, 'IAM is global'],
  ['organization: member region of another partition', org({ region: 'us-gov-west-1' }), `${M}.region`, 'partition "aws"'],
  ['organization: invented member region', org({ region: 'eu-north-9' }), `${M}.region`, 'not an AWS region'],
  ['organization: bad excluded account', org({ excludedAccountIds: ['12345'] }), `${M}.excludedAccountIds[0]`, '12 digits'],
  ['organization: account excluded twice', org({ excludedAccountIds: ['333333333333', '333333333333'] }), `${M}.excludedAccountIds`, 'twice'],
  ['organization: management account excluded', org({ excludedAccountIds: ['111111111111'] }, { provider: { accountId: '111111111111' } }), `${M}.excludedAccountIds[0]`, 'never deploys to'],
  ['organization: too many exclusions', org({ excludedAccountIds: Array.from({ length: 1000 }, (_, i) => String(300000000000 + i)) }), `${M}.excludedAccountIds`, 'template_body limit'],
  ['organization: failure tolerance above 100', org({ operationPreferences: { failureTolerancePercentage: 101 } }), `${M}.operationPreferences.failureTolerancePercentage`, '0 to 100'],
  ['organization: concurrency of 0', org({ operationPreferences: { maxConcurrentCount: 0 } }), `${M}.operationPreferences.maxConcurrentCount`, 'at least 1'],
  ['organization: count and percentage', org({ operationPreferences: { maxConcurrentCount: 2, maxConcurrentPercentage: 10 } }), `${M}.operationPreferences.maxConcurrentPercentage`, 'conflicts'],
  ['organization: tolerance not below concurrency', org({ operationPreferences: { maxConcurrentCount: 2, failureToleranceCount: 2 } }), `${M}.operationPreferences.failureToleranceCount`, 'lower than maxConcurrentCount'],
  ['organization: unknown concurrency mode', org({ operationPreferences: { concurrencyMode: 'FAST' } }), `${M}.operationPreferences.concurrencyMode`, 'STRICT_FAILURE_TOLERANCE'],
  ['organization: bad timeout', org({ timeouts: { create: '1 hour' } }), `${M}.timeouts.create`, 'duration'],
  ['organization: stack set name with a digit first', org({ stackSetName: '1Qualys' }), `${M}.stackSetName`, 'StackSet name rule'],
  ['organization: stack set name with an underscore', org({ stackSetName: 'Qualys_Roles' }), `${M}.stackSetName`, 'StackSet name rule'],
  ['organization: stack set name of 129 characters', org({ stackSetName: `Q${'q'.repeat(128)}` }), `${M}.stackSetName`, 'at most 128'],
  ['organization: delegated admin without credentials', org({}, { delegatedAdmin: { accountId: '222222222222' } }), 'stacks[0].delegatedAdmin.assumeRoleArn', 'delegated administrator account'],
  ['organization: delegated admin role in another account', org({}, { delegatedAdmin: { accountId: '222222222222', assumeRoleArn: 'arn:aws:iam::333333333333:role/Admin' } }), 'stacks[0].delegatedAdmin.assumeRoleArn', 'must be a role in the delegated administrator account'],
  ['organization: delegated admin is the management account', org({}, { provider: { accountId: '222222222222' }, delegatedAdmin: { accountId: '222222222222', profile: 'admin' } }), 'stacks[0].delegatedAdmin.accountId', 'management account'],
  ['organization: delegated admin role in another partition', org({}, { delegatedAdmin: { accountId: '222222222222', assumeRoleArn: 'arn:aws-us-gov:iam::222222222222:role/Admin' } }), 'stacks[0].delegatedAdmin.assumeRoleArn', 'partition "aws"'],
  ['organization: China', org({}, {}, { qualysAccountType: 'china', trustedAccountId: '345678901234' }), 'stacks[0].connector.qualysAccountType', 'no organization connector'],
  ['organization: six external IDs', org({}, {}, { externalId: ['EU2-1', 'EU2-2', 'EU2-3', 'EU2-4', 'EU2-5', 'EU2-6'] }), 'stacks[0].connector.externalId', 'at most 5'],
  ['organization: a path other than "/"', org({}, {}, { path: '/qualys/' }), 'stacks[0].connector.path', 'cannot change the path of a named role'],
  ['organization: permissions boundary', org({}, {}, { permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/B' }), 'stacks[0].connector.permissionsBoundaryArn', 'not supported for organization'],
  ['organization: unknown management deployment', org({}, { managementRole: { deployWith: 'manual' } }), 'stacks[0].managementRole.deployWith', 'cloudformation-stack'],
  ['organization: stack name without the stack option', org({}, { managementRole: { stackName: 'Qualys' } }), 'stacks[0].managementRole.stackName', 'only applies'],
  ['organization: adopting a role with the stack option', org({}, { importExistingRole: true, managementRole: { deployWith: 'cloudformation-stack' } }), 'stacks[0].importExistingRole', 'Terraform management role'],
  ['organization: unknown members setting', org({ regionOrder: ['us-east-1'] }), `${M}.regionOrder`, 'not a known setting'],
  ['stack name with a space', withConnector({}, { name: 'my stack' }), 'stacks[0].name', 'start with a letter'],
  ['unknown stack kind', { stacks: [{ kind: 'cluster', name: 'x', connector: ok }] }, 'stacks[0].kind', 'must have kind "account" or "organization"'],
  ['no stacks', { stacks: [] }, 'stacks', 'at least one'],
  [
    'two stacks of one name',
    { stacks: [{ kind: 'account', name: 'a', connector: ok }, { kind: 'account', name: 'a', connector: ok }] },
    'stacks[1].name',
    'unique',
  ],
];

describe('bad configuration is rejected with the field, the value and the rule', () => {
  test.each(BAD_CONFIGS)('%s', (_what, config, field, rule) => {
    const problems = problemsOf(config);
    const problem = problems.find((p) => p.field === field);
    expect({ fields: problems.map((p) => p.field), found: problem !== undefined }).toEqual(expect.objectContaining({ found: true }));
    expect(problem?.rule).toContain(rule);
    expect(problem?.value.length).toBeGreaterThan(0);
  });

  test('the message shows the value it rejects', () => {
    expect(() => parseConfig(withConnector({ roleName: 'Qualys Role' }))).toThrow(/stacks\[0\]\.connector\.roleName: .*IAM role name.*\(got "Qualys Role"\)/);
  });
});

describe('external IDs are never echoed in an error', () => {
  const ID = 'EU2-2792719';
  test.each([
    ['a bad ID (a space)', withConnector({ externalId: 'EU2 2792719' }), 'EU2 2792719', /- stacks\[0\]\.connector\.externalId: .* \(got a value of 11 characters, not shown\)/],
    ['a bad ID in a list', withConnector({ externalId: [ID, 'EU2 2792719'] }), 'EU2 2792719', /externalId\[1\]: .*\(got a value of 11 characters, not shown\)/],
    ['an ID repeated in a list', withConnector({ externalId: [ID, ID] }), ID, /externalId: must not list the same external ID twice \(got a list of 2, not shown\)/],
    ['an organization given a repeated ID', org({}, {}, { externalId: [ID, ID] }), ID, /externalId: must not list the same external ID twice \(got a list of 2, not shown\)/],
    ['a stack without its kind', { stacks: [{ name: 'x', connector: { externalId: ID } }] }, ID, /stacks\[0\]/],
    ['IDs too long for the trust policy', withConnector({ externalId: [`${ID}${'a'.repeat(1100)}`, `${ID}${'b'.repeat(1100)}`] }), ID, /trust policy/],
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
    ['bad external ID', withConnector({ externalId: 'no spaces allowed' }), 'stacks[0].connector.externalId'],
    ['remediation without CSPM', withConnector({ capabilities: ['remediation'] }), 'stacks[0].connector.capabilities[0]'],
    ['govcloud region for a global connector', withConnector({}, { region: 'us-gov-east-1' }), 'stacks[0].region'],
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
    const run = runWithConfig(withConnector({ capabilities: ['cspm'] }), 'argv');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(stackNames(run.outdir)).toEqual(['test']);
  });

  test('--config=<file> is the same option: that file is synthesized, not the default', () => {
    const { file, outdir } = prepared(withConnector({}, { name: 'from-equals' }));
    const run = runAppWith(outdir, { args: [`--config=${file}`] });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(stackNames(outdir)).toEqual(['from-equals']);
  });

  // Each of these shows that the user meant something the app would otherwise ignore: never the default.
  test.each<[string, { args?: string[]; configEnv?: string }, string, string]>([
    ['the variable set but empty', { configEnv: '' }, 'QUALYS_CONNECTOR_CONFIG', 'set but empty'],
    ['the variable set to blanks', { configEnv: '  ' }, 'QUALYS_CONNECTOR_CONFIG', 'set but empty'],
    ['--config= without a file', { args: ['--config='] }, '--config', 'must be followed by the path of a configuration file (got "")'],
    ['--config without a file', { args: ['--config'] }, '--config', 'must be followed by the path of a configuration file (got (missing))'],
    ['--config followed by another option', { args: ['--config', '--verbose'] }, '--config', 'must be followed by the path'],
    ['an unknown argument', { args: ['examples/organization.json'] }, 'arguments', 'is not an option of the app; the only one is --config <file> (got "examples/organization.json")'],
    ['an unknown option', { args: ['--cfg', 'examples/organization.json'] }, 'arguments', '(got "--cfg")'],
    ['--config twice', { args: ['--config', 'examples/organization.json', '--config=examples/two-accounts.json'] }, '--config', 'may be given once'],
    [
      'both the option and the variable',
      { args: ['--config', 'examples/organization.json'], configEnv: 'examples/two-accounts.json' },
      '--config and QUALYS_CONNECTOR_CONFIG',
      'name the configuration file one way only: unset the variable or drop the option (got "examples/organization.json" and "examples/two-accounts.json")',
    ],
  ])('%s: an error naming the option or variable, and nothing is written', (_what, how, field, rule) => {
    const outdir = join(mkdtempSync(join(work, 'case-')), 'out');
    const run = runAppWith(outdir, how);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`  - ${field}: `);
    expect(run.stderr).toContain(rule);
    expect(existsSync(outdir)).toBe(false);
  });

  test.each<[string, { args?: string[]; configEnv?: string }, string]>([
    ['the variable', { configEnv: 'does/not/exist.json' }, 'QUALYS_CONNECTOR_CONFIG'],
    ['--config', { args: ['--config', 'does/not/exist.json'] }, '--config'],
    ['--config=', { args: ['--config=does/not/exist.json'] }, '--config'],
  ])('a missing file named with %s is reported under that name', (_what, how, field) => {
    const outdir = join(mkdtempSync(join(work, 'case-')), 'out');
    const run = runAppWith(outdir, how);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`  - ${field}: must name an existing configuration file`);
    expect(run.stderr).toContain('(got "does/not/exist.json")');
    expect(existsSync(outdir)).toBe(false);
  });

  test('after a failed synthesis, the stacks of the earlier one are removed and the user is told', () => {
    const { file, outdir } = prepared(withConnector({}, { name: 'earlier' }));
    expect(runApp(outdir, file).status).toBe(0);
    expect(stackNames(outdir)).toEqual(['earlier']);
    writeFileSync(file, JSON.stringify(withConnector({ externalId: 'no spaces' }, { name: 'earlier' })));
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
    expect(run.stderr).toContain(`output folder (cdktf --output, CDKTF_OUTDIR or the App outdir): must be inside the project folder`);
    expect(run.stderr).toContain(`(got ${JSON.stringify(outside)})`);
    expect(existsSync(join(outside, '..'))).toBe(false);
  });

  test('an output folder outside the project is fine for S3 state', () => {
    const { file } = prepared(withConnector({}, { backend: { type: 's3', bucket: 'state', key: 'qualys.tfstate', region: 'us-east-1' } }));
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
