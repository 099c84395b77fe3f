import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { IncomingMessage, ServerResponse } from 'http';
import { Server, createServer } from 'https';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

/*
 * An in-process stand-in for the Qualys Connector API v3 (AWS connectors), on 127.0.0.1 over TLS with a
 * certificate made for the run. Each response says where its shape comes from:
 * - `documented`: Qualys' Connector API documentation or the fact sheet's reading of it (the envelope,
 *   `responseCode`, errors with HTTP 200, an empty search without `data`, booleans as strings, 401, 409 and its
 *   headers);
 * - `recorded`: a response captured from a real tenant (none yet: no recording was available);
 * - `inferred`: what the documentation implies but does not show (paging by `lastId` + 1, the read shape of
 *   `connectorAppInfos`, `qualysAwsAccountId` in create and get answers, a lost answer after a create).
 */

export type Provenance = 'documented' | 'recorded' | 'inferred';

export interface FakeCall {
  readonly method: string;
  readonly verb: string;
  readonly id?: string;
  readonly body?: unknown;
  readonly authorization?: string;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly provenance: Provenance;
}

/** A one-time override of the next call of a verb: a reply, or `hang` (the call is done, the answer never comes). */
export type Fault = { readonly verb: string; readonly reply: Reply } | { readonly verb: string; readonly hang: true };

export type FakeConnector = Record<string, unknown> & { id: number; awsAccountId: string };

export const QUALYS_GLOBAL_ACCOUNT = '805950163170';

export class FakeQualys {
  readonly connectors: FakeConnector[] = [];
  readonly calls: FakeCall[] = [];
  /** Where each reply's shape came from, in order. */
  readonly provenance: { verb: string; provenance: Provenance }[] = [];
  readonly faults: Fault[] = [];
  /** Records per search page; Qualys' default is 100. */
  pageSize = 100;
  private nextId = 1000;
  private server?: Server;
  private dir?: string;
  caFile = '';
  url = '';

  constructor(
    readonly username = 'acme_us1',
    readonly password = 'pa55:w0rd/with+odd&chars',
  ) {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'fake-qualys-'));
    const key = join(this.dir, 'key.pem');
    this.caFile = join(this.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        this.caFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    this.server = createServer({ key: readFileSync(key), cert: readFileSync(this.caFile) }, (req, res) =>
      this.handle(req, res),
    );
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  reset(): void {
    this.connectors.length = 0;
    this.calls.length = 0;
    this.provenance.length = 0;
    this.faults.length = 0;
    this.pageSize = 100;
    this.nextId = 1000;
  }

  /** A connector as Qualys would hold it (booleans as strings, as the API writes them). */
  add(fields: Partial<FakeConnector> & { awsAccountId: string; arn: string; externalId: string }): FakeConnector {
    const apps = (fields.apps as string[] | undefined) ?? ['AI', 'CI', 'CSA'];
    const connector: FakeConnector = {
      id: this.nextId++,
      name: `aws-${fields.awsAccountId}`,
      qualysAwsAccountId: QUALYS_GLOBAL_ACCOUNT,
      isAttachedToOrgConnector: 'false',
      isRemediationEnabled: 'false',
      disabled: 'false',
      connectorState: 'SUCCESS',
      ...fields,
      connectorAppInfos: appInfosRead(apps, fields.arn),
    };
    delete connector.apps;
    this.connectors.push(connector);
    return connector;
  }

  writes(): FakeCall[] {
    return this.calls.filter((c) => c.verb === 'create' || c.verb === 'update');
  }

  private reply(res: ServerResponse, verb: string, reply: Reply): void {
    this.provenance.push({ verb, provenance: reply.provenance });
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...(reply.headers ?? {}) });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const m = /^\/qps\/rest\/3\.0\/(search|create|get|update)\/am\/awsassetdataconnector(?:\/([^/]+))?$/.exec(
        req.url ?? '',
      );
      const verb = m?.[1] ?? 'unknown';
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      this.calls.push({ method: req.method ?? '', verb, id: m?.[2], body, authorization: req.headers.authorization });
      const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
      const faultAt = this.faults.findIndex((f) => f.verb === verb);
      const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0] : undefined;
      if (fault && 'reply' in fault) return this.reply(res, verb, fault.reply);
      if (req.headers.authorization !== expected) {
        return this.reply(res, verb, { status: 401, body: undefined, provenance: 'documented' });
      }
      if (!m) return this.reply(res, verb, { status: 404, provenance: 'inferred' });
      const reply = this.answer(verb, m[2], body);
      if (fault && 'hang' in fault) return; // Done, but the answer never leaves: the client times out.
      this.reply(res, verb, reply);
    });
  }

  private answer(verb: string, id: string | undefined, body: unknown): Reply {
    const request = (body as { ServiceRequest?: Record<string, unknown> } | undefined)?.ServiceRequest ?? {};
    if (verb === 'search') return this.search(request);
    if (verb === 'create') {
      const data = (request.data as { AwsAssetDataConnector: Record<string, unknown> }).AwsAssetDataConnector;
      const arn = String(data.arn);
      const apps = appNamesSent(data.connectorAppInfos);
      if (apps === undefined) return invalidRequest('connectorAppInfos is not a set of ConnectorAppInfoQList');
      if (data.activation !== undefined && activationSent(data.activation) === undefined)
        return invalidRequest('activation is not a set of ActivationModule');
      const created = this.add({
        ...data,
        awsAccountId: arn.split(':')[4],
        arn,
        externalId: String(data.externalId),
        apps,
        isRemediationEnabled: String(data.isRemediationEnabled),
      } as unknown as FakeConnector & { arn: string; externalId: string });
      return success([created], 'inferred');
    }
    const connector = this.connectors.find((c) => String(c.id) === id);
    if (!connector) {
      return {
        status: 200,
        provenance: 'documented',
        body: {
          ServiceResponse: { responseCode: 'OBJECT_NOT_FOUND', responseErrorDetails: { errorMessage: 'not found' } },
        },
      };
    }
    if (verb === 'update') {
      const data = (request.data as { AwsAssetDataConnector: Record<string, unknown> }).AwsAssetDataConnector;
      for (const [key, value] of Object.entries(data)) {
        if (key === 'connectorAppInfos') {
          const apps = appNamesSent(value);
          if (apps === undefined) return invalidRequest('connectorAppInfos is not a set of ConnectorAppInfoQList');
          connector.connectorAppInfos = appInfosRead(apps, String(data.arn ?? connector.arn));
        } else if (key === 'activation' && activationSent(value) === undefined) {
          return invalidRequest('activation is not a set of ActivationModule');
        } else connector[key] = typeof value === 'boolean' ? String(value) : value;
      }
    }
    return success([connector], verb === 'get' ? 'documented' : 'inferred');
  }

  private search(request: Record<string, unknown>): Reply {
    const criteria = (request.filters as { Criteria: { field: string; operator: string; value: string }[] }).Criteria;
    const wanted = criteria.find((c) => c.field === 'awsAccountId' && c.operator === 'EQUALS')?.value;
    const start = Number((request.preferences as { startFromId?: number } | undefined)?.startFromId ?? 0);
    const matching = this.connectors
      .filter((c) => c.awsAccountId === wanted && c.id >= start)
      .sort((a, b) => a.id - b.id);
    const page = matching.slice(0, this.pageSize);
    const more = matching.length > page.length;
    if (page.length === 0) {
      // An empty search has a count of 0 and no data element at all.
      return {
        status: 200,
        provenance: 'documented',
        body: { ServiceResponse: { responseCode: 'SUCCESS', count: 0, hasMoreRecords: 'false' } },
      };
    }
    return {
      status: 200,
      provenance: more ? 'inferred' : 'documented',
      body: {
        ServiceResponse: {
          responseCode: 'SUCCESS',
          count: page.length,
          hasMoreRecords: more ? 'true' : 'false',
          ...(more ? { lastId: page[page.length - 1].id } : {}),
          data: page.map((c) => ({ AwsAssetDataConnector: c })),
        },
      },
    };
  }
}

