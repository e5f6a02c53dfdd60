/**
 * The `fireblocks` connector type: the users of one Fireblocks workspace (custody wallet),
 * their workspace roles, and what the transaction authorization policy (TAP) lets each of
 * them do; read-only.
 *
 * Pages: the first page is the console users (GET /v1/management/users); when
 * includeApiUsers is on, a second page holds the API users (GET /v1/management/api_users);
 * when readTap is on, a last page holds the TAP grants (GET /v1/management/user_groups and
 * GET /v1/policy/active_policy, see fireblocks-tap.ts and fireblocks-tap-grants.ts).
 * None of these endpoints pages, so each list is one request. With lastActivityFromAuditLogs,
 * each user's lastActivityAt comes from GET /v1/management/audit_logs (one request per user).
 */
import { readFile } from 'node:fs/promises';
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConnectorError } from '../connector.js';
import type { Connector, ConnectorContext, ConnectorType, GrantRecord, Page } from '../connector.js';
import { resolveSecret } from '../secret-ref.js';
import { lastActivityOf } from './fireblocks-audit-logs.js';
import { FireblocksClient } from './fireblocks-client.js';
import type { FireblocksClientOptions } from './fireblocks-client.js';
import { isReadRefused, TAP_REQUIRED_ROLE, toConnectorError } from './fireblocks-errors.js';
import { mapUsers, usersOf } from './fireblocks-mappers.js';
import type { FireblocksUserKind } from './fireblocks-mappers.js';
import { fireblocksSettingsSchema } from './fireblocks-settings.js';
import type { FireblocksSettings } from './fireblocks-settings.js';
import { parseTapRules, tapRulesOf } from './fireblocks-tap.js';
import { mapTapGrants, userGroupsOf } from './fireblocks-tap-grants.js';
import type { TapAccount } from './fireblocks-tap-grants.js';

export const FIREBLOCKS_PATHS: Readonly<Record<FireblocksUserKind, string>> = {
  console: '/v1/management/users',
  api: '/v1/management/api_users',
};
export const FIREBLOCKS_USER_GROUPS_PATH = '/v1/management/user_groups';
export const FIREBLOCKS_TAP_PATH = '/v1/policy/active_policy';

/** The page tokens after the first. Opaque to the core; anything else is refused. */
const API_USERS_TOKEN = 'fireblocks:api-users';
const TAP_TOKEN = 'fireblocks:tap';

