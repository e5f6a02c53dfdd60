/**
 * Campaign sign-offs against their ledger events (src/reviews/sign-off-campaign.ts): the kv row
 * `campaign-sign-off:<id>` of a campaign and its `campaign.signed-off` events agree. A row has
 * exactly one event, saying the same signer, statement and time; an event has its row; a
 * campaign has at most one event. Rows are read per campaign (sign-offs exist only for
 * campaigns), so an event naming a campaign that has no row is reported too.
 */
import type { LedgerEvent } from '../domain/index.js';
import type { SignOff } from './campaign-sign-off.js';
import { signOffKey } from './campaign-sign-off.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

const FIELDS = ['campaignId', 'signedBy', 'statement', 'signedAt'] as const;

export function isSignOffEvent(type: string): boolean {
  return type === EVENT.campaignSignedOff;
}

export class SignOffLedger {
  private readonly events = new Map<string, LedgerEvent[]>();

  constructor(private readonly out: DifferenceList) {}

  event(e: LedgerEvent): void {
    if (!isSignOffEvent(e.type)) return;
    this.events.set(e.subject, [...(this.events.get(e.subject) ?? []), e]);
  }

  /** The campaign's stored sign-off (the kv row's text), or null when it has none. */
  row(campaignId: string, text: string | null): void {
    const events = this.events.get(campaignId) ?? [];
    this.events.delete(campaignId);
    const table = 'kv';
    const id = signOffKey(campaignId);
    if (text === null) {
      if (events.length > 0) this.out.add(difference(null, eventRef(events[0]!, `campaign ${JSON.stringify(campaignId)} signed off by ${show(events[0]!.data.signedBy)}`), `no ${table} row ${JSON.stringify(id)}`));
      return;
    }
    if (events.length === 0) {
      this.out.add(difference(rowRef(table, id), null, `no ${EVENT.campaignSignedOff} event`));
      return;
    }
    if (events.length > 1) this.out.add(difference(rowRef(table, id), eventRef(events[1]!, `it was signed off again (first at seq ${events[0]!.seq})`), 'exactly one sign-off per campaign'));
    let row: Partial<SignOff>;
    try {
      row = JSON.parse(text) as Partial<SignOff>;
    } catch {
      this.out.add(difference(rowRef(table, id, 'value', text), eventRef(events[0]!, 'a sign-off'), 'the row is not JSON'));
      return;
    }
    for (const field of FIELDS) {
      const said = events[0]!.data[field];
      if (said !== row[field]) this.out.add(difference(rowRef(table, id, field, row[field]), eventRef(events[0]!, `${field} ${show(said)}`)));
    }
  }

  /** After every campaign: sign-off events naming a campaign with no row. */
  finish(): void {
    for (const [id, events] of this.events) this.out.add(difference(null, eventRef(events[0]!, `campaign ${JSON.stringify(id)} signed off`), 'no campaigns row'));
    this.events.clear();
  }
}
