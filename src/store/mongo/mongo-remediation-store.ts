import type { ClientSession, Connection } from 'mongoose';
import type { Remediation, RemediationPatch, RemediationState } from '../../domain/index.js';
import type { AttachedItem, Counts, FindingToRemediate, ItemAttachment, LedgerEvents, RemediationCheck, RemediationMove, RemediationStore, Revocation } from '../ports.js';
import { findingRef, remediationId } from '../../domain/index.js';
import { toStoredFinding } from './finding-schema.js';
import { countRows, remediationStateCounts } from './count-queries.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent } from './bulk-ops.js';
import { toDecision } from './decision-schema.js';
import { asInteger, asString, operator } from './filter-value.js';
import { withLedger } from './ledger-transaction.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';
import { allPageFilter, attachFilter, awaitingGrantsFilter, checkPageFilter, findingsPageFilter, listFilter, moveFilter, moveSet, pastDueFilter, presentGrantsFilter, revocationsPageFilter } from './remediation-queries.js';
import { remediationDoc, toRemediation } from './remediation-schema.js';
import { toReviewItem } from './review-item-schema.js';

/** Remediations per page of all(). */
const DEFAULT_PAGE = 2_000;

/**
 * Remediations. Every change is a transaction (withLedger) that reads in the session, writes
 * conditionally and appends the events of exactly what it changed: both commit or neither.
 * Two transactions moving the same remediation conflict; the driver retries the loser, which
 * then finds the new state and moves nothing. Callers keep batches to a few thousand.
 */
