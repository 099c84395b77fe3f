/*
 * Runs the real Terraform binary offline against the offline provider: a temporary CLI config with a
 * filesystem mirror for hashicorp/aws (and nothing else), the provider installed there as a stable tiny
 * wrapper, and every command run in a temporary copy of the directory under test, so no lock file or
 * .terraform made against the stand-in lands in cdktf.out, modules/ or examples/.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Toolchain, boundProviderVersion, providerSchemas } from './schema';

const PROVIDER_SCRIPT = join(__dirname, 'offline-provider', 'provider.js');

/** Stable content: the lock file hashes it, so it names no path of this machine. */
/** The plugin Terraform starts for one provider version: the stand-in, serving that version's schema. */
const wrapper = (schemaFile: string) =>
  `#!/bin/sh\nQUALYS_OFFLINE_PROVIDER_SCHEMA='${schemaFile}' exec "\${QUALYS_OFFLINE_PROVIDER_NODE:-node}" "$QUALYS_OFFLINE_PROVIDER_SCRIPT" "$@"\n`;

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function requireTerraform(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('terraform', ['version', '-json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
  } catch {
    throw new Error(
      'terraform is not on the PATH. These tests need Terraform 1.11 or later: install it as described at https://developer.hashicorp.com/terraform/install',
    );
  }
}

/** Every resource type the app's stacks and the modules make: what an offline provider for them serves. */
export const PROJECT_RESOURCE_TYPES: readonly string[] = [
  'aws_cloudformation_stack',
  'aws_cloudformation_stack_set',
  'aws_cloudformation_stack_set_instance',
  'aws_iam_policy',
  'aws_iam_role',
  'aws_iam_role_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
];

/** Resource and data source types a Terraform JSON configuration uses. */
export function typesUsed(configs: Iterable<Record<string, unknown>>): {
  resources: Set<string>;
  dataSources: Set<string>;
} {
  const resources = new Set<string>();
  const dataSources = new Set<string>();
  for (const config of configs) {
    for (const type of Object.keys((config.resource as object) ?? {})) resources.add(type);
    for (const type of Object.keys((config.data as object) ?? {})) dataSources.add(type);
  }
  return { resources, dataSources };
}

function platform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386' }[process.arch as string];
  if (!arch) throw new Error(`no Terraform platform name for ${process.arch}`);
  return `${process.platform}_${arch}`;
}

/**
 * An offline Terraform environment serving the schema of the given types, as the AWS provider version of each
 * toolchain's bindings (CDK for Terraform's 6.25.0 by default; CDK Terrain's too when asked for): a
 * configuration gets the version it requires.
 */
export class OfflineTerraform {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** The provider version of the first toolchain. */
  readonly providerVersion: string;
  readonly providerVersions: Readonly<Partial<Record<Toolchain, string>>>;

  constructor(
    resourceTypes: Iterable<string>,
    dataSourceTypes: Iterable<string>,
    toolchains: readonly Toolchain[] = ['cdktf'],
  ) {
    requireTerraform();
    this.root = mkdtempSync(join(tmpdir(), 'qualys-offline-tf-'));
    const mirror = join(this.root, 'mirror');
    const resources = [...resourceTypes];
    const dataSources = [...dataSourceTypes];
    const versions: Partial<Record<Toolchain, string>> = {};
    for (const toolchain of toolchains) {
      const version = boundProviderVersion(toolchain);
      versions[toolchain] = version;
      const schemaFile = join(this.root, `schema-${version}.json`);
      writeFileSync(schemaFile, JSON.stringify(providerSchemas(resources, dataSources, toolchain)));
      const pluginDir = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws', version, platform());
      mkdirSync(pluginDir, { recursive: true });
      const plugin = join(pluginDir, `terraform-provider-aws_v${version}`);
      writeFileSync(plugin, wrapper(schemaFile));
      chmodSync(plugin, 0o755);
    }
    this.providerVersions = versions;
    this.providerVersion = versions[toolchains[0]] as string;

    const cliConfig = join(this.root, 'terraform.rc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
    this.env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_DISABLE_PLUGIN_TLS: '1',
      TF_PLUGIN_CACHE_DIR: '',
      TF_LOG: '',
      QUALYS_OFFLINE_PROVIDER_NODE: process.execPath,
      QUALYS_OFFLINE_PROVIDER_SCRIPT: PROVIDER_SCRIPT,
    };
  }

  /** A temporary copy of `dir` (its files, without .terraform or lock files) to run Terraform in. */
  copyOf(dir: string, extraFiles: Record<string, string> = {}): string {
    const work = mkdtempSync(join(this.root, 'work-'));
    cpSync(dir, work, {
      recursive: true,
      filter: (source) => !/(^|\/)(\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate.*)$/.test(source),
    });
    for (const [name, text] of Object.entries(extraFiles)) {
      mkdirSync(join(work, name, '..'), { recursive: true });
      writeFileSync(join(work, name), text);
    }
    return work;
  }

