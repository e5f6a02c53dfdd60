/**
 * The sample firm end to end, as the demo runs it: the shipped CSV exports are synced by the
 * real csv connectors into a SQLite store and checked against the shipped policies. Every
 * finding type is planted; this pins exactly which (type, system, account, role) each is.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import type { SystemConfig } from '../../src/config/system-config.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import type { Finding, ReviewItem } from '../../src/domain/index.js';
import { campaignId, reviewItemId } from '../../src/domain/index.js';
import { runCheck } from '../../src/policies/run-check.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { syncSystems } from '../../src/sync/sync-runner.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The planted findings at the demo's reference date, before the later trading export. */
export const PLANTED = [
  'contract-ended custody-wallet fbu-ramann VIEWER',
  'contract-ended kms raphael.amann kms-operator',
  'dormant custody-wallet fbu-otschirky VIEWER',
  'dormant trading ematt VIEWER',
  'leaver-access custody-wallet fbu-rkindle SIGNER',
  'leaver-access kms roman.kindle key-share-custodian',
  'max-holders-exceeded custody-wallet fbu-dvogt SIGNER',
  'max-holders-exceeded custody-wallet fbu-jhasler SIGNER',
  'max-holders-exceeded custody-wallet fbu-lschaedler SIGNER',
  'max-holders-exceeded custody-wallet fbu-rkindle SIGNER',
  'max-holders-exceeded custody-wallet fbu-rsprenger SIGNER',
  'not-allowed custody-wallet fbu-rsprenger SIGNER',
  'not-allowed trading voehri ADMIN',
  'orphaned-account custody-wallet fba-legacy-reporting VIEWER',
  'orphaned-account kms svc-backup-legacy kms-operator',
  'orphaned-account trading desk-shared VIEWER',
  'sod-conflict custody-wallet fba-payments-gateway EDITOR SOD-CRYPTO-ALLOWLIST-APPROVER',
  'sod-conflict custody-wallet fbu-lschaedler SIGNER SOD-KEYSHARE-SIGNER',
  'sod-conflict custody-wallet fbu-lschaedler tap:signer SOD-CRYPTO-KEYSHARE-TAP-SIGNER',
  'sod-conflict custody-wallet fbu-mbeck EDITOR SOD-CRYPTO-ALLOWLIST-APPROVER',
  'sod-conflict custody-wallet fbu-mbeck EDITOR SOD-WALLET-INITIATE-APPROVE',
  'sod-conflict custody-wallet fbu-mbeck-2 APPROVER SOD-WALLET-INITIATE-APPROVE',
  'sod-conflict custody-wallet fbu-mbeck-2 tap:approver SOD-CRYPTO-ALLOWLIST-APPROVER',
  'sod-conflict custody-wallet fbu-prisch tap:approver SOD-CRYPTO-ALLOWLIST-APPROVER',
  'sod-conflict custody-wallet fbu-rkindle SIGNER SOD-KEYSHARE-SIGNER',
  'sod-conflict kms isabel.wanger key-share-custodian SOD-KEYSHARE-POLICY',
  'sod-conflict kms isabel.wanger policy-admin SOD-KEYSHARE-POLICY',
  'sod-conflict kms laura.schaedler key-share-custodian SOD-CRYPTO-KEYSHARE-TAP-SIGNER',
  'sod-conflict kms laura.schaedler key-share-custodian SOD-KEYSHARE-SIGNER',
  'sod-conflict kms roman.kindle key-share-custodian SOD-KEYSHARE-SIGNER',
  'sod-conflict trading skieber RISK_LIMIT_EDITOR SOD-TRADE-LIMITS',
  'sod-conflict trading skieber TRADER SOD-TRADE-LIMITS',
  'tap-self-approval custody-wallet fbu-jhasler tap:approver',
  'tap-self-approval custody-wallet fbu-mbeck-2 tap:approver',
  'tap-self-approval custody-wallet fbu-prisch tap:approver',
  'tap-sole-approver custody-wallet fbu-prisch tap:approver',
  'unknown-role kms kevin.ritter legacy-transit-admin',
];

function line(f: Finding): string {
  return `${f.type} ${f.systemId} ${f.accountId} ${f.role}${f.type === 'sod-conflict' ? ` ${f.ruleId}` : ''}`;
}

