import { AwsPartition } from '../rules/partition';
import { MAX_EXTERNAL_IDS } from '../rules/value-rules';

/*
 * Inputs a deployment may supply instead of the configuration: each has one name, and each renderer maps it
 * to its own form (Terraform: the literal or `var.<name>`; CloudFormation: `Ref` or a pseudo parameter).
 */

export type ParameterName = 'ExternalId' | 'RoleName' | 'Path' | 'TrustedAccountId' | 'Partition';

/** The external IDs the trust accepts: literal values, or a Terraform variable that holds the one ID. */
export type ExternalIdInput =
  | { readonly values: readonly string[]; readonly variable?: undefined }
  | { readonly variable: string; readonly values?: undefined };

/** The role's inputs with the values the configuration gives (for CloudFormation: the parameters' defaults). */
export interface RoleInputs {
  readonly externalId: ExternalIdInput;
  readonly roleName: string;
  readonly path: string;
  readonly trustedAccountId: string;
  readonly partition: AwsPartition;
}

export const ROLE_PARAMETERS: Readonly<Record<keyof RoleInputs, ParameterName>> = {
  externalId: 'ExternalId',
  roleName: 'RoleName',
  path: 'Path',
  trustedAccountId: 'TrustedAccountId',
  partition: 'Partition',
};

/**
 * Optional parameters for the IDs still accepted while one is rotated, in every template: an account's, and
 * an organization's management and member roles, which share the IDs. Values never appear in a template.
 */
export const PREVIOUS_EXTERNAL_ID_PARAMETERS = Array.from(
  { length: MAX_EXTERNAL_IDS - 1 },
  (_, i) => `PreviousExternalId${i + 1}`,
);

/** JSON with strings, numbers, objects and lists, where a renderer may put its own forms of a value. */
export type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** What a document can leave open: a parameter, or a value made of parameters (the trusted account's root). */
export type SlotName = ParameterName | 'TrustedPrincipal';

/** A slot in a document: a string no real value can be (IAM values hold no NUL). */
export function slot(name: SlotName): string {
  return `\u0000${name}\u0000`;
}

/** Replaces every slot in a JSON tree with the renderer's value for it. */
export function fillSlots(json: unknown, values: Partial<Record<SlotName, Json>>): Json {
  if (typeof json === 'string') {
    const match = /^\u0000(\w+)\u0000$/.exec(json);
    if (!match) return json;
    const value = values[match[1] as SlotName];
    if (value === undefined) throw new Error(`no value for parameter ${match[1]}`);
    return value;
  }
  if (Array.isArray(json)) return json.map((v) => fillSlots(v, values));
  if (json !== null && typeof json === 'object')
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fillSlots(v, values)]));
  return json as Json;
}
