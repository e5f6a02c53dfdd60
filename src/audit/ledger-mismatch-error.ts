import type { Reconciliation } from './reconcile-ledger.js';
import { differenceLines } from './reconcile-ledger.js';

/**
 * An export refused because the state it would show disagrees with the ledger: a pack never
 * shows what the ledger does not say. Carries the reconciliation (the differences found).
 */
export class LedgerMismatchError extends Error {
  constructor(
    readonly reconciliation: Reconciliation,
    what: string,
  ) {
    super([`${what} refused: the state disagrees with the ledger (${reconciliation.count} difference(s)):`, ...differenceLines(reconciliation)].join('\n'));
    this.name = 'LedgerMismatchError';
  }
}
