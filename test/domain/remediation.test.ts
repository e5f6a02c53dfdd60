import { describe, expect, it } from 'vitest';
import {
  becomesOverdue,
  canMove,
  DEFAULT_REMEDIATION_SLA_HOURS,
  movesInto,
  REMEDIATION_STATES,
  remediationDueAt,
  remediationId,
  slaHoursFor,
  UNVERIFIED_STATES,
  verificationBlocker,
} from '../../src/domain/index.js';

describe('remediation states', () => {
  it('verified only from a state still awaiting removal; reappeared only from verified; nothing after reappeared', () => {
    expect(movesInto('verified')).toEqual([...UNVERIFIED_STATES].sort((a, b) => REMEDIATION_STATES.indexOf(a) - REMEDIATION_STATES.indexOf(b)));
    expect(movesInto('reappeared')).toEqual(['verified']);
    expect(REMEDIATION_STATES.filter((s) => canMove('reappeared', s))).toEqual([]);
    expect(REMEDIATION_STATES.filter((s) => canMove('verified', s))).toEqual(['reappeared']);
  });

  it('a claim never verifies and never leaves a verified remediation; claimed moves only to verified or overdue', () => {
    expect(REMEDIATION_STATES.filter((s) => canMove('claimed', s))).toEqual(['verified', 'overdue']);
    expect(canMove('verified', 'claimed')).toBe(false);
    expect(movesInto('claimed')).toEqual(['open', 'requested', 'overdue', 'failed']);
    expect(canMove('open', 'open')).toBe(false);
  });

  it('overdue: past due, not verified, marked once', () => {
    const r = { state: 'open' as const, dueAt: '2026-03-02T10:00:00.000Z', overdueAt: null };
    expect(becomesOverdue(r, '2026-03-02T09:59:59.999Z')).toBe(false);
    expect(becomesOverdue(r, '2026-03-02T10:00:00.000Z')).toBe(true);
    expect(becomesOverdue({ ...r, state: 'claimed' }, '2026-03-03T00:00:00.000Z')).toBe(true);
    expect(becomesOverdue({ ...r, state: 'claimed', overdueAt: '2026-03-02T10:00:00.000Z' }, '2026-03-03T00:00:00.000Z')).toBe(false);
    expect(becomesOverdue({ ...r, state: 'verified' }, '2026-03-03T00:00:00.000Z')).toBe(false);
  });
});

describe('verification guard', () => {
  const s = { id: 's2', systemId: 'vault', status: 'complete', contentHash: 'h' };
  it('only the complete snapshot that is the applied state of its system verifies', () => {
    expect(verificationBlocker(s, 's2')).toBeNull();
    for (const status of ['partial', 'quarantined', 'failed', 'running']) expect(verificationBlocker({ ...s, status }, 's2')).toMatch(new RegExp(`is ${status}, not complete`));
    expect(verificationBlocker(s, 's1')).toMatch(/not the applied state of vault \(that is s1\)/);
    expect(verificationBlocker(s, null)).toMatch(/not the applied state of vault: it verifies nothing/);
  });
});

describe('due time', () => {
  it('the system\'s own hours, else the default of its criticality (24 / 72 / 168), counted from the revocation', () => {
    expect(DEFAULT_REMEDIATION_SLA_HOURS).toEqual({ critical: 24, important: 72, standard: 168 });
    expect(slaHoursFor('critical', undefined)).toBe(24);
    expect(slaHoursFor('standard', undefined)).toBe(168);
    expect(slaHoursFor('standard', 4)).toBe(4);
    expect(slaHoursFor('important', undefined, { critical: 1, important: 2, standard: 3 })).toBe(2);
    expect(remediationDueAt('2026-03-01T10:00:00.000Z', 24)).toBe('2026-03-02T10:00:00.000Z');
    expect(remediationDueAt('2026-03-01T10:00:00+01:00', 1.5)).toBe('2026-03-01T10:30:00.000Z');
    expect(() => remediationDueAt('soon', 1)).toThrow(/not a timestamp/);
  });

  it('ids derive from the reason', () => {
    expect(remediationId({ kind: 'decision', ref: 'q:2026-Q1/g_1' })).toBe('rem:q:2026-Q1/g_1');
    expect(remediationId({ kind: 'finding', ref: 'leaver-access:vault:g_1' })).toBe('rem:finding:leaver-access:vault:g_1');
  });
});
