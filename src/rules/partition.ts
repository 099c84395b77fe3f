/** The AWS partitions a Qualys connector can live in. */
export type AwsPartition = 'aws' | 'aws-us-gov' | 'aws-cn';

/** Qualys subscription ("account type") as chosen in the Qualys connector wizard. */
export type QualysAccountType = 'global' | 'govcloud' | 'china';

export const QUALYS_ACCOUNT_TYPES = ['global', 'govcloud', 'china'] as const satisfies readonly QualysAccountType[];

export interface QualysAccountTypeFacts {
  readonly partition: AwsPartition;
  /**
   * The AWS account Qualys assumes the role from. Only published for the commercial partition; GovCloud
   * subscriptions get theirs from the Qualys base-account API and China has no Qualys account at all.
   */
  readonly defaultTrustedAccountId?: string;
  /** Region used for the provider (and later the member StackSet) when none is given. */
  readonly defaultRegion: string;
  /** Qualys offers organization connectors for Global and US GovCloud only. */
  readonly organizationConnector: boolean;
}

export const QUALYS_ACCOUNT_TYPE_FACTS: Readonly<Record<QualysAccountType, QualysAccountTypeFacts>> = {
  global: {
    partition: 'aws',
    defaultTrustedAccountId: '805950163170',
    defaultRegion: 'us-east-1',
    organizationConnector: true,
  },
  govcloud: { partition: 'aws-us-gov', defaultRegion: 'us-gov-west-1', organizationConnector: true },
  china: { partition: 'aws-cn', defaultRegion: 'cn-north-1', organizationConnector: false },
};

/** The account type when none is given. */
export const DEFAULT_QUALYS_ACCOUNT_TYPE: QualysAccountType = 'global';

/** The account type a setting names, or the default. */
export function accountTypeOf(setting: string | undefined): QualysAccountType {
  return (setting ?? DEFAULT_QUALYS_ACCOUNT_TYPE) as QualysAccountType;
}

export function partitionOf(accountType: QualysAccountType): AwsPartition {
  return QUALYS_ACCOUNT_TYPE_FACTS[accountType].partition;
}

/**
 * `arn:<partition>:iam::<account>:role<path><name>`. The arguments may be expressions of the language the ARN
 * is written in (`${local.partition}`, `${AWS::Partition}`), so they are typed as text.
 */
export function roleArn(partition: string, accountId: string, path: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role${path}${roleName}`;
}

/** `arn:<partition>:iam::<account>:root`, the principal of a whole account (arguments as for `roleArn`). */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

export function awsManagedPolicyArn(partition: AwsPartition, policyName: string): string {
  return `arn:${partition}:iam::aws:policy/${policyName}`;
}

export interface RegionCheck {
  readonly known: boolean;
  readonly partition: string;
}

/**
 * Classifies a region with the AWS SDK's partition data rather than a hand-kept list. Regions the SDK knows
 * carry a description; an unknown name is only matched by the partition's region pattern.
 */
export function describeRegion(region: string): RegionCheck {
  // Loaded when a region is given: the SDK's client core is a sixth of a default synthesis, which names none.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { partition } = require('@aws-sdk/util-endpoints') as typeof import('@aws-sdk/util-endpoints');
  const info = partition(region) as { name: string; description?: string };
  return { known: typeof info.description === 'string', partition: info.name };
}
