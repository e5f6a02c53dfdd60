/**
 * The data of every remediation event, field by field: `audit verify` and the evidence pack
 * read these fields, so a builder may add one but never lose or rename one (remediation-events.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Remediation } from '../../src/domain/index.js';
import { claimedEvent, failedEvent, openedEvent, overdueEvent, reappearedEvent, requestedEvent, verifiedEvent } from '../../src/remediation/remediation-events.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const AT = '2026-10-05T00:00:00.000Z';
const ITEM = 'review:2026-Q4/g_1';

function remediation(over: Partial<Remediation> = {}): Remediation {
  return {
    id: `rem:${ITEM}`, itemId: ITEM, campaignId: 'review:2026-Q4', grantId: 'g_1', systemId: 'trading', accountId: 'alice', role: 'TRADER', scope: 'desk-1',
    reason: { kind: 'decision', ref: ITEM }, requestedBy: 'm1@firm.li', openedAt: '2026-10-01T00:00:00.000Z', dueAt: '2026-10-04T00:00:00.000Z', state: 'open',
    requestedAt: '2026-10-02T00:00:00.000Z', claimedAt: null, claimedBy: 'o@firm.li', claimNote: 'done', overdueAt: '2026-10-04T00:00:00.000Z', verifiedAt: AT,
    verifiedSnapshotId: 'trading@1', verifiedSnapshotHash: 'h1', reappearedAt: null, reappearedSnapshotId: null, failure: 'HTTP 500', updatedAt: AT, ...over,
  };
}

const GRANT = { systemId: 'trading', grantId: 'g_1', accountId: 'alice', role: 'TRADER', scope: 'desk-1' };
const SNAPSHOT = { id: 'trading@2', systemId: 'trading', status: 'complete', contentHash: 'h2' };

describe('remediation events', () => {
  const store = openSqliteStore({ memory: true });
  const audit = new AuditLog(store.ledger, () => new Date(AT));
  const move = { from: 'requested' as const, remediation: remediation() };
  afterAll(() => store.close());

  it('each carries the grant, then its own fields', () => {
    expect(openedEvent(audit, 'policy', remediation(), 72)).toEqual({
      type: 'remediation.opened', actor: 'policy', subject: `rem:${ITEM}`, at: AT,
      data: { ...GRANT, itemId: ITEM, campaignId: 'review:2026-Q4', reason: { kind: 'decision', ref: ITEM }, requestedBy: 'm1@firm.li', dueAt: '2026-10-04T00:00:00.000Z', slaHours: 72, state: 'open' },
    });
    expect(verifiedEvent(audit, 'sync', move, SNAPSHOT).data).toEqual({ ...GRANT, from: 'requested', snapshotId: 'trading@2', snapshotHash: 'h2', dueAt: '2026-10-04T00:00:00.000Z', verifiedAt: AT });
    expect(reappearedEvent(audit, 'sync', move, SNAPSHOT).data).toEqual({ ...GRANT, from: 'requested', snapshotId: 'trading@2', snapshotHash: 'h2', verifiedSnapshotId: 'trading@1' });
    expect(overdueEvent(audit, 'scheduler', move).data).toEqual({ ...GRANT, from: 'requested', dueAt: '2026-10-04T00:00:00.000Z', overdueAt: '2026-10-04T00:00:00.000Z' });
    expect(claimedEvent(audit, 'o@firm.li', move).data).toEqual({ ...GRANT, from: 'requested', by: 'o@firm.li', note: 'done' });
  });

  it('requested and failed add what the caller says, over their own fields', () => {
    expect(requestedEvent(audit, 'scheduler', move, { mode: 'ticket', ref: 'JIRA-1' }).data).toEqual({
      ...GRANT, from: 'requested', requestedAt: '2026-10-02T00:00:00.000Z', dueAt: '2026-10-04T00:00:00.000Z', mode: 'ticket', ref: 'JIRA-1',
    });
    expect(failedEvent(audit, 'scheduler', move, { mode: 'auto', failure: 'HTTP 403: missing permission' }).data).toEqual({
      ...GRANT, from: 'requested', failure: 'HTTP 403: missing permission', mode: 'auto',
    });
  });

  it('one event never shares its data object with another', () => {
    const a = verifiedEvent(audit, 'sync', move, SNAPSHOT);
    const b = verifiedEvent(audit, 'sync', move, SNAPSHOT);
    a.data.extra = 1;
    expect(b.data).not.toHaveProperty('extra');
  });
});
