import { spawnSync } from 'child_process';
import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from './support/app-process';
import { projectScratch } from './support/scratch';

/** The command the docs give for examples/library-usage.ts, run as written (output redirected). */
test("the docs' command for the library example runs it and synthesizes its stack", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'docs', 'library.md'), 'utf8');
  const command = /```sh\n(npx tsx examples\/library-usage\.ts)\n```/.exec(readme)?.[1];
  expect(command).toBe('npx tsx examples/library-usage.ts');
  const outdir = projectScratch('library-example');
  try {
    const [program, ...args] = (command as string).split(' ');
    const run = spawnSync(program, args, {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDKTF_OUTDIR: outdir },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stack = JSON.parse(readFileSync(join(outdir, 'stacks', 'security-tooling', 'cdk.tf.json'), 'utf8'));
    // The outputs `register` reads, under its names; their values from a real apply are registered in the emulated tier.
    expect(stack.output.role_arn.value).toMatch(/^\$\{aws_iam_role\..+\.arn\}$/);
    expect(stack.output.external_id).toEqual({ value: '${var.qualys_external_id}', sensitive: true });
    expect(stack.output.trusted_principal.value).toBe('arn:aws:iam::805950163170:root');
    expect(stack.output.capabilities.value).toEqual(['asset-view', 'cspm']);
    expect(Object.values(stack.resource.aws_iam_role).map((r) => (r as { name: string }).name)).toEqual([
      'QualysTotalCloud',
    ]);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
