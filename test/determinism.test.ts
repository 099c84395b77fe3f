import { readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { join, relative } from 'path';
import { PROJECT_ROOT, synthesizeInto } from './support/app-process';
import { exampleConfigs, sharedOutdir } from './support/examples';
import { projectScratch, sharedSynthesisDir } from './support/scratch';

const root = PROJECT_ROOT;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let work: string;
beforeAll(() => {
  work = projectScratch('determinism');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(exampleConfigs())('$name', ({ name, file }) => {
  test('synthesizes byte-identical files twice, without machine paths or timestamps', () => {
    // The run's shared synthesis and a second one into a folder at the same depth.
    const a = sharedOutdir(sharedSynthesisDir(), name);
    const b = join(work, name);
    synthesizeInto(b, file);
    const filesA = filesUnder(a)
      .map((f) => relative(a, f))
      .sort();
    expect(
      filesUnder(b)
        .map((f) => relative(b, f))
        .sort(),
    ).toEqual(filesA);
    expect(filesA).toContain('manifest.json');
    for (const path of filesA) {
      const text = readFileSync(join(a, path), 'utf8');
      expect(readFileSync(join(b, path), 'utf8')).toBe(text);
      expect(text).not.toContain(work);
      expect(text).not.toContain(root);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });
});
