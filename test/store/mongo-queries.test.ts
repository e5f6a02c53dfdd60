/**
 * The exact filters, updates and options the MongoDB adapter sends, checked without a server:
 * the pure builders directly, and the important operations as mongoose queries on real models
 * (Query#getFilter / getUpdate / getOptions). Also: every value a caller supplies must be a
 * string (an object such as { $ne: null } is refused), and the adapter's own operators survive
 * sanitizeFilter while an injected one does not.
 */
import mongoose from 'mongoose';
import type { Model } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyRun } from '../../src/domain/index.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent, upsertLastWins } from '../../src/store/mongo/bulk-ops.js';
import {
  approvedItemsFilter,
  completeDecisionOp,
  completeItemQuery,
  createCampaignQuery,
  createdCampaign,
  decideFilter,
  decideUpdate,
  expireUpdate,
  itemsFilter,
  newestCertified,
  pendingForReviewerFilter,
  pendingItemsFilter,
  pendingItemsPageFilter,
  reassignQuery,
  transitionQuery,
} from '../../src/store/mongo/campaign-queries.js';
import { campaignDoc } from '../../src/store/mongo/campaign-schema.js';
import { claimDeliveryQuery, deliveryListFilter, deliveryPatchUpdate } from '../../src/store/mongo/delivery-queries.js';
import { asInteger, asString, asStrings, operator } from '../../src/store/mongo/filter-value.js';
import { byIds, openedFindings, openFindingsFilter, raiseFindingOp, unseenFindingsFilter } from '../../src/store/mongo/finding-queries.js';
import { grantDoc } from '../../src/store/mongo/grant-schema.js';
import { currentIdentitiesFilter } from '../../src/store/mongo/identity-queries.js';
import { appendKeyFilter, chainEvents, ledgerQueryFilter, seqRangeFilter, storedAppendFilter } from '../../src/store/mongo/ledger-queries.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { listedUserOp, slackEmailFilter, unlistedUsersFilter } from '../../src/store/mongo/slack-user-queries.js';
import { claimSlotQuery, completeSlotFilter, lastCompletedFilter, slotClaim } from '../../src/store/mongo/scheduler-queries.js';
import {
  acceptFilter,
  acceptUpdate,
  appliedUpdate,
  currentUpdate,
  derivedChangesFilter,
  finishQuery,
  grantPageFilter,
  inSnapshots,
  snapshotListFilter,
  storedChangesUpdate,
  supersededFilter,
} from '../../src/store/mongo/snapshot-queries.js';
import { at, campaign, decision, delivery, evaluation, finding, finish, grant, item, slackUser, T0 } from './store-fixtures.js';

const connection = mongoose.createConnection();
const models = createModels(connection);

afterAll(async () => {
  await connection.close();
});

const INJECTED = { $ne: null } as unknown as string;
const g = grant('vault', 'alice', 'admin');
const c = campaign('quarterly', '2026-Q1');
const i = item(c, g, 'mgr-1');

/** The value without mongoose's trusted marks (a symbol property), for plain deep equality. */
function plain<T>(value: T): T {
  return structuredClone(value);
}

/** The operation a query will run. */
function opOf(query: object): string {
  return (query as { op?: string }).op ?? '';
}

/** Every `$set` / `$setOnInsert` path of an update is a path of the model's schema. */
function expectSchemaPaths(model: Model<never>, update: Record<string, Record<string, unknown>>): void {
  for (const [operatorName, fields] of Object.entries(update)) {
    for (const path of Object.keys(fields)) {
      expect(model.schema.path(path), `${operatorName}.${path}`).toBeDefined();
    }
  }
}

/** The filter survives sanitizeFilter unchanged: every operator in it is the adapter's own. */
function expectSanitizeSafe(filter: Record<string, unknown>): void {
  const before = JSON.stringify(filter);
  expect(JSON.stringify(mongoose.sanitizeFilter(filter))).toBe(before);
}

