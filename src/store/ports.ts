/**
 * Store ports: what the engine persists, phrased in domain terms. Two adapters implement
 * them (sqlite/ — the embedded default — and mongo/), and one contract suite
 * (test/store/store-contract.ts) runs against both.
 *
 * Contracts that every adapter must keep:
 * - Ids are supplied by the caller (derived, never random), so every create is idempotent.
 * - State changes are conditional (compare-and-set): they report whether they happened.
 * - Large collections (grants, changes, ledger events) are written and read in batches;
 *   nothing loads a whole 1M-grant snapshot into one array.
 * - Values from outside are stored literally: a string like `{"$gt":""}` is data, never a query.
 * - A state change and its ledger events commit together or not at all (see LedgerEvents).
 */
import type {
  Campaign,
  CampaignState,
  Decision,
  Evaluation,
  Finding,
  Grant,
  GrantChange,
  Identity,
  ItemState,
  LedgerEvent,
  LedgerEventInput,
  Remediation,
  RemediationPatch,
  RemediationState,
  ReviewItem,
  Snapshot,
  SnapshotCounts,
  Severity,
  SnapshotStatus,
  StoredFinding,
} from '../domain/index.js';
import type { GrantRows } from './grant-rows.js';

/** A stored finding without its evidence (FindingStore.states). */
export type FindingState = Omit<StoredFinding, 'evidence'>;

/**
 * What the count methods answer: how many rows share each combination of the named fields
 * (combinations with no row are absent). Counted by the store (GROUP BY, an aggregation), never
 * by loading the rows: for /metrics and closings of campaigns of any size.
 */
/** The most items one expirePending transaction expires (and hands to its events function). */
export const EXPIRE_BATCH = 1_000;

export type Counts<V extends Record<string, string>> = Array<V & { count: number }>;

/**
 * The ledger events of a state change, as a function of exactly what changed: the rows this
 * call inserted (not those another writer inserted first), the item as this call decided it.
 * The adapter calls it inside the transaction that makes the change and appends what it
 * returns in that same transaction (SQLite: one transaction on the one database; MongoDB: one
 * session transaction, chunked by the caller where large), so a crash or a failure at any
 * point leaves both or neither. A call that changed nothing does not call it and appends
 * nothing. It must not do I/O: it only builds events.
 */
export type LedgerEvents<T> = (changed: T) => readonly LedgerEventInput[];

export interface SnapshotFinish {
  status: Exclude<SnapshotStatus, 'running'>;
  finishedAt: string;
  durationMs: number;
  counts: SnapshotCounts;
  problems: string[];
  contentHash: string | null;
  previousSnapshotId: string | null;
  /**
   * The running sum behind contentHash (GrantSetHash.state()), kept so that the next sync can
   * carry it forward instead of hashing every grant again; absent or null: none.
   */
  contentSum?: string | null;
}

/**
 * Snapshots and their data. Which status may follow which, and what each refusal says, is the
 * domain's snapshot lifecycle (domain/snapshot-transitions.ts): adapters call its guards and
 * make their writes conditional on its statuses; they add no status rule of their own.
 */
