// Entry point of `cdktf synth` / `cdktf deploy`: read the configuration, build the stacks, synthesize.
import { buildApp, configPathFrom, loadConfig } from './src/app';
import { ConfigurationError } from './src/errors';

try {
  const config = loadConfig(configPathFrom(process.argv.slice(2), process.env));
  buildApp(config).synth();
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
