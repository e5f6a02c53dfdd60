import type { Connection } from 'mongoose';
import type { Grant, GrantChange, Identity, Snapshot, SnapshotStatus } from '../../domain/index.js';
import { assertCreatable, assertFinishOutcome, promotionOf, requireWritable } from '../../domain/index.js';
import type { Counts, LedgerEvents, SnapshotFinish, SnapshotStore } from '../ports.js';
import { addedChanges } from '../added-changes.js';
import type { GrantRows } from '../grant-rows.js';
import { grantRowsOf } from '../grant-rows.js';
import { countRows, snapshotStatusCounts } from './count-queries.js';
import { BULK_WRITE_OPTIONS, insertIfAbsent, upsertLastWins } from './bulk-ops.js';
import { asInteger, asString, operator } from './filter-value.js';
import { grantChangeDoc, toGrantChange } from './grant-change-schema.js';
import { grantDoc, toGrant } from './grant-schema.js';
import { identityDoc, toIdentity } from './identity-schema.js';
import type { MongoModels } from './mongo-models.js';
import { keysetPages, pageSize } from './keyset-pages.js';
import { withLedger } from './ledger-transaction.js';
import {
  acceptFilter,
  acceptUpdate,
  appliedUpdate,
  currentUpdate,
  derivedChangesFilter,
  finishQuery,
  grantPageFilter,
  inSnapshots,
  NEWEST_FIRST,
  snapshotListFilter,
  storedChangesUpdate,
  supersededFilter,
} from './snapshot-queries.js';
import { snapshotDoc, toSnapshot } from './snapshot-schema.js';

const DEFAULT_GRANT_BATCH = 5_000;
/** Grants copied per bulk write when a snapshot starts from its previous one. */
const COPY_BATCH = 2_000;

/**
 * Snapshots, their grants, identities and diff lines. A snapshot's data is written only while
 * it is running, by the sync run that created it: the running check before a batch is a guard
 * against misuse, not a lock (MongoDB has no multi-document lock without a transaction, and a
 * 1M-grant snapshot is far beyond one), so a batch racing its own snapshot's finish() can
 * still land. An outcome, a promotion (accept, then point the system at it) and their ledger
 * events are one transaction (withLedger).
 */
export class MongoSnapshotStore implements SnapshotStore {
  constructor(
    private readonly connection: Connection,
    private readonly models: MongoModels,
  ) {}

  /**
   * fromPrevious: the previous snapshot's grants are copied into the new one (server side, in
   * pages) before create returns. Unlike the SQLite store, this adapter still stores a full copy
   * per snapshot (the port's reads are the same; see docs in ports.ts).
   */
  async create(snapshot: Snapshot, options: { fromPrevious?: boolean } = {}): Promise<void> {
    assertCreatable(snapshot);
    const doc = snapshotDoc(snapshot);
    // Started from the empty state: its changes are its grants, each added (derived, not stored).
    if (options.fromPrevious === true && snapshot.previousSnapshotId === null) doc.changesDerived = true;
    await this.models.snapshots.validate(doc);
    const previousId = options.fromPrevious === true ? snapshot.previousSnapshotId : null;
    if (previousId !== null) {
      const previous = await this.get(previousId);
      const applied = await this.models.snapshots.exists({ _id: asString(previousId, 'snapshotId'), applied: true });
      if (!previous || !applied || previous.systemId !== snapshot.systemId) {
        throw new Error(`snapshot ${snapshot.id} cannot start from ${previousId}: not an applied snapshot of ${snapshot.systemId}`);
      }
    }
    const result = await this.models.snapshots.bulkWrite([insertIfAbsent(doc)], BULK_WRITE_OPTIONS);
    if (previousId === null || result.upsertedCount === 0) return;
    for await (const page of this.grants(previousId, COPY_BATCH)) {
      await this.models.grants.bulkWrite(
        page.map((grant) => insertIfAbsent(grantDoc(snapshot.id, grant))),
        BULK_WRITE_OPTIONS,
      );
    }
  }

  async appendGrants(snapshotId: string, grants: readonly Grant[]): Promise<void> {
    if (grants.length === 0) return;
    const { systemId } = await this.requireRunning(snapshotId);
    for (const grant of grants) {
      // grants() reports the snapshot's system; a grant of another system would be misfiled.
      if (grant.systemId !== systemId) {
        throw new Error(`grant ${grant.id} belongs to ${grant.systemId}, not to ${systemId} of snapshot ${snapshotId}`);
      }
    }
    await this.models.grants.bulkWrite(
      grants.map((grant) => upsertLastWins(grantDoc(snapshotId, grant))),
      BULK_WRITE_OPTIONS,
    );
  }