export interface SnapshotStore {
  /**
   * Stores a new snapshot in status `running` (any other status throws). Creating an existing id is a no-op.
   * A snapshot starts without grants; with `fromPrevious` it starts with the grants of its
   * `previousSnapshotId` (which must have been applied, i.e. made current once; null: none, the
   * empty state: then its changes are derived from its grants, see changes()), so that a sync
   * writes only what changed (appendGrants for new and changed grants, removeGrants for the
   * others). Either way its grants are stored apart from the previous snapshot's: the previous
   * one reads the same before and after. (A run that fails before its removeGrants reads its
   * previous grants plus what it appended: never fewer grants than the state it started from.)
   */
  create(snapshot: Snapshot, options?: { fromPrevious?: boolean }): Promise<void>;
  /**
   * Adds grants to a running snapshot (throws when the snapshot is missing or no longer
   * running). A grant id already in the snapshot (appended, or from its previous one) is overwritten (last wins).
   */
  appendGrants(snapshotId: string, grants: readonly Grant[]): Promise<void>;
  /**
   * Drops grants (by grant id) from a running snapshot (throws as appendGrants): from the ones
   * it started with (fromPrevious) or was given. Ids it does not hold are ignored.
   */
  removeGrants(snapshotId: string, grantIds: readonly string[]): Promise<void>;
  /** Adds identities to a running snapshot of a directory system (throws as appendGrants). Same id: last wins. */
  appendIdentities(snapshotId: string, identities: readonly Identity[]): Promise<void>;
  /**
   * Records the outcome of a run and its ledger events (`events` gets the snapshot as
   * finished) in one transaction. Only a `running` snapshot can be finished; returns false
   * otherwise, appending nothing. An outcome status the lifecycle does not allow (`running`)
   * throws. With `promote`, the snapshot also becomes its system's current state in that
   * transaction (the outcome must be `complete`: promote()'s rule, checked before anything
   * is written).
   */
  finish(snapshotId: string, outcome: SnapshotFinish, events: LedgerEvents<Snapshot>, options?: { promote?: boolean }): Promise<boolean>;
  get(snapshotId: string): Promise<Snapshot | null>;
  /** The contentSum the snapshot was finished with, or null (none, or no such snapshot). */
  contentSum(snapshotId: string): Promise<string | null>;
  /** Newest first. */
  list(filter?: { systemId?: string; status?: SnapshotStatus; limit?: number }): Promise<Snapshot[]>;
  /** The system's current state, or null when it never had a complete snapshot. */
  current(systemId: string): Promise<Snapshot | null>;
  /** systemId -> current snapshot, for every system that has one. */
  currentAll(): Promise<Map<string, Snapshot>>;
  /** How many snapshots each system has in each status. */
  countByStatus(): Promise<Counts<{ systemId: string; status: SnapshotStatus }>>;
  /**
   * Makes a snapshot the current state of its system, with its ledger events (`events` gets
   * the snapshot as promoted) in one transaction. Allowed for `complete` snapshots, and for
   * `quarantined` ones only together with `acceptedBy` (which flips them to complete).
   * Throws on any other status: a failed or partial pull never becomes current. Returns
   * whether anything changed: promoting the current snapshot again (e.g. a second acceptance
   * of one already accepted) changes nothing and appends nothing.
   */
  promote(snapshotId: string, acceptedBy: string | null, events: LedgerEvents<Snapshot>): Promise<boolean>;
  /**
   * The snapshot's grants in ascending grant id order, in batches of at most `batchSize`. Any
   * snapshot reads the same grants for as long as it exists: later syncs, promotions and
   * pruneGrants never change what a snapshot that was ever applied (made current) reads.
   */
  grants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]>;
  /**
   * The snapshots' grants, one snapshot after another, each snapshot's the grants grants()
   * reads, in an order the store chooses (SQLite: as stored, which reads the table
   * sequentially; MongoDB: by id); batches never mix snapshots. For a reader that does not
   * depend on the order within a snapshot (the policy evaluation), which the store may serve
   * with shared resources (SQLite: one page reader thread for them all).
   */
  grantsOf(snapshotIds: readonly string[], batchSize?: number): AsyncIterable<Grant[]>;
  /**
   * The snapshot's grants in no particular order (the store's cheapest), in batches of at
   * most `batchSize`: for readers of a whole snapshot that need no order, like the sync's diff.
   */
  scanGrants(snapshotId: string, batchSize?: number): AsyncIterable<Grant[]>;
  /**
   * The grants scanGrants reads, as raw fields without ids (see GrantRows), in batches of at
   * most `batchSize`: for a reader that keeps a whole snapshot to compare against (the sync's
   * diff), where a Grant per row would be garbage once compared.
   */
  scanGrantRows(snapshotId: string, batchSize?: number): AsyncIterable<GrantRows>;
  countGrants(snapshotId: string): Promise<number>;
  /** The snapshot's identities (directory systems), ordered by id. */
  identities(snapshotId: string): Promise<Identity[]>;
  /**
   * Stores diff lines of a snapshot against its predecessor. Idempotent on (snapshotId, grantId).
   * Throws for a snapshot whose changes are derived (created fromPrevious without a previous one).
   */
  appendChanges(changes: readonly GrantChange[]): Promise<void>;
  /**
   * The snapshot's diff lines in grant id order, in batches of at most `batchSize` (all full but
   * the last). A snapshot created fromPrevious without a previous snapshot (a system's first
   * sync: it starts from the empty state) stores none: its changes are derived from its grants,
   * one `added` line per grant (before null, after its grantFingerprint), read the same way;
   * pruneGrants stores them as lines before deleting those grants, so they are never lost.
   */
  changes(snapshotId: string, batchSize?: number): AsyncIterable<GrantChange[]>;
  /**
   * Deletes the grants (not the snapshot record, its counts, hash or changes: changes derived from
   * the grants deleted are stored as lines first, in the same transaction where the store has one) of superseded
   * snapshots that were never applied (never made current: failed, partial, quarantined and
   * never accepted, or complete and never promoted), keeping the newest `keep` such ones per system:
   * they read no grants afterwards. Returns the grant rows deleted (a snapshot started
   * fromPrevious stores only the grants it changed). Superseded =
   * older than the system's current snapshot and not running: a running snapshot and a newer
   * one (e.g. quarantined, awaiting acceptance) keep their grants. Snapshots ever applied
   * always keep theirs: their grants are stored once, shared with the snapshots after them,
   * and stay readable for evidence.
   */
  pruneGrants(keep: number): Promise<number>;
}

