/*
 * What the plan is made from: the settings of a connector role and of a stack, as plain values. The
 * configuration file is read into these (src/config), and the constructs' props are these; the plan checks
 * them (src/plan/checks.ts) and plans them. Defaults are stated once, here, with @default.
 */

/** An external ID a Terraform variable of this name supplies at plan time. */
export interface ExternalIdVariable {
  readonly variable: string;
}

/** Inputs of one Qualys connector role (the configuration file's `connector` has the same shape). */
export interface ConnectorSettings {
  /**
   * The external ID entered in the Qualys connector. A list (up to 5, the current one first) while one is
   * being rotated; `{ variable }` keeps it out of the synthesized files.
   */
  readonly externalId: string | readonly string[] | ExternalIdVariable;
  /** @default 'global' */
  readonly qualysAccountType?: string;
  /** The account trusted to assume the role ("base account"). Required for govcloud and china. @default the Qualys account of the account type */
  readonly trustedAccountId?: string;
  /** Capabilities on top of AssetView, which is always present. @default [] (AssetView only) */
  readonly capabilities?: readonly string[];
  /** @default 'QualysCVRole' */
  readonly roleName?: string;
  /** @default '/' */
  readonly path?: string;
  readonly permissionsBoundaryArn?: string;
  /** Seconds, 3600 to 43200. @default 3600 */
  readonly maxSessionDuration?: number;
  /** @default 'Cross-account role assumed by Qualys (AssetView/CSAM, TotalCloud CSPM)' */
  readonly description?: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Managed policies per role allowed in the account (IAM quota). @default 10 */
  readonly managedPolicyQuota?: number;
}

/** The construct props of one connector role: the connector settings. */
export type QualysConnectorRoleProps = ConnectorSettings;

/** How the AWS provider reaches an account. */
export interface ProviderSettings {
  /** The only account the provider may act in (`allowed_account_ids`). */
  readonly accountId?: string;
  readonly profile?: string;
  readonly assumeRoleArn?: string;
}

export type BackendSettings =
  | {
      readonly type: 'local';
      /** Relative to the project folder. @default 'terraform.<stack name>.tfstate' */ readonly path?: string;
      /**
       * A deploy from CI may keep this state: the runner keeps its files from one run to the next. Without it, a
       * deploy with `CI` set refuses a local backend, whose state a runner loses after the job. @default false
       */
      readonly allowInCi?: boolean;
    }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly encrypt?: boolean;
      /** S3-native state locking. @default true unless dynamodbTable is given */
      readonly useLockfile?: boolean;
      readonly dynamodbTable?: string;
      readonly roleArn?: string;
    };

interface StackSettingsCommon {
  readonly name: string;
  /** Provider region. @default the account type's main region (us-east-1, us-gov-west-1, cn-north-1) */
  readonly region?: string;
  /** @default local state in the project folder */
  readonly backend?: BackendSettings;
  readonly provider?: ProviderSettings;
  /** Adopt a role of the same name made by hand (Terraform `import`). @default false */
  readonly importExistingRole?: boolean;
}

export interface AccountStackSettings extends StackSettingsCommon {
  readonly kind: 'account';
  readonly connector: ConnectorSettings;
}

export interface OperationPreferenceSettings {
  readonly failureToleranceCount?: number;
  readonly failureTolerancePercentage?: number;
  readonly maxConcurrentCount?: number;
  readonly maxConcurrentPercentage?: number;
  readonly concurrencyMode?: 'STRICT_FAILURE_TOLERANCE' | 'SOFT_FAILURE_TOLERANCE';
}

export interface MembersSettings {
  /** The whole organization instead of OUs. */
  readonly organizationRootId?: string;
  readonly organizationalUnitIds?: readonly string[];
  /** @default [] */
  readonly excludedAccountIds?: readonly string[];
  /** The one region of the member stacks. @default the account type's main region */
  readonly region?: string;
  /** @default 'QualysConnectorMemberRoles' */
  readonly stackSetName?: string;
  /** @default false */
  readonly retainStacksOnAccountRemoval?: boolean;
  readonly operationPreferences?: OperationPreferenceSettings;
  /** Terraform timeouts of StackSet operations. @default '60m' each */
  readonly timeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
  /** `prevent_destroy` and `retain_stack` (README, Protection). @default false */
  readonly protectFromDestroy?: boolean;
}

export interface OrganizationStackSettings extends StackSettingsCommon {
  readonly kind: 'organization';
  readonly delegatedAdmin?: ProviderSettings & { readonly accountId: string };
  /** @default { deployWith: 'terraform' } */
  readonly managementRole?: {
    readonly deployWith?: 'terraform' | 'cloudformation-stack';
    /** @default 'QualysConnectorManagementRole' */ readonly stackName?: string;
  };
  readonly members: MembersSettings;
  readonly connector: ConnectorSettings;
}

export type StackSettings = AccountStackSettings | OrganizationStackSettings;
