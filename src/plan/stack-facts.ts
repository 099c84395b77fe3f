import { InputProblem } from '../rules/errors';
import { BackendSettings, ProviderSettings } from './settings';

/*
 * What every stack needs besides its roles, decided once in the plan so that the constructs, the deployer
 * policy and the review take it from there: how the AWS provider reaches the account, and where Terraform
 * keeps the state (with its lock).
 */

/**
 * The oldest Terraform every stack and module works with. The features used: `import` blocks (1.5, with
 * importExistingRole), the S3 backend's `assume_role` block (1.6, with backend.roleArn) and its lock file
 * `use_lockfile` (experimental in 1.10, generally available in 1.11; on by default for S3 state). One floor
 * for every stack, so switching a stack's backend or adopting a role never raises it.
 */
export const MINIMUM_TERRAFORM_VERSION = '1.11.0';

/** An AWS provider configuration: the region, and the account it is held to and how it gets there. */
export interface ProviderAccess {
  readonly region: string;
  /** The only account the provider may act in (`allowed_account_ids`). */
  readonly accountId?: string;
  readonly profile?: string;
  readonly assumeRoleArn?: string;
  /** An alias, for a provider beside the default one. */
  readonly alias?: string;
}

/** Where Terraform keeps the state. */
export type BackendPlan =
  | {
      readonly type: 'local';
      /** Relative to the project folder. */
      readonly path: string;
      /** A deploy from CI may keep the state here (the runner keeps its files). */
      readonly allowInCi: boolean;
    }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly encrypt?: boolean;
      /** S3-native locking (Terraform 1.10+), on unless a DynamoDB lock table is given. */
      readonly useLockfile: boolean;
      readonly dynamodbTable?: string;
      readonly roleArn?: string;
    };

export interface StackFacts {
  readonly name: string;
  readonly provider: ProviderAccess;
  readonly backend: BackendPlan;
  /** Adopt a role of the same name made by hand (an `import` block). */
  readonly importExistingRole: boolean;
}

/** The default provider of a stack, in `region` unless the stack names one. */
export function providerAccess(region: string, provider: ProviderSettings | undefined): ProviderAccess {
  return {
    region,
    ...(provider?.accountId !== undefined ? { accountId: provider.accountId } : {}),
    ...(provider?.profile !== undefined ? { profile: provider.profile } : {}),
    ...(provider?.assumeRoleArn !== undefined ? { assumeRoleArn: provider.assumeRoleArn } : {}),
  };
}

export function backendPlan(stackName: string, backend: BackendSettings | undefined): BackendPlan {
  if (backend?.type === 's3') {
    const { useLockfile, ...rest } = backend;
    return { ...rest, useLockfile: useLockfile ?? backend.dynamodbTable === undefined };
  }
  return {
    type: 'local',
    path: backend?.type === 'local' && backend.path !== undefined ? backend.path : `terraform.${stackName}.tfstate`,
    allowInCi: backend?.type === 'local' && backend.allowInCi === true,
  };
}

/** Whether the environment is a CI job (`CI` set, as GitHub Actions, GitLab CI and most others set it). */
export function runsInCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * A deploy from CI must keep its state where the next run finds it: every local backend a configuration does not
 * allow there is a problem, naming the stack, the setting and the fix.
 */
export function ciStateProblems(
  stacks: readonly { readonly name: string; readonly backend: BackendPlan }[],
  env: NodeJS.ProcessEnv,
): InputProblem[] {
  if (!runsInCi(env)) return [];
  return stacks.flatMap((stack, i) =>
    stack.backend.type === 'local' && !stack.backend.allowInCi
      ? [
          {
            field: `stacks[${i}].backend`,
            value: JSON.stringify({ type: 'local', path: stack.backend.path }),
            rule: `keeps the state of stack "${stack.name}" in a file on the CI runner (CI=${JSON.stringify(env.CI)}), which is gone after the job: the next deploy would find no state, create every role again and fail with "EntityAlreadyExists". Keep the state in S3 with locking ({"type": "s3", "bucket": "...", "key": "...", "region": "..."}), or set "allowInCi": true when this runner keeps its files from one run to the next`,
          },
        ]
      : [],
  );
}
