/**
 * The service every stage records its ledger events through. Event types are the EVENT
 * constants of event-types.ts (typed: a literal that is not one of them does not compile).
 * One instance per app, built by the composition root.
 */
import type { LedgerEvent, LedgerEventInput } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';
import type { EventType } from './event-types.js';

export class AuditLog {
  constructor(
    private readonly ledger: LedgerStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * An event stamped with this log's clock, for a store to append in the transaction of the
   * change it records (ports.ts, LedgerEvents). State changes record through the store this
   * way; record and recordMany are for events that change no state (a refusal).
   */
  event(type: EventType, actor: string, subject: string, data: Record<string, unknown> = {}): LedgerEventInput {
    return { type, actor, subject, data, at: this.now().toISOString() };
  }

  /** Appends one event; returns it with seq and hash. */
  async record(type: EventType, actor: string, subject: string, data: Record<string, unknown> = {}): Promise<LedgerEvent> {
    const [event] = await this.ledger.append([{ type, actor, subject, data, at: this.now().toISOString() }]);
    return event!;
  }

  /** Appends several events atomically, in order (e.g. one per opened finding). */
  async recordMany(inputs: readonly (Omit<LedgerEventInput, 'at' | 'type'> & { type: EventType })[]): Promise<LedgerEvent[]> {
    if (inputs.length === 0) return [];
    const at = this.now().toISOString();
    return this.ledger.append(inputs.map((i) => ({ ...i, at })));
  }
}
