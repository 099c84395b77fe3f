import { TerraformVariable } from 'cdktf';
import { z } from 'zod';
import { connectorRoleFields, externalIdList } from '../config/fields';
import { parseOrThrow } from '../config/issues';
import { CapabilityName } from '../permissions/types';
import { QualysAccountType } from '../partition';
import { checkConnectorConsistency } from './consistency';

/** Inputs of one Qualys connector role. */
export interface QualysConnectorRoleProps {
  /**
   * The external ID entered in the Qualys connector. A list (up to 5) is accepted while one is being
   * rotated; a TerraformVariable keeps it out of the synthesized files.
   */
  readonly externalId: string | readonly string[] | TerraformVariable;
  /** Default `global`. */
  readonly qualysAccountType?: QualysAccountType;
  /** The account trusted to assume the role ("base account"). Required for govcloud and china. */
  readonly trustedAccountId?: string;
  /** Capabilities on top of AssetView, which is always present. Default: none (AssetView only). */
  readonly capabilities?: readonly CapabilityName[];
  /** Default `QualysCVRole`. */
  readonly roleName?: string;
  /** Default `/`. */
  readonly path?: string;
  readonly permissionsBoundaryArn?: string;
  /** Seconds, 3600..43200. Default 3600. */
  readonly maxSessionDuration?: number;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Managed policies per role allowed in the account (IAM quota). Default 10. */
  readonly managedPolicyQuota?: number;
}

const externalIdProp = z.unknown().superRefine((value, ctx) => {
  if (value instanceof TerraformVariable) return;
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', path: [], input: undefined, message: 'is required: the external ID entered in the Qualys connector' });
    return;
  }
  const result = externalIdList.safeParse(typeof value === 'string' ? [value] : value, { reportInput: true });
  if (result.success) return;
  for (const issue of result.error.issues) {
    // A single string was wrapped in a list: report it at the field, not at element 0.
    const path = typeof value === 'string' ? issue.path.slice(1) : issue.path;
    ctx.addIssue({ code: 'custom', path, input: issue.input, message: issue.message });
  }
});

export const connectorRolePropsSchema = z
  .strictObject({ externalId: externalIdProp, ...connectorRoleFields })
  .superRefine(checkConnectorConsistency);

/** Validates construct props; throws a ConfigurationError naming each bad field. */
export function validateConnectorRoleProps(props: QualysConnectorRoleProps, prefix = 'props'): void {
  parseOrThrow(connectorRolePropsSchema, props, prefix, 'Invalid Qualys connector role props');
}