/** Identities as currently known: those of the current snapshot of every directory system. */
export interface IdentityStore {
  current(): Promise<Identity[]>;
  get(id: string): Promise<Identity | null>;
  findByEmail(email: string): Promise<Identity | null>;
}

/** What one transaction of saveEvaluation changed: the findings it opened and those it resolved. */
export interface FindingChanges {
  /** Raised findings this call opened (no open row of their key existed): the caller's objects. */
  opened: readonly Finding[];
  /** Open findings this call resolved, as stored, with their resolvedAt. */
  resolved: readonly StoredFinding[];
  /**
   * Set when the evaluation is saved in several transactions (MongoDB, above FINDING_CHUNK
   * findings): this transaction's number, from 1. Absent when one transaction saves it all
   * (always on SQLite): the events then describe the whole evaluation.
   */
  part?: number;
}

/**
 * The ledger events of one transaction's finding changes, as an iterable consumed inside that
 * transaction: SQLite chains them a chunk at a time (all chunks commit together), so an
 * evaluation that opens hundreds of thousands of findings never holds all their events at once;
 * MongoDB's transactions hold at most FINDING_CHUNK findings, so it takes each one's at once.
 */
export type FindingEvents = (changed: FindingChanges) => Iterable<LedgerEventInput>;

export interface FindingStore {
  /**
   * Stores one evaluation: findings already open (same key) are refreshed (lastSeenAt,
   * evaluationId, severity, reason, evidence), new ones are opened with firstSeenAt = at, and
   * open findings of the evaluated systems that were not raised again are resolved. The
   * ledger events of the findings opened and resolved are appended with them: `events` gets
   * exactly the findings this call opened and resolved (a finding another evaluation opened
   * first is refreshed here, not opened), once per transaction: SQLite saves the whole
   * evaluation in one; MongoDB in chunks (MongoFindingStore), each chunk
   * atomic with its own events (a crash between chunks leaves the evaluation half saved,
   * every change saved so far with its events; the next evaluation converges).
   */
  saveEvaluation(evaluation: Evaluation, findings: readonly Finding[], events: FindingEvents): Promise<{ opened: number; refreshed: number; resolved: number }>;
  latestEvaluation(): Promise<Evaluation | null>;
  /** Open findings, optionally of one system or for a set of grant ids. */
  open(filter?: { systemId?: string; grantIds?: readonly string[] }): Promise<StoredFinding[]>;
  /** How many findings are open, by type and severity. */
  countOpen(): Promise<Counts<{ type: string; severity: Severity }>>;
  /** Every stored state of a finding key, open and resolved, oldest first. */
  history(key: string): Promise<StoredFinding[]>;
  /** Every stored evaluation, oldest first (one per check run): for the audit's reconciliation with the ledger. */
  evaluations(): Promise<Evaluation[]>;
  /**
   * Every stored state of every finding key, open and resolved, in batches of at most
   * `batchSize`, in storage order: for the audit's reconciliation with the ledger. Read-only.
   * Without the evidence (FindingState): the reconciliation compares none, and at 75k rows
   * reading and parsing it was most of what this read cost.
   */
  states(batchSize?: number): AsyncIterable<FindingState[]>;
}

