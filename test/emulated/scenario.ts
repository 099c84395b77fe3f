/*
 * A scenario: several Terraform configurations (stacks the app synthesized, examples/terraform roots) applied as
 * modules of one root, so one init, one apply and one plan serve them all and the provider's waits overlap. Each
 * part acts in its own emulated account: a provider block that names no role to assume and no profile gets the
 * access key of a user of that account (an override file beside it); one with a profile finds it, under the part's
 * own name for it, in the scenario's shared credentials file. A part is otherwise as it was made, but for its backend
 * (the root keeps local state), its import blocks (moved to the root, the only place Terraform allows them) and the
 * placeholder IDs a scenario replaces with the emulated ones.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROJECT_ROOT } from '../support/app-process';
import { EmulatedAws, Partition } from './emulator';
import { REAL_PROVIDER_VERSION, RealWorkspace } from './real-terraform';

interface ProviderBlock {
  alias?: string;
  profile?: string;
  assume_role?: unknown[];
  allowed_account_ids?: string[];
}

export interface PartOptions {
  /** The account the part acts in where its provider names none. */
  readonly account: string;
  readonly partition?: Partition;
  /** Values of the part's variables. */
  readonly variables?: Readonly<Record<string, string>>;
  /** Text replaced in the part's files (placeholder IDs of an example for the emulated organization's). */
  readonly substitutions?: Readonly<Record<string, string>>;
}

interface Part extends PartOptions {
  readonly name: string;
  readonly dir: string;
  outputs: readonly string[];
  /** The part's import blocks, moved to the root where Terraform allows them. */
  imports: readonly { to: string; id: string }[];
  readonly providers: readonly ProviderBlock[];
}

const PART_NAME = /^[a-z][a-z0-9_]*$/;

export class Scenario {
  readonly root: string;
  private readonly parts: Part[] = [];
  private workspace?: RealWorkspace;

  constructor(private readonly aws: EmulatedAws) {
    this.root = mkdtempSync(join(tmpdir(), 'qualys-emulated-'));
    cpSync(join(PROJECT_ROOT, 'modules'), join(this.root, 'modules'), { recursive: true });
  }

