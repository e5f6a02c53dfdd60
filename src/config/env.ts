/**
 * The one module that reads process.env. Every variable is documented in .env.example;
 * all problems are reported at once; secret values are never echoed back.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { timeZone } from './schedule-schema.js';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const envSchema = z.object({
  IAM_REVIEW_CONFIG_DIR: optionalString,
  IAM_REVIEW_DATA_DIR: optionalString,
  MONGODB_URI: optionalString.pipe(z.string().regex(/^mongodb(\+srv)?:\/\//, 'a mongodb:// or mongodb+srv:// URI').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IAM_REVIEW_TIMEZONE: optionalString.pipe(timeZone.optional()).transform((v) => v ?? 'UTC'),
  SLACK_BOT_TOKEN: optionalString.pipe(z.string().startsWith('xoxb-', 'a bot token (xoxb-...)').optional()),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.pipe(z.string().startsWith('xapp-', 'an app-level token (xapp-...)').optional()),
  SLACK_API_URL: optionalString.pipe(z.url().optional()),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** /healthz, /readyz and /metrics when Bolt's HTTP receiver does not listen (Socket Mode, no Slack); default PORT. */
  HEALTH_PORT: optionalString.pipe(z.coerce.number<string>().int().min(0).max(65535).optional()),
  AZURE_TENANT_ID: optionalString,
  AZURE_CLIENT_ID: optionalString,
  AZURE_CLIENT_SECRET: optionalString,
  IAM_REVIEW_PSEUDONYM_KEY: optionalString,
  /** Who runs CLI writes when a command's --as does not say (src/cli/cli-operator.ts); default: the OS user@host. */
  IAM_REVIEW_OPERATOR: optionalString,
  /** Ed25519 private key (PEM text, or the path of a PEM file) signing evidence-pack manifests and checkpoints. */
  IAM_REVIEW_SIGNING_KEY: optionalString,
  IAM_REVIEW_CONFIG_EXTERNAL_LINKS: optionalString.pipe(z.enum(['true', 'false'], 'true or false').optional()).transform((v) => v === 'true'),
});

export type RawEnv = z.infer<typeof envSchema>;

export interface Env extends RawEnv {
  configDir: string;
  dataDir: string;
  /** Where the embedded store lives when MONGODB_URI is unset. */
  sqliteFile: string;
  /** Reads any variable by name (connector secrets are named in config: `{ env: NAME }`). */
  get(name: string): string | undefined;
}

/** Names whose values must never be printed or logged. */
export const SECRET_ENV = ['MONGODB_URI', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'AZURE_CLIENT_SECRET', 'IAM_REVIEW_PSEUDONYM_KEY', 'IAM_REVIEW_SIGNING_KEY'] as const;

/**
 * Parses the environment. `cwd` anchors the relative defaults (config in the working
 * directory, data in ./data). Throws ConfigError listing every bad variable.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ file: 'environment', line: null, column: null, keyPath: String(i.path[0] ?? ''), message: i.message })),
    );
  }
  const e = parsed.data;
  const configDir = resolve(cwd, e.IAM_REVIEW_CONFIG_DIR ?? '.');
  const dataDir = resolve(cwd, e.IAM_REVIEW_DATA_DIR ?? 'data');
  return { ...e, configDir, dataDir, sqliteFile: resolve(dataDir, 'iam-review.db'), get: (name) => source[name] };
}

/** Loads `.env` from `cwd` into process.env if the file exists (existing variables win). */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = resolve(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}
