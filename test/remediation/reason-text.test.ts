/** Why a removal is asked for, in words: a finding's remediation (no review item) names the leaver finding and when it was raised. */
import { describe, expect, it } from 'vitest';
import { findingRef } from '../../src/domain/index.js';
import { reasonText } from '../../src/remediation/reason-text.js';
import { placeholderValues } from '../../src/remediation/tickets/ticket-payload.js';

const key = 'leaver-access|global:leaver-access|g_0123';

describe('reasonText', () => {
  it('a revoke names its review item; a leaver finding says the owner left, with the finding and when it was first raised', () => {
    expect(reasonText({ reason: { kind: 'decision', ref: 'c1/g_1' } })).toBe('revoked in review item c1/g_1');
    expect(reasonText({ reason: { kind: 'finding', ref: findingRef(key, '2026-09-02T09:00:00.000Z') } })).toBe(
      `leaver: its owner has left (disabled or terminated in the identity source) (finding ${key}, first raised 2026-09-02T09:00:00.000Z)`,
    );
    expect(reasonText({ reason: { kind: 'finding', ref: findingRef('contract-ended|global:contract-ended|g_9', '2026-09-02T09:00:00.000Z') } })).toMatch(/^contract ended: /);
  });

  it('a ticket of a finding remediation (itemId null) says so in {reason}', () => {
    const system = { id: 'trading', name: 'Trading', owner: 'o@example.com' } as Parameters<typeof placeholderValues>[0];
    const r = { id: 'rem:finding:x', systemId: 'trading', accountId: 'acc', role: 'TRADER', scope: '', dueAt: '2026-09-03T09:00:00.000Z', requestedBy: 'policy', itemId: null, reason: { kind: 'finding' as const, ref: findingRef(key, '2026-09-02T09:00:00.000Z') } };
    expect(placeholderValues(system, r as unknown as Parameters<typeof placeholderValues>[1]).reason).toMatch(/^leaver: its owner has left/);
  });
});
