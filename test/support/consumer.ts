import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { PROJECT_ROOT, Toolchain } from './app-process';

/*
 * What a user of the library does: a project as `cdktf init --template=typescript` makes it, with the README's
 * snippet as its main.ts, type-checked and run.
 */

/** The tsconfig.json that the CLI's TypeScript template writes into a new project, as the installed CLI ships it. */
export function templateTsconfig(
  toolchain: Toolchain = 'cdktf',
): { compilerOptions: Record<string, unknown> } & Record<string, unknown> {
  const cli = dirname(require.resolve(`${toolchain}-cli/package.json`, { paths: [PROJECT_ROOT] }));
  return JSON.parse(readFileSync(join(cli, 'bundle', 'templates', 'typescript', 'tsconfig.json'), 'utf8'));
}

/**
 * The TypeScript program of the README's section on using the constructs in your own app: its first snippet, or
 * for CDK Terrain that snippet with its imports replaced by the section's second snippet (the cdktn imports).
 */
export function readmeLibrarySnippet(toolchain: Toolchain = 'cdktf'): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: the construct library'));
  const snippets = [...section.slice(0, section.indexOf('\n## ', 5)).matchAll(/```ts\n([\s\S]*?)```/g)].map(
    (m) => m[1],
  );
  if (snippets.length !== 2) {
    throw new Error(
      'the README should have two ts snippets in "Quick start: the construct library": the app, the cdktn imports',
    );
  }
  if (toolchain === 'cdktf') return snippets[0];
  const imports = snippets[1].split('\n').filter((line) => line.startsWith('import '));
  return [...imports, ...snippets[0].split('\n').filter((line) => !line.startsWith('import '))].join('\n');
}

/**
 * Writes the template's tsconfig.json and `main.ts` into `project`, compiles with the project's TypeScript
 * (the template's settings: emits main.js next to main.ts) and runs it with its output in `project/out`.
 */
export function compileAndRun(
  project: string,
  main: string,
  toolchain: Toolchain = 'cdktf',
): { tsc: string; status: number | null; stderr: string } {
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(templateTsconfig(toolchain), null, 2));
  writeFileSync(join(project, 'main.ts'), main);
  const tsc = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
    { encoding: 'utf8' },
  );
  const output = tsc.stdout + tsc.stderr;
  if (tsc.status !== 0) return { tsc: output, status: null, stderr: '' };
  const run = spawnSync(process.execPath, [join(project, 'main.js')], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, CDKTF_OUTDIR: join(project, 'out') },
  });
  return { tsc: output, status: run.status, stderr: run.stderr };
}
