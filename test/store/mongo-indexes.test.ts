/**
 * The idempotency and uniqueness rules live in unique indexes (and in `_id`): check that every
 * schema declares them, and that collections are set up the way openMongoStore relies on.
 */
import type { Schema } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { byDecisionTime, itemsPageFilter, laterStagePageFilter, pendingItemsFilter, pendingItemsPageFilter, reviewerDecisionsFilter } from '../../src/store/mongo/campaign-queries.js';
import { campaignSchema } from '../../src/store/mongo/campaign-schema.js';
import { decisionSchema, stageDecisionSchema } from '../../src/store/mongo/decision-schema.js';
import { deliverySchema } from '../../src/store/mongo/delivery-schema.js';
import { evaluationSchema } from '../../src/store/mongo/evaluation-schema.js';
import { findingSchema } from '../../src/store/mongo/finding-schema.js';
import { grantChangeSchema } from '../../src/store/mongo/grant-change-schema.js';
import { grantSchema } from '../../src/store/mongo/grant-schema.js';
import { identitySchema } from '../../src/store/mongo/identity-schema.js';
import { kvSchema } from '../../src/store/mongo/kv-schema.js';
import { ledgerEventSchema } from '../../src/store/mongo/ledger-event-schema.js';
import { LATER_STAGE_INDEX, reviewItemSchema } from '../../src/store/mongo/review-item-schema.js';
import { schedulerRunSchema } from '../../src/store/mongo/scheduler-run-schema.js';
import { slackDirectorySchema } from '../../src/store/mongo/slack-directory-schema.js';
import { slackUserSchema } from '../../src/store/mongo/slack-user-schema.js';
import { snapshotSchema } from '../../src/store/mongo/snapshot-schema.js';
import { systemStateSchema } from '../../src/store/mongo/system-state-schema.js';

type AnySchema = Schema<never>;

const schemas: Record<string, AnySchema> = {
  snapshots: snapshotSchema as unknown as AnySchema,
  system_state: systemStateSchema as unknown as AnySchema,
  grants: grantSchema as unknown as AnySchema,
  identities: identitySchema as unknown as AnySchema,
  grant_changes: grantChangeSchema as unknown as AnySchema,
  evaluations: evaluationSchema as unknown as AnySchema,
  findings: findingSchema as unknown as AnySchema,
  campaigns: campaignSchema as unknown as AnySchema,
  review_items: reviewItemSchema as unknown as AnySchema,
  decisions: decisionSchema as unknown as AnySchema,
  deliveries: deliverySchema as unknown as AnySchema,
  scheduler_runs: schedulerRunSchema as unknown as AnySchema,
  slack_users: slackUserSchema as unknown as AnySchema,
  slack_directory: slackDirectorySchema as unknown as AnySchema,
  ledger_events: ledgerEventSchema as unknown as AnySchema,
  kv: kvSchema as unknown as AnySchema,
};

/** The unique indexes a schema declares, as [fields, options]. */
function uniqueIndexes(schema: AnySchema): [Record<string, unknown>, Record<string, unknown>][] {
  return (schema.indexes() as [Record<string, unknown>, Record<string, unknown>][]).filter(([, options]) => options.unique === true);
}

