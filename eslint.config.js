// Lint: the recommended JS and TypeScript rules, plus the project's dependency rules
// (docs/architecture.md): domain/ imports nothing outside itself; SDKs only in their adapter
// folders; adapters and services are built only by the composition root.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The files allowed to construct adapters and services. */
export const COMPOSITION_ROOT = ['src/app.ts', 'src/server/start-server.ts'];
/** Classes only the root instantiates: the ledger writer, SDK clients, the scheduler and the services. */
export const ROOT_ONLY_CLASSES = ['AuditLog', 'ConnectorRegistry', 'WebClient', 'Scheduler', 'SyncService', 'CheckService', 'EvidenceExporter'];
/** Factories only the root calls: stores, the logger, the Slack app and its services. */
export const ROOT_ONLY_FACTORIES = ['openStore', 'openSqliteStore', 'openMongoStore', 'createLogger', 'startSlackApp', 'createSlackReviewServices', 'slackServiceDeps'];

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
  {
    // One composition root: src/app.ts builds every adapter and service once, and
    // src/server/start-server.ts wires the long-running process from them. Everything else
    // receives them (test/architecture/composition-root.test.ts shows this rule bites).
    files: ['src/**/*.ts'],
    ignores: COMPOSITION_ROOT,
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `NewExpression[callee.name=/^(${ROOT_ONLY_CLASSES.join('|')})$/]`, message: 'adapters and services are built only in the composition root (src/app.ts): receive it instead' },
        { selector: `CallExpression[callee.name=/^(${ROOT_ONLY_FACTORIES.join('|')})$/]`, message: 'adapters and services are built only in the composition root (src/app.ts): receive it instead' },
      ],
    },
  },
);