  run(workDir: string, args: string[]): TerraformResult {
    const result: SpawnSyncReturns<string> = spawnSync('terraform', [...args, '-no-color'], {
      cwd: workDir,
      env: this.env,
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * A temporary copy of several folders of the project, keeping their relative places, so that module sources
   * such as `../qualys-permissions-cspm` resolve; returns the copy's root.
   */
  copyTree(root: string, folders: readonly string[]): string {
    const work = mkdtempSync(join(this.root, 'tree-'));
    for (const folder of folders) {
      cpSync(join(root, folder), join(work, folder), {
        recursive: true,
        filter: (source) => !/(^|\/)(\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate.*)$/.test(source),
      });
    }
    return work;
  }

  /** `terraform init -backend=false` then `terraform validate` in a copy of `dir`. */
  validate(dir: string, extraFiles: Record<string, string> = {}): TerraformResult & { init: TerraformResult } {
    const work = this.copyOf(dir, extraFiles);
    const init = this.run(work, ['init', '-backend=false', '-input=false']);
    if (init.status !== 0) return { ...init, init };
    return { ...this.run(work, ['validate']), init };
  }

  /** `terraform init` then `terraform test` with the given test files, in a copy of `dir`. */
  test(dir: string, testFiles: Record<string, string>): TerraformResult & { init: TerraformResult } {
    const work = this.copyOf(dir, testFiles);
    const init = this.run(work, ['init', '-backend=false', '-input=false']);
    if (init.status !== 0) return { ...init, init };
    return { ...this.run(work, ['test']), init };
  }

  /**
   * An initialized copy of a synthesized stack whose backend is replaced by local state in the copy, for
   * plans and applies against the offline provider (`apply` records state; `plan` shows what would change).
   */
  workspace(dir: string, variables: Record<string, string> = {}): OfflineWorkspace {
    const work = this.copyOf(dir);
    withoutBackend(join(work, 'cdk.tf.json'));
    const init = this.run(work, ['init', '-input=false']);
    if (init.status !== 0) throw new Error(`terraform init failed: ${brief(init.stderr)}`);
    return new OfflineWorkspace(this, work, variables);
  }

  /**
   * An initialized workspace in a folder already made for it (e.g. a copy from `copyTree`, so that module
   * sources resolve): plain Terraform with local state, for plans and applies.
   */
  workspaceIn(workDir: string, variables: Record<string, string> = {}): OfflineWorkspace {
    const init = this.run(workDir, ['init', '-input=false']);
    if (init.status !== 0) throw new Error(`terraform init failed: ${brief(init.stderr)}`);
    return new OfflineWorkspace(this, workDir, variables);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Terraform quotes whole JSON lines in its errors; keep a failure readable. */
export function brief(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line))
    .join('\n');
}

/** Drops the backend block of a synthesized stack so its state stays in the working folder. */
function withoutBackend(file: string): void {
  const config = readJson(file) as { terraform?: Record<string, unknown> };
  if (config.terraform) delete config.terraform.backend;
  writeFileSync(file, JSON.stringify(config));
}

/** One resource's planned change, from `terraform show -json` of a saved plan. */
export interface PlannedChange {
  readonly address: string;
  readonly actions: readonly string[];
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly actionReason?: string;
}

export interface SavedPlan {
  readonly changes: readonly PlannedChange[];
  /** Addresses per action list, e.g. `{"delete,create": [...], "update": [...]}`; no-ops left out. */
  readonly byAction: Record<string, string[]>;
  readonly json: Record<string, unknown>;
}

/** A stack copy that Terraform has initialized against the offline provider, with its own local state. */
export class OfflineWorkspace {
  constructor(
    private readonly terraform: OfflineTerraform,
    readonly dir: string,
    private readonly variables: Record<string, string>,
  ) {}

  private vars(): string[] {
    return Object.entries(this.variables).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
  }

  run(args: string[]): TerraformResult {
    return this.terraform.run(this.dir, args);
  }

  /** Replaces the stack's configuration with another synthesis of it (e.g. after a configuration change). */
  reconfigure(synthesizedDir: string): void {
    const file = join(this.dir, 'cdk.tf.json');
    cpSync(join(synthesizedDir, 'cdk.tf.json'), file);
    withoutBackend(file);
  }

  apply(): TerraformResult {
    const result = this.run(['apply', '-auto-approve', '-input=false', ...this.vars()]);
    if (result.status !== 0) throw new Error(`terraform apply failed: ${brief(result.stderr)}`);
    return result;
  }

  /** `terraform plan -out` then `terraform show -json` of that plan. */
  plan(extraArgs: string[] = []): SavedPlan {
    const planned = this.run(['plan', '-input=false', '-out=tfplan', ...this.vars(), ...extraArgs]);
    if (planned.status !== 0) throw new Error(`terraform plan failed: ${brief(planned.stderr)}`);
    const shown = this.run(['show', '-json', 'tfplan']);
    if (shown.status !== 0) throw new Error(`terraform show failed: ${brief(shown.stderr)}`);
    return savedPlan(JSON.parse(shown.stdout));
  }
}

/** A saved plan as `terraform show -json` writes it, with its changes grouped by action. */
export function savedPlan(shown: Record<string, unknown>): SavedPlan {
  const json = shown as {
    resource_changes?: {
      address: string;
      action_reason?: string;
      change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
    }[];
  };
  const changes = (json.resource_changes ?? []).map((c) => ({
    address: c.address,
    actions: c.change.actions,
    before: c.change.before,
    after: c.change.after,
    actionReason: c.action_reason,
  }));
  const byAction: Record<string, string[]> = {};
  for (const change of changes) {
    const key = change.actions.join(',');
    if (key === 'no-op') continue;
    (byAction[key] ??= []).push(change.address);
  }
  for (const list of Object.values(byAction)) list.sort();
  return { changes, byAction, json: shown };
}

/** Every file name below `dir`, for proving that nothing was written there. */
export function listing(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listing(path).map((p) => `${name}/${p}`) : [name];
  });
}

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8'));
}
