/**
 * The snapshot lifecycle both stores follow: the transition table, and the guards' decisions
 * and messages for every status.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTANCE,
  assertCreatable,
  assertFinishOutcome,
  canTransition,
  promotionOf,
  requireSnapshot,
  requireWritable,
  SNAPSHOT_STATUSES,
  SNAPSHOT_TRANSITIONS,
  WRITABLE_SNAPSHOT_STATUS,
} from '../../src/domain/index.js';
import type { SnapshotStatus } from '../../src/domain/index.js';

const others = (kept: SnapshotStatus) => SNAPSHOT_STATUSES.filter((s) => s !== kept);

describe('snapshot transitions', () => {
  it('a running snapshot finishes as complete, partial, failed or quarantined; a quarantined one is accepted as complete; nothing else moves', () => {
    const allowed: string[] = [];
    for (const from of SNAPSHOT_STATUSES) {
      for (const to of SNAPSHOT_STATUSES) if (canTransition(from, to)) allowed.push(`${from} -> ${to}`);
    }
    expect(allowed.sort()).toEqual(['quarantined -> complete', 'running -> complete', 'running -> failed', 'running -> partial', 'running -> quarantined']);
    expect(Object.keys(SNAPSHOT_TRANSITIONS).sort()).toEqual([...SNAPSHOT_STATUSES].sort());
  });

  it('the statuses the stores write conditionally on are moves of the table', () => {
    expect(WRITABLE_SNAPSHOT_STATUS).toBe('running');
    expect(SNAPSHOT_TRANSITIONS[WRITABLE_SNAPSHOT_STATUS].length).toBeGreaterThan(0);
    expect(ACCEPTANCE).toEqual({ from: 'quarantined', to: 'complete' });
    expect(canTransition(ACCEPTANCE.from, ACCEPTANCE.to)).toBe(true);
  });
});

describe('snapshot guards', () => {
  it('create takes a running snapshot only', () => {
    expect(() => assertCreatable({ id: 's1', status: 'running' })).not.toThrow();
    for (const status of others('running')) {
      expect(() => assertCreatable({ id: 's1', status })).toThrow(new Error(`snapshot s1 must be created running, not ${status}`));
    }
  });

  it('finish records an outcome the table allows from running, and refuses running itself', () => {
    for (const status of ['complete', 'partial', 'failed', 'quarantined'] as const) expect(() => assertFinishOutcome('s1', status)).not.toThrow();
    expect(() => assertFinishOutcome('s1', 'running')).toThrow(
      new Error('snapshot s1 cannot finish as running: a running snapshot finishes as complete, partial, failed, quarantined'),
    );
  });

  it('only an existing, running snapshot takes data', () => {
    const running = { status: 'running' as const, systemId: 'vault' };
    expect(requireWritable('s1', running)).toBe(running);
    expect(() => requireWritable('s1', null)).toThrow(new Error('snapshot s1 does not exist'));
    for (const status of others('running')) {
      expect(() => requireWritable('s1', { status })).toThrow(new Error(`snapshot s1 is ${status}: only a running snapshot takes data`));
    }
    expect(requireSnapshot('s1', running)).toBe(running);
    expect(() => requireSnapshot('s1', null)).toThrow(new Error('snapshot s1 does not exist'));
  });

  it('promotion: a complete snapshot becomes current as it is; a quarantined one only accepted by someone', () => {
    const complete = { status: 'complete' as const, systemId: 'vault' };
    expect(promotionOf('s1', complete)).toEqual({ snapshot: complete, acceptedBy: null });
    expect(promotionOf('s1', complete, 'ciso@firm.li')).toEqual({ snapshot: complete, acceptedBy: null });
    const quarantined = { status: 'quarantined' as const };
    expect(promotionOf('s1', quarantined, 'ciso@firm.li')).toEqual({ snapshot: quarantined, acceptedBy: 'ciso@firm.li' });
    for (const acceptedBy of [undefined, '']) {
      expect(() => promotionOf('s1', quarantined, acceptedBy)).toThrow(
        new Error('cannot promote snapshot s1: it is quarantined; it becomes current only when accepted explicitly (acceptedBy)'),
      );
    }
    for (const status of ['running', 'partial', 'failed'] as const) {
      expect(() => promotionOf('s1', { status }, 'ciso@firm.li')).toThrow(
        new Error(`cannot promote snapshot s1: its status is ${status}; only a complete snapshot becomes current`),
      );
    }
    expect(() => promotionOf('s1', null, 'ciso@firm.li')).toThrow(new Error('cannot promote snapshot s1: it does not exist'));
  });
});
