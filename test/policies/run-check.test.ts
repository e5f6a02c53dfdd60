/**
 * runCheck over a real SQLite store: what it reads, what it stores, what it ledgers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import type { Grant } from '../../src/domain/index.js';
import { LEDGER_DETAIL_LIMIT } from '../../src/policies/finding-ledger-events.js';
import { runCheck } from '../../src/policies/run-check.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { tempConfigDir } from '../helpers/temp-config.js';

const lookup = () => z.strictObject({ path: z.string() });
const system = (id: string, kind: string, criticality: string) =>
  `id: ${id}\nname: ${id}\nkind: ${kind}\ncriticality: ${criticality}\nowner: sec@example.com\nconnector:\n  type: csv\n  path: ${id}.csv\n`;

const FILES: Record<string, string> = {
  'connectors/hr.yaml': system('hr', 'directory', 'standard'),
  'connectors/wallet.yaml': system('wallet', 'wallet', 'critical'),
  'connectors/trading.yaml': system('trading', 'trading', 'critical'),
  'connectors/lab.yaml': system('lab', 'other', 'standard'),
  'policies/wallet.yaml': 'system: wallet\nroles:\n  APPROVER:\n    privileged: true\n    allowedFor:\n      - department: Treasury\n',
  'policies/trading.yaml': 'system: trading\nroles:\n  TRADER:\n    allowedFor:\n      - department: [Trading, Treasury]\n',
  'policies/lab.yaml': 'system: lab\nroles:\n  USER:\n    allowedFor:\n      - anyone: true\n',
  'policies/separation-of-duties.yaml': 'rules:\n  - id: SOD-TRADE-WITHDRAW\n    description: A trader must not approve withdrawals.\n    severity: high\n    roles: [trading:TRADER, wallet:APPROVER]\n',
  'reviews/roles.yaml': 'securityTeam: [sec@example.com]\nfallbackReviewer: sec@example.com\n',
  'reviews/all.yaml': 'id: all\nname: All\nschedule: { cron: "0 8 1 1,7 *" }\nperiod: half-year\nscope:\n  criticality: [critical, standard]\nreviewers: [manager]\ndueInDays: 14\n',
};

describe('runCheck', () => {
  let store: Store;
  let config: LoadedConfig;
  const now = () => new Date('2026-11-24T12:00:00.000Z');
  const check = (systemId?: string) => runCheck({ store, config, now, audit: new AuditLog(store.ledger, now) }, { systemId, actor: 'test' });

  beforeEach(() => {
    store = openSqliteStore({ memory: true });
    config = loadConfig(tempConfigDir(FILES), lookup);
  });
  afterEach(() => store.close());

  it('warns about systems never synced and evaluates the others', async () => {
    await seedIdentities(store, 'hr', [identity('tess')]);
    await seedGrants(store, 'wallet', [grant('wallet', 'tess', 'APPROVER', 'tess')]);
    const result = await check();
    expect(result.findings).toEqual([]);
    expect(result.evaluation.systemIds).toEqual(['hr', 'wallet']);
    expect(result.warnings).toEqual([expect.stringMatching(/"lab" has no current snapshot/), expect.stringMatching(/"trading" has no current snapshot/)]);
    expect(result.evaluation.policyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('with --system, reads the SoD partner system but reports and resolves only the one asked for', async () => {
    await seedIdentities(store, 'hr', [identity('tara', { department: 'Trading' })]);
    await seedGrants(store, 'wallet', [grant('wallet', 'tara', 'APPROVER', 'tara')]);
    await seedGrants(store, 'trading', [grant('trading', 'tara', 'TRADER', 'tara')]);
    const all = await check();
    expect(all.findings.map((f) => `${f.type} ${f.systemId}`).sort()).toEqual(['not-allowed wallet', 'sod-conflict trading', 'sod-conflict wallet']);

    const trading = await check('trading');
    expect(trading.findings.map((f) => `${f.type} ${f.systemId}`)).toEqual(['sod-conflict trading']);
    expect(trading.evaluation.systemIds).toEqual(['trading']);
    expect(trading.changes).toEqual({ opened: 0, refreshed: 1, resolved: 0 });
    expect((await store.findings.open({ systemId: 'wallet' })).length).toBe(2);
    await expect(check('nope')).rejects.toThrow(/unknown system "nope"/);
  });

  it('ledgers one event per opened or resolved finding', async () => {
    await seedIdentities(store, 'hr', [identity('tara', { department: 'Trading' }), identity('otto', { department: 'Operations' })]);
    await seedGrants(store, 'trading', [grant('trading', 'otto', 'TRADER', 'otto'), grant('trading', 'tara', 'TRADER', 'tara')]);
    await check();
    await seedGrants(store, 'trading', [grant('trading', 'tara', 'TRADER', 'tara'), grant('trading', 'tara', 'VIEWER', 'tara')]);
    const second = await check();
    expect(second.changes).toEqual({ opened: 1, refreshed: 0, resolved: 1 });
    const events = await store.ledger.query({ type: 'finding.' });
    expect(events.map((e) => [e.type, e.data.type, e.data.accountId, e.data.role])).toEqual([
      ['finding.opened', 'not-allowed', 'otto', 'TRADER'],
      ['finding.opened', 'unknown-role', 'tara', 'VIEWER'],
      ['finding.resolved', 'not-allowed', 'otto', 'TRADER'],
    ]);
    expect(events[0]!.subject).toBe(`not-allowed|policy:trading:TRADER|${String(events[0]!.data.grantId)}`);
  });

  it('above the detail limit, ledgers a summary per direction plus the high-severity findings', async () => {
    const orphans: Grant[] = Array.from({ length: LEDGER_DETAIL_LIMIT + 10 }, (_, i) => grant('lab', `svc-${i}`, 'USER', null));
    await seedIdentities(store, 'hr', []);
    await seedGrants(store, 'lab', orphans);
    await seedGrants(store, 'wallet', [grant('wallet', 'ghost', 'APPROVER', null)]);
    await check();
    const events = await store.ledger.query({ type: 'finding.opened' });
    expect(events).toHaveLength(2);
    expect(events[0]!.data).toMatchObject({ summary: true, count: LEDGER_DETAIL_LIMIT + 11, detailedEvents: 1, byType: { 'orphaned-account': LEDGER_DETAIL_LIMIT + 11 }, bySeverity: { medium: LEDGER_DETAIL_LIMIT + 10, high: 1 } });
    expect(events[0]!.data.keysSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(events[1]!.data).toMatchObject({ type: 'orphaned-account', severity: 'high', accountId: 'ghost' });
  });

  it('two checks at once ledger each opening once, with the finding rows it opened', async () => {
    await seedIdentities(store, 'hr', [identity('tara', { department: 'Trading' }), identity('otto', { department: 'Operations' })]);
    await seedGrants(store, 'trading', [grant('trading', 'otto', 'TRADER', 'otto'), grant('trading', 'tara', 'VIEWER', 'tara')]);
    const both = await Promise.all([check(), check()]);
    expect(both.map((r) => r.changes.opened).sort()).toEqual([0, 2]);
    const opened = await store.ledger.query({ type: 'finding.opened' });
    expect(opened.map((e) => e.subject).sort()).toEqual(both[0]!.findings.map((f) => f.key).sort());
    const openedBy = both.find((r) => r.changes.opened === 2)!.evaluation.id;
    expect(opened.map((e) => e.data.evaluationId)).toEqual([openedBy, openedBy]);
  });
});
