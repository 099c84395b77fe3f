// Flat config: typescript-eslint's recommended rules plus the project's own import rules.
import { dirname, relative, resolve, sep } from 'path';
import tseslint from 'typescript-eslint';

const PROVIDER_MESSAGE = "Import each resource from its own path, e.g. '@cdktf/provider-aws/lib/iam-role'.";
const providerRoot = [{ name: '@cdktf/provider-aws', message: PROVIDER_MESSAGE }];
const providerRootPatterns = [{ regex: '^@cdktf/provider-aws/lib(/index(\\.js)?)?/?$', message: PROVIDER_MESSAGE }];

/*
 * The layers of src/, lowest first. A layer imports only from the layers before it (and from itself):
 * rules → model → plan → render → config → tools. The rule resolves every relative import (static, re-export,
 * dynamic, require) against the importing file, so no spelling of a path gets past it.
 */
const LAYERS = ['rules', 'model', 'plan', 'render', 'config', 'tools'];
const SRC = resolve(import.meta.dirname, 'src');
const PACKAGE_NAME = 'qualys-aws-connector-cdktf';

/** The layer of a file below src/, or undefined for src/index.ts and anything outside src/. */
function layerOf(file) {
  const path = relative(SRC, file);
  if (path.startsWith('..') || !path.includes(sep)) return undefined;
  return path.split(sep)[0];
}

const noUpwardImport = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      upward: '{{from}} is below {{to}}: it may not import it (layers: {{layers}}).',
      self: 'Import the sources, not the package itself.',
    },
  },
  create(context) {
    const from = layerOf(context.filename);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source === PACKAGE_NAME || source.startsWith(`${PACKAGE_NAME}/`))
        return context.report({ node, messageId: 'self' });
      if (!source.startsWith('.')) return;
      const to =
        layerOf(resolve(dirname(context.filename), source)) ??
        (resolve(dirname(context.filename), source).startsWith(SRC) ? 'index' : undefined);
      if (to === undefined || to === from) return;
      // An unknown folder below src/ (or the package entry) counts as the top: nothing may reach it from a layer.
      const rank = (layer) => (LAYERS.includes(layer) ? LAYERS.indexOf(layer) : LAYERS.length);
      if (rank(to) > rank(from))
        context.report({
          node,
          messageId: 'upward',
          data: { from: `src/${from}`, to: `src/${to}`, layers: LAYERS.join(' → ') },
        });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        )
          check(node, node.arguments[0].value);
      },
    };
  },
};

/* cdktf is a renderer's concern: only render/cdktf (and the apps that run it) may load it, so leaving cdktf touches one folder. */
const CDKTF_MESSAGE = 'Only src/render/cdktf (the constructs) and the apps in src/tools load cdktf.';
const cdktfPaths = [
  { name: 'cdktf', message: CDKTF_MESSAGE },
  { name: 'constructs', message: CDKTF_MESSAGE },
];
const cdktfPatterns = [{ regex: '^(@cdktf/|cdktf/)', message: CDKTF_MESSAGE }];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/', '.test-output/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    plugins: { layers: { rules: { 'no-upward-import': noUpwardImport } } },
    rules: {
      // The provider package root loads every resource binding (seconds and hundreds of MiB per process).
      'no-restricted-imports': ['error', { paths: providerRoot, patterns: providerRootPatterns }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'layers/no-upward-import': 'error',
    },
  },
  {
    // The launchers (and the test stand-ins put on a PATH) are CommonJS scripts run by node itself: require is how they load.
    files: ['scripts/*.cjs', 'test/support/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // A function fits on a screen; data tables (module definitions, evidence rows) say so where they are longer.
    files: ['src/**', 'scripts/**', 'bench/**', 'main.ts', 'test/support/**', 'test/terraform/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    files: ['src/rules/**', 'src/model/**', 'src/plan/**', 'src/render/**', 'src/config/**'],
    ignores: ['src/render/cdktf/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [...providerRoot, ...cdktfPaths], patterns: [...providerRootPatterns, ...cdktfPatterns] },
      ],
    },
  },
);
