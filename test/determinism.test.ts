import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

const root = join(__dirname, '..');
const examples = join(root, 'examples');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs the app as `cdktf synth` does (the command in cdktf.json) into `outdir`. */
function synthInto(outdir: string, configFile?: string): void {
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'main.ts'], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, QUALYS_CONNECTOR_CONFIG: configFile ?? '' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`synthesis failed: ${run.stderr}`);
}

const configs = [
  ['the default configuration', undefined],
  ...readdirSync(examples)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [`examples/${name}`, join(examples, name)]),
] as [string, string | undefined][];

describe.each(configs)('%s', (_name, configFile) => {
  test('synthesizes byte-identical files twice, without machine paths or timestamps', () => {
    const work = mkdtempSync(join(tmpdir(), 'qualys-determinism-'));
    try {
      const [a, b] = [join(work, 'first'), join(work, 'second')];
      synthInto(a, configFile);
      synthInto(b, configFile);
      const filesA = filesUnder(a).map((f) => relative(a, f)).sort();
      expect(filesUnder(b).map((f) => relative(b, f)).sort()).toEqual(filesA);
      expect(filesA).toContain('manifest.json');
      for (const file of filesA) {
        const text = readFileSync(join(a, file), 'utf8');
        expect(readFileSync(join(b, file), 'utf8')).toBe(text);
        expect(text).not.toContain(work);
        expect(text).not.toContain(root);
        expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
