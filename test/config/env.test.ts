import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadEnv } from '../../src/config/env.js';

describe('loadEnv', () => {
  it('applies defaults relative to the working directory', () => {
    const env = loadEnv({}, '/srv/iam');
    expect(env).toMatchObject({ configDir: '/srv/iam', dataDir: '/srv/iam/data', sqliteFile: '/srv/iam/data/iam-review.db', LOG_LEVEL: 'info', IAM_REVIEW_TIMEZONE: 'UTC', PORT: 3000 });
    expect(env.MONGODB_URI).toBeUndefined();
  });

  it('treats empty values as unset (a copied .env.example works as is)', () => {
    const env = loadEnv({ MONGODB_URI: '', SLACK_BOT_TOKEN: '  ', IAM_REVIEW_TIMEZONE: '' }, '/x');
    expect(env.MONGODB_URI).toBeUndefined();
    expect(env.SLACK_BOT_TOKEN).toBeUndefined();
  });

  it('reports every bad variable at once without echoing secret values', () => {
    try {
      loadEnv({ MONGODB_URI: 'postgres://user:hunter2@db', LOG_LEVEL: 'loud', SLACK_BOT_TOKEN: 'xoxp-secret-value', IAM_REVIEW_TIMEZONE: 'Mars/Base', PORT: 'eighty' }, '/x');
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.problems.map((p) => p.keyPath).sort()).toEqual(['IAM_REVIEW_TIMEZONE', 'LOG_LEVEL', 'MONGODB_URI', 'PORT', 'SLACK_BOT_TOKEN']);
      expect(e.message).not.toContain('hunter2');
      expect(e.message).not.toContain('xoxp-secret-value');
    }
  });

  it('exposes any variable by name for connector secrets', () => {
    const env = loadEnv({ VAULT_TOKEN: 'hvs.x' }, '/x');
    expect(env.get('VAULT_TOKEN')).toBe('hvs.x');
    expect(env.get('MISSING')).toBeUndefined();
  });
});
