import {
  ConnectorApi,
  ConnectorRecord,
  PlannedRequest,
  QualysApiError,
  createRequest,
  searchRequest,
  updateRequest,
} from './api';
import {
  ConnectorState,
  DesiredConnector,
  FieldDifference,
  connectorState,
  createBody,
  differences,
  unreturnedFields,
  updateBody,
} from './connector';

/*
 * Registering, account by account, keyed by the AWS account ID as Qualys' own scripts key connectors. Search
 * first; none: create; one that matches: nothing; one that differs: the differences, changed only when asked;
 * several, or one that an organization connector holds: a person decides. A create is never sent twice blindly:
 * after any failure the account is searched again. Every connector this command touches or keeps is checked for
 * the Qualys account that assumes its role, which must be the one the role trusts.
 */

export type Action =
  | 'create'
  | 'created'
  | 'unchanged'
  | 'update'
  | 'updated'
  | 'drift'
  | 'refused'
  | 'skipped'
  | 'unverified'
  | 'failed'
  | 'not-run';

export interface AccountResult {
  readonly accountId: string;
  readonly roleArn: string;
  readonly from: string;
  readonly action: Action;
  readonly connectorId?: string;
  readonly differences?: readonly FieldDifference[];
  /** What to know or do, in words. */
  readonly message: string;
  /** `--offline` and `--dry-run`: the calls a run would make, method, URL and body (the external ID masked later). */
  readonly requests?: readonly PlannedRequest[];
}

export interface RegisterOptions {
  readonly update: boolean;
  readonly dryRun: boolean;
  /** Organization members: one held by an organization connector is skipped rather than refused. */
  readonly organizationMembers: boolean;
}

/** Exit codes: what the whole run means for a pipeline. */
export const EXIT = { ok: 0, failed: 1, usage: 2, needsPerson: 3, unverified: 4 } as const;

export function exitCodeOf(results: readonly AccountResult[]): number {
  const has = (...actions: Action[]) => results.some((r) => actions.includes(r.action));
  if (has('failed', 'not-run')) return EXIT.failed;
  if (has('unverified')) return EXIT.unverified;
  if (has('drift', 'refused')) return EXIT.needsPerson;
  return EXIT.ok;
}

/** The calls of every account, without any (`--offline`): the search each run makes, and the create a new account gets. */
export function offlinePlan(connectors: readonly DesiredConnector[], baseUrl: string): AccountResult[] {
  return connectors.map((desired) => ({
    ...identity(desired),
    action: 'create',
    message:
      'offline: not searched; a run searches the account first, and creates this when Qualys has no connector for it',
    requests: [searchRequest(baseUrl, desired.target.accountId), createRequest(baseUrl, createBody(desired))],
  }));
}

function identity(desired: DesiredConnector) {
  return { accountId: desired.target.accountId, roleArn: desired.target.roleArn, from: desired.target.from };
}

/** Registers each account in turn; stops at the first call that fails (the rest are reported as not run). */
export async function register(
  api: ConnectorApi,
  connectors: readonly DesiredConnector[],
  options: RegisterOptions,
): Promise<AccountResult[]> {
  const results: AccountResult[] = [];
  for (const desired of connectors) {
    if (results.some((r) => r.action === 'failed')) {
      results.push({ ...identity(desired), action: 'not-run', message: 'not run: an earlier call failed' });
      continue;
    }
    try {
      results.push(await registerOne(api, desired, options));
    } catch (error) {
      if (!(error instanceof QualysApiError)) throw error;
      results.push({ ...identity(desired), action: 'failed', message: error.message });
    }
  }
  return results;
}

async function registerOne(
  api: ConnectorApi,
  desired: DesiredConnector,
  options: RegisterOptions,
): Promise<AccountResult> {
  const found = (await api.search(desired.target.accountId)).map(connectorState);
  const base = identity(desired);
  if (found.length > 1) {
    return {
      ...base,
      action: 'refused',
      message: `${found.length} connectors (${found.map((c) => c.id).join(', ')}) have this account; decide in Qualys which one stays, then run again`,
    };
  }
  if (found.length === 1 && found[0].attachedToOrganization) {
    return {
      ...base,
      action: options.organizationMembers ? 'skipped' : 'refused',
      connectorId: found[0].id,
      message: `connector ${found[0].id} belongs to an organization connector, which Qualys manages; ${options.organizationMembers ? 'left to it' : 'not changed here'}`,
    };
  }
  if (found.length === 0) return createOne(api, desired, options);
  return keepOrUpdate(api, desired, found[0], options);
}

