// Lint rules for every package. The module-boundary rule is the one that matters: services meet
// over gRPC and NATS, never through imports, and libraries only depend "downwards".
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const services = ['gateway', 'container', 'image', 'build', 'network'];

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/src/gen/**', '**/node_modules/**', '**/protos/**'] },
  ...tseslint.configs.recommended,
  // jest configs and the lint config itself are CommonJS.
  { files: ['**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contract', 'type:platform', 'type:adapter'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:contract', 'type:platform'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contract', 'type:platform'] },
            // The suite drives the engine from outside: its fixtures, and the published contracts (events on NATS).
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:tool', 'type:contract'] },
            ...services.map((scope) => ({
              sourceTag: `scope:${scope}`,
              notDependOnLibsWithTags: services.filter((s) => s !== scope).map((s) => `scope:${s}`),
            })),
          ],
        },
      ],
    },
  },
);
