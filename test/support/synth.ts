import { App } from 'cdktf';
import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { buildApp, parseConfig } from '../../src/app';
import { CapabilityName } from '../../src/permissions';
import { QualysAccountType } from '../../src/partition';
import { projectScratch } from './scratch';

/** A synthesized stack as Terraform reads it (cdk.tf.json). */
export interface SynthesizedStack {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly provider: { aws: { region: string }[] };
  readonly terraform: Record<string, unknown>;
}

/** Synthesizes a configuration through the app into a temporary folder and returns each stack's JSON. */
export function synthConfig(config: unknown): Record<string, SynthesizedStack> {
  const outdir = projectScratch('synth');
  try {
    const parsed = parseConfig(config);
    buildApp(parsed, new App({ outdir })).synth();
    const stacks: Record<string, SynthesizedStack> = {};
    for (const stack of parsed.stacks) {
      stacks[stack.name] = JSON.parse(readFileSync(join(outdir, 'stacks', stack.name, 'cdk.tf.json'), 'utf8'));
    }
    return stacks;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface ConnectorCase {
  readonly accountType: QualysAccountType;
  readonly capabilities: readonly CapabilityName[];
  readonly externalId?: string | string[] | { variable: string };
  readonly trustedAccountId?: string;
  readonly extra?: Record<string, unknown>;
}

/** Base accounts for the partitions where Qualys publishes none (test values, any 12 digits). */
export const TEST_TRUSTED_ACCOUNT: Record<QualysAccountType, string | undefined> = {
  global: undefined,
  govcloud: '210987654321',
  china: '345678901234',
};

export function synthConnector(c: ConnectorCase): SynthesizedStack {
  const stacks = synthConfig({
    stacks: [
      {
        kind: 'account',
        name: 'test',
        connector: {
          externalId: c.externalId ?? 'EU2-2792719',
          qualysAccountType: c.accountType,
          trustedAccountId: c.trustedAccountId ?? TEST_TRUSTED_ACCOUNT[c.accountType],
          capabilities: c.capabilities,
          ...(c.extra ?? {}),
        },
      },
    ],
  });
  return stacks.test;
}

export function resourcesOfType(stack: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(stack.resource[type] ?? {});
}

/** The identity policy documents the stack writes, parsed from their JSON literals. */
export function customerPolicyDocuments(stack: SynthesizedStack): { name: string; document: IamPolicyJson }[] {
  return resourcesOfType(stack, 'aws_iam_policy').map((p) => {
    if (typeof p.policy !== 'string' || p.policy.includes('${')) {
      throw new Error(`policy ${String(p.name)} is not a JSON literal`);
    }
    return { name: String(p.name), document: JSON.parse(p.policy) as IamPolicyJson };
  });
}

export interface IamStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface IamPolicyJson {
  Version: string;
  Statement: IamStatementJson[];
}

/**
 * The trust policy as AWS receives it. A JSON literal is parsed; an `aws_iam_policy_document` data source is
 * rendered the way Terraform does, with variable references replaced by the given values.
 */
export function trustPolicyOf(stack: SynthesizedStack, variables: Record<string, string> = {}): IamPolicyJson {
  const [role] = resourcesOfType(stack, 'aws_iam_role');
  const text = String(role.assume_role_policy);
  const reference = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(text);
  if (!reference) return JSON.parse(text) as IamPolicyJson;
  const data = stack.data?.aws_iam_policy_document?.[reference[1]] as { statement: Record<string, unknown>[] };
  const substitute = (v: string): string =>
    v.replace(/\$\{var\.([\w-]+)\}/g, (_m, name: string) => {
      if (!(name in variables)) throw new Error(`no value for var.${name}`);
      return variables[name];
    });
  return {
    Version: '2012-10-17',
    Statement: data.statement.map((s) => {
      const principals = (s.principals ?? []) as { type: string; identifiers: string[] }[];
      const conditions = (s.condition ?? []) as { test: string; variable: string; values: string[] }[];
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of conditions) condition[c.test] = { ...(condition[c.test] ?? {}), [c.variable]: c.values.map(substitute) };
      return {
        Sid: s.sid as string,
        Effect: (s.effect as 'Allow' | 'Deny') ?? 'Allow',
        Action: s.actions as string[],
        Principal: Object.fromEntries(principals.map((p) => [p.type, p.identifiers])),
        Condition: condition,
      };
    }),
  };
}
