/**
 * Campaign rows against their ledger events: a campaign `opening` has no campaign.opened yet;
 * `open` has exactly one campaign.opened and no campaign.closed; `closed` has exactly one of
 * each. What campaign.opened says of the campaign (review, period, due date) must be the
 * row's. An event naming a campaign with no row is a difference too.
 */
import type { Campaign, LedgerEvent } from '../domain/index.js';
import { EVENT } from './event-types.js';
import type { DifferenceList } from './ledger-difference.js';
import { difference, eventRef, rowRef, show } from './ledger-difference.js';

interface CampaignEvents {
  opened: LedgerEvent[];
  closed: LedgerEvent[];
}

export function isCampaignEvent(type: string): boolean {
  return type === EVENT.campaignOpened || type === EVENT.campaignClosed;
}

export class CampaignLedger {
  private readonly events = new Map<string, CampaignEvents>();

  constructor(private readonly out: DifferenceList) {}

  event(e: LedgerEvent): void {
    if (!isCampaignEvent(e.type)) return;
    let c = this.events.get(e.subject);
    if (!c) this.events.set(e.subject, (c = { opened: [], closed: [] }));
    (e.type === EVENT.campaignOpened ? c.opened : c.closed).push(e);
  }

  row(campaign: Campaign): void {
    const c = this.events.get(campaign.id) ?? { opened: [], closed: [] };
    this.events.delete(campaign.id);
    const state = rowRef('campaigns', campaign.id, 'state', campaign.state);
    const expect = (list: LedgerEvent[], wanted: number, what: string) => {
      if (list.length === wanted) return;
      if (list.length === 0) this.out.add(difference(state, null, `no ${what} event`));
      else if (wanted === 0) this.out.add(difference(state, eventRef(list[0]!, `the campaign ${what === EVENT.campaignOpened ? 'opened' : 'closed'}`)));
      else this.out.add(difference(rowRef('campaigns', campaign.id), eventRef(list[1]!, `it ${what === EVENT.campaignOpened ? 'opened' : 'closed'} again (first at seq ${list[0]!.seq})`), `exactly one ${what} per campaign`));
    };
    expect(c.opened, campaign.state === 'opening' ? 0 : 1, EVENT.campaignOpened);
    expect(c.closed, campaign.state === 'closed' ? 1 : 0, EVENT.campaignClosed);
    const opened = c.opened[0];
    if (!opened) return;
    for (const field of ['reviewId', 'period', 'dueAt'] as const) {
      const said = opened.data[field];
      if (said !== undefined && said !== campaign[field]) this.out.add(difference(rowRef('campaigns', campaign.id, field, campaign[field]), eventRef(opened, `${field} ${show(said)}`)));
    }
  }

  /** After every row: events naming a campaign that has no row. */
  finish(): void {
    for (const [id, c] of this.events) {
      const first = [...c.opened, ...c.closed].sort((a, b) => a.seq - b.seq)[0]!;
      this.out.add(difference(null, eventRef(first, `campaign ${JSON.stringify(id)}`), 'no campaigns row'));
    }
    this.events.clear();
  }
}
