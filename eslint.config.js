// @ts-check
/**
 * ESLint (flat config): typed linting (typescript-eslint's recommended-type-checked) on the packages' src and
 * tests and on test/, plain recommended rules on the .mjs/.js scripts. `pnpm lint` builds first: the packages
 * import each other through their dist/ types, and without them every cross-package value would be `any`.
 * Formatting is prettier's (.prettierrc.json); no rule here is about layout.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/coverage/',
      '.tmp/',
      'bench/results/',
      // Other languages, with their own tools.
      'sdks/',
      // Compiled by the packaging test against the packed tarballs, which only exist there.
      'test/packaging/consumers/',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Every tsconfig that owns linted .ts files: the packages' (src) and the tests' (Node, and DOM for the client and the loss checker).
        project: ['./packages/*/tsconfig.json', './tsconfig.test.json', './tsconfig.test-dom.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A few stricter rules that say what the house style says (shared/STYLE.md, strict TypeScript).
      eqeqeq: ['error', 'smart'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // A leading underscore marks a binding kept on purpose (a parameter a signature needs, a rest-omitted field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Off: the memory implementations of async interfaces are `async` without awaiting, so a throw is a rejection as in Redis.
      '@typescript-eslint/require-await': 'off',
      // Passing on a caught error (typed `unknown`) is a rethrow, whatever it is.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `let x: T | undefined` set after a closure that reads it is the tests' way to late-bind a server to its handler.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Off: the protocol's validators and the hostile-input tests match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // House style: files stay small (split one that passes ~400 lines).
    files: ['**/*.ts', '**/*.mjs'],
    // These two predate the rule; splitting them is a restructuring of its own, not a lint fix.
    ignores: ['bench/run.mjs', 'test/loss/loss-checker.ts'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The gateway, SDK and protocol log through their logger (pino on the gateway) or throw: no stray console output.
    files: ['packages/{gateway,sdk,protocol}/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['packages/*/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      // Off in tests: they read wire JSON (JSON.parse, response bodies) as `any` and let expect() check its shape.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off in tests: they stringify ws frames (a Buffer for a text frame) and unknown errors into messages.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