  async removeGrants(snapshotId: string, grantIds: readonly string[]): Promise<void> {
    if (grantIds.length === 0) return;
    await this.requireRunning(snapshotId);
    await this.models.grants.deleteMany({ ...inSnapshots([snapshotId]), grantId: operator({ $in: grantIds.map((id) => asString(id, 'grantId')) }) });
  }

  async appendIdentities(snapshotId: string, identities: readonly Identity[]): Promise<void> {
    if (identities.length === 0) return;
    const { systemId } = await this.requireRunning(snapshotId);
    await this.models.identities.bulkWrite(
      identities.map((identity) => upsertLastWins(identityDoc(snapshotId, systemId, identity))),
      BULK_WRITE_OPTIONS,
    );
  }

  private async requireRunning(snapshotId: string): Promise<Snapshot> {
    return requireWritable(snapshotId, await this.get(snapshotId));
  }

  async finish(snapshotId: string, outcome: SnapshotFinish, events: LedgerEvents<Snapshot>, options: { promote?: boolean } = {}): Promise<boolean> {
    assertFinishOutcome(snapshotId, outcome.status);
    const promote = options.promote === true;
    // promote()'s rule, on the outcome, before anything is written.
    if (promote) promotionOf(snapshotId, { status: outcome.status });
    const { value } = await withLedger(this.connection, this.models, async (session) => {
      // Conditional on running: a snapshot no longer running changes nothing.
      const doc = await finishQuery(this.models.snapshots, snapshotId, outcome, session).lean();
      if (!doc) return { value: false, events: [] };
      const snapshot = toSnapshot(doc);
      if (promote) {
        await this.models.snapshots.updateOne(...appliedUpdate(snapshot.id), { session });
        await this.models.systemState.updateOne(...currentUpdate(snapshot), { upsert: true, session });
      }
      return { value: true, events: events(snapshot) };
    });
    return value;
  }

  async get(snapshotId: string): Promise<Snapshot | null> {
    const doc = await this.models.snapshots.findById(asString(snapshotId, 'snapshotId')).lean();
    return doc ? toSnapshot(doc) : null;
  }

  async contentSum(snapshotId: string): Promise<string | null> {
    const doc = await this.models.snapshots.findById(asString(snapshotId, 'snapshotId'), { contentSum: 1 }).lean();
    return doc?.contentSum ?? null;
  }

  async list(filter: { systemId?: string; status?: SnapshotStatus; limit?: number } = {}): Promise<Snapshot[]> {
    // limit(0) is no limit.
    const limit = filter.limit === undefined ? 0 : asInteger(filter.limit, 'limit', 1);
    const docs = await this.models.snapshots.find(snapshotListFilter(filter)).sort(NEWEST_FIRST).limit(limit).lean();
    return docs.map(toSnapshot);
  }

  async current(systemId: string): Promise<Snapshot | null> {
    const state = await this.models.systemState.findById(asString(systemId, 'systemId')).lean();
    return state ? this.get(state.snapshotId) : null;
  }

  async currentAll(): Promise<Map<string, Snapshot>> {
    const states = await this.models.systemState.find({}).sort({ _id: 1 }).lean();
    const snapshots = await this.models.snapshots.find({ _id: operator({ $in: states.map((s) => s.snapshotId) }) }).lean();
    const byId = new Map(snapshots.map((doc) => [doc._id, toSnapshot(doc)]));
    const current = new Map<string, Snapshot>();
    for (const state of states) {
      const snapshot = byId.get(state.snapshotId);
      if (snapshot) current.set(state._id, snapshot);
    }
    return current;
  }

  async promote(snapshotId: string, acceptedBy: string | null, events: LedgerEvents<Snapshot>): Promise<boolean> {
    const { value } = await withLedger(this.connection, this.models, async (session) => {
      const found = await this.models.snapshots.findById(asString(snapshotId, 'snapshotId')).session(session).lean();
      const promotion = promotionOf(snapshotId, found ? toSnapshot(found) : null, acceptedBy ?? undefined);
      let snapshot = promotion.snapshot;
      if (promotion.acceptedBy !== null) {
        // The transaction read it quarantined: a concurrent acceptance conflicts and this one starts over.
        const accepted = await this.models.snapshots.findOneAndUpdate(acceptFilter(snapshotId), acceptUpdate(promotion.acceptedBy), { new: true, runValidators: true, session }).lean();
        snapshot = toSnapshot(accepted!);
      } else {
        const state = await this.models.systemState.findById(snapshot.systemId).session(session).lean();
        if (state?.snapshotId === snapshotId) return { value: false, events: [] };
      }
      await this.models.snapshots.updateOne(...appliedUpdate(snapshot.id), { session });
      await this.models.systemState.updateOne(...currentUpdate(snapshot), { upsert: true, session });
      return { value: true, events: events(snapshot) };
    });
    return value;
  }

