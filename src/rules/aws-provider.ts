/*
 * The major versions of the AWS provider (hashicorp/aws) the stacks and the modules support, and every difference
 * between them that they meet. The cdktf renderers, the plain modules, the review's plan reader and the tests take
 * these from here and nowhere else.
 */

/** A major version of hashicorp/aws this project supports. */
export type AwsProviderMajor = 5 | 6;

export interface AwsProviderMajorFacts {
  /** The provider versions the tests run: the first is the one the CDK for Terraform bindings of that major describe. */
  readonly testedVersions: readonly string[];
  /** The construct bindings generated from that major, for `npm install`. */
  readonly bindings: string;
  /**
   * The argument of `aws_cloudformation_stack_set_instance` that names the region of the member stacks. Provider 6
   * renamed 5's `region` to `stack_set_instance_region`; it still reads `region` the old way, deprecated.
   */
  readonly memberRegionArgument: 'region' | 'stack_set_instance_region';
}

export const AWS_PROVIDER_MAJORS: Readonly<Record<AwsProviderMajor, AwsProviderMajorFacts>> = {
  5: { testedVersions: ['5.100.0'], bindings: '@cdktf/provider-aws@20.1.0', memberRegionArgument: 'region' },
  6: {
    testedVersions: ['6.25.0', '6.66.0'],
    bindings: '@cdktf/provider-aws@21.22.1 or @cdktn/provider-aws@^25.7.0',
    memberRegionArgument: 'stack_set_instance_region',
  },
};

export const AWS_PROVIDER_MAJOR_NUMBERS = Object.keys(AWS_PROVIDER_MAJORS).map(Number) as AwsProviderMajor[];

/** The major of the CDK for Terraform bindings when nothing chooses another: the app's default. */
export const DEFAULT_AWS_PROVIDER_MAJOR: AwsProviderMajor = 6;

/** Every provider version the tests run, oldest first. */
export const TESTED_AWS_PROVIDER_VERSIONS: readonly string[] = AWS_PROVIDER_MAJOR_NUMBERS.flatMap(
  (major) => AWS_PROVIDER_MAJORS[major].testedVersions,
);

/** What the plain modules accept: from the oldest tested version to below the major after the newest supported. */
export const MODULE_AWS_PROVIDER_CONSTRAINT = `>= ${TESTED_AWS_PROVIDER_VERSIONS[0]}, < ${Math.max(...AWS_PROVIDER_MAJOR_NUMBERS) + 1}.0.0`;

/**
 * The member-region argument for HCL that cannot know the provider's major (the plain modules): `region` is read
 * as the member region by 5 and, deprecated, by 6 (which warns about it); 7 is announced to give `region` another
 * meaning, which is why the modules stop below 7.
 */
export const MEMBER_REGION_ARGUMENT_OF_EVERY_MAJOR = 'region' satisfies AwsProviderMajorFacts['memberRegionArgument'];

/** The major of a provider version (`5.100.0` -> 5); a version outside the supported majors is an error. */
export function awsProviderMajor(version: string): AwsProviderMajor {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (!AWS_PROVIDER_MAJOR_NUMBERS.includes(major as AwsProviderMajor)) {
    throw new Error(
      `AWS provider ${version} is not supported: the stacks are made for major ${AWS_PROVIDER_MAJOR_NUMBERS.join(' or ')} (bindings ${AWS_PROVIDER_MAJOR_NUMBERS.map((m) => AWS_PROVIDER_MAJORS[m].bindings).join('; ')})`,
    );
  }
  return major as AwsProviderMajor;
}

/**
 * The member region a stack set instance's values name (configuration or plan), whichever argument its major used;
 * `undefined` when neither is set.
 */
export function memberRegionOf(values: Readonly<Record<string, unknown>>): unknown {
  // The newest major first: a plan of 6 also carries the deprecated `region`, computed.
  for (const major of [...AWS_PROVIDER_MAJOR_NUMBERS].reverse()) {
    const value = values[AWS_PROVIDER_MAJORS[major].memberRegionArgument];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}
