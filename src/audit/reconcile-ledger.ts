/**
 * Reconciles the state tables with the ledger: every campaign, review item, decision,
 * snapshot (and each system's current one), finding, remediation and campaign sign-off row has
 * its events with the same content, and every such event has its row (campaign-ledger.ts,
 * item-ledger.ts, snapshot-ledger.ts, finding-ledger.ts, remediation-ledger.ts,
 * sign-off-ledger.ts say what is compared). The hash chain proves the
 * ledger was not altered; this proves the tables say what the ledger says, so a row edited
 * directly in the database (a decision turned from revoke to approve) is found.
 *
 * Two passes, both streaming: the ledger in seq order (fed by the caller, e.g. from the chain
 * verification's own read, or read here), then the rows through the store ports. Memory holds
 * a small record per review item (ItemDigestLedger: ~21 bytes, off the JS heap), one
 * fixed-size record per remediation whose events were read, the campaign, snapshot and
 * detailed finding events, and the first differences only.
 *
 * Items are compared in two steps: ItemDigestLedger first, which can only prove that every
 * item agrees with its events; when it cannot, compare() reads the ledger again (to the same
 * seq) and reconciles everything once more with ItemLedger (one fixed-size record per item,
 * ~200 bytes), which names the differences: the result is then exactly ItemLedger's.
 *
 * Scoped to campaigns (exports), only those campaigns, their items, decisions and the
 * remediations of their items are checked.
 */
import type { LedgerEvent } from '../domain/index.js';
import type { Store, StoredLedgerEvent } from '../store/ports.js';
import { CampaignLedger, isCampaignEvent } from './campaign-ledger.js';
import { FindingLedger, isFindingEvent } from './finding-ledger.js';
import { ItemDigestLedger } from './item-digest-ledger.js';
import { campaignOfItemEvent, isItemEvent, ItemLedger } from './item-ledger.js';
import type { LedgerDifference } from './ledger-difference.js';
import { difference, DifferenceList, rowRef } from './ledger-difference.js';
import { campaignOfRemediationEvent, isRemediationEvent, RemediationLedger } from './remediation-ledger.js';
import { isSignOffEvent, SignOffLedger } from './sign-off-ledger.js';
import { isSnapshotEvent, SnapshotLedger } from './snapshot-ledger.js';
import { signOffKey } from './campaign-sign-off.js';
import { parsedEvent } from './parsed-event.js';

export type ReconcileStore = Pick<Store, 'ledger' | 'campaigns' | 'snapshots' | 'findings' | 'remediations' | 'kv'>;

export interface ReconcileOptions {
  /** Only these campaigns (their rows and events, and the remediations of their items); snapshots and findings are not checked. */
  campaignIds?: ReadonlySet<string>;
  /** Differences kept in full (all are counted). Default 20. */
  limit?: number;
  /** Items compared by ItemLedger from the start (differences named), not by ItemDigestLedger first. */
  exactItems?: boolean;
  /** How many items the reconciled campaigns hold (their rows' count): sizes ItemDigestLedger's table once, so it never doubles. */
  expectedItems?: number;
}

export interface Reconciliation {
  ok: boolean;
  /** The first differences (up to the limit), in the order found. */
  differences: LedgerDifference[];
  /** All differences found. */
  count: number;
  checked: { events: number; campaigns: number; items: number; decisions: number; snapshots: number; findings: number; remediations: number };
}

export class LedgerReconciler {
  private readonly out: DifferenceList;
  private readonly campaigns: CampaignLedger;
  private readonly items: ItemLedger | ItemDigestLedger;
  private readonly snapshots: SnapshotLedger;
  private readonly findings: FindingLedger;
  private readonly remediations: RemediationLedger;
  private readonly signOffs: SignOffLedger;
  private readonly scope: ReadonlySet<string> | null;
  private readonly checked = { events: 0, campaigns: 0, items: 0, decisions: 0, snapshots: 0, findings: 0, remediations: 0 };
  private lastSeq = 0;

  constructor(private readonly opts: ReconcileOptions = {}) {
    this.out = new DifferenceList(opts.limit ?? 20);
    this.campaigns = new CampaignLedger(this.out);
    this.items = opts.exactItems ? new ItemLedger(this.out) : new ItemDigestLedger(opts.expectedItems);
    this.snapshots = new SnapshotLedger(this.out);
    this.findings = new FindingLedger(this.out);
    this.scope = opts.campaignIds ?? null;
    this.remediations = new RemediationLedger(this.out, this.scope);
    this.signOffs = new SignOffLedger(this.out);
  }

  /** The next events of the ledger, in seq order, from seq 1 on. */
  events(batch: readonly LedgerEvent[]): void {
    for (const e of batch) this.event(e);
  }

  /**
   * events() for events read with their data as text (LedgerStore.readStored): the data of an
   * event whose type is compared here is parsed, the others' is not read.
   */
  storedEvents(batch: readonly StoredLedgerEvent[]): void {
    for (const s of batch) this.storedEvent(s, null);
  }

  /** One event read as stored; `parsed`, its parse when the caller made it already (else it is parsed here if reads() its type). */
  storedEvent(s: StoredLedgerEvent, parsed: LedgerEvent | null): void {
    if (this.reads(s.type)) this.event(parsed ?? parsedEvent(s));
    else this.next(s.seq);
  }

  /** Whether events of this type are compared (in this reconciliation's scope). */
  reads(type: string): boolean {
    return isItemEvent(type) || isCampaignEvent(type) || isSignOffEvent(type) || isRemediationEvent(type) || (!this.scope && (isSnapshotEvent(type) || isFindingEvent(type)));
  }

