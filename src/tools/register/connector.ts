import { ActivationModule, ConnectorAppsPlan, QualysConnectorApp } from '../../model/connector-apps';
import { ConnectorRecord, apiBoolean } from './api';
import { RegistrationTarget } from './outputs';

/*
 * A connector as this command wants it, as the API holds it, and the difference. The request fields, and how
 * they nest, are those Qualys' own scripts send when they create an AWS connector (and its schema documents); the
 * read fields those its scripts read back.
 */

/** What the connector of one account must be. */
export interface DesiredConnector {
  readonly target: RegistrationTarget;
  readonly name: string;
  readonly apps: readonly QualysConnectorApp[];
  readonly remediation: boolean;
  /** The modules to activate discovered assets for; empty: the field is not sent. */
  readonly activation: readonly ActivationModule[];
}

export function desiredConnector(
  target: RegistrationTarget,
  apps: ConnectorAppsPlan,
  namePrefix: string,
  activation: readonly ActivationModule[],
): DesiredConnector {
  return {
    target,
    name: `${namePrefix}${target.accountId}`,
    apps: apps.apps,
    remediation: apps.remediation,
    activation,
  };
}

/**
 * The apps of a connector, each identified by the role ARN, nested as Qualys' scripts and schema write them: one
 * `set` (replacing what is there) of a list of `ConnectorAppInfoQList`, each with its own `set`.
 */
function appInfos(desired: DesiredConnector): unknown {
  return {
    set: {
      ConnectorAppInfoQList: desired.apps.map((name) => ({
        set: { ConnectorAppInfo: { name, identifier: desired.target.roleArn } },
      })),
    },
  };
}

/** The activation modules, as a `set` of `ActivationModule`. */
function activation(desired: DesiredConnector): Record<string, unknown> {
  return desired.activation.length === 0 ? {} : { activation: { set: { ActivationModule: [...desired.activation] } } };
}

/** The body of a create. */
export function createBody(desired: DesiredConnector): Record<string, unknown> {
  return {
    name: desired.name,
    description: `AWS account ${desired.target.accountId}, registered from its Terraform outputs`,
    arn: desired.target.roleArn,
    externalId: desired.target.externalId,
    allRegions: true,
    isGovCloudConfigured: desired.target.roleArn.startsWith('arn:aws-us-gov:'),
    runFrequency: 240,
    isRemediationEnabled: desired.remediation,
    disabled: false,
    ...activation(desired),
    connectorAppInfos: appInfos(desired),
  };
}

/** A connector as read back: the fields this command judges. */
export interface ConnectorState {
  readonly id: string;
  readonly name?: string;
  readonly arn?: string;
  readonly externalId?: string;
  readonly apps: readonly string[];
  readonly remediation?: boolean;
  /** The activation modules, when the read returned them. */
  readonly activation?: readonly string[];
  readonly qualysAccountId?: string;
  readonly attachedToOrganization: boolean;
}

/** Every `{ name: "AI" | "CI" | "CSA", ... }` below `connectorAppInfos`, however the lists are wrapped (`list`, `set`, arrays). */
function appsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => appsIn(v, found));
  else if (typeof value === 'object' && value !== null) {
    const name = (value as Record<string, unknown>).name;
    if (typeof name === 'string' && /^(AI|CI|CSA)$/.test(name)) found.add(name);
    Object.values(value).forEach((v) => appsIn(v, found));
  }
  return found;
}

/** Every module name below `activation`, however the list is wrapped; undefined when the read has no activation. */
function activationIn(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') found.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found].sort();
}

export function connectorState(record: ConnectorRecord): ConnectorState {
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  return {
    id: text(record.id) ?? '(no id)',
    name: text(record.name),
    arn: text(record.arn),
    externalId: text(record.externalId),
    apps: [...appsIn(record.connectorAppInfos)].sort(),
    remediation: apiBoolean(record.isRemediationEnabled),
    activation: activationIn(record.activation),
    qualysAccountId: text(record.qualysAwsAccountId),
    attachedToOrganization: apiBoolean(record.isAttachedToOrgConnector) === true,
  };
}

/** One field that differs; secret fields carry no values. */
export interface FieldDifference {
  readonly field: 'arn' | 'externalId' | 'apps' | 'isRemediationEnabled' | 'activation';
  readonly current?: string;
  readonly wanted?: string;
  readonly secret?: boolean;
}

/** The fields a read did not return: they cannot be compared, and are named rather than guessed. */
export function unreturnedFields(current: ConnectorState): string[] {
  return [...(current.arn === undefined ? ['arn'] : []), ...(current.externalId === undefined ? ['externalId'] : [])];
}

/** The differences between what is and what must be, in the fields the read returned. */
export function differences(current: ConnectorState, desired: DesiredConnector): FieldDifference[] {
  const found: FieldDifference[] = [];
  if (current.arn !== undefined && current.arn !== desired.target.roleArn) {
    found.push({ field: 'arn', current: current.arn, wanted: desired.target.roleArn });
  }
  if (current.externalId !== undefined && current.externalId !== desired.target.externalId) {
    found.push({ field: 'externalId', secret: true });
  }
  const wantedApps = [...desired.apps].sort().join(',');
  if (current.apps.join(',') !== wantedApps) {
    found.push({ field: 'apps', current: current.apps.join(',') || '(none)', wanted: wantedApps });
  }
  if (current.remediation !== undefined && current.remediation !== desired.remediation) {
    found.push({
      field: 'isRemediationEnabled',
      current: String(current.remediation),
      wanted: String(desired.remediation),
    });
  }
  const wantedActivation = [...desired.activation].sort().join(',');
  if (current.activation !== undefined && current.activation.join(',') !== wantedActivation) {
    found.push({
      field: 'activation',
      current: current.activation.join(',') || '(none)',
      wanted: wantedActivation || '(none)',
    });
  }
  return found;
}

/** The body of an update: only the fields that differ. */
export function updateBody(desired: DesiredConnector, changed: readonly FieldDifference[]): Record<string, unknown> {
  const fields = new Set(changed.map((d) => d.field));
  return {
    ...(fields.has('arn') ? { arn: desired.target.roleArn } : {}),
    ...(fields.has('externalId') ? { externalId: desired.target.externalId } : {}),
    ...(fields.has('apps') || fields.has('arn') ? { connectorAppInfos: appInfos(desired) } : {}),
    ...(fields.has('isRemediationEnabled') ? { isRemediationEnabled: desired.remediation } : {}),
    ...(fields.has('activation') ? { activation: { set: { ActivationModule: [...desired.activation] } } } : {}),
  };
}
