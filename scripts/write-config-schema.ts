// Writes the configuration file's JSON Schema from the zod definition (npm run schema); a test keeps it in sync.
import { writeFileSync } from 'fs';
import { join } from 'path';
import { configJsonSchema } from '../src/config/schema';

export const CONFIG_SCHEMA_PATH = join(__dirname, '..', 'schema', 'qualys-connector-config.schema.json');

export function renderConfigSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(CONFIG_SCHEMA_PATH, renderConfigSchema());
  process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH.slice(join(__dirname, '..').length + 1)}\n`);
}