describe('decisions and items', () => {
  const d = decision(i, 'revoke', { decidedAt: at(30) });

  it('decide is one conditional update: filter { _id, state: pending }, the outcome, the decision id and time', () => {
    const query = completeItemQuery(models.reviewItems, d);
    expect(opOf(query)).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ _id: i.id, state: 'pending' });
    expect(query.getUpdate()).toEqual({ $set: { state: 'revoked', decisionId: d.id, updatedAt: at(30) } });
    expect(query.getOptions()).toMatchObject({ returnDocument: 'after', runValidators: true });
    expect(query.getOptions().upsert).toBeUndefined();
    expect(decideUpdate({ ...d, outcome: 'approve' }).$set.state).toBe('approved');
    expect(decideFilter('x')).toEqual({ _id: 'x', state: 'pending' });
  });

  it('the crash repair of expirePending sends the same conditional update in bulk', () => {
    expect(completeDecisionOp(d)).toEqual({ updateOne: { filter: { _id: i.id, state: 'pending' }, update: decideUpdate(d) } });
  });

  it('reassign moves only a pending item assigned to the named reviewer', () => {
    const query = reassignQuery(models.reviewItems, i.id, 'mgr-1', 'mgr-9', 'delegated', at(5));
    expect(opOf(query)).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ _id: i.id, state: 'pending', reviewerId: 'mgr-1' });
    expect(query.getUpdate()).toEqual({ $set: { reviewerId: 'mgr-9', reviewerSource: 'delegated', updatedAt: at(5) } });
    // The item as it was: its events name the reviewer it moved from.
    expect(query.getOptions()).toMatchObject({ returnDocument: 'before', runValidators: true });
  });

  it('expirePending: every pending item of the campaign; its pages start after the last id', () => {
    expect(pendingItemsFilter(c.id)).toEqual({ campaignId: c.id, state: 'pending' });
    expect(expireUpdate(at(99))).toEqual({ $set: { state: 'expired', updatedAt: at(99) } });
    expect(pendingItemsPageFilter(c.id, null)).toEqual({ campaignId: c.id, state: 'pending' });
    expect(plain(pendingItemsPageFilter(c.id, 'i-7'))).toEqual({ campaignId: c.id, state: 'pending', _id: { $gt: 'i-7' } });
  });

  it('item lists: by campaign, reviewer, state; pending for a reviewer only in open campaigns', () => {
    expect(itemsFilter(c.id, {})).toEqual({ campaignId: c.id });
    expect(itemsFilter(c.id, { reviewerId: 'mgr-1', state: 'pending' })).toEqual({ campaignId: c.id, reviewerId: 'mgr-1', state: 'pending' });
    expect(plain(pendingForReviewerFilter('mgr-1', ['a', 'b']))).toEqual({ reviewerId: 'mgr-1', state: 'pending', campaignId: { $in: ['a', 'b'] } });
    expect(approvedItemsFilter(c.id, 'vault')).toEqual({ campaignId: c.id, systemId: 'vault', state: 'approved' });
  });
});

