import { request } from 'https';

/*
 * The Qualys Connector API v3 for AWS connectors (`/qps/rest/3.0/<verb>/am/awsassetdataconnector`), JSON over
 * HTTPS with HTTP Basic. What the API does is from Qualys' documentation and its own scripts: errors arrive with
 * HTTP 200 and a `responseCode` other than SUCCESS; 401 is bad credentials, 403 an unlicensed module or a source
 * address not allowed; 409 a rate or concurrency limit, with the seconds to wait in `X-RateLimit-ToWait-Sec`.
 * Redirects are never followed (the credentials would go with them); nothing here retries a write.
 */

const PATH = '/qps/rest/3.0';
const OBJECT = 'am/awsassetdataconnector';

export type ApiFailureKind =
  | 'credentials'
  | 'permission'
  | 'rejected'
  | 'not-found'
  | 'rate-limit'
  | 'redirect'
  | 'http'
  | 'timeout'
  | 'network'
  | 'format';

/** A failed call, said so that a person can act on it; `waitSeconds` when the API asked to wait. */
export class QualysApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiFailureKind,
    readonly waitSeconds?: number,
  ) {
    super(message);
  }
}

export interface ApiSettings {
  /** `https://<host>[:port]`, checked by `apiUrlProblem`. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** Extra trusted certificates (PEM), e.g. a proxy's; the system's are used besides. */
  readonly ca?: string;
  /** Per call. Default: 60 s. */
  readonly timeoutMs?: number;
  /** Least time between two writes (create, update). Default: 2 s. */
  readonly writeIntervalMs?: number;
  /** Most a read waits, in all, for rate limits before it gives up. Default: 10 minutes. */
  readonly maxRateLimitWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One record as the API returns it: `{ AwsAssetDataConnector: {...} }` unwrapped. */
export type ConnectorRecord = Readonly<Record<string, unknown>>;

interface ServiceResponse {
  readonly responseCode?: string;
  readonly count?: number | string;
  readonly hasMoreRecords?: boolean | string;
  readonly lastId?: number | string;
  readonly data?: readonly { readonly AwsAssetDataConnector?: ConnectorRecord }[];
  readonly responseErrorDetails?: { readonly errorMessage?: string; readonly errorResolution?: string };
}

/** `"true"`, `true` -> true; the API writes booleans as strings. */
export function apiBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

const PERMISSION_CODES = /PERMISSION|NOT_PERMITTED|FORBIDDEN|UNAUTHORIZED|NOT_AUTHORIZED|ACCESS_DENIED|EULA/i;

function serviceFailure(response: ServiceResponse, what: string): QualysApiError {
  const code = response.responseCode ?? '(no responseCode)';
  const details = response.responseErrorDetails;
  const said = [details?.errorMessage, details?.errorResolution].filter(Boolean).join(' ');
  const tail = said ? `: ${said}` : '';
  if (code === 'OBJECT_NOT_FOUND')
    return new QualysApiError(`${what}: Qualys found no such connector${tail}`, 'not-found');
  if (PERMISSION_CODES.test(code)) {
    return new QualysApiError(
      `${what}: Qualys refused it (${code})${tail}. The API user needs the Manager role with full scope, API access and the EULA accepted.`,
      'permission',
    );
  }
  return new QualysApiError(`${what}: Qualys rejected the request (${code})${tail}`, 'rejected');
}

function httpFailure(status: number, headers: Record<string, string | string[] | undefined>, what: string) {
  const header = (name: string) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  if (status === 401) {
    return new QualysApiError(
      `${what}: Qualys refused the credentials (HTTP 401). Check QUALYS_USERNAME and QUALYS_PASSWORD, and that the user may use the API.`,
      'credentials',
    );
  }
  if (status === 403) {
    return new QualysApiError(
      `${what}: Qualys refused access (HTTP 403): the subscription may not have the module licensed, or the API is not allowed from this source address.`,
      'permission',
    );
  }
  if (status === 409) {
    const wait = Number(header('X-RateLimit-ToWait-Sec'));
    return new QualysApiError(
      `${what}: Qualys' rate or concurrency limit (HTTP 409)${Number.isFinite(wait) ? `, wait ${wait} s` : ''}`,
      'rate-limit',
      Number.isFinite(wait) && wait >= 0 ? wait : undefined,
    );
  }
  if (status >= 300 && status < 400) {
    let to = '';
    try {
      to = ` to ${new URL(header('location') ?? '').host}`;
    } catch {
      // No usable location: say nothing about it.
    }
    return new QualysApiError(
      `${what}: the API answered with a redirect (HTTP ${status})${to}, which is not followed (the credentials would go with it): use your platform's API URL`,
      'redirect',
    );
  }
  return new QualysApiError(`${what}: HTTP ${status}`, 'http');
}

export class ConnectorApi {
  private lastWrite = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Every call made, in order, as `<METHOD> <verb>`: for the plan and the tests. */
  readonly calls: string[] = [];

