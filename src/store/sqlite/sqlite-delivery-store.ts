import type Database from 'better-sqlite3';
import { markKey } from '../delivery-mark.js';
import type { Delivery, DeliveryExpected, DeliveryFilter, DeliveryPatch, DeliveryStore, LedgerEvents } from '../ports.js';
import type { LedgerAppender } from './ledger-appender.js';
import { parseJson } from './parse-json.js';

const DELIVERY_COLUMNS = `id, campaign_id AS campaignId, recipient, kind, key, state, channel, ts, attempts, error,
  updated_at AS updatedAt, payload`;

type DeliveryRow = Omit<Delivery, 'payload'> & { payload: string };

const LIST_FILTERS = `(@campaignId IS NULL OR campaign_id = @campaignId) AND (@recipient IS NULL OR recipient = @recipient)
  AND (@kind IS NULL OR kind = @kind) AND (@state IS NULL OR state = @state)`;

/** list({ showingItems }): the pages showing the items (@items: a JSON array), found through delivery_items (migration 17), then filtered. */
export const DELIVERIES_SHOWING_SQL = `SELECT ${DELIVERY_COLUMNS} FROM deliveries
  WHERE id IN (SELECT delivery_id FROM delivery_items WHERE item_id IN (SELECT value FROM json_each(@items))) AND ${LIST_FILTERS}
  ORDER BY id`;

interface ListParams {
  campaignId: string | null;
  recipient: string | null;
  kind: string | null;
  state: string | null;
}

function toDelivery(row: DeliveryRow): Delivery {
  return { ...row, payload: parseJson(row.payload, 'deliveries.payload') };
}

/**
 * Bound values for the patch statement: a `has*` flag (1/0) per optional field, and the
 * expectation (compare-and-set) the row must meet.
 */
function patchParams(id: string, expected: DeliveryExpected, patch: DeliveryPatch) {
  return {
    id,
    expectedState: expected.state,
    unmarkedPath: expected.unmarked === undefined ? null : `$."${markKey(expected.unmarked)}"`,
    updatedAt: patch.updatedAt,
    hasState: patch.state === undefined ? 0 : 1,
    state: patch.state ?? null,
    hasChannel: patch.channel === undefined ? 0 : 1,
    channel: patch.channel ?? null,
    hasTs: patch.ts === undefined ? 0 : 1,
    ts: patch.ts ?? null,
    hasAttempts: patch.attempts === undefined ? 0 : 1,
    attempts: patch.attempts ?? null,
    hasError: patch.error === undefined ? 0 : 1,
    error: patch.error ?? null,
    hasPayload: patch.payload === undefined ? 0 : 1,
    payload: patch.payload === undefined ? null : JSON.stringify(patch.payload),
  };
}

/**
 * Outgoing messages, claimed before sending so that a message goes out at most once. An
 * outcome and its ledger events are one write transaction (BEGIN IMMEDIATE): the conditional
 * UPDATE ... RETURNING gives exactly the rows that changed, their events are appended through
 * the database's ledger appender, and a failure anywhere rolls back both.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  private readonly claimDelivery;
  private readonly patchDelivery;
  private readonly selectDelivery;
  private readonly listDeliveries;
  private readonly listShowing;
  private readonly updateTx;

  constructor(db: Database.Database, appendLedger: LedgerAppender) {
    // A failed delivery may be claimed again (a retry); it keeps its attempts and error.
    this.claimDelivery = db.prepare<[Delivery, string]>(
      `INSERT INTO deliveries (id, campaign_id, recipient, kind, key, state, channel, ts, attempts, error, updated_at, payload)
       VALUES (@id, @campaignId, @recipient, @kind, @key, 'claimed', @channel, @ts, @attempts, @error, @updatedAt, ?)
       ON CONFLICT (id) DO UPDATE SET state = 'claimed', updated_at = excluded.updated_at
       WHERE deliveries.state = 'failed'`,
    );
    this.patchDelivery = db.prepare<[ReturnType<typeof patchParams>], DeliveryRow>(
      `UPDATE deliveries SET
         state = CASE WHEN @hasState THEN @state ELSE state END,
         channel = CASE WHEN @hasChannel THEN @channel ELSE channel END,
         ts = CASE WHEN @hasTs THEN @ts ELSE ts END,
         attempts = CASE WHEN @hasAttempts THEN @attempts ELSE attempts END,
         error = CASE WHEN @hasError THEN @error ELSE error END,
         payload = CASE WHEN @hasPayload THEN @payload ELSE payload END,
         updated_at = @updatedAt
       WHERE id = @id AND state = @expectedState AND (@unmarkedPath IS NULL OR json_type(payload, @unmarkedPath) IS NULL)
       RETURNING ${DELIVERY_COLUMNS}`,
    );
    this.updateTx = db.transaction((ids: readonly string[], expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<readonly Delivery[]>): Delivery[] => {
      const changed: Delivery[] = [];
      for (const id of new Set(ids)) {
        const row = this.patchDelivery.get(patchParams(id, expected, patch));
        if (row) changed.push(toDelivery(row));
      }
      if (changed.length > 0) appendLedger(events(changed));
      return changed;
    });
    this.selectDelivery = db.prepare<[string], DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`);
    this.listDeliveries = db.prepare<[ListParams], DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ${LIST_FILTERS} ORDER BY id`);
    this.listShowing = db.prepare<[ListParams & { items: string }], DeliveryRow>(DELIVERIES_SHOWING_SQL);
  }

  async claim(delivery: Delivery): Promise<boolean> {
    return this.claimDelivery.run(delivery, JSON.stringify(delivery.payload)).changes === 1;
  }

  async update(id: string, expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<Delivery>): Promise<Delivery | null> {
    const [changed] = this.updateTx.immediate([id], expected, patch, ([d]) => events(d!));
    return changed ?? null;
  }

  async updateMany(ids: readonly string[], expected: DeliveryExpected, patch: DeliveryPatch, events: LedgerEvents<readonly Delivery[]>): Promise<Delivery[]> {
    return this.updateTx.immediate(ids, expected, patch, events);
  }

  async get(id: string): Promise<Delivery | null> {
    const row = this.selectDelivery.get(id);
    return row ? toDelivery(row) : null;
  }

  async list(filter: DeliveryFilter): Promise<Delivery[]> {
    const params: ListParams = {
      campaignId: filter.campaignId ?? null,
      recipient: filter.recipient ?? null,
      kind: filter.kind ?? null,
      state: filter.state ?? null,
    };
    const rows = filter.showingItems === undefined ? this.listDeliveries.all(params) : this.listShowing.all({ ...params, items: JSON.stringify(filter.showingItems) });
    return rows.map(toDelivery);
  }
}
