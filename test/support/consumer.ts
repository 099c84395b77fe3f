import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { PROJECT_ROOT } from './app-process';

/*
 * What a user of the library does: a project as `cdktf init --template=typescript` makes it, with the README's
 * snippet as its main.ts, type-checked and run.
 */

/** The tsconfig.json that cdktf-cli's TypeScript template writes into a new project, as the installed CLI ships it. */
export function cdktfTemplateTsconfig(): { compilerOptions: Record<string, unknown> } & Record<string, unknown> {
  const cli = dirname(require.resolve('cdktf-cli/package.json', { paths: [PROJECT_ROOT] }));
  return JSON.parse(readFileSync(join(cli, 'bundle', 'templates', 'typescript', 'tsconfig.json'), 'utf8'));
}

/** The TypeScript snippet of the README's section on using the constructs in your own app. */
export function readmeLibrarySnippet(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: the construct library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!match) throw new Error('the README has no ts snippet in "Quick start: the construct library"');
  return match[1];
}

/**
 * Writes the template's tsconfig.json and `main.ts` into `project`, compiles with the project's TypeScript
 * (the template's settings: emits main.js next to main.ts) and runs it with its output in `project/out`.
 */
export function compileAndRun(project: string, main: string): { tsc: string; status: number | null; stderr: string } {
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(cdktfTemplateTsconfig(), null, 2));
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