describe('campaigns', () => {
  it('create is one upsert keyed by (reviewId, period) that never changes a stored campaign', () => {
    const query = createCampaignQuery(models.campaigns, c);
    expect(opOf(query)).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ reviewId: 'quarterly', period: '2026-Q1' });
    const update = query.getUpdate() as Record<string, Record<string, unknown>>;
    expect(Object.keys(update)).toEqual(['$setOnInsert']);
    expect(update.$setOnInsert).toEqual({ _id: c.id, name: c.name, state: 'open', openedAt: c.openedAt, dueAt: c.dueAt, closedAt: null, openedBy: 'scheduler' });
    expect(query.getOptions()).toMatchObject({ upsert: true, returnDocument: 'after', includeResultMetadata: true });
  });

  it("create tells inserted from existing by the reply's metadata, and refuses to guess without it", () => {
    const doc = { ...campaignDoc(c) };
    // MongoDB's reply to an upsert that inserted, and to one that matched.
    expect(createdCampaign({ value: doc, lastErrorObject: { n: 1, updatedExisting: false, upserted: c.id } as never }, c.id)).toEqual({ doc, created: true });
    expect(createdCampaign({ value: doc, lastErrorObject: { n: 1, updatedExisting: true } as never }, c.id)).toEqual({ doc, created: false });
    // A server that names the insert but leaves updatedExisting out still created it.
    expect(createdCampaign({ value: doc, lastErrorObject: { upserted: c.id } }, c.id)).toEqual({ doc, created: true });
    // Missing or silent metadata: never reported as "existing".
    expect(() => createdCampaign({ value: doc }, c.id)).toThrow(`campaign ${c.id}: the server's reply does not say whether it was inserted (lastErrorObject: null)`);
    expect(() => createdCampaign({ value: doc, lastErrorObject: { n: 1 } as never }, c.id)).toThrow(/does not say whether it was inserted \(lastErrorObject: \{"n":1\}\)/);
    expect(() => createdCampaign({ value: doc, lastErrorObject: { updatedExisting: false } }, c.id)).toThrow(/does not say whether it was inserted/);
    expect(() => createdCampaign({ value: doc, lastErrorObject: { upserted: 'other-id' } }, c.id)).toThrow(`the server reports inserting other-id, but returned ${c.id}`);
    expect(() => createdCampaign({ value: null, lastErrorObject: { updatedExisting: true } }, c.id)).toThrow(`campaign ${c.id} was neither found nor created`);
  });

  it('transition is conditional on the from state; closing sets closedAt', () => {
    const close = transitionQuery(models.campaigns, c.id, 'open', 'closed', at(2));
    expect(opOf(close)).toBe('findOneAndUpdate');
    expect(close.getOptions()).toMatchObject({ returnDocument: 'after', runValidators: true });
    expect(close.getFilter()).toEqual({ _id: c.id, state: 'open' });
    expect(close.getUpdate()).toEqual({ $set: { state: 'closed', closedAt: at(2) } });
    expect(transitionQuery(models.campaigns, c.id, 'opening', 'open', at(1)).getUpdate()).toEqual({ $set: { state: 'open' } });
  });

  it('lastCertification picks the newest closed campaign by closedAt, else openedAt', () => {
    const q3 = campaign('quarterly', '2025-Q3', { state: 'closed', closedAt: at(100) });
    const q4 = campaign('quarterly', '2025-Q4', { state: 'closed', closedAt: at(200) });
    const noCloseTime = campaign('adhoc', '2026', { state: 'closed', closedAt: null, openedAt: at(150) });
    expect(newestCertified([q3, q4, noCloseTime])).toEqual({ campaign: q4, certifiedAt: at(200) });
    expect(newestCertified([q3, noCloseTime])).toEqual({ campaign: noCloseTime, certifiedAt: at(150) });
    expect(newestCertified([])).toBeNull();
  });
});

