/**
 * Server-less checks of the MongoDB schemas: each accepts a document built from a valid domain
 * value, rejects wrong enum values, missing required fields, malformed timestamps and unknown
 * paths, and maps back to exactly the domain value it came from.
 */
import mongoose from 'mongoose';
import type { Model } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, chainEvent, chainHash, eventBody } from '../../src/domain/index.js';
import { campaignDoc, toCampaign } from '../../src/store/mongo/campaign-schema.js';
import { decisionDoc, stageDecisionDoc, toDecision } from '../../src/store/mongo/decision-schema.js';
import { deliveryDoc, toDelivery } from '../../src/store/mongo/delivery-schema.js';
import { evaluationDoc, toEvaluation } from '../../src/store/mongo/evaluation-schema.js';
import { findingDocId, toStoredFinding } from '../../src/store/mongo/finding-schema.js';
import type { FindingDoc } from '../../src/store/mongo/finding-schema.js';
import { grantChangeDoc, toGrantChange } from '../../src/store/mongo/grant-change-schema.js';
import { grantDoc, toGrant } from '../../src/store/mongo/grant-schema.js';
import { identityDoc, toIdentity } from '../../src/store/mongo/identity-schema.js';
import type { LedgerEventDoc } from '../../src/store/mongo/ledger-event-schema.js';
import { ledgerEventDoc, toLedgerEvent, toStoredLedgerEvent } from '../../src/store/mongo/ledger-event-schema.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { reviewItemDoc, toReviewItem } from '../../src/store/mongo/review-item-schema.js';
import { slackUserFields, toSlackUser } from '../../src/store/mongo/slack-user-schema.js';
import { snapshotDoc, toSnapshot } from '../../src/store/mongo/snapshot-schema.js';
import { at, campaign, change, decision, delivery, evaluation, finding, grant, identity, item, slackUser, snapshot, T0 } from './store-fixtures.js';

// Models on a connection that is never opened: construction and validation need no server.
const connection = mongoose.createConnection();
const models = createModels(connection);

afterAll(async () => {
  await connection.close();
});

const g = grant('vault', 'alice', 'admin', { scope: 'eu-1', identityId: 'a-1', lastActivityAt: at(-60) });
const c = campaign('quarterly', '2026-Q1');
const f = finding('dormant', 'vault', g.id, { evidence: { days: 120, nested: {} } });
const i = item(c, g, 'mgr-1', { findings: [f] });
const event = chainEvent({ type: 'decision.recorded', actor: 'anna@firm.li', subject: i.id, data: { outcome: 'approve', empty: {}, list: [1, null, 'x'] }, at: at(3) }, null);
const storedFinding: FindingDoc = { _id: findingDocId(f.key, T0), ...f, evaluationId: 'e1', firstSeenAt: T0, lastSeenAt: at(10), resolvedAt: null };

type AnyModel = Model<Record<string, unknown>>;

interface Case {
  name: string;
  model: AnyModel;
  good: Record<string, unknown>;
  /** Changes that make the document invalid, and the path the error must name. */
  bad: [patch: Record<string, unknown>, path: string][];
}

