// Flat config: typescript-eslint's recommended type-aware rules over src, tests and bench.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', 'workspaces/**', 'data/**', '.venv/**', 'coverage/**', 'tests/artifacts/**', '.services/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // One module of the product reads the environment (src/config/env.ts); everything else is handed what it
    // needs. Tests and their harness (src/testing: a marker variable finds leftover child processes) may.
    files: ['src/**/*.ts'],
    ignores: ['src/config/env.ts', 'src/testing/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read the environment through src/config/env.ts (loadEnv, processVariable)' }],
    },
  },
  {
    // No wall-clock bounds in tests: elapsed time depends on the machine's load, not on the product.
    // Tested by src/testing/no-wall-clock-bounds.test.ts.
    files: ['**/*.test.ts', 'tests/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          // Reading the clock at all, except to make a unique name (`Date.now().toString(36)`) or a time
          // ahead of now (`Date.now() + ms`, a deadline handed to the product): a reading kept in a variable
          // and subtracted later, `deadline - Date.now()` and `while (Date.now() < t)` are all caught.
          "CallExpression[callee.object.name='Date'][callee.property.name='now']:not(MemberExpression[property.name='toString'] > CallExpression):not(BinaryExpression[operator='+'] > CallExpression)",
          "CallExpression[callee.object.name='performance'][callee.property.name='now']",
          "MemberExpression[object.type='NewExpression'][object.callee.name='Date'][object.arguments.length=0][property.name=/^(getTime|valueOf)$/]",
          "UnaryExpression[operator='+'][argument.type='NewExpression'][argument.callee.name='Date'][argument.arguments.length=0]",
          "MemberExpression[object.name='process'][property.name='hrtime']",
        ].map((selector) => ({
          selector,
          message: 'No wall-clock bounds in tests: assert behaviour (exit code, journal, attempts made, fake timers) and report the latency in bench/ (npm run bench).',
        })),
      ],
    },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
