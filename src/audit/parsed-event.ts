import type { LedgerEvent } from '../domain/index.js';
import type { StoredLedgerEvent } from '../store/ports.js';

/** An event read with its data as text (LedgerStore.readStored), its data parsed; a text that is not JSON names its seq (the ledger was edited). */
export function parsedEvent(s: StoredLedgerEvent): LedgerEvent {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(s.dataJson) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`ledger event seq ${s.seq}: its data is not JSON`, { cause: error });
  }
  return { seq: s.seq, at: s.at, type: s.type, actor: s.actor, subject: s.subject, data, prevHash: s.prevHash, hash: s.hash };
}