const cases: Case[] = [
  {
    name: 'snapshots',
    model: models.snapshots as unknown as AnyModel,
    good: { ...snapshotDoc(snapshot('s1', 'vault', T0)) },
    bad: [
      [{ status: 'done' }, 'status'],
      [{ startedAt: undefined }, 'startedAt'],
      [{ startedAt: '5 Jan 2026' }, 'startedAt'],
      [{ systemId: undefined }, 'systemId'],
      [{ counts: { identities: 0, accounts: 0, grants: 0, added: 0, removed: 0 } }, 'counts.changed'],
    ],
  },
  {
    name: 'system_state',
    model: models.systemState as unknown as AnyModel,
    good: { _id: 'vault', snapshotId: 's1' },
    bad: [[{ snapshotId: undefined }, 'snapshotId']],
  },
  {
    name: 'grants',
    model: models.grants as unknown as AnyModel,
    good: { ...grantDoc('s1', g) },
    bad: [
      [{ accountType: 'robot' }, 'accountType'],
      [{ accountStatus: undefined }, 'accountStatus'],
      [{ scope: undefined }, 'scope'],
      [{ grantId: undefined }, 'grantId'],
      [{ snapshotId: '' }, 'snapshotId'],
      [{ firstSeenAt: 'never' }, 'firstSeenAt'],
    ],
  },
  {
    name: 'identities',
    model: models.identities as unknown as AnyModel,
    good: { ...identityDoc('e1', 'entra', identity('a-1', 'anna@firm.li', 'entra', { aliases: ['AM01'] })) },
    bad: [
      [{ status: 'gone' }, 'status'],
      [{ employmentType: 'intern' }, 'employmentType'],
      [{ displayName: undefined }, 'displayName'],
      [{ identityId: undefined }, 'identityId'],
    ],
  },
  {
    name: 'grant_changes',
    model: models.grantChanges as unknown as AnyModel,
    good: { ...grantChangeDoc(change('s2', g, 'changed')) },
    bad: [
      [{ kind: 'moved' }, 'kind'],
      [{ grantId: undefined }, 'grantId'],
      [{ role: undefined }, 'role'],
    ],
  },
  {
    name: 'evaluations',
    model: models.evaluations as unknown as AnyModel,
    good: { ...evaluationDoc({ ...evaluation('e1', T0, ['vault']), counts: { dormant: 2 } }) },
    bad: [
      [{ at: 'now' }, 'at'],
      [{ policyHash: undefined }, 'policyHash'],
      [{ counts: { dormant: -1 } }, 'counts'],
      [{ counts: { dormant: 'two' } }, 'counts'],
    ],
  },
  {
    name: 'findings',
    model: models.findings as unknown as AnyModel,
    good: { ...storedFinding },
    bad: [
      // Any finding type the rule registry names is stored; none at all is not.
      [{ type: undefined }, 'type'],
      [{ severity: 'critical' }, 'severity'],
      [{ evidence: undefined }, 'evidence'],
      [{ evaluationId: undefined }, 'evaluationId'],
      [{ resolvedAt: 'later' }, 'resolvedAt'],
    ],
  },
  {
    name: 'campaigns',
    model: models.campaigns as unknown as AnyModel,
    good: { ...campaignDoc(c) },
    bad: [
      [{ state: 'paused' }, 'state'],
      [{ period: undefined }, 'period'],
      [{ dueAt: '2026-02-01' }, 'dueAt'],
    ],
  },
  {
    name: 'review_items',
    model: models.reviewItems as unknown as AnyModel,
    good: { ...reviewItemDoc(i) },
    bad: [
      [{ state: 'approve' }, 'state'],
      [{ reviewerId: undefined }, 'reviewerId'],
      [{ findings: [{ ...f, severity: 'severe' }] }, 'findings.0.severity'],
      [{ updatedAt: undefined }, 'updatedAt'],
    ],
  },
  {
    name: 'decisions',
    model: models.decisions as unknown as AnyModel,
    good: { ...decisionDoc(decision(i, 'revoke')) },
    bad: [
      [{ outcome: 'approved' }, 'outcome'],
      [{ channel: 'email' }, 'channel'],
      [{ itemId: undefined }, 'itemId'],
      [{ simulated: undefined }, 'simulated'],
      [{ decidedAt: 'today' }, 'decidedAt'],
    ],
  },
  {
    name: 'deliveries',
    model: models.deliveries as unknown as AnyModel,
    good: { ...deliveryDoc(delivery('quarterly:2026-Q1', 'U01', '1')) },
    bad: [
      [{ kind: 'digest' }, 'kind'],
      [{ state: 'queued' }, 'state'],
      [{ attempts: undefined }, 'attempts'],
      [{ payload: undefined }, 'payload'],
    ],
  },
  {
    name: 'scheduler_runs',
    model: models.schedulerRuns as unknown as AnyModel,
    good: { _id: `reminders@${T0}`, job: 'reminders', slotAt: T0, owner: 'replica-a', claimedAt: T0, expiresMs: Date.parse(T0) + 60_000, completedAt: null },
    bad: [
      [{ owner: undefined }, 'owner'],
      [{ expiresMs: undefined }, 'expiresMs'],
      [{ completedAt: 'soon' }, 'completedAt'],
    ],
  },
  {
    name: 'slack_users',
    model: models.slackUsers as unknown as AnyModel,
    good: { _id: 'U01', ...slackUserFields(slackUser('U01', 'Anna@Firm.li')), generation: null },
    bad: [
      [{ deleted: undefined }, 'deleted'],
      [{ name: undefined }, 'name'],
    ],
  },
  {
    name: 'slack_directory',
    model: models.slackDirectory as unknown as AnyModel,
    good: { _id: 'directory', refreshedAt: T0 },
    bad: [[{ refreshedAt: undefined }, 'refreshedAt']],
  },
  {
    name: 'ledger_events',
    model: models.ledgerEvents as unknown as AnyModel,
    good: { ...ledgerEventDoc(event) },
    bad: [
      [{ _id: 0 }, '_id'],
      [{ _id: 1.5 }, '_id'],
      [{ hash: 'abc' }, 'hash'],
      [{ prevHash: undefined }, 'prevHash'],
      [{ data: undefined }, 'data'],
      [{ appendKey: 'retry-1' }, 'appendKey'],
    ],
  },
  {
    name: 'kv',
    model: models.kv as unknown as AnyModel,
    good: { _id: 'graph.deltaLink', value: '' },
    bad: [[{ value: undefined }, 'value']],
  },
];

