import { z } from 'zod';
import { connectorRoleFields, externalIdList, terraformVariableName } from '../config/fields';
import { parseOrThrow } from '../config/issues';
import { CapabilityName } from '../permissions/types';
import { QualysAccountType } from '../partition';
import { checkConnectorConsistency } from './consistency';

/** An external ID a Terraform variable of this name supplies at plan time. */
export interface ExternalIdVariable {
  readonly variable: string;
}

/** Inputs of one Qualys connector role, as plain values (the configuration file's `connector` has the same shape). */
export interface QualysConnectorRoleProps {
  /**
   * The external ID entered in the Qualys connector. A list (up to 5) is accepted while one is being
   * rotated; `{ variable }` (or a TerraformVariable given to the construct) keeps it out of the synthesized files.
   */
  readonly externalId: string | readonly string[] | ExternalIdVariable;
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
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', path: [], input: undefined, message: 'is required: the external ID entered in the Qualys connector' });
    return;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const name = terraformVariableName.safeParse((value as ExternalIdVariable).variable);
    if (!name.success || Object.keys(value).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['variable'], input: (value as ExternalIdVariable).variable, message: 'must be {"variable": "<Terraform variable name>"}' });
    }
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
