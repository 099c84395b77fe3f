/*
 * An emulated AWS for the tests: moto_server (from the PATH) on a free loopback port, with AWS managed policies
 * loaded and the named patches of test/emulated/moto applied, stopped by its process ID at the end. Accounts are
 * moto's: any 12 digits, chosen per scenario; the SDK reaches one with moto's account header, Terraform with the
 * access key of a user made in it.
 */
import { ChildProcess, spawn } from 'child_process';
import { accessSync, constants, readdirSync } from 'fs';
import { delimiter, join } from 'path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  EnableAWSServiceAccessCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import { deadline } from '../support/deadline';

const PATCH_FOLDER = join(__dirname, 'moto');

/** The patches of test/emulated/moto, by module name. */
export function motoPatchNames(): string[] {
  return readdirSync(join(PATCH_FOLDER, 'qualys_moto_patches'))
    .filter((f) => f.endsWith('.py') && !f.startsWith('_'))
    .map((f) => f.replace(/\.py$/, ''))
    .sort();
}

/** moto_server on the PATH, or an error saying how to install it. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  throw new Error(
    "moto_server is not on the PATH. The emulated-AWS tests start it themselves: install it with pip install 'moto[server]' (moto 5.2 or later) and run the tests again.",
  );
}

export type MotoPatches = 'all' | 'none' | readonly string[];

/** Region of a partition the SDK clients sign for. */
export const PARTITION_REGION = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' } as const;
export type Partition = keyof typeof PARTITION_REGION;

interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}
type ClientClass<T> = new (config: ClientConfig) => T;

/** An emulated organization: its management account, root, OUs by name and member accounts by name. */
export interface EmulatedOrganization {
  readonly managementAccountId: string;
  readonly partition: Partition;
  readonly rootId: string;
  readonly ous: Readonly<Record<string, string>>;
  readonly accounts: Readonly<Record<string, string>>;
}

/** Where each OU goes (`parent` an OU name, or the root when absent) and which accounts it holds. */
export interface OrganizationLayout {
  readonly ous: readonly { readonly name: string; readonly parent?: string }[];
  /** Account name to its OU's name (`root` for the root). */
  readonly accounts: Readonly<Record<string, string>>;
  /** Accounts (by name) registered as delegated administrators for StackSets. */
  readonly delegatedAdministrators?: readonly string[];
}