describe.each(cases)('schema $name', ({ model, good, bad }) => {
  it('validates a document built from a valid domain value', async () => {
    await expect(new model(good).validate()).resolves.toBeUndefined();
  });

  it.each(bad)('rejects %j (error on %s)', async (patch, path) => {
    const error = await new model({ ...good, ...patch }).validate().then(
      () => null,
      (e: unknown) => e as mongoose.Error.ValidationError,
    );
    expect(error).toBeInstanceOf(mongoose.Error.ValidationError);
    expect(Object.keys(error?.errors ?? {})).toContain(path);
  });

  it('refuses a path the schema does not declare', () => {
    expect(() => new model({ ...good, $where: 'sleep(1000)' })).toThrow();
    expect(() => new model({ ...good, injected: true })).toThrow(/not in schema/);
  });

  it('requires the caller-supplied _id', async () => {
    const { _id: _ignored, ...withoutId } = good;
    await expect(new model(withoutId).validate()).rejects.toThrow(/_id/);
  });
});

describe('field rules', () => {
  it("a present-but-empty string is a value: a grant's scope may be ''", async () => {
    await expect(new models.grants({ ...grantDoc('s1', grant('vault', 'bob', 'viewer')) }).validate()).resolves.toBeUndefined();
    await expect(models.grants.validate({ ...grantDoc('s1', grant('vault', 'bob', 'viewer')) })).resolves.toBeDefined();
    await expect(models.grants.validate({ ...grantDoc('s1', grant('vault', 'bob', 'viewer')), scope: undefined })).rejects.toThrow(/scope/);
  });

  it("a ledger event's appendKey is optional, and when present a SHA-256 hex digest", async () => {
    await expect(new models.ledgerEvents({ ...ledgerEventDoc(event), appendKey: 'b'.repeat(64) }).validate()).resolves.toBeUndefined();
    await expect(new models.ledgerEvents({ ...ledgerEventDoc(event) }).validate()).resolves.toBeUndefined();
  });

  it('nullable fields take null, and a missing one reads as null', () => {
    const doc = new models.grants({ ...grantDoc('s1', g), identityRef: undefined });
    expect(doc.get('identityRef')).toBeNull();
  });

  it('keeps empty objects, which the ledger hashes (minimize off)', () => {
    const doc = new models.ledgerEvents(ledgerEventDoc(event));
    expect(doc.toObject()).toEqual(ledgerEventDoc(event));
    expect(doc.toBSON()).toMatchObject({ data: { empty: {} } });
    const item = new models.reviewItems(reviewItemDoc(i));
    expect(item.toObject().findings[0]?.evidence).toEqual({ days: 120, nested: {} });
  });

  it('stores strings that look like operators as they are', () => {
    const odd = grantDoc('s1', grant('vault', '{"$gt":""}', '{"$ne":null}', { scope: "x'); DROP TABLE grants; --" }));
    expect(new models.grants(odd).toObject()).toEqual(odd);
  });
});

describe('readStored mapper', () => {
  it("gives a ledger document's data as the canonical JSON the chain hashed, every other field as toLedgerEvent", () => {
    const doc = new models.ledgerEvents(ledgerEventDoc(event)).toObject() as LedgerEventDoc;
    const { data, ...rest } = toLedgerEvent(doc);
    const stored = toStoredLedgerEvent(doc);
    expect(stored).toEqual({ ...rest, dataJson: canonicalJson(data) });
    expect(chainHash(eventBody({ ...rest, data: {} }, stored.dataJson), stored.prevHash)).toBe(event.hash);
  });
});

