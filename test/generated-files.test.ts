import { readFileSync } from 'fs';
import { renderModules } from '../scripts/write-modules';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from '../scripts/write-config-schema';
import { README_PATH, renderGeneratedSections, spliceSections } from '../scripts/write-docs';
import { parseConfig } from '../src/tools/app';
import { readdirSync } from 'fs';
import { join } from 'path';

test('the published JSON Schema matches the configuration schema (npm run schema)', () => {
  expect(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')).toBe(renderConfigSchema());
});

test("the README's generated permission sections are current (npm run docs)", async () => {
  const readme = readFileSync(README_PATH, 'utf8');
  expect(spliceSections(readme, await renderGeneratedSections())).toBe(readme);
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