  /** A stack the app synthesized (`stackDir` holds its cdk.tf.json), its backend left out. */
  addStack(name: string, stackDir: string, options: PartOptions): this {
    return this.addStackText(name, readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'), options);
  }

  /** A synthesized stack given as its cdk.tf.json text (e.g. a release fixture), its backend left out. */
  addStackText(name: string, text: string, options: PartOptions): this {
    const dir = this.partDir(name);
    const config = withoutBackend(text, options.substitutions);
    const part: Part = { ...options, name, dir, outputs: [], imports: [], providers: config.provider?.aws ?? [] };
    this.writeStack(part, config);
    this.parts.push(part);
    return this;
  }

  /**
   * Puts another synthesis of a part's stack in its place (the next configuration of a scenario step), keeping its
   * credentials: its provider blocks must be the ones it had, but for the role it assumes.
   */
  replaceStack(name: string, stackDir: string, substitutions?: Readonly<Record<string, string>>): void {
    const part = this.parts.find((p) => p.name === name);
    if (!part) throw new Error(`no part ${name} in the scenario`);
    this.writeStack(
      part,
      withoutBackend(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'), substitutions ?? part.substitutions),
    );
    if (this.workspace) this.writeRoot();
  }

  /** A stack's file, its import blocks kept for the root (the only place Terraform allows them). */
  private writeStack(part: Part, config: StackJson): void {
    part.imports = (config.import ?? []).map(({ to, id }) => ({ to: `module.${part.name}.${to}`, id }));
    delete config.import;
    part.outputs = Object.keys(config.output ?? {});
    writeFileSync(join(part.dir, 'cdk.tf.json'), JSON.stringify(config));
  }

  /** The root module: one module block per part, each part's outputs again, and the parts' imports. */
  private writeRoot(): void {
    const modules: Record<string, unknown> = {};
    const outputs: Record<string, unknown> = {};
    for (const part of this.parts) {
      modules[part.name] = { source: `./${relativeToRoot(this.root, part.dir)}`, ...part.variables };
      for (const output of part.outputs)
        outputs[`${part.name}__${output}`] = { value: `\${module.${part.name}.${output}}`, sensitive: true };
    }
    const imports = this.parts.flatMap((p) => p.imports);
    writeFileSync(
      join(this.root, 'main.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: REAL_PROVIDER_VERSION } } },
        module: modules,
        ...(Object.keys(outputs).length > 0 ? { output: outputs } : {}),
        ...(imports.length > 0 ? { import: imports } : {}),
      }),
    );
  }

  /** A root of examples/terraform, at its place in a copy of the tree so that its module sources resolve. */
  async addTerraformExample(name: string, example: string, options: PartOptions): Promise<this> {
    const dir = join(this.root, 'examples', 'terraform', example);
    mkdirSync(dir, { recursive: true });
    const source = join(PROJECT_ROOT, 'examples', 'terraform', example);
    const parsed: { provider?: { aws?: ProviderBlock[] }; output?: Record<string, unknown> } = {};
    for (const file of readdirSync(source).filter((f) => f.endsWith('.tf'))) {
      const text = substitute(readFileSync(join(source, file), 'utf8'), options.substitutions);
      writeFileSync(join(dir, file), text);
      const json = (await parseHcl(file, text)) as typeof parsed;
      parsed.provider = { aws: [...(parsed.provider?.aws ?? []), ...(json.provider?.aws ?? [])] };
      parsed.output = { ...parsed.output, ...json.output };
    }
    this.checkName(name);
    this.parts.push({
      ...options,
      name,
      dir,
      outputs: Object.keys(parsed.output ?? {}),
      imports: [],
      providers: parsed.provider?.aws ?? [],
    });
    return this;
  }

  /** Writes the root, the credential overrides and the profiles, and runs `terraform init`. */
  async init(): Promise<RealWorkspace> {
    const profiles: string[] = [];
    for (const part of this.parts) {
      const overrides: Record<string, unknown>[] = [];
      for (const provider of part.providers) {
        const account = provider.allowed_account_ids?.[0] ?? part.account;
        if (provider.assume_role && provider.assume_role.length > 0) continue;
        const key = await this.aws.credentialsFor(account, part.partition ?? 'aws');
        if (provider.profile) {
          // The part's own name for the profile: two parts may name the same profile for different accounts.
          const profile = `${part.name}.${provider.profile}`;
          profiles.push(
            `[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`,
          );
          overrides.push({ ...(provider.alias ? { alias: provider.alias } : {}), profile });
          continue;
        }
        overrides.push({
          ...(provider.alias ? { alias: provider.alias } : {}),
          access_key: key.accessKeyId,
          secret_key: key.secretAccessKey,
        });
      }
      if (overrides.length > 0)
        writeFileSync(join(part.dir, 'emulated_override.tf.json'), JSON.stringify({ provider: { aws: overrides } }));
    }
    this.writeRoot();
    writeFileSync(join(this.root, '.aws-credentials'), profiles.join('\n'));
    writeFileSync(join(this.root, '.aws-config'), '');
    // Providers that assume a role sign the AssumeRole call with the root's own key (an account of no part).
    const base = await this.aws.credentialsFor('000000000000');
    this.workspace = RealWorkspace.forEmulator(this.root, this.aws.endpoint, base);
    await this.workspace.init();
    return this.workspace;
  }

  private partDir(name: string): string {
    this.checkName(name);
    const dir = join(this.root, 'parts', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private checkName(name: string): void {
    if (!PART_NAME.test(name) || this.parts.some((p) => p.name === name))
      throw new Error(`part name ${name} must be a new Terraform identifier of lower-case letters, digits and _`);
  }
}

interface StackJson {
  import?: { to: string; id: string }[];
  terraform?: Record<string, unknown>;
  output?: Record<string, unknown>;
  provider?: { aws?: ProviderBlock[] };
}

/** A synthesized stack (cdk.tf.json text) without its backend, its placeholders replaced. */
function withoutBackend(text: string, substitutions?: Readonly<Record<string, string>>): StackJson {
  const config = JSON.parse(substitute(text, substitutions)) as StackJson;
  if (config.terraform) delete config.terraform.backend;
  return config;
}

function substitute(text: string, substitutions: Readonly<Record<string, string>> = {}): string {
  let result = text;
  for (const [from, to] of Object.entries(substitutions)) result = result.split(from).join(to);
  return result;
}

function relativeToRoot(root: string, dir: string): string {
  return dir.slice(root.length + 1);
}