type PageKind = FireblocksUserKind | 'tap';

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
      // One connector serves one run: the users read by the first pages are what the TAP page resolves against.
      const usersRead = new Map<FireblocksUserKind, GrantRecord[]>();
      // Audit logs refused once: not asked again in this run.
      let auditLogsRefused = false;

      async function get(path: string, what: string, runCtx: ConnectorContext): Promise<unknown> {
        const fireblocks = await clientOnce();
        try {
          return await fireblocks.getJson(path, runCtx.signal);
        } catch (err) {
          if (runCtx.signal.aborted) throw err;
          throw toConnectorError(err, what);
        }
      }

      async function readUsers(kind: FireblocksUserKind, runCtx: ConnectorContext): Promise<{ items: GrantRecord[]; problems: string[] }> {
        const path = FIREBLOCKS_PATHS[kind];
        const body = await get(path, kind === 'console' ? 'console users' : 'API users', runCtx);
        const users = usersOf(body);
        if (users === null) throw new ConnectorError(`fireblocks: unexpected answer from GET ${path}: expected { "users": [...] }`);
        const { items, problems } = mapUsers(users, kind);
        if (settings.lastActivityFromAuditLogs) await fillLastActivity(items, runCtx);
        runCtx.log.debug('fireblocks: users read', { systemId: runCtx.systemId, kind, users: users.length, unreadable: problems.length });
        usersRead.set(kind, items);
        return { items, problems };
      }

      /**
       * Sets lastActivityAt from the audit logs. A refusal (role without audit-log access,
       * a workspace without the feature) leaves it null and logs a warning once: last
       * activity is evidence for dormancy, not access, so it never fails or spoils the pull.
       */
      async function fillLastActivity(items: GrantRecord[], runCtx: ConnectorContext): Promise<void> {
        const fireblocks = await clientOnce();
        for (const item of items) {
          if (auditLogsRefused) return;
          try {
            item.lastActivityAt = await lastActivityOf(fireblocks, item.accountId, runCtx.now(), runCtx.signal);
          } catch (err) {
            if (runCtx.signal.aborted) throw err;
            if (!isReadRefused(err)) throw toConnectorError(err, 'audit logs');
            auditLogsRefused = true;
            runCtx.log.warn('fireblocks: the API user may not read the audit logs; last activity is unknown (lastActivityAt null)', { systemId: runCtx.systemId, error: err.message });
          }
        }
      }

      async function readTap(runCtx: ConnectorContext): Promise<Page<GrantRecord>> {
        // Problems of a user list first read here (API users when includeApiUsers is off) are this page's.
        const userProblems: string[] = [];
        for (const kind of ['console', 'api'] as const) if (!usersRead.has(kind)) userProblems.push(...(await readUsers(kind, runCtx)).problems);
        const accounts = new Map<string, TapAccount>();
        for (const items of usersRead.values()) for (const g of items) accounts.set(g.accountId, g);
        const query = settings.tapPolicyTypes.map((t) => `policyType=${encodeURIComponent(t)}`).join('&');
        let groupsBody: unknown;
        let policyBody: unknown;
        try {
          const fireblocks = await clientOnce();
          groupsBody = await fireblocks.getJson(FIREBLOCKS_USER_GROUPS_PATH, runCtx.signal);
          policyBody = await fireblocks.getJson(`${FIREBLOCKS_TAP_PATH}?${query}`, runCtx.signal);
        } catch (err) {
          if (runCtx.signal.aborted) throw err;
          if (!isReadRefused(err)) throw toConnectorError(err, 'the transaction authorization policy');
          // Never "no TAP grants": the snapshot is partial, so it is kept but not applied.
          return {
            items: [],
            nextToken: null,
            problems: [...userProblems, `fireblocks: the transaction authorization policy could not be read (${err.message}); its tap:* grants are missing from this snapshot. It needs ${TAP_REQUIRED_ROLE}, or set readTap: false`],
          };
        }
        const groups = userGroupsOf(groupsBody);
        if (groups === null) throw new ConnectorError(`fireblocks: unexpected answer from GET ${FIREBLOCKS_USER_GROUPS_PATH}: expected a list of user groups`);
        const rules = tapRulesOf(policyBody);
        if (rules === null) throw new ConnectorError(`fireblocks: unexpected answer from GET ${FIREBLOCKS_TAP_PATH}: expected { "policy": { "rules": [...] } }`);
        const parsed = parseTapRules(rules);
        const mapped = mapTapGrants(parsed.rules, groups.groups, accounts);
        const problems = [...userProblems, ...groups.problems, ...parsed.problems, ...mapped.problems];
        runCtx.log.debug('fireblocks: transaction authorization policy read', { systemId: runCtx.systemId, rules: rules.length, groups: groups.groups.length, grants: mapped.grants.length, unreadable: problems.length });
        const items = mapped.grants;
        return problems.length > 0 ? { items, nextToken: null, problems } : { items, nextToken: null };
      }

      return {
        async listGrants(token, runCtx): Promise<Page<GrantRecord>> {
          const kind = kindOf(token);
          if (kind === 'tap') return readTap(runCtx);
          const { items, problems } = await readUsers(kind, runCtx);
          const nextToken = kind === 'console' && settings.includeApiUsers ? API_USERS_TOKEN : settings.readTap ? TAP_TOKEN : null;
          return problems.length > 0 ? { items, nextToken, problems } : { items, nextToken };
        },
      };
    },
  };
}

export const fireblocksConnectorType: ConnectorType<FireblocksSettings> = createFireblocksConnectorType();

function kindOf(token: string | null): PageKind {
  if (token === null) return 'console';
  if (token === API_USERS_TOKEN) return 'api';
  if (token === TAP_TOKEN) return 'tap';
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