function success(records: FakeConnector[], provenance: Provenance): Reply {
  return {
    status: 200,
    provenance,
    body: {
      ServiceResponse: {
        responseCode: 'SUCCESS',
        count: records.length,
        hasMoreRecords: 'false',
        data: records.map((c) => ({ AwsAssetDataConnector: c })),
      },
    },
  };
}

/** How a read returns the apps (inferred: QLists read back as `list`). */
function appInfosRead(apps: readonly string[], arn: string): unknown {
  return {
    list: apps.map((name) => ({ ConnectorAppInfoQList: { list: [{ ConnectorAppInfo: { name, identifier: arn } }] } })),
  };
}

/**
 * The app names of a `connectorAppInfos` in the shape Qualys' scripts and schema send it (documented):
 * `{"set":{"ConnectorAppInfoQList":[{"set":{"ConnectorAppInfo":{"name","identifier"}}}, ...]}}`; undefined for
 * any other shape, which the stand-in rejects as Qualys would reject a body it cannot read (inferred).
 */
function appNamesSent(value: unknown): string[] | undefined {
  const lists = (value as { set?: { ConnectorAppInfoQList?: unknown } } | undefined)?.set?.ConnectorAppInfoQList;
  if (!Array.isArray(lists) || Object.keys(value as object).join() !== 'set') return undefined;
  const names: string[] = [];
  for (const entry of lists) {
    const info = (entry as { set?: { ConnectorAppInfo?: { name?: unknown; identifier?: unknown } } })?.set
      ?.ConnectorAppInfo;
    if (typeof info?.name !== 'string' || typeof info.identifier !== 'string' || Array.isArray(info)) return undefined;
    names.push(info.name);
  }
  return names;
}

/** The modules of an `activation` as the documented `{"set":{"ActivationModule":[...]}}`; undefined otherwise. */
function activationSent(value: unknown): string[] | undefined {
  const modules = (value as { set?: { ActivationModule?: unknown } } | undefined)?.set?.ActivationModule;
  return Array.isArray(modules) && modules.every((m) => typeof m === 'string') ? (modules as string[]) : undefined;
}

/** The documented error reply for a body Qualys cannot read. */
function invalidRequest(message: string): Reply {
  return {
    status: 200,
    provenance: 'inferred',
    body: { ServiceResponse: { responseCode: 'INVALID_REQUEST', responseErrorDetails: { errorMessage: message } } },
  };
}