describe('snapshots', () => {
  it('finish records an outcome only on a running snapshot', () => {
    const outcome = finish('partial', { problems: ['page 3 timed out'] });
    const query = finishQuery(models.snapshots, 's1', outcome);
    expect((query as unknown as { op: string }).op).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ _id: 's1', status: 'running' });
    expect(query.getUpdate()).toEqual({
      $set: {
        status: 'partial',
        finishedAt: outcome.finishedAt,
        durationMs: outcome.durationMs,
        counts: outcome.counts,
        problems: ['page 3 timed out'],
        contentHash: outcome.contentHash,
        contentSum: null,
        previousSnapshotId: null,
      },
    });
    // The running sum behind the hash, when the sync gives it (SnapshotFinish.contentSum).
    const sum = `grant-set/v1 2 ${'0'.repeat(64)}`;
    expect(finishQuery(models.snapshots, 's1', { ...outcome, contentSum: sum }).getUpdate()).toMatchObject({ $set: { contentSum: sum } });
    expect(query.getOptions()).toMatchObject({ runValidators: true, new: true });
  });

  it('promotion points the system at the snapshot', () => {
    expect(currentUpdate({ id: 's1', systemId: 'vault' })).toEqual([{ _id: 'vault' }, { $set: { snapshotId: 's1' } }]);
    // A promoted snapshot is marked applied: pruneGrants keeps its grants (supersededFilter below).
    expect(appliedUpdate('s1')).toEqual([{ _id: 's1' }, { $set: { applied: true } }]);
    expect(() => appliedUpdate(INJECTED)).toThrow();
  });

  it('accepting a quarantined snapshot is conditional on its status', () => {
    expect(acceptFilter('s1')).toEqual({ _id: 's1', status: 'quarantined' });
    expect(acceptUpdate('ciso@firm.li')).toEqual({ $set: { status: 'complete', acceptedBy: 'ciso@firm.li' } });
  });

  it('grants and changes page by grant id after the last one seen', () => {
    expect(grantPageFilter('s1', null)).toEqual({ snapshotId: 's1' });
    expect(plain(grantPageFilter('s1', 'g_5'))).toEqual({ snapshotId: 's1', grantId: { $gt: 'g_5' } });
  });

  it('pruning selects superseded snapshots: same system, not running, older than the current one', () => {
    expect(plain(supersededFilter({ id: 'v4', systemId: 'vault', startedAt: at(30) }))).toEqual({
      systemId: 'vault',
      status: { $ne: 'running' },
      applied: { $ne: true },
      $or: [{ startedAt: { $lt: at(30) } }, { startedAt: at(30), _id: { $lt: 'v4' } }],
    });
    expect(plain(inSnapshots(['v1', 'v2']))).toEqual({ snapshotId: { $in: ['v1', 'v2'] } });
  });

  it('a first snapshot derives its changes until pruning stores them as lines and unsets its flag', () => {
    expect(plain(derivedChangesFilter(['v1', 'v2']))).toEqual({ _id: { $in: ['v1', 'v2'] }, changesDerived: true });
    expect(() => derivedChangesFilter([INJECTED])).toThrow();
    expect(storedChangesUpdate('v1')).toEqual([{ _id: 'v1' }, { $unset: { changesDerived: 1 } }]);
    expect(() => storedChangesUpdate(INJECTED)).toThrow();
  });

  it('list filters only by what is given', () => {
    expect(snapshotListFilter({})).toEqual({});
    expect(snapshotListFilter({ systemId: 'vault', status: 'failed' })).toEqual({ systemId: 'vault', status: 'failed' });
  });
});

describe('bulk writes', () => {
  it('grants (last wins) are $set upserts by derived _id; insert-if-absent writes use $setOnInsert', () => {
    const doc = grantDoc('s1', g);
    const { _id, ...fields } = doc;
    expect(upsertLastWins(doc)).toEqual({ updateOne: { filter: { _id }, update: { $set: fields }, upsert: true } });
    expect(insertIfAbsent(doc)).toEqual({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } });
    expect(_id).toBe(JSON.stringify(['s1', g.id]));
    expect(BULK_WRITE_OPTIONS).toEqual({ ordered: false, throwOnValidationError: true });
    expectSchemaPaths(models.grants as unknown as Model<never>, { $set: fields });
  });

  it('raising a finding refreshes the open one or opens a new one, in one upsert', () => {
    const f = finding('dormant', 'vault', 'g1', { severity: 'high' });
    const op = raiseFindingOp(f, { id: 'e2', at: at(10) }) as { updateOne: { filter: Record<string, unknown>; update: Record<string, Record<string, unknown>>; upsert: boolean } };
    expect(op.updateOne.filter).toEqual({ key: f.key, resolvedAt: null });
    expect(op.updateOne.upsert).toBe(true);
    expect(op.updateOne.update.$set).toEqual({ severity: 'high', reason: f.reason, evidence: f.evidence, evaluationId: 'e2', lastSeenAt: at(10) });
    expect(op.updateOne.update.$setOnInsert).toMatchObject({ _id: JSON.stringify([f.key, at(10)]), firstSeenAt: at(10), type: 'dormant', ruleId: 'rule-1' });
    // The filter's equalities (key, resolvedAt) seed the inserted document; the two operators never touch one path twice.
    const setKeys = Object.keys(op.updateOne.update.$set ?? {});
    const insertKeys = Object.keys(op.updateOne.update.$setOnInsert ?? {});
    expect(setKeys.filter((k) => insertKeys.includes(k))).toEqual([]);
    expect([...setKeys, ...insertKeys]).not.toContain('key');
    expectSchemaPaths(models.findings as unknown as Model<never>, op.updateOne.update);
  });

  it('resolving: open findings of the evaluated systems not raised by this evaluation', () => {
    expect(plain(unseenFindingsFilter(evaluation('e2', at(10), ['vault', 'wallet'])))).toEqual({
      resolvedAt: null,
      evaluationId: { $ne: 'e2' },
      systemId: { $in: ['vault', 'wallet'] },
    });
    expect(openFindingsFilter({})).toEqual({ resolvedAt: null });
    expect(plain(openFindingsFilter({ systemId: 'vault', grantIds: ['g1'] }))).toEqual({ resolvedAt: null, systemId: 'vault', grantId: { $in: ['g1'] } });
    expect(plain(byIds(['a|1', 'b|2']))).toEqual({ _id: { $in: ['a|1', 'b|2'] }, resolvedAt: null });
  });

  it('the findings a chunk opened are those of its upserted operations, in chunk order', () => {
    const chunk = [finding('dormant', 'vault', 'g1'), finding('dormant', 'vault', 'g2'), finding('dormant', 'vault', 'g3')];
    expect(openedFindings(chunk, { 2: 'x', 0: 'y' })).toEqual([chunk[0], chunk[2]]);
    expect(openedFindings(chunk, {})).toEqual([]);
  });
});

