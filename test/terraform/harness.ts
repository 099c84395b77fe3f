/*
 * Runs the real Terraform binary offline against the offline provider: a temporary CLI config with a
 * filesystem mirror for hashicorp/aws (and nothing else), the provider installed there as a stable tiny
 * wrapper, and every command run in a temporary copy of the directory under test, so no lock file or
 * .terraform made against the stand-in lands in cdktf.out, modules/ or examples/.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { boundProviderVersion, providerSchemas } from './schema';

const PROVIDER_SCRIPT = join(__dirname, 'offline-provider', 'provider.js');

/** Stable content: the lock file hashes it, so it names no path of this machine. */
const WRAPPER = '#!/bin/sh\nexec "${QUALYS_OFFLINE_PROVIDER_NODE:-node}" "$QUALYS_OFFLINE_PROVIDER_SCRIPT" "$@"\n';

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function requireTerraform(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('terraform', ['version', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch {
    throw new Error('terraform is not on the PATH. These tests need Terraform 1.11 or later: install it as described at https://developer.hashicorp.com/terraform/install');
  }
}

/** Resource and data source types a Terraform JSON configuration uses. */
export function typesUsed(configs: Iterable<Record<string, unknown>>): { resources: Set<string>; dataSources: Set<string> } {
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

/** An offline Terraform environment serving the schema of the given types. */
export class OfflineTerraform {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly providerVersion = boundProviderVersion();

  constructor(resourceTypes: Iterable<string>, dataSourceTypes: Iterable<string>) {
    requireTerraform();
    this.root = mkdtempSync(join(tmpdir(), 'qualys-offline-tf-'));
    const schemaFile = join(this.root, 'schema.json');
    writeFileSync(schemaFile, JSON.stringify(providerSchemas(resourceTypes, dataSourceTypes)));

    const mirror = join(this.root, 'mirror');
    const pluginDir = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws', this.providerVersion, platform());
    mkdirSync(pluginDir, { recursive: true });
    const wrapper = join(pluginDir, `terraform-provider-aws_v${this.providerVersion}`);
    writeFileSync(wrapper, WRAPPER);
    chmodSync(wrapper, 0o755);

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
      QUALYS_OFFLINE_PROVIDER_SCHEMA: schemaFile,
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
    const result: SpawnSyncReturns<string> = spawnSync('terraform', [...args, '-no-color'], { cwd: workDir, env: this.env, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
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

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
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
