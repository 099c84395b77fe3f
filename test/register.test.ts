import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RegisterRun, runRegister } from '../src/tools/register/cli';
import { PROJECT_ROOT } from './support/app-process';
import { OU_A, SAMPLE_EXTERNAL_ID, accountConfig, organizationConfig } from './support/configs';
import { FakeQualys, QUALYS_GLOBAL_ACCOUNT } from './support/fake-qualys';
import { synthConfig } from './support/synth';

/*
 * The register command against an in-process fake of the Qualys Connector API on 127.0.0.1 (TLS with a
 * certificate made for the run; test/support/fake-qualys.ts says where each response's shape comes from). No
 * test reaches Qualys. Every run's output is searched for the password, the authorization header and the
 * external ID.
 */

const fake = new FakeQualys();
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/QualysCVRole`;
const TRUSTED = `arn:aws:iam::${QUALYS_GLOBAL_ACCOUNT}:root`;
const EXTERNAL_ID = SAMPLE_EXTERNAL_ID;
let dir: string;

beforeAll(async () => {
  await fake.start();
  dir = mkdtempSync(join(tmpdir(), 'register-'));
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

/** `terraform output -json` of an account stack. */
function accountOutputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {
    role_arn: ROLE,
    role_name: 'QualysCVRole',
    external_id: EXTERNAL_ID,
    trusted_principal: TRUSTED,
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, { sensitive: k === 'external_id', type: 'string', value: v }]),
  );
}

let files = 0;
function file(content: unknown): string {
  const path = join(dir, `outputs-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const SECRETS = () => {
  const basic = Buffer.from(`${fake.username}:${fake.password}`).toString('base64');
  return [fake.password, basic, EXTERNAL_ID, encodeURIComponent(fake.password)];
};

interface Run extends RegisterRun {
  readonly waits: number[];
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const waits: number[] = [];
  const result = await runRegister(
    args,
    { QUALYS_USERNAME: fake.username, QUALYS_PASSWORD: fake.password, ...env },
    { sleep: async (ms) => void waits.push(ms) },
  );
  for (const secret of SECRETS()) {
    expect([secret, result.stdout.includes(secret) || result.stderr.includes(secret)]).toEqual([secret, false]);
  }
  return { ...result, waits };
}

const api = () => ['--api-url', fake.url, '--ca-file', fake.caFile, '--pace', '0'];
const account = (outputs = accountOutputs()) => ['--outputs', file(outputs), '--capabilities', 'cspm', ...api()];
const verbs = () => fake.calls.map((c) => c.verb);