describe('deliveries and scheduler slots', () => {
  it('claiming a delivery is one upsert that matches only a failed one', () => {
    const d = delivery('quarterly:2026-Q1', 'U01', '1', { updatedAt: at(2) });
    const query = claimDeliveryQuery(models.deliveries, d);
    expect(query.getFilter()).toEqual({ _id: d.id, state: 'failed' });
    const update = query.getUpdate() as Record<string, Record<string, unknown>>;
    expect(update.$set).toEqual({ state: 'claimed', updatedAt: at(2) });
    expect(Object.keys(update.$setOnInsert ?? {}).sort()).toEqual(['attempts', 'campaignId', 'channel', 'error', 'key', 'kind', 'payload', 'recipient', 'ts']);
    expect(query.getOptions()).toMatchObject({ upsert: true });
    expectSchemaPaths(models.deliveries as unknown as Model<never>, update);
  });

  it('a delivery patch sets exactly the named fields', () => {
    expect(deliveryPatchUpdate({ state: 'sent', ts: '1.2', updatedAt: at(1) })).toEqual({ $set: { state: 'sent', ts: '1.2', updatedAt: at(1) } });
    expect(deliveryPatchUpdate({ error: null, payload: { a: 1 }, updatedAt: at(2) })).toEqual({ $set: { error: null, payload: { a: 1 }, updatedAt: at(2) } });
    expect(deliveryListFilter({ campaignId: 'c1', kind: 'reminder' })).toEqual({ campaignId: 'c1', kind: 'reminder' });
  });

  it('claiming a slot matches only an uncompleted, expired claim; otherwise it inserts', () => {
    const claim = slotClaim(`open-campaigns@${T0}`, 'open-campaigns', 'replica-a', at(0), 60_000);
    expect(claim).toMatchObject({ slotAt: T0, atMs: Date.parse(T0), expiresMs: Date.parse(T0) + 60_000 });
    const query = claimSlotQuery(models.schedulerRuns, claim);
    expect(plain(query.getFilter())).toEqual({ _id: `open-campaigns@${T0}`, completedAt: null, expiresMs: { $lt: Date.parse(T0) } });
    expect(query.getUpdate()).toEqual({
      $set: { owner: 'replica-a', claimedAt: at(0), expiresMs: Date.parse(T0) + 60_000 },
      $setOnInsert: { job: 'open-campaigns', slotAt: T0 },
    });
    expect(query.getOptions()).toMatchObject({ upsert: true });
    expect(completeSlotFilter('s')).toEqual({ _id: 's', completedAt: null });
    expect(plain(lastCompletedFilter('open-campaigns'))).toEqual({ job: 'open-campaigns', completedAt: { $ne: null } });
  });

  it('a slot must belong to its job and carry a valid claim time', () => {
    expect(() => slotClaim(`reminders@${T0}`, 'open-campaigns', 'a', at(0), 1)).toThrow(/not of job/);
    expect(() => slotClaim(`reminders@${T0}`, 'reminders', 'a', 'yesterday', 1)).toThrow(/ISO/);
    expect(() => slotClaim(`reminders@${T0}`, 'reminders', 'a', at(0), -1)).toThrow(RangeError);
  });
});