export interface DecideResult {
  ok: boolean;
  /** The item after the call (decided by this call, or as found). */
  item: ReviewItem | null;
  /** The item's decision: this one when ok, the earlier one when the item was already decided. */
  decision: Decision | null;
}

/**
 * Where a decision that does not settle its item sends it (multi-stage reviews): the stage, its
 * reviewer and when the item is due there.
 */
export interface StageAdvance {
  stage: number;
  reviewerId: string;
  reviewerSource: string;
  dueAt: string;
}

export interface ItemWithDecision {
  item: ReviewItem;
  decision: Decision | null;
}

/**
 * An item with its decision, as far as the reconciliation compares them (item-ledger.ts,
 * item-digest-ledger.ts): the fields their ledger events carry. An adapter may give more
 * (whole items and decisions); it must give these.
 */
export interface ItemStateWithDecision {
  item: Pick<ReviewItem, 'id' | 'grantId' | 'systemId' | 'accountId' | 'role' | 'reviewerId' | 'reviewerSource' | 'state' | 'detail' | 'stage'>;
  decision: Pick<Decision, 'id' | 'outcome' | 'reviewerId' | 'channel' | 'justification' | 'simulated' | 'operator' | 'approveAll' | 'stage'> | null;
}

export interface CampaignStore {
  /** Creates a campaign unless one exists for (reviewId, period); returns the stored one. */
  create(campaign: Campaign): Promise<{ campaign: Campaign; created: boolean }>;
  get(id: string): Promise<Campaign | null>;
  list(filter?: { state?: CampaignState; reviewId?: string }): Promise<Campaign[]>;
  /**
   * Conditional transition: only when the campaign is in `from`. Returns whether it happened.
   * `at` becomes closedAt when `to` is 'closed'. `events` gets the campaign as transitioned.
   */
  transition(id: string, from: CampaignState, to: CampaignState, at: string, events: LedgerEvents<Campaign>): Promise<boolean>;
  /**
   * Inserts items that do not exist yet (by id). Returns how many were inserted. `events` gets
   * the items this call inserted: of concurrent writers of the same items, each item's events
   * are appended once, by the writer that inserted it.
   */
  addItems(items: readonly ReviewItem[], events: LedgerEvents<readonly ReviewItem[]>): Promise<number>;
  item(id: string): Promise<ReviewItem | null>;
  /** How many items the campaign has. */
  countItems(campaignId: string): Promise<number>;
  /** The campaign's items counted per system and state (counted by the store, not loaded); no row for a count of 0. */
  countItemsBySystem(campaignId: string): Promise<{ systemId: string; state: ItemState; count: number }[]>;
  /** How many items are in each state: of one campaign, or of every campaign in a state. */
  countItemsByState(filter: { campaignId: string } | { campaignState: CampaignState }): Promise<Counts<{ state: ItemState }>>;
  items(campaignId: string, filter?: { reviewerId?: string; state?: ItemState }): Promise<ReviewItem[]>;
  /**
   * The campaign's items pending at a stage after the first (multi-stage reviews), in item id
   * order, in batches of at most `batchSize`: read from an index of those items alone, so the
   * cost follows them, not the campaign (serve's stage hand-off catch-up, every 5 minutes).
   */
  pendingAtLaterStages(campaignId: string, batchSize?: number): AsyncIterable<ReviewItem[]>;
  /** Pending items assigned to a reviewer across open campaigns. */
  pendingForReviewer(reviewerId: string): Promise<ReviewItem[]>;
  /**
   * Atomically records a decision on a pending item at its current stage (decision.stage,
   * absent: 1). Without `advance` the decision settles the item: it moves to the outcome's state
   * and the decision is stored as the item's one decision (id = item id). With `advance` the
   * decision passes the item on: it is stored as a stage decision (id `${itemId}#${stage}`) and
   * the item stays pending, now at advance.stage with its reviewer and due time. A second
   * decision at the same stage, concurrent or later, gets ok=false with the first one (the
   * stage decision, or the settling one); so does a decision at a stage the item is no longer
   * in. `events` gets the item and decision as stored, only when this call decided.
   */
  decide(decision: Decision, events: LedgerEvents<{ item: ReviewItem; decision: Decision }>, advance?: StageAdvance): Promise<DecideResult>;
  /** The decisions that passed an item on to a later stage, by stage (none for a single-stage item). */
  stageDecisions(itemId: string): Promise<Decision[]>;
  /** Every stage decision of a campaign, in (item id, stage) order, in batches of at most `batchSize`. */
  stageDecisionsOf(campaignId: string, batchSize?: number): AsyncIterable<Decision[]>;
  /**
   * Every decision one reviewer made in a campaign: those that settled an item and those that
   * passed one on (stage decisions), in (decidedAt, id) order. Read by reviewer, not the whole
   * campaign: rubber-stamp detection on one approval (decide-item.ts, `flagged-approval`).
   */
  decisionsOf(campaignId: string, reviewerId: string): Promise<Decision[]>;
  /**
   * Reassigns a pending item currently assigned to `fromReviewerId`. Returns whether it
   * happened; `events` gets the item as it was before the reassignment.
   */
  reassign(itemId: string, fromReviewerId: string, toReviewerId: string, source: string, at: string, events: LedgerEvents<ReviewItem>): Promise<boolean>;
  /**
   * Marks every pending item of a campaign expired; returns how many. In transactions of at
   * most EXPIRE_BATCH items, so a campaign of any size expires without its items being held at
   * once: `events` is called once per transaction with the items it expired (as they were,
   * pending), pages in item id order. A failure leaves the pages done so far expired with their
   * events, the rest pending (calling again expires them).
   */
  expirePending(campaignId: string, at: string, events: LedgerEvents<readonly ReviewItem[]>): Promise<number>;
  decision(itemId: string): Promise<Decision | null>;
  decisions(campaignId: string): Promise<Decision[]>;
  /**
   * Every item of a campaign with its decision (null when undecided), in item id order, in
   * batches of at most `batchSize`: for exports, whose memory must not grow with the campaign.
   */
  itemsWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemWithDecision[]>;
  /**
   * itemsWithDecisions as far as the reconciliation compares them (ItemStateWithDecision; an
   * adapter may still give whole items and decisions): at 1M items, parsing the findings was
   * ~1.3 s of an export's reconciliation, and reading the 12 columns nothing compares ~3 s of
   * `audit verify`'s (both threads).
   */
  itemStatesWithDecisions(campaignId: string, batchSize?: number): AsyncIterable<ItemStateWithDecision[]>;
  /**
   * The last certification of a system: the newest closed campaign with items of that
   * system, when it closed, the grant ids approved in it and, for the approved items that had a
   * grant detail, that detail as certified (grant id -> its canonical JSON).
   */
  lastCertification(systemId: string): Promise<LastCertification | null>;
}

