/**
 * Server-less checks of the MongoDB remediation adapter: the schema accepts a document built
 * from a valid remediation and maps it back exactly, refuses a bad state or an unknown path; the
 * filters of every move name the states it starts from (and "overdue once"), refuse a value
 * that is not a string, and survive sanitizeFilter (every operator in them is the adapter's own).
 */
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { movesInto } from '../../src/domain/index.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { allPageFilter, checkPageFilter, listFilter, moveFilter, moveSet, pastDueFilter, presentGrantsFilter, revocationsPageFilter } from '../../src/store/mongo/remediation-queries.js';
import { remediationDoc, toRemediation } from '../../src/store/mongo/remediation-schema.js';
import { remediationFor } from './remediation-ledger-contract.js';
import { at, campaign, grant, item } from './store-fixtures.js';

const connection = mongoose.createConnection();
const models = createModels(connection);
afterAll(async () => {
  await connection.close();
});

const INJECTED = { $ne: null } as unknown as string;
const r = remediationFor(item(campaign('quarterly', '2026-Q1'), grant('vault', 'alice', 'admin', { scope: '' }), 'mgr-1'), {
  state: 'verified',
  verifiedAt: at(50),
  verifiedSnapshotId: 's2',
  verifiedSnapshotHash: 'h'.repeat(64),
});

function expectSanitizeSafe(filter: Record<string, unknown>): void {
  const before = JSON.stringify(filter);
  expect(JSON.stringify(mongoose.sanitizeFilter(filter))).toBe(before);
}

describe('remediation schema', () => {
  it('accepts a remediation (empty scope included) and maps it back exactly', async () => {
    const doc = remediationDoc(r);
    await expect(new models.remediations(doc).validate()).resolves.toBeUndefined();
    expect(doc._id).toBe(r.id);
    expect(toRemediation(doc)).toEqual(r);
  });

  it('refuses an unknown state, an unknown reason kind, a malformed timestamp and an unknown path', async () => {
    await expect(new models.remediations({ ...remediationDoc(r), state: 'done' }).validate()).rejects.toThrow(/state/);
    await expect(new models.remediations({ ...remediationDoc(r), reason: { kind: 'whim', ref: 'x' } }).validate()).rejects.toThrow(/kind/);
    await expect(new models.remediations({ ...remediationDoc(r), dueAt: 'tomorrow' }).validate()).rejects.toThrow(/dueAt/);
    expect(() => new models.remediations({ ...remediationDoc(r), color: 'red' })).toThrow(/color/);
  });

  it('the revoke decisions are read in _id pages through an { outcome, _id } index (revocationsWithout)', () => {
    expect(models.decisions.schema.indexes().map(([keys]) => keys)).toContainEqual({ outcome: 1, _id: 1 });
  });

  it('one remediation per revoked item (unique itemId where there is one); system and due-time indexes', () => {
    const indexes = models.remediations.schema.indexes();
    expect(indexes).toContainEqual([{ itemId: 1 }, expect.objectContaining({ unique: true, partialFilterExpression: { itemId: { $type: 'string' } } })]);
    expect(indexes.map(([keys]) => keys)).toEqual(expect.arrayContaining([{ systemId: 1, state: 1, _id: 1 }, { state: 1, dueAt: 1, _id: 1 }]));
  });
});

describe('remediation queries', () => {
  it('a move names the states it starts from; into overdue only while overdueAt is unset', () => {
    const claim = moveFilter(['rem:a', 'rem:b'], ['open', 'requested'], 'claimed');
    expect(structuredClone(claim)).toEqual({ _id: { $in: ['rem:a', 'rem:b'] }, state: { $in: ['open', 'requested'] } });
    expect(structuredClone(moveFilter(['rem:a'], movesInto('overdue'), 'overdue'))).toEqual({ _id: { $in: ['rem:a'] }, state: { $in: movesInto('overdue') }, overdueAt: null });
    expectSanitizeSafe(claim);
  });

  it('a move sets the state, updatedAt and the patch fields only; null clears a field', () => {
    expect(moveSet('failed', { failure: 'HTTP 500', requestedAt: null, updatedAt: at(5) })).toEqual({ state: 'failed', updatedAt: at(5), failure: 'HTTP 500', requestedAt: null });
    expect(() => moveSet('claimed', { updatedAt: at(5), state: 'verified' } as never)).toThrow(/cannot set state/);
    expect(() => moveSet('claimed', { updatedAt: at(5), claimedBy: INJECTED })).toThrow(/claimedBy must be a string/);
  });

  it('refuses injected values and unknown states in every filter', () => {
    expect(() => moveFilter([INJECTED], ['open'], 'claimed')).toThrow(/must be a string/);
    expect(() => moveFilter(['rem:a'], ['open', 'gone' as never], 'claimed')).toThrow(/remediation state/);
    expect(() => listFilter({ systemId: INJECTED })).toThrow(/must be a string/);
    expect(() => listFilter({ state: INJECTED as never })).toThrow(/must be a string/);
    expect(() => checkPageFilter('vault', ['open'], INJECTED)).toThrow(/must be a string/);
    expect(() => presentGrantsFilter('s1', ['g_1', INJECTED])).toThrow(/must be a string/);
    expect(() => revocationsPageFilter(INJECTED)).toThrow(/must be a string/);
    expect(() => pastDueFilter(INJECTED)).toThrow(/must be a string/);
    expect(() => allPageFilter(INJECTED)).toThrow(/must be a string/);
  });

  it('the reads: a system page after an id; grants of a snapshot among a page; revocations after an item id; past due', () => {
    const page = checkPageFilter('vault', ['open', 'claimed'], 'rem:a');
    expect(structuredClone(page)).toEqual({ systemId: 'vault', state: { $in: ['open', 'claimed'] }, _id: { $gt: 'rem:a' } });
    expect(structuredClone(checkPageFilter('vault', ['open'], null))).toEqual({ systemId: 'vault', state: { $in: ['open'] } });
    expect(structuredClone(presentGrantsFilter('s1', ['g_1', 'g_2']))).toEqual({ snapshotId: 's1', grantId: { $in: ['g_1', 'g_2'] } });
    expect(structuredClone(revocationsPageFilter('q:1/g_1'))).toEqual({ outcome: 'revoke', _id: { $gt: 'q:1/g_1' } });
    expect(structuredClone(pastDueFilter(at(60)))).toEqual({ state: { $in: ['open', 'requested', 'claimed', 'failed'] }, overdueAt: null, dueAt: { $lte: at(60) } });
    expect(structuredClone(allPageFilter('rem:a'))).toEqual({ _id: { $gt: 'rem:a' } });
    expect(allPageFilter(null)).toEqual({});
    for (const filter of [page, presentGrantsFilter('s1', ['g_1']), revocationsPageFilter('x'), pastDueFilter(at(60)), allPageFilter('rem:a')]) expectSanitizeSafe(filter);
  });
});