describe('mappers: a domain value survives the trip through its document unchanged', () => {
  it('snapshot, grant, identity, change', () => {
    const s = snapshot('s1', 'vault', T0, { status: 'partial', finishedAt: at(1), durationMs: 60_000, problems: ['page 3 timed out'], contentHash: 'c'.repeat(64) });
    expect(toSnapshot(snapshotDoc(s))).toEqual(s);
    expect(toGrant(grantDoc('s1', g))).toEqual(g);
    expect(toGrant(grantDoc('s1', g))).not.toHaveProperty('detail');
    // A detail is kept as its canonical text: keys MongoDB field names may not hold survive.
    const detailed = { ...g, detail: { summary: 'can sign', $set: { 'a.b': [1, null] } } };
    expect(grantDoc('s1', detailed).detail).toBe('{"$set":{"a.b":[1,null]},"summary":"can sign"}');
    expect(toGrant(grantDoc('s1', detailed))).toEqual(detailed);
    const anna = identity('a-1', 'Anna@Firm.li', 'entra', { groups: ['g1'], aliases: ['AM01'], contractEnd: '2026-06-30' });
    const doc = identityDoc('e1', 'entra', anna);
    expect(doc.emailKey).toBe('anna@firm.li');
    expect(toIdentity(doc)).toEqual(anna);
    const line = change('s2', g, 'removed');
    expect(toGrantChange(grantChangeDoc(line))).toEqual(line);
  });

  it('evaluation, finding, campaign, item, decision', () => {
    const e = { ...evaluation('e1', T0, ['vault', 'wallet']), counts: { dormant: 2, 'sod-conflict': 1 } };
    expect(toEvaluation(evaluationDoc(e))).toEqual(e);
    const { _id: _ignored, ...domainFinding } = storedFinding;
    expect(toStoredFinding(storedFinding)).toEqual(domainFinding);
    expect(toCampaign(campaignDoc(c))).toEqual(c);
    expect(toReviewItem(reviewItemDoc(i))).toEqual(i);
    expect(toReviewItem(reviewItemDoc(i))).not.toHaveProperty('detail');
    const detailed = { ...i, detail: { summary: 'can approve withdrawals', rule: { id: 'r-1' } } };
    expect(reviewItemDoc(detailed).detail).toBe('{"rule":{"id":"r-1"},"summary":"can approve withdrawals"}');
    expect(toReviewItem(reviewItemDoc(detailed))).toEqual(detailed);
    const d = decision(i, 'approve', { justification: null, reviewerSlackId: null, simulated: true });
    expect(toDecision(decisionDoc(d))).toEqual(d);
    expect(toDecision(decisionDoc(d))).not.toHaveProperty('approveAll');
    const bulk = { ...d, approveAll: true };
    expect(decisionDoc(bulk).approveAll).toBe(true);
    expect(toDecision(decisionDoc(bulk))).toEqual(bulk);
  });

  it('multi-stage: an item at stage 2 and its due, a settling decision at stage 2, a stage decision (stage always stored); stage 1 stays absent', async () => {
    const staged = { ...i, stage: 2, stageDueAt: T0 };
    expect(toReviewItem(reviewItemDoc(staged))).toEqual(staged);
    expect(toReviewItem({ ...reviewItemDoc(i), stage: 1 } as ReturnType<typeof reviewItemDoc>)).not.toHaveProperty('stage');
    const settled = decision(i, 'approve', { stage: 2 });
    expect(toDecision(decisionDoc(settled))).toEqual(settled);
    const passed = decision(i, 'revoke', { id: `${i.id}#1` });
    expect(stageDecisionDoc(passed)).toMatchObject({ _id: `${i.id}#1`, stage: 1 });
    expect(toDecision(stageDecisionDoc(passed))).toEqual(passed);
    // The schemas validate what the adapter writes: a stage decision needs its stage; an item or a decision never stores stage 1.
    await expect(new models.stageDecisions({ ...decisionDoc(passed) }).validate()).rejects.toThrow(/stage/);
    await new models.stageDecisions(stageDecisionDoc(passed)).validate();
    await expect(new models.reviewItems({ ...reviewItemDoc(i), stage: 1 }).validate()).rejects.toThrow(/stage/);
    await expect(new models.decisions({ ...decisionDoc(settled), stage: 1 }).validate()).rejects.toThrow(/stage/);
  });

  it('delivery, slack user, ledger event; store-only fields never leak into domain values', () => {
    const d = delivery('quarterly:2026-Q1', 'U01', '2026-01-10', { kind: 'reminder', payload: { blocks: 3 } });
    expect(toDelivery(deliveryDoc(d))).toEqual(d);
    const u = slackUser('U01', 'Anna@Firm.li');
    expect(toSlackUser({ _id: u.id, ...slackUserFields(u), generation: 'g-1' })).toEqual(u);
    expect(toLedgerEvent(ledgerEventDoc(event))).toEqual(event);
    expect(toLedgerEvent({ ...ledgerEventDoc(event), appendKey: 'b'.repeat(64) })).toEqual(event);
    expect(toGrant({ ...grantDoc('s1', g), extra: 1 } as ReturnType<typeof grantDoc>)).toEqual(g);
  });
});