export interface LastCertification {
  campaignId: string;
  certifiedAt: string;
  approvedGrantIds: string[];
  approvedDetails: Record<string, string>;
}

export type DeliveryKind = 'review' | 'reminder' | 'escalation' | 'notice';
export type DeliveryState = 'claimed' | 'sent' | 'failed';

/** A message the bot sends (or sent): one row per (campaign, recipient, kind, key). */
export interface Delivery {
  /** `${campaignId}|${recipient}|${kind}|${key}` */
  id: string;
  campaignId: string;
  recipient: string;
  kind: DeliveryKind;
  /** Distinguishes several messages of one kind: a page number, a reminder date. */
  key: string;
  state: DeliveryState;
  channel: string | null;
  ts: string | null;
  attempts: number;
  error: string | null;
  updatedAt: string;
  payload: Record<string, unknown>;
}

/** The fields an update may set; updatedAt always. */
export type DeliveryPatch = Partial<Pick<Delivery, 'state' | 'channel' | 'ts' | 'attempts' | 'error' | 'payload'>> & { updatedAt: string };

/**
 * What a delivery must be for an update to apply (compare-and-set): in `state` and, with
 * `unmarked`, without that key in its payload yet (a one-time mark, e.g. when a sent page was
 * updated to show its closed campaign). A key is a plain identifier (letters, digits, `_`).
 */
export interface DeliveryExpected {
  state: DeliveryState;
  unmarked?: string;
}

