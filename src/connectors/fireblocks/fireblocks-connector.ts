/**
 * The `fireblocks` connector type: the users of one Fireblocks workspace (custody wallet)
 * and their workspace roles, read-only.
 *
 * Pages: the first page is the console users (GET /v1/management/users); when
 * includeApiUsers is on, a second page holds the API users (GET /v1/management/api_users).
 * Neither endpoint pages, so each list is one request.
 */
import { readFile } from 'node:fs/promises';
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConnectorError } from '../connector.js';
import type { Connector, ConnectorContext, ConnectorType, GrantRecord, Page } from '../connector.js';
import { resolveSecret } from '../secret-ref.js';
import { FireblocksClient } from './fireblocks-client.js';
import type { FireblocksClientOptions } from './fireblocks-client.js';
import { toConnectorError } from './fireblocks-errors.js';
import { mapUsers, usersOf } from './fireblocks-mappers.js';
import type { FireblocksUserKind } from './fireblocks-mappers.js';
import { fireblocksSettingsSchema } from './fireblocks-settings.js';
import type { FireblocksSettings } from './fireblocks-settings.js';

export const FIREBLOCKS_PATHS: Readonly<Record<FireblocksUserKind, string>> = {
  console: '/v1/management/users',
  api: '/v1/management/api_users',
};

/** The page token of the second page. Opaque to the core; anything else is refused. */
const API_USERS_TOKEN = 'fireblocks:api-users';

/**
 * Builds the connector type. `options` reach the HTTP client: production uses the
 * defaults; tests may pin the clock or the nonce.
 */
export function createFireblocksConnectorType(options: FireblocksClientOptions = {}): ConnectorType<FireblocksSettings> {
  return {
    type: 'fireblocks',
    settingsSchema: fireblocksSettingsSchema,
    secretSettings: ['apiKey', 'privateKey'],
    create(settings, ctx): Connector {
      // The key is read on first use, so a missing secret fails the run with a ConnectorError.
      let client: Promise<FireblocksClient> | null = null;
      const clientOnce = () => (client ??= buildClient(settings, ctx, options));
      return {
        async listGrants(token, runCtx): Promise<Page<GrantRecord>> {
          const kind = kindOf(token);
          const what = kind === 'console' ? 'console users' : 'API users';
          const path = FIREBLOCKS_PATHS[kind];
          const fireblocks = await clientOnce();
          let body: unknown;
          try {
            body = await fireblocks.getJson(path, runCtx.signal);
          } catch (err) {
            if (runCtx.signal.aborted) throw err;
            throw toConnectorError(err, what);
          }
          const users = usersOf(body);
          if (users === null) throw new ConnectorError(`fireblocks: unexpected answer from GET ${path}: expected { "users": [...] }`);
          const { items, problems } = mapUsers(users, kind);
          runCtx.log.debug('fireblocks: users read', { systemId: runCtx.systemId, kind, users: users.length, unreadable: problems.length });
          const nextToken = kind === 'console' && settings.includeApiUsers ? API_USERS_TOKEN : null;
          return problems.length > 0 ? { items, nextToken, problems } : { items, nextToken };
        },
      };
    },
  };
}

export const fireblocksConnectorType: ConnectorType<FireblocksSettings> = createFireblocksConnectorType();

function kindOf(token: string | null): FireblocksUserKind {
  if (token === null) return 'console';
  if (token === API_USERS_TOKEN) return 'api';
  throw new ConnectorError('fireblocks: page token not understood (not issued by this connector type?)');
}

async function buildClient(settings: FireblocksSettings, ctx: Omit<ConnectorContext, 'signal'>, options: FireblocksClientOptions): Promise<FireblocksClient> {
  let apiKey: string;
  try {
    apiKey = resolveSecret(settings.apiKey, ctx.env, 'fireblocks apiKey').trim();
  } catch (err) {
    throw new ConnectorError((err as Error).message);
  }
  const privateKey = parseRsaKey(await readPem(settings, ctx), settings);
  return new FireblocksClient({ baseUrl: settings.baseUrl, apiKey, privateKey, timeoutMs: settings.timeoutSeconds * 1000 }, options);
}

async function readPem(settings: FireblocksSettings, ctx: Omit<ConnectorContext, 'signal'>): Promise<string> {
  if (settings.privateKey) {
    try {
      return pemFromEnv(resolveSecret(settings.privateKey, ctx.env, 'fireblocks privateKey'));
    } catch (err) {
      throw new ConnectorError((err as Error).message);
    }
  }
  const file = resolve(ctx.configDir, settings.privateKeyFile ?? '');
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConnectorError(`fireblocks privateKeyFile ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Parses the PEM; the message names where the key came from, never its content. */
function parseRsaKey(pem: string, settings: FireblocksSettings): KeyObject {
  const source = settings.privateKey ? `environment variable ${settings.privateKey.env}` : `file ${settings.privateKeyFile}`;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConnectorError(`fireblocks privateKey (${source}): not an unencrypted PEM private key`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConnectorError(`fireblocks privateKey (${source}): an RSA key is required (Fireblocks signs with RS256), got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** A PEM held in one environment variable line often has its newlines written as `\n`. */
function pemFromEnv(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}
