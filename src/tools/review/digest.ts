// The digest of a synthesis: what a review judged and what a deploy applies, so the two can be compared.
import { createHash } from 'crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';

/** Code-unit order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The key of the configuration file among the files of a digest (its path differs between the judge and the deploy). */
export const CONFIGURATION_ENTRY = 'configuration';

/** What Terraform writes into a stack folder when it runs there: not part of what was synthesized. */
const WRITTEN_BY_TERRAFORM =
  /(^|\/)(\.terraform(\/|$)|\.terraform\.lock\.hcl$|[^/]*\.tfstate(\.backup)?$|\.terraform\.tfstate\.lock\.info$)/;

export interface SynthesisDigest {
  /** `sha256:<hex>` over the sorted `<hash>  <path>` lines of every file. */
  readonly digest: string;
  /** Each file's own `sha256:<hex>`, by its path in the synthesis folder (and `configuration`). */
  readonly files: Readonly<Record<string, string>>;
}

/** A JSON value with its object keys sorted: two writers of the same values give the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A file's hash: JSON by its values (whitespace and key order aside), anything else by its bytes. */
function fileHash(path: string): string {
  const bytes = readFileSync(path);
  let normalized: Buffer | string = bytes;
  if (path.endsWith('.json')) {
    try {
      normalized = canonicalJson(JSON.parse(bytes.toString('utf8')));
    } catch {
      // Not JSON after all: judged, and compared, by its bytes.
    }
  }
  return `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

/** Every file below a folder, as paths relative to it with `/`; a link is refused (it could point anywhere). */
function filesBelow(folder: string, prefix: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort(byText)) {
    const relative = `${prefix}${name}`;
    if (WRITTEN_BY_TERRAFORM.test(relative)) continue;
    const stat = lstatSync(join(folder, name));
    if (stat.isSymbolicLink()) throw new Error(`${relative} is a symbolic link: a synthesis holds only files`);
    if (stat.isDirectory()) found.push(...filesBelow(join(folder, name), `${relative}/`));
    else if (stat.isFile()) found.push(relative);
  }
  return found;
}

/**
 * The digest of a synthesis folder (`cdktf.out`): its manifest and every file of its stack folders, which is
 * everything `cdktf deploy` or `terraform apply` there reads, and the configuration file it was made from when
 * given. A file added anywhere in a stack folder (an override file, say) changes the digest.
 */
export function synthesisDigest(folder: string, configFile?: string): SynthesisDigest {
  const files: Record<string, string> = {};
  const paths = [
    'manifest.json',
    ...(existsSync(join(folder, 'stacks')) ? filesBelow(join(folder, 'stacks'), 'stacks/') : []),
  ];
  for (const path of paths) files[path] = fileHash(join(folder, path));
  if (configFile !== undefined) files[CONFIGURATION_ENTRY] = fileHash(configFile);
  const lines = Object.keys(files)
    .sort(byText)
    .map((path) => `${files[path]}  ${path}\n`)
    .join('');
  return { digest: `sha256:${createHash('sha256').update(lines).digest('hex')}`, files };
}

/** The files whose hashes differ between two digests, each with what happened to it. */
export function digestDifferences(judged: SynthesisDigest['files'], now: SynthesisDigest['files']): string[] {
  const paths = [...new Set([...Object.keys(judged), ...Object.keys(now)])].sort(byText);
  return paths.flatMap((path) => {
    if (!(path in now)) return [`${path}: judged, but not in what is deployed`];
    if (!(path in judged)) return [`${path}: deployed, but not judged`];
    return judged[path] === now[path] ? [] : [`${path}: differs from what was judged`];
  });
}