/**
 * Outgoing messages. A message is claimed before it is sent (claim), and its outcome recorded
 * after (update), with the outcome's ledger events in the same transaction. The send itself
 * (a Slack call) happens between the two, outside any transaction: a process that dies after
 * sending and before update leaves the delivery `claimed` with no event. Nothing takes over a
 * claimed delivery (claim refuses it; update from `claimed` is its claimant's alone), so it is
 * never sent or ledgered twice: callers report it as uncertain.
 */
export interface DeliveryStore {
  /**
   * Claims a delivery before sending; false when it exists already (claimed or sent). A failed
   * delivery can be claimed again (a retry): it becomes `claimed`, keeping its attempts and error.
   */
  claim(delivery: Delivery): Promise<boolean>;
  /**
   * Records an outcome: sets the patch's fields when the delivery is as `expected` (see
   * DeliveryExpected) and appends `events` of the delivery as updated, in one transaction.
   * Returns the updated delivery, or null when it is missing or not as expected (e.g. no longer
   * `claimed`: already recorded, by this caller or another): then nothing changed, `events` is
   * not called and nothing is appended.
   */
  update(id: string, expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<Delivery>): Promise<Delivery | null>;
  /**
   * update() of several deliveries with one patch (one message sent for several, e.g. a
   * reminder listing several campaigns), in one transaction: `events` gets exactly the ones
   * that were as expected, as updated, in `ids` order, and is not called when there are none.
   * Returns them.
   */
  updateMany(ids: readonly string[], expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<readonly Delivery[]>): Promise<Delivery[]>;
  get(id: string): Promise<Delivery | null>;
  /**
   * The deliveries matching every filter given, in id order. `showingItems`: only those whose
   * `payload.itemIds` (an array of item ids: the review pages) holds at least one of these ids;
   * an empty list matches none. Stores answer it from an index of the pages' items, so a click
   * on one item reads the pages showing it, not every page of the campaign.
   */
  list(filter: DeliveryFilter): Promise<Delivery[]>;
}

export interface DeliveryFilter {
  campaignId?: string;
  recipient?: string;
  kind?: DeliveryKind;
  state?: DeliveryState;
  showingItems?: readonly string[];
}

export interface SchedulerStore {
  /**
   * Claims a run slot (`${job}@${slotIso}`) for `owner`. True for exactly one caller per
   * slot, unless the holder's claim expired (ttl) without completing, when it may be taken over.
   */
  claim(slot: string, job: string, owner: string, at: string, ttlMs: number): Promise<boolean>;
  complete(slot: string, at: string): Promise<void>;
  /** The newest completed slot time (ISO) of a job, for catching up missed runs on start. */
  lastCompleted(job: string): Promise<string | null>;
}

export interface SlackUser {
  id: string;
  teamId: string | null;
  email: string | null;
  name: string;
  deleted: boolean;
  isBot: boolean;
  updatedAt: string;
}

export interface SlackUserStore {
  /** Replaces the cached directory (a full `users.list`). */
  replaceAll(users: readonly SlackUser[], at: string): Promise<void>;
  upsert(user: SlackUser): Promise<void>;
  findByEmail(email: string): Promise<SlackUser | null>;
  get(id: string): Promise<SlackUser | null>;
  /** When the directory was last replaced, or null. */
  refreshedAt(): Promise<string | null>;
}

/**
 * A ledger event as read by readStored(): its data as JSON text, not parsed. Unchecked: in a
 * store edited by hand the text may be any text (not canonical, not JSON).
 */
export type StoredLedgerEvent = Omit<LedgerEvent, 'data'> & { dataJson: string };

/**
 * The hash-chained audit ledger. Adapters persist the events the domain builds (chainLink,
 * eventBody): how an event is hashed is never an adapter's choice.
 */