  /** Id order is the index's order here: no cheaper order to read a snapshot in. */
  scanGrants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    return this.grants(snapshotId, batchSize);
  }

  /** scanGrants' batches encoded as rows: the documents arrive as objects anyway. */
  async *scanGrantRows(snapshotId: string, batchSize?: number): AsyncIterable<GrantRows> {
    for await (const batch of this.scanGrants(snapshotId, batchSize)) yield grantRowsOf(batch);
  }

  /** By id, as scanGrants: the index's order is the cheapest here. */
  async *grantsOf(snapshotIds: readonly string[], batchSize?: number): AsyncIterable<Grant[]> {
    for (const snapshotId of snapshotIds) yield* this.grants(snapshotId, batchSize);
  }

  grants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    return keysetPages<Grant, string>(
      async (after, limit) =>
        (await this.models.grants.find(grantPageFilter(snapshotId, after)).sort({ grantId: 1 }).limit(limit).lean()).map(toGrant),
      (last) => last.id,
      size,
    );
  }

  async countByStatus(): Promise<Counts<{ systemId: string; status: SnapshotStatus }>> {
    return countRows(await this.models.snapshots.aggregate<{ _id: { systemId: string; status: SnapshotStatus }; count: number }>(snapshotStatusCounts()));
  }

  async countGrants(snapshotId: string): Promise<number> {
    return this.models.grants.countDocuments({ snapshotId: asString(snapshotId, 'snapshotId') });
  }

  async identities(snapshotId: string): Promise<Identity[]> {
    const docs = await this.models.identities.find({ snapshotId: asString(snapshotId, 'snapshotId') }).sort({ identityId: 1 }).lean();
    return docs.map(toIdentity);
  }

  async appendChanges(changes: readonly GrantChange[]): Promise<void> {
    if (changes.length === 0) return;
    const derived = await this.models.snapshots.findOne(derivedChangesFilter([...new Set(changes.map((c) => c.snapshotId))]), { _id: 1 }).lean();
    if (derived) throw new Error(`snapshot ${derived._id} derives its changes from its grants: it takes no change lines`);
    await this.models.grantChanges.bulkWrite(
      changes.map((change) => insertIfAbsent(grantChangeDoc(change))),
      BULK_WRITE_OPTIONS,
    );
  }

  async *changes(snapshotId: string, batchSize?: number): AsyncIterable<GrantChange[]> {
    const size = pageSize(batchSize, DEFAULT_GRANT_BATCH);
    if (await this.models.snapshots.exists(derivedChangesFilter([snapshotId]))) {
      yield* addedChanges(snapshotId, this.grants(snapshotId, size), size);
      return;
    }
    yield* keysetPages<GrantChange, string>(
      async (after, limit) =>
        (await this.models.grantChanges.find(grantPageFilter(snapshotId, after)).sort({ grantId: 1 }).limit(limit).lean()).map(toGrantChange),
      (last) => last.grantId,
      size,
    );
  }

  /**
   * Stores the derived changes of those snapshots as lines, then unsets their flag (before
   * pruneGrants deletes their grants). No transaction spans a snapshot's lines: each step can
   * be repeated (the lines are inserted if absent), and a prune stopped between them reads the
   * same changes and stores them again on its next run.
   */
  private async storeDerivedChanges(snapshotIds: readonly string[]): Promise<void> {
    for (const { _id: snapshotId } of await this.models.snapshots.find(derivedChangesFilter(snapshotIds), { _id: 1 }).lean()) {
      for await (const lines of addedChanges(snapshotId, this.grants(snapshotId, COPY_BATCH), COPY_BATCH)) {
        await this.models.grantChanges.bulkWrite(
          lines.map((change) => insertIfAbsent(grantChangeDoc(change))),
          BULK_WRITE_OPTIONS,
        );
      }
      await this.models.snapshots.updateOne(...storedChangesUpdate(snapshotId));
    }
  }

  async pruneGrants(keep: number): Promise<number> {
    asInteger(keep, 'keep', 0);
    let deleted = 0;
    for (const current of (await this.currentAll()).values()) {
      const superseded = await this.models.snapshots
        .find(supersededFilter(current), { _id: 1 })
        .sort(NEWEST_FIRST)
        .skip(keep)
        .lean();
      if (superseded.length === 0) continue;
      await this.storeDerivedChanges(superseded.map((s) => s._id));
      const result = await this.models.grants.deleteMany(inSnapshots(superseded.map((s) => s._id)));
      deleted += result.deletedCount;
    }
    return deleted;
  }
}