export class MongoRemediationStore implements RemediationStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  /** One transaction: the upserts report which remediations this call inserted (upsertedIds, by position). */
  async open(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number> {
    if (remediations.length === 0) return 0;
    const docs = remediations.map(remediationDoc);
    await Promise.all(docs.map((d) => this.models.remediations.validate(d)));
    const done = await withLedger(this.connection, this.models, async (session) => {
      // As in SQLite: a revoke whose grant has a finding's removal under way (no item joined
      // yet) is left for the next run's attachItems, never opened as a second removal.
      const decisions = remediations.filter((r) => r.reason.kind === 'decision');
      const underWay = new Set(
        decisions.length === 0
          ? []
          : (await this.models.remediations.find(awaitingGrantsFilter(decisions.map((r) => r.grantId)), { grantId: 1, itemId: 1, reason: 1 }).session(session).lean())
              .filter((d) => d.itemId === null && d.reason.kind === 'finding')
              .map((d) => d.grantId),
      );
      const candidates = remediations.filter((r) => r.reason.kind !== 'decision' || !underWay.has(r.grantId));
      const inserted = await this.insertAbsent(candidates, session);
      return { value: inserted.length, events: inserted.length > 0 ? events(inserted) : [] };
    });
    return done.value;
  }

  /** Inserts those of `remediations` whose id is not stored yet; returns them (the upserts report which, by position). */
  private async insertAbsent(remediations: readonly Remediation[], session: ClientSession): Promise<Remediation[]> {
    if (remediations.length === 0) return [];
    const result = await this.models.remediations.bulkWrite(remediations.map((r) => insertIfAbsent(remediationDoc(r))), { ...BULK_WRITE_OPTIONS, session });
    return Object.keys(result.upsertedIds)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => remediations[i]!);
  }

  async transition(id: string, from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<RemediationMove>): Promise<boolean> {
    const done = await withLedger(this.connection, this.models, async (session) => {
      const [move] = await this.move([id], from, to, patch, session);
      return move ? { value: true, events: events(move) } : { value: false, events: [] };
    });
    return done.value;
  }

  async transitionMany(ids: readonly string[], from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<readonly RemediationMove[]>): Promise<number> {
    if (ids.length === 0) return 0;
    const done = await withLedger(this.connection, this.models, async (session) => {
      const moves = await this.move(ids, from, to, patch, session);
      return { value: moves.length, events: moves.length > 0 ? events(moves) : [] };
    });
    return done.value;
  }

  async get(id: string): Promise<Remediation | null> {
    const doc = await this.models.remediations.findById(asString(id, 'remediation id')).lean();
    return doc ? toRemediation(doc) : null;
  }

  async countByState(): Promise<Counts<{ state: RemediationState }>> {
    return countRows(await this.models.remediations.aggregate<{ _id: { state: RemediationState }; count: number }>(remediationStateCounts()));
  }

  async list(filter: { state?: RemediationState; systemId?: string } = {}): Promise<Remediation[]> {
    const docs = await this.models.remediations.find(listFilter(filter)).sort({ dueAt: 1, _id: 1 }).lean();
    return docs.map(toRemediation);
  }

  /** A page of remediations, then one query for which of their grants the snapshot holds. */
  async checkAgainst(snapshotId: string, systemId: string, states: readonly RemediationState[], after: string | null, limit: number): Promise<RemediationCheck[]> {
    if (states.length === 0) return [];
    const docs = await this.models.remediations
      .find(checkPageFilter(systemId, states, after), { state: 1, grantId: 1 })
      .sort({ _id: 1 })
      .limit(asInteger(limit, 'limit', 1))
      .lean();
    if (docs.length === 0) return [];
    const present = await this.models.grants.find(presentGrantsFilter(snapshotId, docs.map((d) => d.grantId)), { grantId: 1 }).lean();
    const held = new Set(present.map((g) => g.grantId));
    return docs.map((d) => ({ id: d._id, state: d.state, present: held.has(d.grantId) }));
  }

  async revocationsWithout(after: string | null, limit: number): Promise<{ rows: Revocation[]; next: string | null }> {
    const decisions = await this.models.decisions.find(revocationsPageFilter(after)).sort({ _id: 1 }).limit(asInteger(limit, 'limit', 1)).lean();
    if (decisions.length === 0) return { rows: [], next: null };
    const itemIds = decisions.map((d) => d.itemId);
    const opened = new Set((await this.models.remediations.find({ itemId: operator({ $in: itemIds }) }, { itemId: 1 }).lean()).map((r) => r.itemId));
    const missing = decisions.filter((d) => !opened.has(d.itemId));
    const items = new Map((await this.models.reviewItems.find({ _id: operator({ $in: missing.map((d) => d.itemId) }) }).lean()).map((i) => [i._id, toReviewItem(i)]));
    const rows = missing.flatMap((d) => {
      const item = items.get(d.itemId);
      return item ? [{ item, decision: toDecision(d) }] : [];
    });
    return { rows, next: decisions.length === limit ? decisions[decisions.length - 1]!._id : null };
  }

  /** A key page of open findings, then one query for the remediations of their raisings and one for their grants' unverified ones. */
  async findingsWithout(types: readonly string[], after: string | null, limit: number): Promise<{ rows: FindingToRemediate[]; next: string | null }> {
    if (types.length === 0) return { rows: [], next: null };
    const docs = await this.models.findings.find(findingsPageFilter(types, after)).sort({ key: 1 }).limit(asInteger(limit, 'limit', 1)).lean();
    if (docs.length === 0) return { rows: [], next: null };
    const findings = docs.map(toStoredFinding);
    const idOf = (f: (typeof findings)[number]) => remediationId({ kind: 'finding', ref: findingRef(f.key, f.firstSeenAt) });
    const opened = new Set((await this.models.remediations.find({ _id: operator({ $in: findings.map(idOf) }) }, { _id: 1 }).lean()).map((r) => r._id));
    const missing = findings.filter((f) => !opened.has(idOf(f)));
    const awaiting = await this.models.remediations.find(awaitingGrantsFilter(missing.map((f) => f.grantId!)), { grantId: 1 }).sort({ _id: 1 }).lean();
    const coveredBy = new Map<string, string>();
    for (const r of awaiting) if (!coveredBy.has(r.grantId)) coveredBy.set(r.grantId, r._id);
    return {
      rows: missing.map((finding) => ({ finding, coveredBy: coveredBy.get(finding.grantId!) ?? null })),
      next: docs.length === limit ? docs[docs.length - 1]!.key : null,
    };
  }

  /** One transaction: the grants' unverified remediations are read in the session, then the rest is inserted if absent. */
  async openForFindings(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number> {
    if (remediations.length === 0) return 0;
    const docs = remediations.map(remediationDoc);
    await Promise.all(docs.map((d) => this.models.remediations.validate(d)));
    const done = await withLedger(this.connection, this.models, async (session) => {
      const awaiting = new Set((await this.models.remediations.find(awaitingGrantsFilter(remediations.map((r) => r.grantId)), { grantId: 1 }).session(session).lean()).map((r) => r.grantId));
      // One per grant: of two remediations of one grant in this call, the first.
      const candidates = remediations.filter((r) => !awaiting.has(r.grantId) && (awaiting.add(r.grantId), true));
      const inserted = await this.insertAbsent(candidates, session);
      return { value: inserted.length, events: inserted.length > 0 ? events(inserted) : [] };
    });
    return done.value;
  }

  /** One transaction: each item joins its grant's unverified finding remediation (a conditional update), unless it has a remediation. */
  async attachItems(attachments: readonly ItemAttachment[], at: string, events: LedgerEvents<readonly AttachedItem[]>): Promise<AttachedItem[]> {
    if (attachments.length === 0) return [];
    const done = await withLedger(this.connection, this.models, async (session) => {
      const withRemediation = new Set((await this.models.remediations.find({ itemId: operator({ $in: attachments.map((a) => asString(a.itemId, 'itemId')) }) }, { itemId: 1 }).session(session).lean()).map((r) => r.itemId));
      const awaiting = await this.models.remediations.find(awaitingGrantsFilter(attachments.map((a) => a.grantId))).sort({ _id: 1 }).session(session).lean();
      const attached: AttachedItem[] = [];
      for (const attachment of attachments) {
        if (withRemediation.has(attachment.itemId)) continue;
        const target = awaiting.find((d) => d.grantId === attachment.grantId && d.itemId === null && d.reason.kind === 'finding');
        if (!target) continue;
        const set = { itemId: asString(attachment.itemId, 'itemId'), campaignId: asString(attachment.campaignId, 'campaignId'), updatedAt: asString(at, 'at') };
        const result = await this.models.remediations.updateOne(attachFilter(target._id), { $set: set }, { session, runValidators: true });
        if (result.modifiedCount !== 1) continue;
        target.itemId = set.itemId;
        attached.push({ attachment, remediation: toRemediation({ ...target, ...set }) });
      }
      return { value: attached, events: attached.length > 0 ? events(attached) : [] };
    });
    return done.value;
  }

  async pastDue(at: string, limit: number): Promise<Remediation[]> {
    const docs = await this.models.remediations.find(pastDueFilter(at)).sort({ dueAt: 1, _id: 1 }).limit(asInteger(limit, 'limit', 1)).lean();
    return docs.map(toRemediation);
  }

  /** Keyset pages over _id (the remediation id): each one index range read. */
  async *all(batchSize?: number): AsyncIterable<Remediation[]> {
    const fetch = async (after: string | null, limit: number) => this.models.remediations.find(allPageFilter(after)).sort({ _id: 1 }).limit(limit).lean();
    for await (const page of keysetPages(fetch, (d) => d._id, pageSize(batchSize, DEFAULT_PAGE))) yield page.map(toRemediation);
  }

  /** The moves of `ids`, in the session: read the ones in `from`, update exactly those. */
  private async move(ids: readonly string[], from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, session: ClientSession): Promise<RemediationMove[]> {
    const filter = moveFilter(ids, from, to);
    const set = moveSet(to, patch);
    const before = await this.models.remediations.find(filter).sort({ _id: 1 }).session(session).lean();
    if (before.length === 0) return [];
    const result = await this.models.remediations.updateMany({ ...filter, _id: operator({ $in: before.map((d) => d._id) }) }, { $set: set }, { session, runValidators: true });
    // Snapshot isolation: what the session read is what it updates (a concurrent move conflicts and is retried).
    if (result.modifiedCount !== before.length) throw new Error(`remediation move changed ${result.modifiedCount} of ${before.length} remediations`);
    return before.map((d) => ({ from: d.state, remediation: toRemediation({ ...d, ...set } as typeof d) }));
  }
}
