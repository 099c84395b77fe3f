// npm run templates: writes the CloudFormation templates of the configuration (same QUALYS_CONNECTOR_CONFIG
// or --config as the app) into templates/<stack>/, for uploading in the CloudFormation console.
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { configPathFrom, loadConfig, planConfiguration } from '../src/tools/app';
import { exportTemplates } from '../src/render/cloudformation/export';
import { ConfigurationError } from '../src/rules/errors';

export const TEMPLATES_DIR = 'templates';

export function writeTemplates(outdir: string, argv: string[], env: NodeJS.ProcessEnv): string[] {
  // Everything is rendered before anything is written.
  const files = exportTemplates(planConfiguration(loadConfig(configPathFrom(argv, env))));
  rmSync(outdir, { recursive: true, force: true });
  for (const [path, template] of Object.entries(files)) {
    mkdirSync(dirname(join(outdir, path)), { recursive: true });
    writeFileSync(join(outdir, path), `${JSON.stringify(template, null, 2)}\n`);
  }
  return Object.keys(files);
}

if (require.main === module) {
  try {
    for (const file of writeTemplates(TEMPLATES_DIR, process.argv.slice(2), process.env))
      process.stdout.write(`wrote ${TEMPLATES_DIR}/${file}\n`);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
