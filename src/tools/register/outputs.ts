import { CapabilityName, capabilityProblems } from '../../model/permissions';
import { ConfigurationError, InputProblem, showValue } from '../../rules/errors';
import { accountIdRule, breaks, externalIdRule, roleArnRule } from '../../rules/value-rules';

/*
 * The accounts to register, read from the outputs of our stacks or modules: `terraform output -json` (each
 * output as `{ value, type, sensitive }`) or a cdktf outputs file (`cdktf output --outputs-file ...
 * --outputs-file-include-sensitive-outputs`: `{ <stack>: { <output>: value } }`). An account stack (or a root
 * module around qualys-connector-role) gives `role_arn`, `external_id` and `trusted_principal`; an organization
 * stack `management_role_arn` and `member_role_arns` instead of `role_arn`.
 */

/** One AWS account's role, to be registered as a Qualys AWS connector. */
export interface RegistrationTarget {
  readonly accountId: string;
  readonly roleArn: string;
  readonly externalId: string;
  /** The account ID of the principal the role trusts: the Qualys account that must assume it. */
  readonly trustedAccountId: string;
  /** Where it came from: `role_arn`, `management_role_arn` or `member_role_arns["<account>"]`. */
  readonly from: string;
}

export interface OutputsReading {
  readonly kind: 'account' | 'organization';
  readonly targets: readonly RegistrationTarget[];
  /** The `capabilities` output, when the outputs have it: the capabilities the roles were deployed with. */
  readonly capabilities?: readonly CapabilityName[];
}

type Outputs = Record<string, unknown>;

/** Plain output values: unwraps `terraform output -json`, or picks the stack of a cdktf outputs file. */
function outputValues(data: unknown, stack: string | undefined, source: string): Outputs {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data)) {
    throw problem(source, showValue(data), 'must be the JSON object `terraform output -json` prints');
  }
  const entries = Object.entries(data);
  if (entries.length > 0 && entries.every(([, v]) => isObject(v) && 'value' in v)) {
    return Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value]));
  }
  const stacks = entries.filter(([, v]) => isObject(v) && ('role_arn' in v || 'management_role_arn' in v));
  if (stacks.length > 0 && stacks.length === entries.length) {
    const chosen =
      stack === undefined ? (stacks.length === 1 ? stacks[0] : undefined) : stacks.find(([k]) => k === stack);
    if (!chosen) {
      throw problem(
        '--stack',
        stack === undefined ? '(missing)' : JSON.stringify(stack),
        `must name one stack of the outputs file: ${stacks.map(([k]) => k).join(', ')}`,
      );
    }
    return chosen[1] as Outputs;
  }
  throw problem(
    source,
    '(no role outputs)',
    'must hold the outputs of a Qualys connector stack or module: role_arn (or management_role_arn and member_role_arns), external_id and trusted_principal',
  );
}

function problem(field: string, value: string, rule: string): ConfigurationError {
  return new ConfigurationError([{ field, value, rule }], 'Cannot register from these outputs');
}

/** The account ID of a principal ARN (`arn:<partition>:iam::<account>:root`) or of a bare account ID. */
function trustedAccountOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (breaks(accountIdRule, value) === undefined) return value;
  const m = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):root$/.exec(value);
  return m?.[2];
}

function roleTarget(
  from: string,
  roleArn: unknown,
  common: { externalId: string; trustedAccountId: string },
  problems: InputProblem[],
): RegistrationTarget | undefined {
  const broken = breaks(roleArnRule, roleArn);
  if (broken !== undefined) {
    problems.push({ field: `output ${from}`, value: showValue(roleArn), rule: broken });
    return undefined;
  }
  const accountId = (roleArn as string).split(':')[4];
  return { accountId, roleArn: roleArn as string, from, ...common };
}

/** The targets of one set of outputs; every problem at once. The external ID is never shown in a problem. */
export function readOutputs(
  data: unknown,
  options: { stack?: string; organizationMembers: boolean; source: string },
): OutputsReading {
  const outputs = outputValues(data, options.stack, options.source);
  const problems: InputProblem[] = [];
  const externalId = outputs.external_id;
  if (externalId === undefined || externalId === null) {
    problems.push({
      field: 'output external_id',
      value: '(missing)',
      rule: 'must be an output of the root module (sensitive = true): the external ID the role requires',
    });
  } else if (breaks(externalIdRule, externalId) !== undefined) {
    problems.push({ field: 'output external_id', value: '(hidden)', rule: externalIdRule.message });
  }
  const trustedAccountId = trustedAccountOf(outputs.trusted_principal);
  if (trustedAccountId === undefined) {
    problems.push({
      field: 'output trusted_principal',
      value: showValue(outputs.trusted_principal ?? '(missing)'),
      rule: 'must be the principal the role trusts: arn:<partition>:iam::<12 digits>:root',
    });
  }
  const organization = outputs.role_arn === undefined && outputs.management_role_arn !== undefined;
  if (organization && !options.organizationMembers) {
    problems.push({
      field: 'outputs',
      value: 'management_role_arn, member_role_arns',
      rule: "are an organization's: registering its accounts one by one as account connectors is opt-in (--organization-members); Qualys documents no API for organization connectors",
    });
  }
  const capabilities = capabilitiesOutput(outputs.capabilities, problems);
  if (problems.length > 0) throw new ConfigurationError(problems, 'Cannot register from these outputs');
  const common = { externalId: externalId as string, trustedAccountId: trustedAccountId as string };
  const targets = organization
    ? organizationTargets(outputs, common, problems)
    : [roleTarget('role_arn', outputs.role_arn, common, problems)];
  if (problems.length > 0) throw new ConfigurationError(problems, 'Cannot register from these outputs');
  return {
    kind: organization ? 'organization' : 'account',
    targets: targets as RegistrationTarget[],
    ...(capabilities === undefined ? {} : { capabilities }),
  };
}

/** The `capabilities` output: a list of capability names, or absent (older stacks and modules have none). */
function capabilitiesOutput(value: unknown, problems: InputProblem[]): CapabilityName[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
    problems.push({
      field: 'output capabilities',
      value: showValue(value),
      rule: "must be the list of the role's capabilities, as the stacks and modules output it",
    });
    return undefined;
  }
  const found = capabilityProblems(value as string[]);
  for (const p of found)
    problems.push({ field: 'output capabilities', value: JSON.stringify(p.capability), rule: p.rule });
  return found.length === 0 ? (value as CapabilityName[]) : undefined;
}

function organizationTargets(
  outputs: Outputs,
  common: { externalId: string; trustedAccountId: string },
  problems: InputProblem[],
): (RegistrationTarget | undefined)[] {
  const members = outputs.member_role_arns;
  if (typeof members !== 'object' || members === null || Array.isArray(members)) {
    problems.push({
      field: 'output member_role_arns',
      value: showValue(members ?? '(missing)'),
      rule: 'must map each member account ID to its role ARN',
    });
    return [];
  }
  const targets = [roleTarget('management_role_arn', outputs.management_role_arn, common, problems)];
  for (const [account, arn] of Object.entries(members).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = roleTarget(`member_role_arns["${account}"]`, arn, common, problems);
    if (target && target.accountId !== account) {
      problems.push({
        field: `output member_role_arns["${account}"]`,
        value: showValue(arn),
        rule: 'must be a role in the account it is listed under',
      });
    }
    targets.push(target);
  }
  const seen = new Set<string>();
  return targets.filter((t) => t === undefined || (!seen.has(t.accountId) && seen.add(t.accountId)));
}
