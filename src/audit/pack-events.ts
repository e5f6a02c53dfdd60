/**
 * Which ledger events of a pack's range belong to the pack (written in full to events.csv);
 * every other event of the range is a link-only row (event-csv.ts). The rule, also written in
 * docs/evidence.md: an event belongs when
 *   1. its subject is one of the pack's campaigns (campaign.opened, campaign.closed, an export
 *      of that campaign), or its data names one: `campaignId` (item.assigned, item.reassigned,
 *      item.expired, decision.recorded, message.*, reminder.sent, escalation.sent, the
 *      remediation.opened / remediation.item-attached of its items, refusals about it) or
 *      `campaigns` (an export of several campaigns);
 *   2. it is about one of the pack's remediations (those remediations.csv lists): its subject
 *      is the remediation's id (remediation.*), or its data's `remediationId` is (the removal
 *      requests and reminders sent in Slack);
 *   3. it records a snapshot the pack refers to (sync.* whose data's `snapshotId` is one): the
 *      snapshots a campaign froze when it opened (campaign.opened `snapshots`) and those that
 *      verified a remediation, or showed its grant back;
 *   4. it is a config.loaded (the configuration in force; it holds no personal data).
 * Other systems' syncs, findings, other campaigns' items and decisions are not the pack's:
 * their rows keep seq, prev_hash and hash only.
 */
import type { Campaign, LedgerEvent, Remediation } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';
import { EVENT } from './event-types.js';
import type { PackRemediations } from './evidence-remediations.js';

export interface PackMembers {
  campaigns: ReadonlySet<string>;
  remediations: ReadonlySet<string>;
  snapshots: ReadonlySet<string>;
}

const oneOf = (set: ReadonlySet<string>, v: unknown): boolean => typeof v === 'string' && set.has(v);

/** True when the event belongs to the pack (see the rule above). */
export function belongsToPack(e: Pick<LedgerEvent, 'type' | 'subject' | 'data'>, m: PackMembers): boolean {
  const d = e.data;
  if (m.campaigns.has(e.subject) || oneOf(m.campaigns, d.campaignId)) return true;
  if (Array.isArray(d.campaigns) && d.campaigns.some((c) => oneOf(m.campaigns, c))) return true;
  if (m.remediations.has(e.subject) || oneOf(m.remediations, d.remediationId)) return true;
  if (e.type.startsWith('sync.') && oneOf(m.snapshots, d.snapshotId)) return true;
  return e.type === EVENT.configLoaded;
}

/** The pack's members: its campaigns, its remediations, and the snapshots they refer to (campaign.opened's frozen snapshots read from the ledger). */
export async function packMembers(ledger: LedgerStore, campaigns: readonly Campaign[], remediations: PackRemediations): Promise<PackMembers> {
  return packMembersOf(ledger, campaigns, [...remediations.byItem.values(), ...remediations.findings].map((pr) => pr.remediation));
}

/** packMembers with the pack's remediation rows as they are read, before their check (PackRemediationCheck.listedRows()). */
export async function packMembersOf(ledger: LedgerStore, campaigns: readonly Campaign[], rems: readonly Remediation[]): Promise<PackMembers> {
  const snapshots = new Set<string>();
  for (const c of campaigns) {
    for (const e of await ledger.query({ type: EVENT.campaignOpened, subject: c.id, since: c.openedAt })) {
      const frozen = e.data.snapshots;
      if (frozen && typeof frozen === 'object') for (const id of Object.values(frozen)) if (typeof id === 'string') snapshots.add(id);
    }
  }
  for (const r of rems) for (const id of [r.verifiedSnapshotId, r.reappearedSnapshotId]) if (id) snapshots.add(id);
  return { campaigns: new Set(campaigns.map((c) => c.id)), remediations: new Set(rems.map((r) => r.id)), snapshots };
}
