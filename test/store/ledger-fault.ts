/**
 * Shared by the ledger contracts of the ports (snapshot-, finding-, kv-ledger-contract.ts):
 * ways to make the ledger write of a state change fail, and readers of what was appended.
 */
import type { LedgerEvent, LedgerEventInput } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';
import { T0 } from './store-fixtures.js';

/**
 * Makes the insert of the ledger event with this seq fail from now on (an adapter's own
 * injection, e.g. a SQLite trigger on ledger_events), so that a state change fails between
 * its own writes and its events' insert. Adapters without one run only the events-throw cases.
 */
export type LedgerFault = (store: Store, seq: number) => Promise<void>;

/** The ledger contracts' arguments: a fresh, empty store per test, and the adapter's ledger fault if it has one. */
export type OpenStore = () => Promise<Store>;

/** An events function that fails while the change is being made (the transaction must roll back). */
export function failingEvents(): never {
  throw new Error('injected: events failed');
}

export function event(type: string, subject: string, data: Record<string, unknown> = {}): LedgerEventInput {
  return { type, actor: 'test', subject, data, at: T0 };
}

/** Every event of the ledger, in seq order. */
export async function ledgerOf(store: Store): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const batch of store.ledger.read()) out.push(...batch);
  return out;
}

/** type and subject of every event, for compact assertions. */
export async function ledgerLines(store: Store): Promise<string[]> {
  return (await ledgerOf(store)).map((e) => `${e.type} ${e.subject}`);
}
