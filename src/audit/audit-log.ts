/**
 * The service every stage records its state changes through. Event types are
 * dotted names (`sync.completed`, `decision.recorded`); see event-types.ts for the list.
 */
import type { LedgerEvent, LedgerEventInput } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';

export class AuditLog {
  constructor(
    private readonly ledger: LedgerStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one event; returns it with seq and hash. */
  async record(type: string, actor: string, subject: string, data: Record<string, unknown> = {}): Promise<LedgerEvent> {
    const [event] = await this.ledger.append([{ type, actor, subject, data, at: this.now().toISOString() }]);
    return event!;
  }

  /** Appends several events atomically, in order (e.g. one per opened finding). */
  async recordMany(inputs: readonly Omit<LedgerEventInput, 'at'>[]): Promise<LedgerEvent[]> {
    if (inputs.length === 0) return [];
    const at = this.now().toISOString();
    return this.ledger.append(inputs.map((i) => ({ ...i, at })));
  }
}
