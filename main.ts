// Entry point of the app (cdktf.json, npm run synth): the command line and the environment, wired to the run.
import { runAppCommand } from './src/tools/app';

// cdktf records a stack trace for every token it creates; source-mapping each of them costs about 1 ms per
// resource (over a second for an organization of 1,000 OUs). Synthesis needs no mapped traces: input errors
// are reported by message.
process.setSourceMapsEnabled(false);

process.exitCode = runAppCommand(process.argv.slice(2), process.env, process.stdout, process.stderr);