async function createOne(
  api: ConnectorApi,
  desired: DesiredConnector,
  options: RegisterOptions,
): Promise<AccountResult> {
  const base = identity(desired);
  const body = createBody(desired);
  if (options.dryRun)
    return {
      ...base,
      action: 'create',
      message: 'no connector yet: would create one',
      requests: [createRequest(api.settings.baseUrl, body)],
    };
  let created: ConnectorRecord | undefined;
  try {
    created = await api.create(body, `creating the connector of account ${desired.target.accountId}`);
  } catch (error) {
    if (!(error instanceof QualysApiError)) throw error;
    // The create may have happened though its answer was lost: look before anything else.
    const again = (await api.search(desired.target.accountId)).map(connectorState);
    const ours = again.filter((c) => c.arn === desired.target.roleArn);
    if (again.length === 1 && ours.length === 1) {
      return verified(
        api,
        desired,
        ours[0].id,
        'created',
        `created (its answer was lost: ${error.message}; found on a new search)`,
      );
    }
    if (again.length > 1) {
      return {
        ...base,
        action: 'refused',
        message: `after a failed create (${error.message}), ${again.length} connectors have this account: decide in Qualys`,
      };
    }
    throw new QualysApiError(
      `${error.message}; a new search finds no connector for the account, so nothing was created: safe to run again`,
      error.kind,
    );
  }
  return verified(api, desired, connectorState(created).id, 'created', 'created');
}

async function keepOrUpdate(
  api: ConnectorApi,
  desired: DesiredConnector,
  current: ConnectorState,
  options: RegisterOptions,
): Promise<AccountResult> {
  const base = { ...identity(desired), connectorId: current.id };
  const changed = differences(current, desired);
  if (changed.length === 0) {
    const unreturned = unreturnedFields(current);
    const kept =
      unreturned.length === 0
        ? 'already registered as wanted'
        : `already registered as wanted, as far as Qualys shows (it did not return ${unreturned.join(' or ')}, so ${unreturned.length === 1 ? 'it was' : 'they were'} not compared)`;
    if (current.qualysAccountId !== undefined) return trustCheck(desired, current, 'unchanged', kept);
    return verified(api, desired, current.id, 'unchanged', kept);
  }
  if (!options.update) {
    return { ...base, action: 'drift', differences: changed, message: 'differs from the outputs; --update changes it' };
  }
  const body = updateBody(desired, changed);
  if (options.dryRun)
    return {
      ...base,
      action: 'update',
      differences: changed,
      message: 'would update',
      requests: [updateRequest(api.settings.baseUrl, current.id, body)],
    };
  await api.update(current.id, body, `updating connector ${current.id} of account ${desired.target.accountId}`);
  const result = await verified(api, desired, current.id, 'updated', 'updated');
  return { ...result, differences: changed };
}

/** Reads the connector back and checks who assumes the role. */
async function verified(
  api: ConnectorApi,
  desired: DesiredConnector,
  id: string,
  action: Action,
  message: string,
): Promise<AccountResult> {
  const state = connectorState(await api.get(id));
  return trustCheck(desired, { ...state, id }, action, message);
}

function trustCheck(desired: DesiredConnector, state: ConnectorState, action: Action, message: string): AccountResult {
  const base = { ...identity(desired), connectorId: state.id };
  if (state.qualysAccountId === desired.target.trustedAccountId) {
    return {
      ...base,
      action,
      message: `${message}; Qualys assumes the role from ${state.qualysAccountId}, the account it trusts`,
    };
  }
  return {
    ...base,
    action: 'unverified',
    message:
      state.qualysAccountId === undefined
        ? `${message}, but Qualys did not say which account assumes the role: check the connector in Qualys`
        : `${message}, but Qualys assumes the role from ${state.qualysAccountId} while the role trusts ${desired.target.trustedAccountId}: the role can never be assumed. Fix the role's trust (qualysAccountType or trustedAccountId) or the Qualys subscription`,
  };
}