  private next(seq: number): void {
    if (seq <= this.lastSeq) throw new Error(`ledger events out of order: seq ${seq} after ${this.lastSeq}`);
    this.lastSeq = seq;
    this.checked.events++;
  }

  private event(e: LedgerEvent): void {
    this.next(e.seq);
    if (isItemEvent(e.type)) {
      if (!this.scope || this.scope.has(campaignOfItemEvent(e))) this.items.event(e);
    } else if (isCampaignEvent(e.type)) {
      if (!this.scope || this.scope.has(e.subject)) this.campaigns.event(e);
    } else if (isSignOffEvent(e.type)) {
      if (!this.scope || this.scope.has(e.subject)) this.signOffs.event(e);
    } else if (isRemediationEvent(e.type)) {
      // A finding's remediation names no campaign until a revoke joins it (remediation.item-attached):
      // its events are read in any scope, and compared only if it ends in one (RemediationLedger's scope).
      const campaign = campaignOfRemediationEvent(e);
      if (!this.scope || campaign === null || this.scope.has(campaign)) this.remediations.event(e);
    } else if (this.scope) {
      return;
    } else if (isSnapshotEvent(e.type)) {
      this.snapshots.event(e);
    } else if (isFindingEvent(e.type)) {
      this.findings.event(e);
    }
  }

  /** After the whole ledger: reads the rows and compares them with it. */
  async compare(store: ReconcileStore): Promise<Reconciliation> {
    const campaigns = this.scope ? (await Promise.all([...this.scope].map((id) => store.campaigns.get(id)))).filter((c) => c !== null) : await store.campaigns.list();
    for (const campaign of campaigns) {
      this.checked.campaigns++;
      this.campaigns.row(campaign);
      this.signOffs.row(campaign.id, await store.kv.get(signOffKey(campaign.id)));
      const prefix = `${campaign.id}/`;
      for await (const batch of store.campaigns.itemStatesWithDecisions(campaign.id)) {
        for (const { item, decision } of batch) {
          this.checked.items++;
          if (decision) this.checked.decisions++;
          this.items.row(item, decision);
          // The grant a revoke removes is the row's grantId; its item.assigned names the item by id
          // (reviewItemId: campaign/grant), compared above, so the row's grant must be the one its id names.
          if (item.id.startsWith(prefix) && item.grantId !== item.id.slice(prefix.length)) {
            this.out.add(difference(rowRef('review_items', item.id, 'grantId', item.grantId), null, `the item id names grant ${JSON.stringify(item.id.slice(prefix.length))}`));
          }
        }
      }
      for await (const batch of store.campaigns.stageDecisionsOf(campaign.id)) {
        for (const decision of batch) {
          this.checked.decisions++;
          this.items.stageDecisionRow(decision);
        }
      }
    }
    this.campaigns.finish();
    this.signOffs.finish();
    this.items.finish();
    if (this.items instanceof ItemDigestLedger && !this.items.proven()) return this.exactly(store);

    const snapshots = await store.snapshots.list();
    if (!this.scope) {
      for (const snapshot of snapshots) {
        this.checked.snapshots++;
        this.snapshots.row(snapshot);
      }
      this.snapshots.current(await store.snapshots.currentAll());
      this.snapshots.finish();

      this.findings.evaluations(await store.findings.evaluations());
      for await (const batch of store.findings.states()) {
        for (const f of batch) {
          this.checked.findings++;
          this.findings.row(f);
        }
      }
      this.findings.finish();
    }

    this.remediations.snapshots(snapshots);
    for await (const batch of store.remediations.all()) {
      for (const r of batch) {
        if (this.scope && !this.scope.has(r.campaignId ?? '')) continue;
        this.checked.remediations++;
        this.remediations.row(r);
      }
    }
    this.remediations.finish();
    return { ok: this.out.count === 0, differences: this.out.first, count: this.out.count, checked: { ...this.checked } };
  }

  /** The same ledger (to the same seq) and rows reconciled again, items by ItemLedger. */
  private async exactly(store: ReconcileStore): Promise<Reconciliation> {
    const exact = new LedgerReconciler({ ...this.opts, exactItems: true });
    if (this.lastSeq > 0) for await (const batch of store.ledger.readStored(1, this.lastSeq)) exact.storedEvents(batch);
    return exact.compare(store);
  }
}

/**
 * Reads the ledger up to its head, then compares the rows with it.
 *
 * The two passes are separate reads, so a change committed in between (its rows and its
 * events commit together) can show as a difference that is not one. When differences are
 * found and the head moved during the run, the run is repeated (up to `attempts` in all); a
 * run during which the head did not move saw rows and ledger as of one state.
 */
export async function reconcileLedger(store: ReconcileStore, opts: ReconcileOptions = {}, attempts = 3): Promise<Reconciliation> {
  for (let attempt = 1; ; attempt++) {
    const head = await store.ledger.head();
    const reconciler = new LedgerReconciler(opts);
    for await (const batch of store.ledger.readStored(1, head?.seq ?? 0)) reconciler.storedEvents(batch);
    const r = await reconciler.compare(store);
    if (r.ok || attempt >= attempts || !(await headMoved(store, head?.seq ?? 0))) return r;
  }
}

/** Whether events were appended after `seq` (the head a reconciliation read the ledger to). */
export async function headMoved(store: Pick<Store, 'ledger'>, seq: number): Promise<boolean> {
  return ((await store.ledger.head())?.seq ?? 0) !== seq;
}

/** The differences as lines: the first ones in full, then how many more. */
export function differenceLines(r: Reconciliation): string[] {
  const lines = r.differences.map((d) => `  ${d.message}`);
  if (r.count > r.differences.length) lines.push(`  ... and ${r.count - r.differences.length} more`);
  return lines;
}