describe('slack directory', () => {
  it('replaceAll writes listed users tagged with its generation, then drops everyone else', () => {
    const u = slackUser('U01', 'Anna@Firm.li');
    expect(listedUserOp(u, 'gen-2')).toEqual({
      updateOne: {
        filter: { _id: 'U01' },
        update: { $set: { teamId: 'T0FIRM', email: 'Anna@Firm.li', emailKey: 'anna@firm.li', name: 'u01', deleted: false, isBot: false, updatedAt: T0, generation: 'gen-2' } },
        upsert: true,
      },
    });
    expect(plain(unlistedUsersFilter('gen-2'))).toEqual({ generation: { $ne: 'gen-2' } });
    expect(slackEmailFilter(' Anna@FIRM.li ')).toEqual({ emailKey: 'anna@firm.li' });
  });
});

describe('ledger', () => {
  it('chains an append onto the head: consecutive seqs, each prevHash the previous hash', () => {
    const inputs = [1, 2, 3].map((n) => ({ type: 't', actor: 'a', subject: `s${n}`, data: { n }, at: at(n) }));
    const first = chainEvents(inputs, null);
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first[0]?.prevHash).toBe(GENESIS_HASH);
    const next = chainEvents(inputs.slice(0, 1), { seq: 3, hash: first[2]!.hash });
    expect(next[0]).toMatchObject({ seq: 4, prevHash: first[2]!.hash });
    expect(verifyRun([...first, ...next], null).break).toBeNull();
  });

  it('reads seq ranges by _id, continuing after the last seq of a page', () => {
    expect(plain(seqRangeFilter(5, 17, null))).toEqual({ _id: { $gte: 5, $lte: 17 } });
    expect(plain(seqRangeFilter(5, 17, 8))).toEqual({ _id: { $gt: 8, $lte: 17 } });
  });

  it("append's idempotency: the first event by its key, then the append's events by seq", () => {
    const key = 'a'.repeat(64);
    expect(appendKeyFilter(key)).toEqual({ appendKey: key });
    expect(plain(storedAppendFilter(41, 3))).toEqual({ _id: { $gte: 41, $lte: 43 } });
    expect(plain(storedAppendFilter(7, 1))).toEqual({ _id: { $gte: 7, $lte: 7 } });
    expect(() => appendKeyFilter(INJECTED)).toThrow(TypeError);
    expect(() => storedAppendFilter(7, 0)).toThrow(RangeError);
  });

  it('query: since inclusive, until exclusive, type a literal prefix, subject exact', () => {
    expect(ledgerQueryFilter({})).toEqual({});
    const filter = ledgerQueryFilter({ since: at(2), until: at(4), type: 'campaign.', subject: 'quarterly:2026-Q1' });
    expect(plain(filter)).toEqual({ at: { $gte: at(2), $lt: at(4) }, type: /^campaign\./, subject: 'quarterly:2026-Q1' });
    const type = ledgerQueryFilter({ type: 'a.b(' }).type as RegExp;
    expect(type.test('a.b(c')).toBe(true);
    expect(type.test('aXb(c')).toBe(false);
    expect(plain(ledgerQueryFilter({ until: at(1) }))).toEqual({ at: { $lt: at(1) } });
  });
});

