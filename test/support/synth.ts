import { App } from 'cdktf';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildApp, parseConfig } from '../../src/tools/app';
import { CapabilityName } from '../../src/model/permissions';
import { QualysAccountType } from '../../src/rules/partition';
import { projectScratch } from './scratch';
import { SAMPLE_EXTERNAL_ID } from './configs';

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
          externalId: c.externalId ?? SAMPLE_EXTERNAL_ID,
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
 * The trust policy as AWS receives it. A JSON literal is parsed; a `jsonencode()` expression is evaluated by
 * Terraform itself (`terraform console`) with the stack's variable declarations and the given values.
 */
export function trustPolicyOf(stack: SynthesizedStack, variables: Record<string, string> = {}): IamPolicyJson {
  const [role] = resourcesOfType(stack, 'aws_iam_role');
  const text = String(role.assume_role_policy);
  if (!text.includes('${')) return JSON.parse(text) as IamPolicyJson;
  return JSON.parse(evaluateWithTerraform(stack, text, variables)) as IamPolicyJson;
}

/** The string a `${...}` value evaluates to, as Terraform computes it. */
export function evaluateWithTerraform(
  stack: SynthesizedStack,
  value: string,
  variables: Record<string, string>,
): string {
  const expression = /^\$\{([\s\S]*)\}$/.exec(value)?.[1];
  if (expression === undefined) throw new Error(`not a single Terraform expression: ${value.slice(0, 80)}`);
  const dir = mkdtempSync(join(tmpdir(), 'qualys-console-'));
  try {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ variable: stack.variable ?? {} }));
    writeFileSync(join(dir, 'cli.tfrc'), '');
    const result = spawnSync(
      'terraform',
      ['console', ...Object.entries(variables).flatMap(([k, v]) => ['-var', `${k}=${v}`])],
      {
        cwd: dir,
        input: `nonsensitive(${expression})`,
        encoding: 'utf8',
        env: {
          ...process.env,
          TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'),
          CHECKPOINT_DISABLE: '1',
          TF_IN_AUTOMATION: '1',
        },
      },
    );
    if (result.status !== 0) throw new Error(`terraform console failed: ${result.stderr}`);
    // The console prints a string in HCL's quoted form, which for these values is JSON's.
    return JSON.parse(result.stdout.trim()) as string;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
