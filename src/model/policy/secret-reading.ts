/*
 * Actions that read secret values or return credentials. No document this project writes grants one
 * (`secretReadingGrants` is the rule, checked on every capability document), and the review marks any grant
 * that reaches one and holds its gate. One list for both, so the rule and the gate cannot drift apart.
 * The IAM action catalogue rates most of these Read; which Read actions hand out secrets is not in it.
 */

export interface SecretReadingAction {
  readonly action: string;
  readonly why: string;
}

const parameterValues = 'returns parameter values (SecureString values decrypted on request), often secrets';
const temporaryCredentials = 'returns temporary AWS credentials';

export const SECRET_READING_ACTIONS: readonly SecretReadingAction[] = [
  { action: 'secretsmanager:GetSecretValue', why: 'returns the value of a secret' },
  { action: 'secretsmanager:BatchGetSecretValue', why: 'returns the values of several secrets' },
  { action: 'ssm:GetParameter', why: parameterValues },
  { action: 'ssm:GetParameters', why: parameterValues },
  { action: 'ssm:GetParametersByPath', why: parameterValues },
  { action: 'ssm:GetParameterHistory', why: 'returns the current and past values of a parameter, often secrets' },
  {
    action: 'ssm:GetCommandInvocation',
    why: "returns a command's standard output and error, which show whatever the command read, secrets included; no configuration check needs command output",
  },
  {
    action: 'ssm:ListCommandInvocations',
    why: "returns each invocation's output with `Details`, as `ssm:GetCommandInvocation` does; SecurityAudit's `ssm:ListCommands` already lists the commands",
  },
  {
    action: 'ssm:GetMaintenanceWindowTask',
    why: "returns a task's `TaskInvocationParameters` (Run Command parameters, Lambda payload, Step Functions input), which may hold secrets; SecurityAudit's `ssm:DescribeMaintenanceWindowTasks` lists the tasks, their roles and logging",
  },
  {
    action: 'ssm:GetMaintenanceWindowExecutionTask',
    why: 'returns the parameters a maintenance window task ran with, which may hold secrets',
  },
  {
    action: 'ssm:GetMaintenanceWindowExecutionTaskInvocation',
    why: "returns the parameters of one task invocation on one target, which may hold secrets; SecurityAudit's `ssm:DescribeMaintenanceWindowExecutionTaskInvocations` returns them too, but they are not granted a second time",
  },
  { action: 'ssm:GetAccessToken', why: 'returns credentials for just-in-time node access' },
  { action: 'ssm:StartSession', why: 'opens a shell on a managed node' },
  { action: 'kms:Decrypt', why: 'returns decrypted data, such as secrets encrypted with the key' },
  { action: 'kms:GenerateDataKey', why: 'returns a plaintext data key' },
  { action: 'kms:GenerateDataKeyPair', why: 'returns a plaintext private key' },
  { action: 'ec2:GetPasswordData', why: 'returns the encrypted administrator password of a Windows instance' },
  {
    action: 'glue:GetConnection',
    why: 'returns connection properties, passwords included unless the caller asks to hide them',
  },
  {
    action: 'glue:GetConnections',
    why: 'returns connection properties, passwords included unless the caller asks to hide them',
  },
  { action: 'lambda:GetFunction', why: "returns a link to download the function's code, which may embed secrets" },
  { action: 'sts:AssumeRole', why: temporaryCredentials },
  { action: 'sts:AssumeRoleWithSAML', why: temporaryCredentials },
  { action: 'sts:AssumeRoleWithWebIdentity', why: temporaryCredentials },
  { action: 'sts:AssumeRoot', why: 'returns temporary credentials of a member account root' },
  { action: 'sts:GetSessionToken', why: temporaryCredentials },
  { action: 'sts:GetFederationToken', why: temporaryCredentials },
  { action: 'sts:GetServiceBearerToken', why: 'returns a bearer token for a service' },
  { action: 'iam:CreateAccessKey', why: 'returns a new long-term access key' },
  { action: 'iam:CreateLoginProfile', why: 'sets a console password for a user' },
  { action: 'iam:UpdateLoginProfile', why: "changes a user's console password" },
  { action: 'iam:CreateServiceSpecificCredential', why: 'returns a new service password (CodeCommit, Keyspaces)' },
  { action: 'iam:ResetServiceSpecificCredential', why: 'returns a new service password (CodeCommit, Keyspaces)' },
  { action: 'ecr:GetAuthorizationToken', why: 'returns a registry password' },
  { action: 'codeartifact:GetAuthorizationToken', why: 'returns a repository token' },
  { action: 'redshift:GetClusterCredentials', why: 'returns a database password' },
  { action: 'redshift:GetClusterCredentialsWithIAM', why: 'returns a database password' },
  { action: 'redshift-serverless:GetCredentials', why: 'returns a database password' },
  { action: 'rds-db:connect', why: 'lets the caller sign in to a database' },
  { action: 'cognito-identity:GetCredentialsForIdentity', why: temporaryCredentials },
  { action: 'cognito-identity:GetOpenIdToken', why: 'returns a token that AWS STS exchanges for credentials' },
  {
    action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
    why: 'returns a token that AWS STS exchanges for credentials',
  },
  { action: 'ec2-instance-connect:SendSSHPublicKey', why: 'lets the caller sign in to an instance over SSH' },
  { action: 'lightsail:GetInstanceAccessDetails', why: 'returns temporary SSH keys or a password of an instance' },
  { action: 'sagemaker:CreatePresignedDomainUrl', why: 'returns a sign-in URL for a SageMaker domain' },
];

function patternRegex(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** The secret-reading actions an action pattern (`Action` value, wildcards allowed) reaches. */
export function secretReadingMatches(pattern: string): SecretReadingAction[] {
  const regex = patternRegex(pattern);
  return SECRET_READING_ACTIONS.filter((s) => regex.test(s.action));
}

/** The secret-reading actions a `NotAction` list leaves allowed (everything it does not name). */
export function secretReadingOutside(notActions: readonly string[]): SecretReadingAction[] {
  const regexes = notActions.map(patternRegex);
  return SECRET_READING_ACTIONS.filter((s) => !regexes.some((r) => r.test(s.action)));
}

/** The entry of one action of the list (exact name, any case); throws for an action not on it. */
export function secretReading(action: string): SecretReadingAction {
  const found = SECRET_READING_ACTIONS.find((s) => s.action.toLowerCase() === action.toLowerCase());
  if (!found) throw new Error(`${action} is not on the list of secret-reading actions`);
  return found;
}

/** IAM statements as the JSON grammar writes them, enough for the rule below. */
interface StatementLike {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
}

const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];

/** The rule for documents this project writes: every Allow that reaches a secret-reading action, by action. */
export function secretReadingGrants(document: {
  readonly Statement: StatementLike | readonly StatementLike[];
}): SecretReadingAction[] {
  const found = new Map<string, SecretReadingAction>();
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement as StatementLike];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    const reached =
      statement.NotAction !== undefined
        ? secretReadingOutside(list(statement.NotAction))
        : list(statement.Action).flatMap(secretReadingMatches);
    for (const action of reached) found.set(action.action, action);
  }
  return [...found.values()];
}
