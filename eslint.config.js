// Lint: the recommended JS and TypeScript rules, plus the project's dependency rule
// (domain/ imports nothing outside itself; SDKs only in their adapter folders).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!../domain/*'], message: 'domain/ imports nothing outside itself' }, { group: ['@slack/*', '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3', 'node-cron', 'pino', 'node:fs', 'node:http', 'node:https'], message: 'domain/ is free of I/O and SDKs' }] }],
    },
  },
  {
    files: ['src/policies/**/*.ts', 'src/reviews/**/*.ts', 'src/sync/**/*.ts', 'src/audit/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@slack/*', '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3'], message: 'SDKs belong in their adapter folders' }, { group: ['**/store/sqlite/*', '**/store/mongo/*'], message: 'use the store ports, not an adapter' }] }],
    },
  },
);
