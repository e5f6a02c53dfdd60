import type Database from 'better-sqlite3';
import type { Delivery, DeliveryKind, DeliveryState, DeliveryStore } from '../ports.js';
import { parseJson } from './parse-json.js';

const DELIVERY_COLUMNS = `id, campaign_id AS campaignId, recipient, kind, key, state, channel, ts, attempts, error,
  updated_at AS updatedAt, payload`;

type DeliveryRow = Omit<Delivery, 'payload'> & { payload: string };
type DeliveryPatch = Parameters<DeliveryStore['update']>[1];

function toDelivery(row: DeliveryRow): Delivery {
  return { ...row, payload: parseJson(row.payload, 'deliveries.payload') };
}

/** Bound values for the patch statement: a `has*` flag (1/0) per optional field. */
function patchParams(id: string, patch: DeliveryPatch) {
  return {
    id,
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

/** Outgoing messages, claimed before sending so that a message goes out at most once. */
export class SqliteDeliveryStore implements DeliveryStore {
  private readonly claimDelivery;
  private readonly patchDelivery;
  private readonly selectDelivery;
  private readonly listDeliveries;

  constructor(db: Database.Database) {
    // A failed delivery may be claimed again (a retry); it keeps its attempts and error.
    this.claimDelivery = db.prepare<[Delivery, string]>(
      `INSERT INTO deliveries (id, campaign_id, recipient, kind, key, state, channel, ts, attempts, error, updated_at, payload)
       VALUES (@id, @campaignId, @recipient, @kind, @key, 'claimed', @channel, @ts, @attempts, @error, @updatedAt, ?)
       ON CONFLICT (id) DO UPDATE SET state = 'claimed', updated_at = excluded.updated_at
       WHERE deliveries.state = 'failed'`,
    );
    this.patchDelivery = db.prepare<[ReturnType<typeof patchParams>]>(
      `UPDATE deliveries SET
         state = CASE WHEN @hasState THEN @state ELSE state END,
         channel = CASE WHEN @hasChannel THEN @channel ELSE channel END,
         ts = CASE WHEN @hasTs THEN @ts ELSE ts END,
         attempts = CASE WHEN @hasAttempts THEN @attempts ELSE attempts END,
         error = CASE WHEN @hasError THEN @error ELSE error END,
         payload = CASE WHEN @hasPayload THEN @payload ELSE payload END,
         updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.selectDelivery = db.prepare<[string], DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`);
    this.listDeliveries = db.prepare<[{ campaignId: string | null; recipient: string | null; kind: string | null; state: string | null }], DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
       WHERE (@campaignId IS NULL OR campaign_id = @campaignId) AND (@recipient IS NULL OR recipient = @recipient)
         AND (@kind IS NULL OR kind = @kind) AND (@state IS NULL OR state = @state)
       ORDER BY id`,
    );
  }

  async claim(delivery: Delivery): Promise<boolean> {
    return this.claimDelivery.run(delivery, JSON.stringify(delivery.payload)).changes === 1;
  }

  async update(id: string, patch: DeliveryPatch): Promise<void> {
    this.patchDelivery.run(patchParams(id, patch));
  }

  async get(id: string): Promise<Delivery | null> {
    const row = this.selectDelivery.get(id);
    return row ? toDelivery(row) : null;
  }

  async list(filter: { campaignId?: string; recipient?: string; kind?: DeliveryKind; state?: DeliveryState }): Promise<Delivery[]> {
    const rows = this.listDeliveries.all({
      campaignId: filter.campaignId ?? null,
      recipient: filter.recipient ?? null,
      kind: filter.kind ?? null,
      state: filter.state ?? null,
    });
    return rows.map(toDelivery);
  }
}
