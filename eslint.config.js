// @ts-check
// ESLint for what the type checker cannot see. The core is typescript-eslint's promise rules:
// in a Worker, a promise nobody awaits is work the runtime may cancel when the response is
// sent (a lost write), and a promise handed where a void callback is expected swallows its
// rejection. Beside them, the type-aware rules that found real bugs here (an object printed as
// "[object Object]", a method detached from its `this`, an error thrown without its cause) and
// the syntactic recommended set. Run with `npm run lint`; CI (.ci/run) runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'clients/**',
      'drizzle/**',
      'vendor/**',
      'dist/**',
      'coverage/**',
      '.wrangler/**',
      '.dev/**',
      '.tools/**',
      '.assets/**',
      '.fuzz/**',
      'gateway/dist/**',
      'gateway/ferretdb/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Rejecting with a value that came from elsewhere (an abort signal's reason) is forwarding, not inventing.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/unbound-method': 'error',
      '@typescript-eslint/no-duplicate-type-constituents': 'error',
    },
  },
  {
    rules: {
      // `_name` marks a binding kept on purpose (a destructured field left out, an unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // A `let` read by a stop handler before its one assignment cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `interface Env extends WorkerEnv {}` is how a global type is merged.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // `strict` already forbids implicit any; an explicit one (the smoke script's parsed bodies) is a decision.
      '@typescript-eslint/no-explicit-any': 'off',
      // The scripts match terminal control characters on purpose (ANSI colours, Ctrl-D).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