describe('values from outside never become operators', () => {
  it('every builder refuses an object where a string belongs', () => {
    const calls: (() => unknown)[] = [
      () => decideFilter(INJECTED),
      () => reassignQuery(models.reviewItems, i.id, INJECTED, 'x', 'delegated', at(1)),
      () => transitionQuery(models.campaigns, INJECTED, 'open', 'closed', at(1)),
      () => itemsFilter(c.id, { reviewerId: INJECTED }),
      () => pendingForReviewerFilter(INJECTED, []),
      () => grantPageFilter(INJECTED, null),
      () => grantPageFilter('s1', INJECTED),
      () => snapshotListFilter({ systemId: INJECTED }),
      () => openFindingsFilter({ grantIds: ['g1', INJECTED] }),
      () => deliveryListFilter({ recipient: INJECTED }),
      () => lastCompletedFilter(INJECTED),
      () => ledgerQueryFilter({ subject: INJECTED }),
      () => ledgerQueryFilter({ since: INJECTED }),
      () => currentIdentitiesFilter(['s1'], { email: INJECTED }),
      () => insertIfAbsent({ _id: INJECTED }),
    ];
    for (const call of calls) expect(call).toThrow(TypeError);
    expect(() => seqRangeFilter(INJECTED as unknown as number, 5, null)).toThrow(RangeError);
  });

  it('a string that looks like an operator is matched as the string it is', () => {
    expect(itemsFilter(c.id, { reviewerId: '{"$ne":null}' })).toEqual({ campaignId: c.id, reviewerId: '{"$ne":null}' });
    expect(plain(currentIdentitiesFilter(['s1'], { email: ' {"$GT":""} ' }))).toEqual({ snapshotId: { $in: ['s1'] }, emailKey: '{"$gt":""}' });
  });

  it("the adapter's own operators survive sanitizeFilter; an injected one is wrapped in $eq", () => {
    expectSanitizeSafe(pendingForReviewerFilter('mgr-1', ['a']));
    expectSanitizeSafe(supersededFilter({ id: 'v4', systemId: 'vault', startedAt: at(30) }));
    expectSanitizeSafe(unseenFindingsFilter(evaluation('e2', at(10), ['vault'])));
    expectSanitizeSafe(openFindingsFilter({ grantIds: ['g1'] }));
    expectSanitizeSafe(claimSlotQuery(models.schedulerRuns, slotClaim(`j@${T0}`, 'j', 'a', at(0), 1)).getFilter());
    expectSanitizeSafe(lastCompletedFilter('j'));
    expectSanitizeSafe(seqRangeFilter(1, 9, 3));
    expectSanitizeSafe(ledgerQueryFilter({ since: at(1), until: at(2) }));
    expectSanitizeSafe(grantPageFilter('s1', 'g'));
    expectSanitizeSafe(pendingItemsPageFilter(c.id, 'i'));
    expectSanitizeSafe(inSnapshots(['s1']));
    expectSanitizeSafe(currentIdentitiesFilter(['s1'], { id: 'a' }));
    expectSanitizeSafe(unlistedUsersFilter('gen-1'));
    expect(mongoose.sanitizeFilter({ reviewerId: { $ne: null } })).toEqual({ reviewerId: { $eq: { $ne: null } } });
    expect(plain(mongoose.sanitizeFilter({ reviewerId: operator({ $ne: null }) }))).toEqual({ reviewerId: { $ne: null } });
  });

  it('filters name only schema paths (strictQuery throws on any other)', () => {
    expect(() => models.reviewItems.find(pendingForReviewerFilter('m', ['a'])).cast()).not.toThrow();
    expect(() => models.snapshots.find(supersededFilter({ id: 'v', systemId: 's', startedAt: T0 })).cast()).not.toThrow();
    expect(() => models.findings.find(unseenFindingsFilter(evaluation('e', T0, ['s']))).cast()).not.toThrow();
    expect(() => models.identities.find(currentIdentitiesFilter(['s'], { id: 'a', email: 'b' })).cast()).not.toThrow();
    expect(() => models.ledgerEvents.find(ledgerQueryFilter({ since: T0, type: 't', subject: 's' })).cast()).not.toThrow();
    expect(() => models.reviewItems.find({ reviewer: 'typo' }).cast()).toThrow(/not in schema/);
  });

  it('the value guards', () => {
    expect(asString('x', 'v')).toBe('x');
    expect(() => asString(1, 'v')).toThrow(/must be a string, got a number/);
    expect(() => asString(null, 'v')).toThrow(/got null/);
    expect(() => asString(['a'], 'v')).toThrow(/got an array/);
    expect(asStrings(['a', 'b'], 'v')).toEqual(['a', 'b']);
    expect(() => asStrings('ab' as unknown as string[], 'v')).toThrow(TypeError);
    expect(asInteger(3, 'n', 1)).toBe(3);
    expect(() => asInteger(0, 'n', 1)).toThrow(RangeError);
    expect(() => asInteger(1.5, 'n', 1)).toThrow(RangeError);
  });
});
