// Flat config: typescript-eslint's recommended rules plus the project's own import rule.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/', '.test-output/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The provider package root loads every resource binding (seconds and hundreds of MiB per process).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@cdktf/provider-aws',
              message: "Import each resource from its own path, e.g. '@cdktf/provider-aws/lib/iam-role'.",
            },
          ],
          patterns: [
            {
              regex: '^@cdktf/provider-aws/lib(/index(\\.js)?)?/?$',
              message: "Import each resource from its own path, e.g. '@cdktf/provider-aws/lib/iam-role'.",
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
