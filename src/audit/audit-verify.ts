/**
 * `audit verify` as one call, for the CLI and the demo: the hash chain, then (over the whole
 * ledger) the state tables reconciled with it, sharing the chain's read of the ledger. Rows
 * read after the ledger may include a change committed meanwhile, so a run that found
 * differences while the head moved is repeated on its own (reconcileLedger).
 */
import type { LedgerCheckpoint, LedgerVerification } from './verify-ledger.js';
import { verifyLedger } from './verify-ledger.js';
import type { ReconcileStore, Reconciliation } from './reconcile-ledger.js';
import { differenceLines, headMoved, LedgerReconciler, reconcileLedger } from './reconcile-ledger.js';

export interface AuditVerification {
  chain: LedgerVerification;
  /** Null when the chain is broken or empty, or when only part of it was checked (`from`). */
  state: Reconciliation | null;
  checkpoint?: LedgerCheckpoint;
}

export async function auditVerify(store: ReconcileStore, opts: { from?: number; checkpoint?: LedgerCheckpoint } = {}): Promise<AuditVerification> {
  // The reconciliation needs the whole ledger: `from` checks a part of the chain only.
  const reconciler = opts.from === undefined ? new LedgerReconciler() : null;
  const chain = await verifyLedger(store.ledger, { from: opts.from, checkpoint: opts.checkpoint, onEvents: reconciler ? (batch) => reconciler.storedEvents(batch) : undefined });
  // An empty ledger is no pass to reconcile against (the CLI refuses it: "no ledger at PATH").
  if (!chain.ok || !reconciler || chain.last === null) return { chain, state: null, checkpoint: opts.checkpoint };
  let state = await reconciler.compare(store);
  if (!state.ok && (await headMoved(store, chain.last?.seq ?? 0))) state = await reconcileLedger(store);
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
