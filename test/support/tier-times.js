// A Jest reporter: after the run, each tier's share of it (the files that run in process, those that run Terraform,
// npm or whole commands, and the emulated-AWS tier), in seconds of worker time, beside the run's own wall time.
// Speed is reported here and by `npm run bench`, never asserted by a timed test.
'use strict';

class TierTimes {
  constructor(globalConfig, options = {}) {
    this.fullTierOnly = options.fullTierOnly ?? [];
  }

  tierOf(path) {
    const file = path.replace(/\\/g, '/').split('/test/').pop();
    if (file.startsWith('emulated/')) return 'the emulated-AWS tier';
    if (this.fullTierOnly.includes(file)) return 'Terraform, npm and whole commands';
    return 'in process';
  }

  onRunComplete(_contexts, results) {
    const tiers = new Map();
    for (const result of results.testResults) {
      const tier = this.tierOf(result.testFilePath);
      const entry = tiers.get(tier) ?? { files: 0, seconds: 0 };
      entry.files += 1;
      entry.seconds += (result.perfStats.end - result.perfStats.start) / 1000;
      tiers.set(tier, entry);
    }
    const wall = (Date.now() - results.startTime) / 1000;
    const parts = [...tiers.entries()].map(
      ([tier, { files, seconds }]) => `${tier}: ${files} file${files === 1 ? "" : "s"}, ${Math.round(seconds)} s`,
    );
    process.stderr.write(`Worker time by tier: ${parts.join('; ')}. Wall time of the run: ${Math.round(wall)} s.\n`);
  }
}

module.exports = TierTimes;
