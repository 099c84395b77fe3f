import { existsSync, readFileSync } from 'fs';
import { renderModules } from '../scripts/write-modules';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from '../scripts/write-config-schema';
import { renderDocs } from '../scripts/write-docs';
import { parseConfig } from '../src/tools/app';
import { readdirSync } from 'fs';
import { join } from 'path';

test('the published JSON Schema matches the configuration schema (npm run schema)', () => {
  expect(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')).toBe(renderConfigSchema());
});

test('the generated sections of the README and docs, and the example checkov configuration, are current (npm run docs)', async () => {
  for (const [path, text] of Object.entries(await renderDocs())) {
    expect([path, readFileSync(path, 'utf8') === text]).toEqual([path, true]);
  }
});

test('every example configuration is valid and points editors at the schema', () => {
  const dir = join(__dirname, '..', 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(4);
  for (const file of files) {
    const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    expect(data.$schema).toBe('../schema/qualys-connector-config.schema.json');
    expect(() => parseConfig(data, file)).not.toThrow();
  }
});

test('the committed Terraform modules are what npm run modules generates', () => {
  const expected = renderModules();
  const dir = join(__dirname, '..', 'modules');
  const committed = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => readdirSync(join(dir, e.name)).map((f) => `${e.name}/${f}`))
    .sort();
  expect(committed).toEqual(Object.keys(expected).sort());
  for (const [path, text] of Object.entries(expected))
    expect([path, readFileSync(join(dir, path), 'utf8') === text]).toEqual([path, true]);
});

describe('the docs a newcomer reads', () => {
  const root = join(__dirname, '..');
  const docs = [
    'README.md',
    'CHANGELOG.md',
    'modules/README.md',
    ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`),
  ];
  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  const anchor = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/`/g, '')
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');
  const anchorsOf = (text: string) => {
    const found = new Set<string>();
    let fenced = false;
    for (const line of text.split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      else if (!fenced && /^#{1,6} /.test(line)) found.add(anchor(line.replace(/^#+ /, '')));
    }
    return found;
  };

  test('the README stays short: at most 250 lines', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(250);
  });

  test('every relative link of the README and the docs reaches a file, and its anchor a heading there', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [file, hash] = target.split('#');
        const path = file === '' ? join(root, doc) : join(root, doc, '..', file);
        if (!existsSync(path)) broken.push(`${doc}: ${target} (no such file)`);
        else if (hash !== undefined && !anchorsOf(readFileSync(path, 'utf8')).has(hash))
          broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