export class EmulatedAws {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    readonly patches: readonly string[],
  ) {}

  /** Starts moto_server with the patches given (all by default) and waits until it listens. */
  static async start(patches: MotoPatches = 'all'): Promise<EmulatedAws> {
    const command = findMotoServer();
    const wanted = patches === 'all' ? motoPatchNames() : patches === 'none' ? [] : [...patches];
    const child = spawn(command, ['-H', '127.0.0.1', '-p', '0'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONPATH: [PATCH_FOLDER, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
        PYTHONDONTWRITEBYTECODE: '1',
        QUALYS_MOTO_PATCHES: wanted.length === 0 ? 'none' : wanted.join(','),
        MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
        AWS_ACCESS_KEY_ID: 'emulated',
        AWS_SECRET_ACCESS_KEY: 'emulated',
      },
    });
    let output = '';
    const listening = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20000);
        const address = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        if (address) resolve(address);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`moto_server exited with ${code} before listening: ${output}`)));
    });
    const timer = deadline(60, 'moto_server to report the address it listens on');
    try {
      const endpoint = await Promise.race([listening, timer.promise]);
      const aws = new EmulatedAws(child, endpoint, wanted);
      // Keep draining both pipes (moto logs every request): a full pipe would stop the server.
      const keep = (chunk: Buffer) => (aws.output = (aws.output + chunk.toString()).slice(-20000));
      child.stdout?.removeAllListeners('data').on('data', keep);
      child.stderr?.removeAllListeners('data').on('data', keep);
      child.removeAllListeners('exit');
      stopOnExit.add(child);
      return aws;
    } catch (error) {
      killGroup(child, 'SIGKILL');
      throw error;
    } finally {
      timer.cancel();
    }
  }

  /** The last of what moto_server printed, for a failure's message. */
  get log(): string {
    return this.output;
  }

  /** Stops moto_server by its process ID (its process group), waiting until it has exited. */
  async stop(): Promise<void> {
    stopOnExit.delete(this.child);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    killGroup(this.child, 'SIGTERM');
    const timer = deadline(15, 'moto_server to exit after SIGTERM');
    try {
      await Promise.race([exited, timer.promise]);
    } catch {
      killGroup(this.child, 'SIGKILL');
      await exited;
    } finally {
      timer.cancel();
    }
  }

  /** An SDK client acting in `account` (moto's account header), signing for the partition's main region. */
  client<T extends { middlewareStack: IAMClient['middlewareStack'] }>(
    Client: ClientClass<T>,
    account: string,
    partition: Partition = 'aws',
  ): T {
    const client = new Client({
      endpoint: this.endpoint,
      region: PARTITION_REGION[partition],
      credentials: { accessKeyId: 'emulated', secretAccessKey: 'emulated' },
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-moto-account-id'] = account;
        return next(args);
      },
      { step: 'build', name: 'emulatedAccount' },
    );
    return client;
  }

  /** The access key of a new IAM user of `account`: what Terraform signs with to act in that account. */
  async credentialsFor(
    account: string,
    partition: Partition = 'aws',
  ): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const iam = this.client(IAMClient, account, partition);
    const userName = `terraform-${++usersMade}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const accessKeyId = key.AccessKey?.AccessKeyId;
    const secretAccessKey = key.AccessKey?.SecretAccessKey;
    if (!accessKeyId || !secretAccessKey) throw new Error(`moto gave no access key for a user of ${account}`);
    return { accessKeyId, secretAccessKey };
  }

  /**
   * An organization managed by `managementAccountId`, with trusted access for StackSets, the OUs and member
   * accounts of the layout (moto chooses their IDs), and the delegated administrators it names.
   */
  async organization(
    managementAccountId: string,
    layout: OrganizationLayout,
    partition: Partition = 'aws',
  ): Promise<EmulatedOrganization> {
    const org = this.client(OrganizationsClient, managementAccountId, partition);
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    await org.send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'member.org.stacksets.cloudformation.amazonaws.com' }),
    );
    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
    if (!rootId) throw new Error('moto made an organization without a root');
    const ous: Record<string, string> = {};
    for (const ou of layout.ous) {
      const parent = ou.parent ? ous[ou.parent] : rootId;
      if (!parent) throw new Error(`OU ${ou.name}: its parent ${ou.parent} comes later in the layout`);
      const made = await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: ou.name }));
      ous[ou.name] = made.OrganizationalUnit?.Id as string;
    }
    const accounts: Record<string, string> = {};
    for (const [name, ouName] of Object.entries(layout.accounts)) {
      const made = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
      const id = made.CreateAccountStatus?.AccountId as string;
      accounts[name] = id;
      if (ouName !== 'root') {
        const destination = ous[ouName];
        if (!destination) throw new Error(`account ${name}: no OU ${ouName} in the layout`);
        await org.send(
          new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: destination }),
        );
      }
    }
    for (const name of layout.delegatedAdministrators ?? []) {
      await org.send(
        new RegisterDelegatedAdministratorCommand({
          AccountId: accounts[name],
          ServicePrincipal: 'member.org.stacksets.cloudformation.amazonaws.com',
        }),
      );
    }
    return { managementAccountId, partition, rootId, ous, accounts };
  }
}

/** Users made for Terraform so far: each gets a name of its own. */
let usersMade = 0;

/** moto_server processes still running, stopped when the test process exits however it ends. */
const stopOnExit = new Set<ChildProcess>();
process.once('exit', () => stopOnExit.forEach((child) => killGroup(child, 'SIGKILL')));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