describe('one account', () => {
  test('no connector yet (an empty search has no data): created with the apps of CSPM, read back and verified', async () => {
    const result = await run(account());
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(verbs()).toEqual(['search', 'create', 'get']);
    const sent = (
      fake.writes()[0].body as { ServiceRequest: { data: { AwsAssetDataConnector: Record<string, unknown> } } }
    ).ServiceRequest.data.AwsAssetDataConnector;
    expect(sent).toMatchObject({
      arn: ROLE,
      externalId: EXTERNAL_ID,
      isRemediationEnabled: false,
      name: `aws-${ACCOUNT}`,
    });
    expect(fake.connectors[0]).toMatchObject({ awsAccountId: ACCOUNT, arn: ROLE });
    // The nesting Qualys documents (test/fixtures/qualys, from Qualys' own scripts), field for field.
    const sample = documentedBody('create-cspm-connector.json');
    expect(sent.connectorAppInfos).toEqual(sample.connectorAppInfos);
    expect(sent.activation).toEqual(sample.activation);
    expect(result.stdout).toContain(`${ACCOUNT}  created`);
    expect(result.stdout).toContain(`Qualys assumes the role from ${QUALYS_GLOBAL_ACCOUNT}, the account it trusts`);
    expect(fake.calls.every((c) => c.method === (c.verb === 'get' ? 'GET' : 'POST'))).toBe(true);
  });

  test('AssetView only: the AI app; remediation switches remediation on', async () => {
    await run(['--outputs', file(accountOutputs()), '--capabilities', 'asset-view', ...api()]);
    const apps = (body: unknown) =>
      JSON.stringify(body)
        .match(/"name":"(AI|CI|CSA)"/g)
        ?.map((m) => m.slice(8, -1));
    expect(apps(fake.writes()[0].body)).toEqual(['AI']);
    fake.reset();
    await run(['--outputs', file(accountOutputs()), '--capabilities', 'cspm,remediation', ...api()]);
    expect(fake.writes()[0].body).toMatchObject({
      ServiceRequest: { data: { AwsAssetDataConnector: { isRemediationEnabled: true } } },
    });
  });

  test('a connector that matches (booleans as strings): nothing written, exit 0', async () => {
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID });
    const result = await run(account());
    expect(result.exitCode).toBe(0);
    expect(verbs()).toEqual(['search']);
    expect(result.stdout).toContain(`${ACCOUNT}  unchanged  connector 1000`);
  });

  test('a read without arn or externalId: those fields are named as not compared, never reported as drift', async () => {
    const connector = fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID });
    delete connector.externalId;
    const result = await run(account());
    expect(result.exitCode).toBe(0);
    expect(fake.writes()).toEqual([]);
    expect(result.stdout).toContain('it did not return externalId, so it was not compared');
  });

  test('drift without --update: the differences (the external ID only as "differs"), nothing written, exit 3', async () => {
    fake.add({ awsAccountId: ACCOUNT, arn: `${ROLE}-old`, externalId: 'US1-1-old', apps: ['AI'] });
    const result = await run(account());
    expect(result.exitCode).toBe(3);
    expect(fake.writes()).toEqual([]);
    expect(result.stdout).toContain(`arn: ${ROLE}-old -> ${ROLE}`);
    expect(result.stdout).toContain('externalId: differs (not shown)');
    expect(result.stdout).toContain('apps: AI -> AI,CI,CSA');
    expect(result.stdout).not.toContain('US1-1-old');
  });

  test('drift with --update: only the fields that differ are sent, then read back and verified', async () => {
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: 'US1-1-old', apps: ['AI', 'CI', 'CSA'] });
    const result = await run([...account(), '--update']);
    expect(result.exitCode).toBe(0);
    expect(verbs()).toEqual(['search', 'update', 'get']);
    expect(fake.writes()[0].id).toBe('1000');
    expect(fake.writes()[0].body).toEqual({
      ServiceRequest: { data: { AwsAssetDataConnector: { externalId: EXTERNAL_ID } } },
    });
    expect(fake.connectors[0].externalId).toBe(EXTERNAL_ID);
    expect(result.stdout).toContain(`${ACCOUNT}  updated`);
  });

  test('several connectors for the account, found across pages: refused, exit 3, nothing written', async () => {
    fake.pageSize = 1;
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID });
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID });
    const result = await run(account());
    expect(result.exitCode).toBe(3);
    expect(verbs()).toEqual(['search', 'search']);
    expect(fake.calls[1].body).toMatchObject({ ServiceRequest: { preferences: { startFromId: 1001 } } });
    expect(result.stdout).toContain('2 connectors (1000, 1001) have this account');
  });

  test('a connector an organization connector holds: refused for an account stack', async () => {
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID, isAttachedToOrgConnector: 'true' });
    const result = await run(account());
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain('belongs to an organization connector');
    expect(fake.writes()).toEqual([]);
  });

  test("the connector's Qualys account is not the role's trusted principal: exit 4, said why", async () => {
    fake.add({ awsAccountId: ACCOUNT, arn: ROLE, externalId: EXTERNAL_ID, qualysAwsAccountId: '210987654321' });
    const result = await run(account());
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toContain(
      `Qualys assumes the role from 210987654321 while the role trusts ${QUALYS_GLOBAL_ACCOUNT}: the role can never be assumed`,
    );
  });

  test('--dry-run: read-only calls, the create it would send (method, URL, body) with the external ID masked', async () => {
    const result = await run([...account(), '--dry-run', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(verbs()).toEqual(['search']);
    const report = JSON.parse(result.stdout);
    expect(report.mode).toBe('dry run');
    expect(report.accounts[0]).toMatchObject({ action: 'create', accountId: ACCOUNT });
    const [create] = report.accounts[0].requests;
    expect(create.method).toBe('POST');
    expect(create.url).toBe(`${fake.url}/qps/rest/3.0/create/am/awsassetdataconnector`);
    expect(create.body.ServiceRequest.data.AwsAssetDataConnector.externalId).toBe('(hidden: the external_id output)');
  });
});

