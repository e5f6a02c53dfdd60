/**
 * Counts what the real campaign store hands back while a call runs: the review items and the
 * decisions (settling and stage ones) of every read, per method. It wraps the store's
 * `campaigns` (a hand-written wrapper around the real adapter, nothing faked) and puts the
 * adapter back afterwards, so a test can show a read is bounded by what it needs, not the campaign.
 */
import type { CampaignStore, Store } from '../../src/store/ports.js';

export interface RowsRead {
  /** Rows returned, by method name. */
  byMethod: Record<string, number>;
  /** Review items returned by every read. */
  items: number;
  /** Decisions returned by every read. */
  decisions: number;
}

const ITEM_READS = new Set(['item', 'items', 'pendingForReviewer', 'pendingAtLaterStages', 'itemsWithDecisions', 'itemStatesWithDecisions']);
const DECISION_READS = new Set(['decision', 'decisions', 'stageDecisions', 'stageDecisionsOf', 'decisionsOf']);

export async function countRowsRead<T>(store: Store, run: () => Promise<T>): Promise<{ result: T; read: RowsRead }> {
  const real = store.campaigns;
  const read: RowsRead = { byMethod: {}, items: 0, decisions: 0 };
  const add = (method: string, rows: number) => {
    read.byMethod[method] = (read.byMethod[method] ?? 0) + rows;
    if (ITEM_READS.has(method)) read.items += rows;
    if (DECISION_READS.has(method)) read.decisions += rows;
  };
  const rowsOf = (value: unknown): number => (Array.isArray(value) ? value.length : value === null || value === undefined ? 0 : 1);
  const counted = new Proxy(real, {
    get(target, name: string) {
      const member = (target as unknown as Record<string, unknown>)[name];
      if (typeof member !== 'function') return member;
      const method = (member as (...args: unknown[]) => unknown).bind(target);
      if (!ITEM_READS.has(name) && !DECISION_READS.has(name)) return method;
      return (...args: unknown[]) => {
        const out = method(...args);
        if (out instanceof Promise) return out.then((value: unknown) => (add(name, rowsOf(value)), value));
        // A paged read: count each batch as it is handed over.
        return (async function* () {
          for await (const batch of out as AsyncIterable<unknown[]>) {
            add(name, batch.length);
            yield batch;
          }
        })();
      };
    },
  });
  const writable = store as { campaigns: CampaignStore };
  writable.campaigns = counted;
  try {
    return { result: await run(), read };
  } finally {
    writable.campaigns = real;
  }
}
