/**
 * `audit verify` as one call, for the CLI and the demo: the hash chain, then (over the whole
 * ledger) the state tables reconciled with it, sharing the chain's read of the ledger. Rows
 * read after the ledger may include a change committed meanwhile, so a run that found
 * differences while the head moved is repeated on its own (reconcileLedger).
 */
import type { LedgerCheckpoint, LedgerVerification } from './verify-ledger.js';
import { verifyLedger } from './verify-ledger.js';
import type { ReconcileOptions, ReconcileStore, Reconciliation } from './reconcile-ledger.js';
import { differenceLines, headMoved, LedgerReconciler, reconcileLedger } from './reconcile-ledger.js';

/**
 * `audit verify` reconciles items with ItemLedger (exactItems), not the low-memory digest that
 * exports use first: at 1M items ItemLedger took 27-30 s of CPU against 39-43 s for the digest
 * (which hashes four texts per item), for ~200 bytes per item off the JS heap (600-640 MB peak
 * against 420-470 MB). Its targets are CPU time; an export's include 300 MB of memory.
 */
const VERIFY_OPTIONS: ReconcileOptions = { exactItems: true };

export interface AuditVerification {
  chain: LedgerVerification;
  /** Null when the chain is broken or empty, or when only part of it was checked (`from`). */
  state: Reconciliation | null;
  checkpoint?: LedgerCheckpoint;
}

export async function auditVerify(store: ReconcileStore, opts: { from?: number; checkpoint?: LedgerCheckpoint } = {}): Promise<AuditVerification> {
  // The reconciliation needs the whole ledger: `from` checks a part of the chain only.
  // Items by ItemLedger from the start (VERIFY_OPTIONS): audit verify is held to CPU time, not memory.
  const reconciler = opts.from === undefined ? new LedgerReconciler(VERIFY_OPTIONS) : null;
  const chain = await verifyLedger(store.ledger, { from: opts.from, checkpoint: opts.checkpoint, onEvents: reconciler ? (batch) => reconciler.storedEvents(batch) : undefined });
  // An empty ledger is no pass to reconcile against (the CLI refuses it: "no ledger at PATH").
  if (!chain.ok || !reconciler || chain.last === null) return { chain, state: null, checkpoint: opts.checkpoint };
  let state = await reconciler.compare(store);
  if (!state.ok && (await headMoved(store, chain.last?.seq ?? 0))) state = await reconcileLedger(store, VERIFY_OPTIONS);
  return { chain, state, checkpoint: opts.checkpoint };
}

/** The result as `audit verify` prints it. */
export function auditVerifyLines({ chain, state, checkpoint }: AuditVerification): string[] {
  if (!chain.ok) return [`LEDGER BROKEN at seq ${chain.break!.seq}: ${chain.break!.reason}${chain.last ? ` (last intact: seq ${chain.last.seq})` : ''}`];
  if (!chain.last) return ['The ledger is empty.'];
  const lines = [`Hash chain intact: ${chain.checked} events checked (seq ${chain.from} to ${chain.last.seq}); head seq ${chain.last.seq} ${chain.last.hash}${checkpoint ? `; checkpoint seq ${checkpoint.seq} found` : ''}`];
  if (!state) return [...lines, 'State not reconciled with the ledger (--from checks part of the chain; run without it to reconcile).'];
  const c = state.checked;
  const what = `${c.campaigns} campaigns, ${c.items} items, ${c.decisions} decisions, ${c.snapshots} snapshots, ${c.findings} findings rows, ${c.remediations} remediations`;
  if (state.ok) return [...lines, `State agrees with the ledger: ${what} reconciled with ${c.events} events.`];
  return [...lines, `STATE DIFFERS FROM THE LEDGER: ${state.count} difference(s) (${what} reconciled with ${c.events} events):`, ...differenceLines(state)];
}
