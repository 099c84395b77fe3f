/*
 * Two tiers. `npm test` (and .ci/run) runs the full suite. `npm run test:fast` sets QUALYS_TEST_TIER=fast
 * and leaves out the files listed here: the ones that run the Terraform binary, npm or whole syntheses.
 */
const FULL_TIER_ONLY = [
  'determinism.test.ts',
  'terraform.test.ts',
  'terraform-variable.test.ts',
  'terraform-organization.test.ts',
  'address-migration.test.ts',
  'plain-model.test.ts',
  'terraform-modules.test.ts',
  'package.test.ts',
  'install-from-git.test.ts',
  'commands.test.ts',
  'test-run-cleanup.test.ts',
  'terraform-missing.test.ts',
  'review-plan.test.ts',
  'review-examples.test.ts',
  'deployer-module-plans.test.ts',
  'cdktn.test.ts',
  'aws-provider-majors.test.ts',
  'emulated/examples.test.ts',
  'emulated/moto-gaps.test.ts',
  'emulated/next-change.test.ts',
  'emulated/organization-lifecycle.test.ts',
  'emulated/upgrades.test.ts',
  'emulated/evaluators-missing.test.ts',
  'emulated/pipeline.test.ts',
];
const fast = process.env.QUALYS_TEST_TIER === 'fast';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(fast ? FULL_TIER_ONLY.map((f) => `/test/${f.replace(/\./g, '\\.')}$`) : [])],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // Each tier's time, printed after the summary (test/support/tier-times.js).
  reporters: ['default', ['<rootDir>/test/support/tier-times.js', { fullTierOnly: FULL_TIER_ONLY }]],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120000,
  // Jest's default is one worker fewer than cores (one on two cores); the slow files mostly wait on Terraform
  // and npm processes, so two workers overlap that wait.
  maxWorkers: 2,
};
