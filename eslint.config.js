// Lint: the recommended JS and TypeScript rules, plus the project's dependency rules
// (docs/architecture.md): domain/ imports nothing outside itself; SDKs only in their adapter
// folders; adapters and services are built only by the composition root.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The files allowed to construct adapters and services. */
export const COMPOSITION_ROOT = ['src/app.ts', 'src/server/start-server.ts'];
/** Classes only the root instantiates: the ledger writer, SDK clients, the scheduler and the services. */
export const ROOT_ONLY_CLASSES = ['AuditLog', 'ConnectorRegistry', 'WebClient', 'Scheduler', 'SyncService', 'CheckService', 'RemediationService', 'EvidenceExporter'];
/** Factories only the root calls: stores, the logger, the Slack app and its services. */
export const ROOT_ONLY_FACTORIES = ['openStore', 'openSqliteStore', 'openMongoStore', 'createLogger', 'startSlackApp', 'createSlackReviewServices', 'slackServiceDeps'];

const IO_SDKS = ['@slack/*', '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3', 'node-cron'];
const STORE_ADAPTERS = ['**/store/sqlite/*', '**/store/mongo/*'];
/** The composition root and the CLI: wiring, never a dependency of the stages. */
const WIRING = ['**/app.js', '**/cli/**', '**/cli.js', '**/server/**'];
const folders = (...names) => names.map((n) => `**/${n}/**`);

/**
 * What each folder of src/ must not import (besides itself). The pipeline reads left to right:
 * config -> connectors -> sync -> policies -> reviews -> slack, all over domain/ and the store
 * ports, with audit/ beside them; only app.ts, server/ and cli/ know everything.
 */
const LAYERS = {
  domain: { patterns: [{ group: ['../*', '!../domain/*'], message: 'domain/ imports nothing outside itself (docs/architecture.md)' }], forbid: [...IO_SDKS, 'pino', 'node:fs', 'node:fs/promises', 'node:http', 'node:https', 'node:child_process'], why: 'domain/ is free of I/O and SDKs' },
  config: { forbid: [...folders('connectors', 'sync', 'policies', 'reviews', 'slack', 'audit', 'store', 'scheduler'), ...WIRING, '@slack/*', '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3'], why: 'config/ reads files into domain types only (node-cron validates schedules)' },
  connectors: { forbid: [...folders('sync', 'policies', 'reviews', 'slack', 'audit', 'store', 'scheduler'), ...WIRING, '@slack/*', 'mongoose', 'better-sqlite3'], why: 'a connector reads one system into domain types: no store, no later stage' },
  store: { forbid: [...folders('config', 'connectors', 'sync', 'policies', 'reviews', 'slack', 'audit', 'scheduler'), ...WIRING, '@slack/*', '@azure/*', '@microsoft/*'], why: 'the store persists domain types: it knows no stage' },
  sync: { forbid: [...folders('policies', 'reviews', 'slack', 'scheduler'), ...STORE_ADAPTERS, ...WIRING, ...IO_SDKS], why: 'sync uses connectors and the store ports only' },
  'policies/rules': { forbid: [...folders('store', 'sync', 'reviews', 'slack', 'audit', 'scheduler', 'connectors'), ...WIRING, ...IO_SDKS, 'node:fs', 'node:fs/promises'], why: 'a finding rule is pure: domain, config types and the evaluation context only' },
  policies: { ignores: ['src/policies/rules/**'], forbid: [...folders('sync', 'reviews', 'slack', 'scheduler', 'connectors'), ...STORE_ADAPTERS, ...WIRING, ...IO_SDKS], why: 'policies/ evaluate over the store ports' },
  remediation: { forbid: [...folders('sync', 'slack', 'scheduler', 'connectors', 'reviews'), ...STORE_ADAPTERS, ...WIRING, ...IO_SDKS], why: 'remediation/ works over the store ports and the audit log (it reads what sync stored, never runs it)' },
  reviews: { forbid: [...folders('sync', 'slack', 'scheduler', 'connectors'), ...STORE_ADAPTERS, ...WIRING, ...IO_SDKS], why: 'review operations use the store ports and the audit log only' },
  audit: { forbid: [...folders('sync', 'reviews', 'slack', 'scheduler', 'connectors'), ...STORE_ADAPTERS, ...WIRING, ...IO_SDKS], why: 'audit/ reads the store ports' },
  scheduler: { forbid: [...folders('sync', 'policies', 'reviews', 'slack', 'audit', 'connectors', 'config'), ...STORE_ADAPTERS, ...WIRING, '@slack/*', '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3'], why: 'the scheduler runs jobs it is given' },
  slack: { forbid: [...folders('sync', 'scheduler', 'connectors'), ...STORE_ADAPTERS, ...WIRING, '@azure/*', '@microsoft/*', 'mongoose', 'better-sqlite3'], why: 'slack/ calls review services over the store ports' },
  cli: { forbid: [...STORE_ADAPTERS, ...IO_SDKS], why: 'commands receive the app: no adapter of their own' },
};

function patternsFor(layer, rule) {
  return [...(rule.patterns ?? []), { group: rule.forbid, message: `${layer}/: ${rule.why} (docs/architecture.md)` }];
}

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
  // Layer boundaries (docs/architecture.md). One block per layer, so each file gets exactly one
  // no-restricted-imports setting (a later block would replace, not extend, an earlier one).
  ...Object.entries(LAYERS).map(([layer, rule]) => ({
    files: [`src/${layer}/**/*.ts`],
    ...(rule.ignores ? { ignores: rule.ignores } : {}),
    rules: { 'no-restricted-imports': ['error', { patterns: patternsFor(layer, rule) }] },
  })),
  {
    // One composition root: src/app.ts builds every adapter and service once, and
    // src/server/start-server.ts wires the long-running process from them. Everything else
    // receives them (test/architecture/lint-boundaries.test.ts shows this rule bites).
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
