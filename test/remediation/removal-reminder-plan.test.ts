/**
 * When a `manual` system's owner is reminded of a removal (pure): once `reminderAtShare` of the
 * deadline has passed (the system's own share or deadline first, then policies/global.yaml's),
 * only for a removal asked for and not claimed, not past due, and not first asked for after
 * its reminder time; never for a system in another mode or with `reminderAtShare: false`.
 */
import { describe, expect, it } from 'vitest';
import type { SystemConfig } from '../../src/config/system-config.js';
import type { Remediation, RemediationState } from '../../src/domain/index.js';
import { reminderAt, removalsToRemind } from '../../src/remediation/removal-reminder-plan.js';

const HOUR = 3_600_000;
const DECIDED = Date.parse('2026-11-24T09:00:00.000Z');
const iso = (hours: number) => new Date(DECIDED + hours * HOUR).toISOString();
const GLOBAL = { remediation: { findings: [], slaHours: { critical: 24, important: 72, standard: 168 }, reminderAtShare: 0.75 as number | false } };

function removal(id: string, state: RemediationState, opts: { due?: number; requested?: number | null } = {}): Remediation {
  const requested = opts.requested === undefined ? 0.25 : opts.requested;
  return {
    id, itemId: id, campaignId: 'c', grantId: `g-${id}`, systemId: 'trading', accountId: id, role: 'TRADER', scope: '', reason: { kind: 'decision', ref: id }, requestedBy: 'boss@example.com',
    openedAt: iso(0.25), dueAt: iso(opts.due ?? 24), state, requestedAt: requested === null ? null : iso(requested), claimedAt: null, claimedBy: null, claimNote: null, overdueAt: null,
    verifiedAt: null, verifiedSnapshotId: null, verifiedSnapshotHash: null, reappearedAt: null, reappearedSnapshotId: null, failure: null, updatedAt: iso(0.25),
  };
}

const system = (remediation?: SystemConfig['remediation'], criticality: SystemConfig['criticality'] = 'critical') => ({ criticality, remediation });
const ids = (xs: ReadonlyArray<{ remediation: Remediation }>) => xs.map((x) => x.remediation.id);

describe('removal reminder plan', () => {
  it('the reminder time is (1 - share) x deadline before the due time', () => {
    expect(reminderAt(iso(24), 24, 0.75)).toBe(iso(18));
    expect(reminderAt(iso(72), 72, 0.5)).toBe(iso(36));
  });

  it('default: a critical system (24 h) reminds requested removals from 18 h until the due time', () => {
    const list = [removal('a', 'requested'), removal('b', 'requested', { due: 30 })];
    expect(ids(removalsToRemind(system(), GLOBAL, list, new Date(DECIDED + 17.99 * HOUR)))).toEqual([]);
    expect(removalsToRemind(system(), GLOBAL, list, new Date(DECIDED + 18 * HOUR))).toEqual([{ remediation: list[0], remindAt: iso(18) }]);
    expect(ids(removalsToRemind(system(), GLOBAL, list, new Date(DECIDED + 24 * HOUR)))).toEqual(['b']);
  });

  it('only requested removals: not open (never asked), claimed, overdue, failed or verified ones', () => {
    const states: RemediationState[] = ['open', 'claimed', 'overdue', 'failed', 'verified', 'reappeared', 'requested'];
    expect(ids(removalsToRemind(system(), GLOBAL, states.map((s) => removal(s, s)), new Date(DECIDED + 20 * HOUR)))).toEqual(['requested']);
  });

  it('a removal first asked for after its reminder time is not reminded', () => {
    expect(ids(removalsToRemind(system(), GLOBAL, [removal('late', 'requested', { requested: 19 }), removal('on-time', 'requested', { requested: 18 })], new Date(DECIDED + 20 * HOUR)))).toEqual(['on-time']);
  });

  it('the system’s own deadline and share come first; importance sets the default deadline', () => {
    const now = (h: number) => new Date(DECIDED + h * HOUR);
    expect(ids(removalsToRemind(system({ mode: 'manual', slaHours: 4 }), GLOBAL, [removal('a', 'requested', { due: 4 })], now(2.99)))).toEqual([]);
    expect(ids(removalsToRemind(system({ mode: 'manual', slaHours: 4 }), GLOBAL, [removal('a', 'requested', { due: 4 })], now(3)))).toEqual(['a']);
    expect(ids(removalsToRemind(system({ mode: 'manual', reminderAtShare: 0.5 }), GLOBAL, [removal('a', 'requested')], now(12)))).toEqual(['a']);
    expect(ids(removalsToRemind(system(undefined, 'important'), GLOBAL, [removal('a', 'requested', { due: 72 })], now(53.99)))).toEqual([]);
    expect(ids(removalsToRemind(system(undefined, 'important'), GLOBAL, [removal('a', 'requested', { due: 72 })], now(54)))).toEqual(['a']);
  });

  it('no reminders with reminderAtShare false (system or global), nor outside manual mode', () => {
    const list = [removal('a', 'requested')];
    const now = new Date(DECIDED + 20 * HOUR);
    expect(removalsToRemind(system({ mode: 'manual', reminderAtShare: false }), GLOBAL, list, now)).toEqual([]);
    expect(removalsToRemind(system(), { remediation: { ...GLOBAL.remediation, reminderAtShare: false } }, list, now)).toEqual([]);
    expect(ids(removalsToRemind(system({ mode: 'manual', reminderAtShare: 0.75 }), { remediation: { ...GLOBAL.remediation, reminderAtShare: false } }, list, now))).toEqual(['a']);
    expect(removalsToRemind(system({ mode: 'auto' }), GLOBAL, list, now)).toEqual([]);
  });
});
