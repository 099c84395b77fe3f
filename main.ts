// Entry point of `cdktf synth` / `cdktf deploy`: read the configuration, build the stacks, synthesize.
import { buildApp, configPathFrom, loadConfig, outputFolder, removeStaleOutput } from './src/tools/app';
import { ConfigurationError } from './src/rules/errors';

// cdktf records a stack trace for every token it creates; source-mapping each of them costs about 1 ms per
// resource (over a second for an organization of 1,000 OUs). Synthesis needs no mapped traces: input errors
// are reported by message.
process.setSourceMapsEnabled(false);

try {
  const config = loadConfig(configPathFrom(process.argv.slice(2), process.env));
  buildApp(config).synth();
} catch (error) {
  const outdir = outputFolder();
  const removed = removeStaleOutput(outdir);
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  if (removed.length > 0) {
    process.stderr.write(
      `Removed the earlier output of ${removed.join(', ')} from ${outdir}: it no longer matches the configuration.\n`,
    );
  }
  process.exit(1);
}