  constructor(readonly settings: ApiSettings) {
    this.sleep = settings.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  /** Every connector of an AWS account, page by page until no more records. */
  async search(accountId: string): Promise<ConnectorRecord[]> {
    const found = new Map<string, ConnectorRecord>();
    let startFromId: number | undefined;
    for (;;) {
      const body = searchBody(accountId, startFromId);
      const response = await this.read('POST', 'search', body, `searching connectors of account ${accountId}`);
      const before = found.size;
      for (const item of response.data ?? []) {
        const record = item.AwsAssetDataConnector;
        if (record) found.set(String(record.id ?? found.size), record);
      }
      if (apiBoolean(response.hasMoreRecords) !== true) return [...found.values()];
      const lastId = Number(response.lastId);
      if (!Number.isFinite(lastId) || found.size === before) {
        throw new QualysApiError(
          `searching connectors of account ${accountId}: more records were announced, but the page gave no lastId or nothing new`,
          'format',
        );
      }
      startFromId = lastId + 1;
    }
  }

  async get(id: string): Promise<ConnectorRecord> {
    const response = await this.read(
      'GET',
      `get/${OBJECT}/${encodeURIComponent(id)}`,
      undefined,
      `reading connector ${id}`,
    );
    return this.single(response, `reading connector ${id}`);
  }

  async create(connector: Record<string, unknown>, what: string): Promise<ConnectorRecord> {
    const response = await this.write('create', envelope(connector), what);
    return this.single(response, what);
  }

  async update(id: string, changes: Record<string, unknown>, what: string): Promise<ConnectorRecord> {
    const response = await this.write(`update/${OBJECT}/${encodeURIComponent(id)}`, envelope(changes), what);
    return this.single(response, what);
  }

  private single(response: ServiceResponse, what: string): ConnectorRecord {
    const record = response.data?.[0]?.AwsAssetDataConnector;
    if (!record) throw new QualysApiError(`${what}: the response holds no connector`, 'format');
    return record;
  }

  /** A read: retried after the wait a rate limit asks for, within the total wait allowed. */
  private async read(method: 'GET' | 'POST', verb: string, body: unknown, what: string): Promise<ServiceResponse> {
    let waited = 0;
    for (;;) {
      try {
        return await this.call(method, verb === 'search' ? `search/${OBJECT}` : verb, body, what);
      } catch (error) {
        if (!(error instanceof QualysApiError) || error.kind !== 'rate-limit') throw error;
        const wait = (error.waitSeconds ?? 60) * 1000;
        if (waited + wait > (this.settings.maxRateLimitWaitMs ?? 600000)) throw error;
        waited += wait;
        await this.sleep(wait);
      }
    }
  }

  /** A write: paced, sent once; any failure goes back to the caller, who searches before trying again. */
  private async write(verb: string, body: unknown, what: string): Promise<ServiceResponse> {
    const interval = this.settings.writeIntervalMs ?? 2000;
    const due = this.lastWrite + interval - Date.now();
    if (this.lastWrite > 0 && due > 0) await this.sleep(due);
    this.lastWrite = Date.now();
    return this.call('POST', verb === 'create' ? `create/${OBJECT}` : verb, body, what);
  }

  private call(method: 'GET' | 'POST', path: string, body: unknown, what: string): Promise<ServiceResponse> {
    this.calls.push(`${method} ${path.split('/')[0]}`);
    const url = new URL(`${PATH}/${path}`, this.settings.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const authorization = `Basic ${Buffer.from(`${this.settings.username}:${this.settings.password}`).toString('base64')}`;
    return new Promise((done, fail) => {
      const req = request(
        url,
        {
          method,
          ca: this.settings.ca,
          timeout: this.settings.timeoutMs ?? 60000,
          headers: {
            Authorization: authorization,
            Accept: 'application/json',
            'X-Requested-With': 'qualys-connector-register',
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status !== 200) return fail(httpFailure(status, res.headers, what));
            let parsed: { ServiceResponse?: ServiceResponse };
            try {
              parsed = JSON.parse(text) as { ServiceResponse?: ServiceResponse };
            } catch {
              return fail(new QualysApiError(`${what}: the answer is not JSON (is the API URL right?)`, 'format'));
            }
            const response = parsed.ServiceResponse;
            if (!response) return fail(new QualysApiError(`${what}: the answer has no ServiceResponse`, 'format'));
            if (response.responseCode !== 'SUCCESS') return fail(serviceFailure(response, what));
            done(response);
          });
          res.on('error', (error) => fail(new QualysApiError(`${what}: ${error.message}`, 'network')));
        },
      );
      req.on('timeout', () => req.destroy(new QualysApiError(`${what}: no answer in time`, 'timeout')));
      req.on('error', (error) =>
        fail(error instanceof QualysApiError ? error : new QualysApiError(`${what}: ${error.message}`, 'network')),
      );
      req.end(payload);
    });
  }
}

function envelope(connector: Record<string, unknown>): unknown {
  return { ServiceRequest: { data: { AwsAssetDataConnector: connector } } };
}

/** A call as it would be sent: what `--offline` and `--dry-run` print (the authorization is never part of it). */
export interface PlannedRequest {
  readonly method: 'POST';
  readonly url: string;
  readonly body: unknown;
}

/** The search of an account's connectors (the first page): the call every run makes first. */
export function searchRequest(baseUrl: string, accountId: string): PlannedRequest {
  return { method: 'POST', url: new URL(`${PATH}/search/${OBJECT}`, baseUrl).toString(), body: searchBody(accountId) };
}

export function createRequest(baseUrl: string, connector: Record<string, unknown>): PlannedRequest {
  return { method: 'POST', url: new URL(`${PATH}/create/${OBJECT}`, baseUrl).toString(), body: envelope(connector) };
}

export function updateRequest(baseUrl: string, id: string, changes: Record<string, unknown>): PlannedRequest {
  return {
    method: 'POST',
    url: new URL(`${PATH}/update/${OBJECT}/${encodeURIComponent(id)}`, baseUrl).toString(),
    body: envelope(changes),
  };
}

function searchBody(accountId: string, startFromId?: number): unknown {
  return {
    ServiceRequest: {
      preferences: { limitResults: 100, ...(startFromId === undefined ? {} : { startFromId }) },
      filters: { Criteria: [{ field: 'awsAccountId', operator: 'EQUALS', value: accountId }] },
    },
  };
}