/** A create or update body as sent. */
type SentBody = { ServiceRequest: { data: { AwsAssetDataConnector: Record<string, unknown> } } };

/** The connector of a request body Qualys documents (test/fixtures/qualys). */
function documentedBody(name: string): Record<string, unknown> {
  const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'qualys', name), 'utf8')) as {
    source: string;
    body: { ServiceRequest: { data: { AwsAssetDataConnector: Record<string, unknown> } } };
  };
  expect(fixture.source).toMatch(
    /^https:\/\/github\.com\/Qualys\/TotalCloud\/blob\/main\/Connectors\/AWS|^https:\/\/github\.com\/Qualys\/TotalCloud\/blob\/main\/Connectors\/Connector%20Terraform%20Templates\/AWS\//,
  );
  return fixture.body.ServiceRequest.data.AwsAssetDataConnector;
}

describe('request bodies shaped as Qualys documents them', () => {
  /** The create body the command sends for a role with these capabilities (offline: the same body as a real run). */
  async function createSent(
    capabilities: string,
    extra: string[] = [],
  ): Promise<{ method: string; url: string; body: SentBody }> {
    const result = await run([
      '--outputs',
      file(accountOutputs()),
      '--capabilities',
      capabilities,
      ...api(),
      '--offline',
      '--format',
      'json',
      ...extra,
    ]);
    expect(result.exitCode).toBe(0);
    return JSON.parse(result.stdout).accounts[0].requests[1];
  }

  test("CSPM: the envelope and every field of Qualys' own script, with the same values", async () => {
    const sample = documentedBody('create-cspm-connector.json');
    const { body } = await createSent('cspm');
    expect(Object.keys(body)).toEqual(['ServiceRequest']);
    expect(Object.keys(body.ServiceRequest)).toEqual(['data']);
    expect(Object.keys(body.ServiceRequest.data)).toEqual(['AwsAssetDataConnector']);
    const sent = body.ServiceRequest.data.AwsAssetDataConnector;
    for (const field of [
      'activation',
      'disabled',
      'arn',
      'allRegions',
      'runFrequency',
      'isRemediationEnabled',
      'connectorAppInfos',
    ])
      expect([field, sent[field]]).toEqual([field, sample[field]]);
    // Every field the script sends, the command sends; besides them only isGovCloudConfigured, which Qualys' scripts also set.
    expect(Object.keys(sample).filter((f) => !(f in sent))).toEqual([]);
    expect(Object.keys(sent).filter((f) => !(f in sample))).toEqual(['isGovCloudConfigured']);
    expect(sent.externalId).toBe('(hidden: the external_id output)');
  });

  test("AssetView: the one AI app, nested as Qualys' Terraform template nests it", async () => {
    const sample = documentedBody('create-assetview-connector.json');
    const { body } = await createSent('asset-view');
    const sent = body.ServiceRequest.data.AwsAssetDataConnector;
    expect(sent.connectorAppInfos).toEqual(sample.connectorAppInfos);
    expect(sent.activation).toEqual(sample.activation);
  });

  test('--activation chooses the modules, none leaves the field out, and anything else is refused', async () => {
    expect(
      (await createSent('cspm', ['--activation', 'VM'])).body.ServiceRequest.data.AwsAssetDataConnector.activation,
    ).toEqual({
      set: { ActivationModule: ['VM'] },
    });
    expect(
      'activation' in
        (await createSent('cspm', ['--activation', 'none'])).body.ServiceRequest.data.AwsAssetDataConnector,
    ).toBe(false);
    const bad = await run([
      '--outputs',
      file(accountOutputs()),
      '--capabilities',
      'cspm',
      ...api(),
      '--activation',
      'VM,WAS',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(
      '--activation: must be none or a comma-separated list of VM, PC, CLOUDVIEW (not "WAS")',
    );
  });

  test('a connector whose activation differs is drift, and --update sends the documented activation set', async () => {
    fake.add({
      awsAccountId: ACCOUNT,
      arn: ROLE,
      externalId: EXTERNAL_ID,
      activation: { list: { ActivationModule: ['VM'] } },
    });
    const drift = await run(account());
    expect(drift.exitCode).toBe(3);
    expect(drift.stdout).toContain('activation: VM -> PC,VM');
    const updated = await run([...account(), '--update']);
    expect(updated.exitCode).toBe(0);
    const body = fake.writes()[0].body as {
      ServiceRequest: { data: { AwsAssetDataConnector: Record<string, unknown> } };
    };
    expect(body.ServiceRequest.data.AwsAssetDataConnector).toEqual({
      activation: { set: { ActivationModule: ['VM', 'PC'] } },
    });
  });

  test('the stand-in rejects the shape this command sent before (a list of ConnectorAppInfoQList wrappers)', async () => {
    const old = {
      ServiceRequest: {
        data: {
          AwsAssetDataConnector: {
            arn: ROLE,
            externalId: EXTERNAL_ID,
            connectorAppInfos: [
              { ConnectorAppInfoQList: { set: { ConnectorAppInfo: [{ name: 'AI', identifier: ROLE }] } } },
            ],
          },
        },
      },
    };
    const response = await fetchFake('create', old);
    expect(response.ServiceResponse.responseCode).toBe('INVALID_REQUEST');
  });
});

/** One POST to the stand-in with its own credentials, trusting its certificate. */
async function fetchFake(verb: string, body: unknown): Promise<{ ServiceResponse: { responseCode: string } }> {
  const { request } = await import('https');
  return new Promise((done, fail) => {
    const req = request(
      `${fake.url}/qps/rest/3.0/${verb}/am/awsassetdataconnector`,
      {
        method: 'POST',
        ca: readFileSync(fake.caFile),
        headers: {
          Authorization: `Basic ${Buffer.from(`${fake.username}:${fake.password}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => done(JSON.parse(text)));
      },
    );
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

describe('failures', () => {
  test('INVALID_REQUEST with HTTP 200 is an error, with what Qualys said; nothing after it runs', async () => {
    fake.faults.push({
      verb: 'search',
      reply: {
        status: 200,
        provenance: 'documented',
        body: {
          ServiceResponse: {
            responseCode: 'INVALID_REQUEST',
            responseErrorDetails: { errorMessage: 'Invalid filter', errorResolution: 'Check the criteria' },
          },
        },
      },
    });
    const result = await run(account());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Qualys rejected the request (INVALID_REQUEST): Invalid filter Check the criteria');
    expect(fake.writes()).toEqual([]);
  });

  test('a permission code with HTTP 200 says what the API user needs', async () => {
    fake.faults.push({
      verb: 'search',
      reply: {
        status: 200,
        provenance: 'inferred',
        body: { ServiceResponse: { responseCode: 'OPERATION_NOT_PERMITTED' } },
      },
    });
    const result = await run(account());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('The API user needs the Manager role with full scope');
  });

  test('HTTP 401: the credentials, by the names of the variables, never their values', async () => {
    const result = await run(account(), { QUALYS_PASSWORD: 'wrong-password-value' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'Qualys refused the credentials (HTTP 401). Check QUALYS_USERNAME and QUALYS_PASSWORD',
    );
    expect(result.stdout).not.toContain('wrong-password-value');
  });

  test('HTTP 403: licence or source address', async () => {
    fake.faults.push({ verb: 'search', reply: { status: 403, provenance: 'documented' } });
    const result = await run(account());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('not have the module licensed, or the API is not allowed from this source address');
  });

  test('HTTP 409 with X-RateLimit-ToWait-Sec on a read: waits as long as asked, then goes on', async () => {
    fake.faults.push({
      verb: 'search',
      reply: {
        status: 409,
        provenance: 'documented',
        headers: { 'X-RateLimit-Limit': '300', 'X-RateLimit-Remaining': '0', 'X-RateLimit-ToWait-Sec': '17' },
      },
    });
    const result = await run(account());
    expect(result.exitCode).toBe(0);
    expect(result.waits).toEqual([17000]);
    expect(verbs()).toEqual(['search', 'search', 'create', 'get']);
  });

  test('a rate limit asking for longer than a read may wait in all: an error, not an endless wait', async () => {
    for (let i = 0; i < 3; i++) {
      fake.faults.push({
        verb: 'search',
        reply: { status: 409, provenance: 'documented', headers: { 'X-RateLimit-ToWait-Sec': '300' } },
      });
    }
    const result = await run(account());
    expect(result.exitCode).toBe(1);
    expect(result.waits).toEqual([300000, 300000]);
    expect(result.stdout).toContain("Qualys' rate or concurrency limit (HTTP 409), wait 300 s");
  });

  test('the answer to a create is lost (timeout): searched again, found, no second create', async () => {
    fake.faults.push({ verb: 'create', hang: true });
    const result = await run([...account(), '--timeout', '1']);
    expect(verbs()).toEqual(['search', 'create', 'search', 'get']);
    expect(fake.connectors).toHaveLength(1);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('created (its answer was lost');
  });

  test('a create that fails and did not happen: searched again, reported, safe to run again', async () => {
    fake.faults.push({ verb: 'create', reply: { status: 500, provenance: 'inferred' } });
    const result = await run(account());
    expect(verbs()).toEqual(['search', 'create', 'search']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('nothing was created: safe to run again');
  });

  test('a redirect is not followed: the credentials never go to another host', async () => {
    fake.faults.push({
      verb: 'search',
      reply: { status: 302, provenance: 'inferred', headers: { Location: 'https://collector.example.com/steal' } },
    });
    const result = await run(account());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('redirect (HTTP 302) to collector.example.com, which is not followed');
    expect(fake.calls).toHaveLength(1);
  });

  test("a server whose certificate is not trusted is refused (the fake's own CA left out)", async () => {
    const result = await run(['--outputs', file(accountOutputs()), '--capabilities', 'cspm', '--api-url', fake.url]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/self[- ]signed certificate/);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('input, options and environment (exit 2, nothing called)', () => {
  test.each<[string, string[], NodeJS.ProcessEnv, string]>([
    [
      'http',
      ['--api-url', 'http://127.0.0.1:1'],
      {},
      '--api-url: must use https: the credentials go with every request (got "http://127.0.0.1:1")',
    ],
    ['a path', ['--api-url', 'https://qualysapi.qualys.com/qps'], {}, 'without a path'],
    ['user info', ['--api-url', 'https://u:p@qualysapi.qualys.com'], {}, 'must not hold credentials'],
    [
      'a password argument',
      ['--password', 'x'],
      {},
      'credentials are taken only from QUALYS_USERNAME and QUALYS_PASSWORD',
    ],
    ['an unknown platform', ['--platform', 'EU9'], {}, '--platform: must be one of US1, US2'],
    ['no password', [], { QUALYS_PASSWORD: '' }, 'QUALYS_PASSWORD: must be set in the environment'],
    ['a bad capability', ['--capabilities', 'cpsm'], {}, 'did you mean "cspm"'],
    ['offline with dry-run', ['--offline', '--dry-run'], {}, 'choose one'],
  ])('%s', async (_what, extra, env, message) => {
    const api = extra.includes('--platform') ? [] : ['--api-url', fake.url];
    const args = ['--outputs', file(accountOutputs()), '--capabilities', 'cspm', ...api];
    const overridden = extra.filter((a) => a.startsWith('--'));
    const kept = args.filter((a, i) => !overridden.includes(a) && !overridden.includes(args[i - 1]));
    const result = await run([...kept, ...extra], env);
    expect(result.stderr).toContain(message);
    expect(result.exitCode).toBe(2);
    expect(fake.calls).toHaveLength(0);
  });

  test('outputs that are not JSON are refused without quoting them (they hold the external ID)', async () => {
    const result = await run([
      '--outputs',
      file(`{"external_id": "${EXTERNAL_ID}", `),
      '--capabilities',
      'cspm',
      ...api(),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must be JSON');
  });

  test('outputs without the external ID, or with a bad one, say which output; the value is never shown', async () => {
    const missing = await run(account(accountOutputs({ external_id: null })));
    expect(missing.stderr).toContain('output external_id: must be an output of the root module (sensitive = true)');
    expect(missing.stderr).toContain('(got (missing))');
    const bad = await run(account(accountOutputs({ external_id: `${EXTERNAL_ID} x` })));
    expect(bad.stderr).toContain('(got (hidden))');
    expect(bad.exitCode).toBe(2);
  });

  test('no capabilities and no configuration file: refused rather than guessed from the built-in default', async () => {
    // The run's environment holds no QUALYS_CONNECTOR_CONFIG, and the project folder no qualys-connector.json.
    const result = await run(['--outputs', file(accountOutputs()), ...api()]);
    expect(result.stderr).toContain("--capabilities: must list the role's capabilities");
    expect(result.exitCode).toBe(2);
  });

  test('capabilities and the API from a configuration file', async () => {
    const config = file({
      qualysApi: { url: fake.url },
      stacks: [
        { kind: 'account', name: 'prod', connector: { externalId: { variable: 'external_id' }, capabilities: [] } },
      ],
    });
    const result = await run(['--outputs', file(accountOutputs()), '--config', config, '--ca-file', fake.caFile]);
    expect(result.exitCode).toBe(0);
    expect(JSON.stringify(fake.writes()[0].body).match(/"name":"(AI|CI|CSA)"/g)).toEqual(['"name":"AI"']);
  });

  test('--offline: no calls; the search and the create, each with method, URL and body, the external ID masked', async () => {
    const result = await run([
      '--outputs',
      file(accountOutputs()),
      '--capabilities',
      'cspm',
      '--platform',
      'EU2',
      '--offline',
    ]);
    expect(result.exitCode).toBe(0);
    expect(fake.calls).toHaveLength(0);
    expect(result.stdout).toContain(
      '      POST https://qualysapi.qg2.apps.qualys.eu/qps/rest/3.0/search/am/awsassetdataconnector\n',
    );
    expect(result.stdout).toContain(
      '      POST https://qualysapi.qg2.apps.qualys.eu/qps/rest/3.0/create/am/awsassetdataconnector\n',
    );
    expect(result.stdout).toContain('"externalId": "(hidden: the external_id output)"');
    expect(result.stdout).toContain(`"arn": "${ROLE}"`);
  });

  test('--offline makes every check a real run makes: the platform, https, the credentials; it fails where the real step would', async () => {
    const outputs = ['--outputs', file(accountOutputs()), '--capabilities', 'cspm', '--offline'];
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--platform', 'EU9'], {}, /--platform: must be one of US1, .* \(got "EU9"\)/],
      [['--api-url', 'http://qualysapi.qg2.apps.qualys.eu'], {}, /--api-url: must use https/],
      [[], {}, /--api-url: must name the Qualys API: --api-url, --platform or qualysApi in the configuration/],
      [
        ['--platform', 'EU2'],
        { QUALYS_PASSWORD: '' },
        /QUALYS_PASSWORD: must be set in the environment.*--offline checks them as a real run does/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const offline = await run([...outputs, ...args], env);
      const real = await run(outputs.filter((a) => a !== '--offline').concat(args), env);
      expect([args.join(' '), offline.exitCode, real.exitCode]).toEqual([args.join(' '), 2, 2]);
      expect(offline.stderr).toMatch(message);
    }
    expect(fake.calls).toHaveLength(0);
  });
});

describe('capabilities from the outputs', () => {
  test('the capabilities output is enough: no --capabilities, no configuration file', async () => {
    const result = await run(['--outputs', file(accountOutputs({ capabilities: ['asset-view', 'cspm'] })), ...api()]);
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    const sent = (
      fake.writes()[0].body as { ServiceRequest: { data: { AwsAssetDataConnector: Record<string, unknown> } } }
    ).ServiceRequest.data.AwsAssetDataConnector;
    expect(JSON.stringify(sent.connectorAppInfos).match(/"name":"\w+"/g)).toEqual([
      '"name":"AI"',
      '"name":"CI"',
      '"name":"CSA"',
    ]);
  });

  test('--capabilities wins over the output; a capability the project does not know is refused', async () => {
    await run([
      '--outputs',
      file(accountOutputs({ capabilities: ['asset-view', 'cspm'] })),
      '--capabilities',
      'asset-view',
      ...api(),
    ]);
    const sent = JSON.stringify(fake.writes()[0].body);
    expect(sent.match(/"name":"\w+"/g)).toEqual(['"name":"AI"']);
    const bad = await run(['--outputs', file(accountOutputs({ capabilities: ['asset-view', 'cspn'] })), ...api()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/output capabilities: .*cspn/);
  });
});

describe('organizations', () => {
  const MEMBER_A = '444444444444';
  const MEMBER_B = '555555555555';
  const organizationOutputs = () =>
    Object.fromEntries(
      Object.entries({
        management_role_arn: 'arn:aws:iam::111111111111:role/QualysCVRole',
        member_role_arns: {
          [MEMBER_B]: `arn:aws:iam::${MEMBER_B}:role/QualysCVRole`,
          [MEMBER_A]: `arn:aws:iam::${MEMBER_A}:role/QualysCVRole`,
        },
        external_id: EXTERNAL_ID,
        trusted_principal: TRUSTED,
      }).map(([k, value]) => [k, { sensitive: k === 'external_id', value }]),
    );

  test("an organization's outputs need --organization-members", async () => {
    const result = await run(['--outputs', file(organizationOutputs()), '--capabilities', 'cspm', ...api()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('registering its accounts one by one as account connectors is opt-in');
  });

  test('--organization-members: the management account and each member, one held by an organization connector skipped', async () => {
    fake.add({
      awsAccountId: MEMBER_A,
      arn: `arn:aws:iam::${MEMBER_A}:role/QualysCVRole`,
      externalId: EXTERNAL_ID,
      isAttachedToOrgConnector: 'true',
    });
    const result = await run([
      '--outputs',
      file(organizationOutputs()),
      '--capabilities',
      'cspm',
      '--organization-members',
      ...api(),
      '--format',
      'json',
    ]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { accounts: { accountId: string; action: string }[] };
    expect(report.accounts.map((a) => [a.accountId, a.action])).toEqual([
      ['111111111111', 'created'],
      [MEMBER_A, 'skipped'],
      [MEMBER_B, 'created'],
    ]);
  });
});

describe("the outputs of this project's stacks are what the command reads", () => {
  test('an account stack and an organization stack declare every output it needs', () => {
    const accountStack = Object.values(synthConfig(accountConfig()))[0];
    expect(Object.keys(accountStack.output)).toEqual(
      expect.arrayContaining(['role_arn', 'external_id', 'trusted_principal']),
    );
    expect(accountStack.output.external_id.sensitive).toBe(true);
    const organizationStack = Object.values(
      synthConfig(organizationConfig({ members: { organizationalUnitIds: [OU_A] } })),
    )[0];
    expect(Object.keys(organizationStack.output)).toEqual(
      expect.arrayContaining(['management_role_arn', 'member_role_arns', 'external_id', 'trusted_principal']),
    );
  });

  test('a cdktf outputs file (stack by name) is read as well', async () => {
    const plain = Object.fromEntries(
      Object.entries(accountOutputs()).map(([k, v]) => [k, (v as { value: unknown }).value]),
    );
    const result = await run([
      '--outputs',
      file({ prod: plain, dev: { ...plain, role_arn: 'arn:aws:iam::999999999999:role/QualysCVRole' } }),
      '--stack',
      'prod',
      '--capabilities',
      'cspm',
      ...api(),
    ]);
    expect(result.exitCode).toBe(0);
    expect(fake.connectors.map((c) => c.awsAccountId)).toEqual([ACCOUNT]);
  });
});

test('npm run register reads standard input, --offline, with the exit code and no secret printed', () => {
  const outputs = JSON.stringify(accountOutputs());
  const result = spawnSync(
    'npm',
    ['run', '--silent', 'register', '--', '--outputs', '-', '--capabilities', 'cspm', '--platform', 'EU2', '--offline'],
    {
      cwd: PROJECT_ROOT,
      input: outputs,
      encoding: 'utf8',
      env: { ...process.env, QUALYS_USERNAME: fake.username, QUALYS_PASSWORD: fake.password },
    },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('Qualys connector registration (offline)');
  expect(result.stdout).not.toContain(EXTERNAL_ID);
});