describe('unique indexes carry the idempotency rules', () => {
  it.each<[string, Record<string, number>, string]>([
    ['grants', { snapshotId: 1, grantId: 1 }, 'a grant id once per snapshot'],
    ['identities', { snapshotId: 1, identityId: 1 }, 'an identity once per snapshot'],
    ['grant_changes', { snapshotId: 1, grantId: 1 }, 'one diff line per (snapshot, grant)'],
    ['campaigns', { reviewId: 1, period: 1 }, 'one campaign per review and period'],
    ['review_items', { campaignId: 1, grantId: 1 }, 'a grant once per campaign'],
    ['decisions', { itemId: 1 }, 'one decision per item'],
    ['deliveries', { campaignId: 1, recipient: 1, kind: 1, key: 1 }, 'one delivery per (campaign, recipient, kind, key)'],
    ['scheduler_runs', { job: 1, slotAt: -1 }, 'a slot once per job'],
    ['findings', { key: 1, firstSeenAt: 1 }, 'one finding document per raising of a key'],
    ['ledger_events', { prevHash: 1 }, 'no two events chain onto one predecessor'],
  ])('%s: %j (%s)', (collection, fields) => {
    expect(uniqueIndexes(schemas[collection]!).map(([f]) => f)).toContainEqual(fields);
  });

  it('findings: at most one open document per key (unique, partial on resolvedAt null)', () => {
    const open = uniqueIndexes(findingSchema as unknown as AnySchema).find(([, options]) => options.name === 'one_open_per_key');
    expect(open).toEqual([{ key: 1 }, expect.objectContaining({ unique: true, partialFilterExpression: { resolvedAt: { $type: 'null' } } })]);
  });

  it('ledger_events: a direct append once per idempotency key (unique, partial: only first events carry one)', () => {
    const once = uniqueIndexes(ledgerEventSchema as unknown as AnySchema).find(([, options]) => options.name === 'one_append_per_key');
    expect(once).toEqual([{ appendKey: 1 }, expect.objectContaining({ unique: true, partialFilterExpression: { appendKey: { $type: 'string' } } })]);
  });

  it.each([
    ['campaigns', 'the campaign id'],
    ['review_items', 'the review item id'],
    ['decisions', 'the decision id'],
    ['deliveries', 'the delivery id'],
    ['scheduler_runs', 'the run slot'],
    ['snapshots', 'the snapshot id'],
    ['kv', 'the key'],
  ])('%s: _id is %s, a string the caller supplies', (collection) => {
    const id = schemas[collection]!.path('_id');
    expect(id.instance).toBe('String');
    expect(id.isRequired).toBe(true);
    expect((id as unknown as { defaultValue?: unknown }).defaultValue).toBeUndefined();
  });

  it('ledger_events: _id is seq, a number, unique by construction', () => {
    expect(ledgerEventSchema.path('_id').instance).toBe('Number');
  });
});

/**
 * Whether an index serves a query that matches `filter`'s fields by equality and sorts by
 * `sortField` (ascending): its keys are those fields, in any order, then the sort field. Then
 * a page (limit n) reads n index entries; any other index makes the server read and sort every
 * match first.
 */
function servesSortedPage(schema: AnySchema, filter: Record<string, unknown>, sortField: string): boolean {
  const equality = Object.keys(filter).filter((field) => field !== sortField);
  return (schema.indexes() as [Record<string, unknown>, Record<string, unknown>][]).some(([fields, options]) => {
    if (options.partialFilterExpression !== undefined) return false;
    const keys = Object.keys(fields);
    return (
      keys.length >= equality.length + 1 &&
      equality.every((field) => keys.slice(0, equality.length).includes(field)) &&
      keys[equality.length] === sortField &&
      fields[sortField] === 1
    );
  });
}

describe('keyset pages are index ranges (filter fields, then _id)', () => {
  const items = reviewItemSchema as unknown as AnySchema;

  it.each<[string, Record<string, unknown>]>([
    ["itemsWithDecisions(): a campaign's items after an id", itemsPageFilter('c1', 'i-9')],
    ["items(campaignId): a campaign's items in _id order", itemsPageFilter('c1', null)],
    ["expirePending(): a page of a campaign's pending items, one transaction each", pendingItemsFilter('c1')],
    ['expirePending(): crashed decisions, pending ids after an id', pendingItemsPageFilter('c1', 'i-9')],
  ])('review_items: %s', (_name, filter) => {
    expect(servesSortedPage(items, filter, '_id')).toBe(true);
  });

  it('the check itself: an index without _id after the filter fields does not count', () => {
    expect(servesSortedPage(items, { campaignId: 'c1', grantId: 'g' }, '_id')).toBe(false);
    expect(servesSortedPage(items, { systemId: 's', campaignId: 'c1' }, '_id')).toBe(false);
  });
});

