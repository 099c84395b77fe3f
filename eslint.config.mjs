// Flat config: typescript-eslint's recommended rules plus the project's own import rule.
import tseslint from 'typescript-eslint';

const PROVIDER_MESSAGE = "Import each resource from its own path, e.g. '@cdktf/provider-aws/lib/iam-role'.";
const providerRoot = {
  paths: [{ name: '@cdktf/provider-aws', message: PROVIDER_MESSAGE }],
  patterns: [{ regex: '^@cdktf/provider-aws/lib(/index(\\.js)?)?/?$', message: PROVIDER_MESSAGE }],
};
// The plan and the renderers that need no Terraform (templates, reports) stay plain values.
const PLAIN_MESSAGE = 'The model, its rules and the CloudFormation and report renderers are plain values: no cdktf here (constructs live in src/constructs).';
const plainLayers = {
  paths: [...providerRoot.paths, { name: 'cdktf', message: PLAIN_MESSAGE }, { name: 'constructs', message: PLAIN_MESSAGE }],
  patterns: [...providerRoot.patterns, { regex: '^(@cdktf/|cdktf/)', message: PLAIN_MESSAGE }],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/', '.test-output/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The provider package root loads every resource binding (seconds and hundreds of MiB per process).
      'no-restricted-imports': ['error', providerRoot],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/connector/**', 'src/config/**', 'src/cloudformation/**', 'src/policy/**', 'src/permissions/**', 'src/report/**', 'src/deployer/**', 'src/partition.ts', 'src/errors.ts'],
    rules: { 'no-restricted-imports': ['error', plainLayers] },
  },
);