describe('the sample firm, synced and checked', () => {
  let store: Store;
  let config: LoadedConfig;
  let clock: Date;
  const now = () => new Date(clock);
  const registry = new ConnectorRegistry();

  beforeEach(() => {
    store = openSqliteStore({ memory: true });
    config = loadConfig(ROOT, registry.settingsSchemaFor);
    clock = new Date('2026-11-24T08:00:00.000Z');
  });
  afterEach(() => store.close());

  async function sync(systems: SystemConfig[] = config.systems) {
    const outcomes = await syncSystems(systems, {
      store,
      audit: new AuditLog(store.ledger, now),
      connectors: registry,
      configDir: join(ROOT, 'connectors'),
      env: () => undefined,
      log: { debug() {}, info() {}, warn() {} },
      now,
      maxRemovalShare: config.global.maxRemovalShare,
    });
    for (const o of outcomes) expect(o.ok && o.result.applied, `${o.systemId}: ${JSON.stringify(o)}`).toBe(true);
  }

  const check = () => runCheck({ store, config, now, audit: new AuditLog(store.ledger, now) }, { actor: 'test' });

  it('raises exactly the planted findings, at least one of every type but those that need history', async () => {
    await sync();
    const result = await check();
    expect(result.warnings).toEqual([]);
    expect(result.findings.map(line).sort()).toEqual(PLANTED);
    // They need history: a certified review (changed-since-last-review, new-since-last-review), a removal verified then undone (revoked-access-returned, planted by the demo's later syncs), a review cadence passed (review-overdue).
    expect(Object.entries(result.summary).filter(([, n]) => n === 0).map(([t]) => t)).toEqual(['revoked-access-returned', 'review-overdue', 'changed-since-last-review', 'new-since-last-review']);
    const reto = result.findings.find((f) => f.type === 'not-allowed' && f.accountId === 'fbu-rsprenger')!;
    expect(reto.severity).toBe('high');
    expect(result.identityLabels.get(reto.identityId!)).toBe('reto.sprenger@example.com');
  });

  it('stays free of dormancy for accounts in use, three months on', async () => {
    await sync();
    clock = new Date('2027-02-15T08:00:00.000Z');
    const dormant = (await check()).findings.filter((f) => f.type === 'dormant').map(line).sort();
    // Only accounts idle since before mid-November (auditors, a leaver, the planted ones)
    // have crossed 90 days; everything used in the week before the reference date has not.
    expect(dormant).toEqual([
      'dormant custody-wallet fbu-jbuehler VIEWER',
      'dormant custody-wallet fbu-mbauer AUDITOR',
      'dormant custody-wallet fbu-otschirky VIEWER',
      'dormant custody-wallet fbu-prheinberger AUDITOR',
      'dormant custody-wallet fbu-ramann VIEWER',
      'dormant custody-wallet fbu-rkindle SIGNER',
      'dormant trading ematt VIEWER',
    ]);
  });

  it('reports the grant added after a certified review as new-since-last-review', async () => {
    await sync();
    await check();
    // A half-yearly review of the critical systems opens, everything is approved, it closes.
    clock = new Date('2026-11-24T09:00:00.000Z');
    const id = campaignId('half-yearly-critical', '2026-H2');
    const openedAt = clock.toISOString();
    await store.campaigns.create({ id, reviewId: 'half-yearly-critical', period: '2026-H2', name: 'Half-yearly', state: 'open', openedAt, dueAt: '2026-12-15T09:00:00.000Z', closedAt: null, openedBy: 'test' });
    const items: ReviewItem[] = [];
    for (const [systemId, snapshot] of await store.snapshots.currentAll()) {
      if (systemId === 'hr') continue;
      for await (const batch of store.snapshots.grants(snapshot.id)) {
        for (const g of batch) {
          items.push({ id: reviewItemId(id, g.id), campaignId: id, grantId: g.id, systemId, accountId: g.accountId, role: g.role, scope: g.scope, identityId: g.identityId, reviewerId: 'E1005', reviewerSource: 'fallback', state: 'pending', findings: [], lastActivityAt: g.lastActivityAt, decisionId: null, updatedAt: openedAt, ...(g.detail ? { detail: g.detail } : {}) });
        }
      }
    }
    await store.campaigns.addItems(items, () => []);
    for (const item of items) {
      const r = await store.campaigns.decide({ id: item.id, itemId: item.id, campaignId: id, outcome: 'approve', reviewerId: 'E1005', reviewerEmail: 'martin.kaiser@example.com', reviewerSlackId: null, channel: 'cli', justification: null, decidedAt: openedAt, findingsAtDecision: [], simulated: true, operator: null }, () => []);
      expect(r.ok).toBe(true);
    }
    clock = new Date('2026-11-24T11:00:00.000Z');
    expect(await store.campaigns.transition(id, 'open', 'closed', clock.toISOString(), () => [])).toBe(true);

    // Later, the trading platform's export shows one more grant.
    clock = new Date('2026-11-24T14:00:00.000Z');
    const trading = config.systems.find((s) => s.id === 'trading')!;
    await sync([{ ...trading, connector: { ...trading.connector, settings: { ...(trading.connector.settings as object), path: 'sample-data/trading.next.csv' } } }]);
    const result = await check();
    expect(result.findings.filter((f) => f.type === 'new-since-last-review').map(line)).toEqual(['new-since-last-review trading nfrick TRADER']);
    // Everything was approved: no removal to verify, so none can return (the demo plants that one);
    // no approved grant's detail changed (items freeze it, as campaign open does).
    expect(Object.entries(result.summary).filter(([, n]) => n === 0)).toEqual([['revoked-access-returned', 0], ['review-overdue', 0], ['changed-since-last-review', 0]]);
    expect(result.changes).toMatchObject({ opened: 1, resolved: 0 });
  });
});