describe('multi-stage reads follow what they need, not the campaign', () => {
  it('pendingAtLaterStages: a page is a range of the partial index holding the later-stage pending items alone', () => {
    const declared = (reviewItemSchema.indexes() as [Record<string, unknown>, Record<string, unknown>][]).find(([, o]) => o.name === LATER_STAGE_INDEX.options.name);
    expect(declared).toEqual([{ campaignId: 1, _id: 1, stage: 1 }, expect.objectContaining({ partialFilterExpression: { state: 'pending', stage: { $gt: 1 } } })]);
    // As sent (the adapter's operators are marked trusted by a symbol key, which JSON leaves out).
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
    const filter = plain(laterStagePageFilter('c1', 'c1/g-9'));
    expect(filter).toEqual({ campaignId: 'c1', state: 'pending', stage: { $gt: 1 }, _id: { $gt: 'c1/g-9' } });
    // MongoDB uses a partial index only for a query whose filter implies the index's: here it holds its terms exactly.
    expect(filter).toMatchObject(LATER_STAGE_INDEX.options.partialFilterExpression);
    expect(plain(laterStagePageFilter('c1', null))).toEqual({ campaignId: 'c1', state: 'pending', stage: { $gt: 1 } });
    // The index keys: the equality (campaignId), then the sort (_id).
    expect(Object.keys(LATER_STAGE_INDEX.fields).slice(0, 2)).toEqual(['campaignId', '_id']);
  });

  it.each([
    ['decisions', decisionSchema],
    ['stage_decisions', stageDecisionSchema],
  ])('decisionsOf: %s by { campaignId, reviewerId }', (_name, schema) => {
    const filter = reviewerDecisionsFilter('c1', 'mgr-1');
    expect(filter).toEqual({ campaignId: 'c1', reviewerId: 'mgr-1' });
    expect((schema.indexes() as [Record<string, unknown>, unknown][]).map(([fields]) => Object.keys(fields).slice(0, 2))).toContainEqual(['campaignId', 'reviewerId']);
  });

  it('decisionsOf: a caller\'s value must be a string', () => {
    expect(() => reviewerDecisionsFilter('c1', { $ne: null } as unknown as string)).toThrow();
    expect(() => laterStagePageFilter({ $ne: null } as unknown as string, null)).toThrow();
  });

  it('decisionsOf merges both collections by (decidedAt, id), as text (the SQLite order), not by locale', () => {
    const d = (id: string, decidedAt: string) => ({ id, decidedAt });
    const sorted = [d('b', '2026-01-01T00:00:01.000Z'), d('a#1', '2026-01-01T00:00:00.000Z'), d('a', '2026-01-01T00:00:00.000Z'), d('B', '2026-01-01T00:00:00.000Z')].sort(byDecisionTime);
    expect(sorted.map((x) => x.id)).toEqual(['B', 'a', 'a#1', 'b']);
  });
});

describe('collection settings', () => {
  it.each(Object.entries(schemas))('%s: strict, no __v, empty objects kept, no automatic index builds', (name, schema) => {
    expect(schema.get('collection')).toBe(name);
    expect(schema.get('strict')).toBe('throw');
    expect(schema.get('strictQuery')).toBe('throw');
    expect(schema.get('versionKey')).toBe(false);
    expect(schema.get('minimize')).toBe(false);
    expect(schema.get('autoIndex')).toBe(false);
    expect(schema.get('autoCreate')).toBe(false);
  });

  it('keeps timestamps as strings, never Dates', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      schema.eachPath((path, type) => {
        expect(type.instance, `${name}.${path}`).not.toBe('Date');
      });
    }
  });
});