export interface LedgerStore {
  /**
   * Appends events at the head of the chain. Returns the stored events; an event's `data`
   * equals what read() gives back and may be the caller's own object (do not change it afterwards).
   *
   * Appends may overlap: concurrent calls in one process, and appends from several processes or
   * replicas to one database. For overlapping appends every adapter guarantees:
   * - each append is atomic and contiguous: its events get consecutive seqs in input order and
   *   are stored all or none; the events of two appends never interleave;
   * - seq stays gap-free and the chain never forks: an append chains onto the head as it is
   *   inside its own transaction, and only one append can store a given seq;
   * - the order between overlapping appends is not defined (whichever commits first is first):
   *   a caller that needs B after A awaits A's append before starting B's;
   * - an omitted `at` is the appending process's clock during the append (MongoDB: when
   *   append() is called, kept across its retries): seq, not at, is the ledger's order.
   * What is serialised, and how an append can fail under contention:
   * - SQLite serialises appends. In one process each append runs synchronously to its end
   *   (call order is seq order); every append takes the database's write lock up front (BEGIN
   *   IMMEDIATE), waiting for a writer on another connection (another process, or this
   *   process's bulk worker) up to the busy timeout (5 s), after which it fails with SQLITE_BUSY.
   * - MongoDB does not serialise them: each append is a transaction (snapshot read of the head,
   *   majority-acknowledged inserts) that runs alongside others; of two that read the same head
   *   one commits and the other starts over on the new head (a write conflict through the
   *   driver's transaction retries, for up to 120 s; a duplicate seq up to 10 attempts with a
   *   random pause), and fails with that error when the retries run out.
   * An append that throws stored none of its events, except when MongoDB could not learn the
   * outcome of its commit (an error labelled UnknownTransactionCommitResult): then it may have,
   * and a retry with the same inputs (each with its `at`) returns the events stored then instead
   * of storing them twice (MongoDB keys each append by its inputs: mongo/keyed-append.ts).
   */
  append(inputs: readonly LedgerEventInput[]): Promise<LedgerEvent[]>;
  head(): Promise<{ seq: number; hash: string } | null>;
  /** Events with seq in [fromSeq, toSeq] in seq order, in batches. */
  read(fromSeq?: number, toSeq?: number, batchSize?: number): AsyncIterable<LedgerEvent[]>;
  /**
   * read() with each event's data as the JSON text the store keeps, not parsed: SQLite the data
   * column as written (the canonical JSON the chain hashed, unless the row was edited), MongoDB
   * the canonical JSON of the stored document. For readers of the whole ledger that hash or copy
   * the data (verification, events.csv) and parse only the events they look into.
   */
  readStored(fromSeq?: number, toSeq?: number, batchSize?: number): AsyncIterable<StoredLedgerEvent[]>;
  /** Events filtered by time (`since` inclusive, `until` exclusive), type prefix or subject, oldest first. */
  query(filter: { since?: string; until?: string; type?: string; subject?: string; limit?: number }): Promise<LedgerEvent[]>;
}

/** One value setMany changed: its key, the value set, and the value before (null when new). */
export interface KvChange {
  key: string;
  value: string;
  previous: string | null;
}

/** A remediation as one move left it, with the state it left. */
export interface RemediationMove {
  from: RemediationState;
  remediation: Remediation;
}

/** A remediation's state and whether its grant is in a given snapshot (verification's read: no more than it needs). */
export interface RemediationCheck {
  id: string;
  state: RemediationState;
  present: boolean;
}

/** A revoke decision and its item. */
export interface Revocation {
  item: ReviewItem;
  decision: Decision;
}

/**
 * An open finding that calls for a remediation of its own (findingsWithout), and the
 * remediation that already awaits its grant's removal, if one does (then none is opened).
 */
export interface FindingToRemediate {
  finding: StoredFinding;
  /** The id of an unverified remediation of the same grant (a revoke's, or another finding's). */
  coveredBy: string | null;
}

/** A revoked item to join the unverified finding remediation of its grant (attachItems). */
export interface ItemAttachment {
  itemId: string;
  campaignId: string;
  grantId: string;
}

/** A remediation as attachItems() left it, with the item it took. */
export interface AttachedItem {
  attachment: ItemAttachment;
  remediation: Remediation;
}

/**
 * Remediations: one per revoked grant, from the decision to the snapshot that shows the grant
 * gone (domain/remediation.ts has the states and which move may follow which). Every change
 * is conditional and commits with its ledger events (LedgerEvents).
 */
