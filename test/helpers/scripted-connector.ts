/**
 * A hand-written connector type for sync tests: it serves scripted pages of identities
 * and/or grants, and can misbehave on cue (fail mid-way, throttle, repeat a page token,
 * report unreadable records, hang).
 */
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { ConnectorError } from '../../src/connectors/connector.js';
import type { Connector, ConnectorType, GrantRecord, IdentityRecord, Page } from '../../src/connectors/connector.js';
import { ConnectorRegistry, registered } from '../../src/connectors/registry.js';
import type { Store } from '../../src/store/ports.js';
import type { SyncDeps } from '../../src/sync/sync-system.js';

export interface Script {
  identities?: IdentityRecord[];
  grants?: GrantRecord[];
  pageSize?: number;
  /** Throw a permanent error when asked for this page index. */
  failAtPage?: number;
  /** Throw a transient error (with Retry-After ms) this many times before each answer. */
  throttleTimes?: number;
  retryAfterMs?: number;
  /** Always answer this token as the next one (a paging bug). */
  stuckToken?: string;
  problems?: string[];
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export function scriptedConnectorType(scripts: Map<string, Script>): ConnectorType<{ script: string }> & { calls: number } {
  const type = {
    type: 'scripted',
    settingsSchema: z.strictObject({ script: z.string() }),
    secretSettings: [] as string[],
    calls: 0,
    create(settings: { script: string }): Connector {
      const script = () => {
        const s = scripts.get(settings.script);
        if (!s) throw new Error(`no script ${settings.script}`);
        return s;
      };
      let throttled = 0;
      function page<T>(items: T[] | undefined, token: string | null, signal: AbortSignal): Promise<Page<T>> {
        type.calls++;
        const s = script();
        if (s.hang) return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
        if (s.throttleTimes && throttled < s.throttleTimes) {
          throttled++;
          return Promise.reject(new ConnectorError('429 Too Many Requests', { transient: true, retryAfterMs: s.retryAfterMs ?? null, status: 429 }));
        }
        throttled = 0;
        const size = s.pageSize ?? 2;
        const index = token === null ? 0 : Number(token);
        if (s.failAtPage !== undefined && index / size >= s.failAtPage) return Promise.reject(new ConnectorError('500 from upstream: connection reset', { transient: false }));
        const all = items ?? [];
        const next = index + size < all.length ? String(index + size) : null;
        return Promise.resolve({ items: all.slice(index, index + size), nextToken: s.stuckToken ?? next, problems: index === 0 ? s.problems : undefined });
      }
      const s = scripts.get(settings.script);
      const connector: Connector = {};
      if (s?.identities) connector.listIdentities = (token, ctx) => page(script().identities, token, ctx.signal);
      if (s?.grants) connector.listGrants = (token, ctx) => page(script().grants, token, ctx.signal);
      return connector;
    },
  };
  return type;
}

export function person(id: string, over: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id,
    email: `${id}@example.com`,
    displayName: id,
    department: 'Treasury',
    jobTitle: 'Analyst',
    managerRef: null,
    groups: [],
    aliases: [],
    status: 'active',
    employmentType: 'employee',
    contractEnd: null,
    lastSignInAt: null,
    ...over,
  };
}

export function grantRecord(accountId: string, role: string, over: Partial<GrantRecord> = {}): GrantRecord {
  return {
    accountId,
    role,
    scope: '',
    identityRef: `${accountId}@example.com`,
    accountDisplayName: accountId,
    accountType: 'human',
    accountStatus: 'active',
    lastActivityAt: '2026-11-01T00:00:00.000Z',
    ...over,
  };
}

/** A sync's dependencies over `store` with the scripted connector type as its only connector: quiet log, no config folder, no env. */
export function scriptedSyncDeps(store: Store, scripts: Map<string, Script>, now: () => Date, more: Pick<SyncDeps, 'maxRemovalShare'> & Partial<SyncDeps>): SyncDeps {
  return {
    store,
    audit: new AuditLog(store.ledger, now),
    connectors: new ConnectorRegistry([registered(scriptedConnectorType(scripts))]),
    configDir: '/nonexistent',
    env: () => undefined,
    log: { debug() {}, info() {}, warn() {} },
    now,
    ...more,
  };
}
