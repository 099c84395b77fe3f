import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';

const root = PROJECT_ROOT;
const examples = join(root, 'examples');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
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
      synthesizeInto(a, configFile);
      synthesizeInto(b, configFile);
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
