// npm run modules: writes the plain Terraform modules under modules/ from the TypeScript model; a test fails
// when the committed files are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { allModules } from '../src/render/terraform-modules';
import { moduleFiles } from '../src/render/terraform-modules/module-spec';

export const MODULES_DIR = join(__dirname, '..', 'modules');

/** Every generated file below modules/, by relative path. */
export function renderModules(): Record<string, string> {
  return Object.assign({}, ...allModules().map(moduleFiles));
}

if (require.main === module) {
  const files = renderModules();
  // Module folders that are no longer generated go; the folder's own README stays.
  for (const entry of readdirSync(MODULES_DIR, { withFileTypes: true })) {
    if (entry.isDirectory()) rmSync(join(MODULES_DIR, entry.name), { recursive: true, force: true });
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(MODULES_DIR, path)), { recursive: true });
    writeFileSync(join(MODULES_DIR, path), text);
  }
  process.stdout.write(`wrote ${Object.keys(files).length} files under modules/\n`);
}