export interface RemediationStore {
  /**
   * Inserts the remediations whose id does not exist yet; returns how many. `events` gets the
   * ones this call inserted (of concurrent openers, each remediation is recorded once). A
   * decision's remediation whose grant has an unverified finding removal that no item joined
   * is not inserted (attachItems joins the revoke to it instead; one removal per grant).
   */
  open(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number>;
  /**
   * Compare-and-set: moves the remediation to `to` (setting `patch` and updatedAt) only while
   * its state is one of `from`. A move to `overdue` also needs overdueAt unset (a remediation
   * is marked overdue once). Returns whether it moved; `events` gets the move when it did.
   */
  transition(id: string, from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<RemediationMove>): Promise<boolean>;
  /** transition() of many remediations in one transaction; `events` gets the moves that happened, in id order. Returns how many moved. */
  transitionMany(ids: readonly string[], from: readonly RemediationState[], to: RemediationState, patch: RemediationPatch & { updatedAt: string }, events: LedgerEvents<readonly RemediationMove[]>): Promise<number>;
  get(id: string): Promise<Remediation | null>;
  /** Ordered by due time, then id. */
  list(filter?: { state?: RemediationState; systemId?: string }): Promise<Remediation[]>;
  /** How many remediations are in each state. */
  countByState(): Promise<Counts<{ state: RemediationState }>>;
  /**
   * Verification's read: the system's remediations in `states` after id `after` (id order, at
   * most `limit`), each with whether its grant is in the snapshot. A lookup per remediation,
   * never a read of the whole snapshot.
   */
  checkAgainst(snapshotId: string, systemId: string, states: readonly RemediationState[], after: string | null, limit: number): Promise<RemediationCheck[]>;
  /**
   * Revoke decisions that have no remediation yet, in item id order after `after`. `next` is
   * where the following page starts, null at the end (a page may hold fewer than `limit` rows
   * and still not be the last).
   */
  revocationsWithout(after: string | null, limit: number): Promise<{ rows: Revocation[]; next: string | null }>;
  /**
   * Open findings of `types` about a grant (grantId set) that have no remediation of their
   * raising yet (id remediationId({ kind: 'finding', ref: findingRef(key, firstSeenAt) })), in
   * key order after `after`, each with the unverified remediation of its grant if there is one.
   * `next` as in revocationsWithout.
   */
  findingsWithout(types: readonly string[], after: string | null, limit: number): Promise<{ rows: FindingToRemediate[]; next: string | null }>;
  /**
   * Finding remediations (itemId null): inserts those whose id does not exist yet and whose
   * grant has no unverified remediation (checked in the transaction: one removal per grant at a
   * time); returns how many. `events` gets the ones this call inserted.
   */
  openForFindings(remediations: readonly Remediation[], events: LedgerEvents<readonly Remediation[]>): Promise<number>;
  /**
   * Revoked items whose grant has an unverified finding remediation (itemId null): each item
   * joins it (its itemId and campaignId are set, updatedAt = at) instead of opening a second
   * removal of the grant. In one transaction; an item without such a remediation is left out,
   * as is one that has a remediation already. `events` gets what this call attached.
   */
  attachItems(attachments: readonly ItemAttachment[], at: string, events: LedgerEvents<readonly AttachedItem[]>): Promise<AttachedItem[]>;
  /** Remediations not verified, not marked overdue yet, due at or before `at`: by due time, then id, at most `limit`. */
  pastDue(at: string, limit: number): Promise<Remediation[]>;
  /**
   * Every remediation, in id order, in batches of at most `batchSize` (one index range read
   * each, so memory stays one batch): for the audit's reconciliation with the ledger. Read-only.
   */
  all(batchSize?: number): AsyncIterable<Remediation[]>;
}

/** Small named values: config hashes, Graph delta links, demo markers. */
export interface KvStore {
  get(key: string): Promise<string | null>;
  /** Sets a value that no ledger event records (a delta link, a run's owner). */
  set(key: string, value: string): Promise<void>;
  /**
   * Sets several values and appends their ledger events in one transaction. `events` gets the
   * values that changed (a value equal to the stored one is no change), in `values`' order;
   * when none changed it is not called and nothing is appended. Returns the changes.
   */
  setMany(values: Readonly<Record<string, string>>, events: LedgerEvents<readonly KvChange[]>): Promise<KvChange[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  readonly snapshots: SnapshotStore;
  readonly identities: IdentityStore;
  readonly findings: FindingStore;
  readonly campaigns: CampaignStore;
  readonly remediations: RemediationStore;
  readonly deliveries: DeliveryStore;
  readonly scheduler: SchedulerStore;
  readonly slackUsers: SlackUserStore;
  readonly ledger: LedgerStore;
  readonly kv: KvStore;
  close(): Promise<void>;
}
