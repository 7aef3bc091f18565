// typescript-eslint's recommended rules, type-aware, over the TypeScript sources and tests;
// each rule switched off or tuned says why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', 'results/', 'certs/', 'native/', '.tap/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore names what is dropped on purpose (`const { netns: _netns, ...rest } = options`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // An async function is the contract of the interface it implements (a Promise-returning method, a library's async callback), with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      // `let x` declared before a closure that reads it (a cleanup, a teardown) and assigned after.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap queues and awaits the promise every t.test() returns; tests do not await their subtests.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
