/**
 * Break-glass reviews (pure). A role marked `breakGlass` in its system's policy is emergency
 * access: nobody should hold it unnoticed, and every use must be looked at. Comparing an
 * applied snapshot with the state before it, a break-glass grant is
 * - `granted` when the earlier state did not have it (reviewed once, as of its first-seen time);
 * - `used` when its last activity is later than in the earlier state (reviewed once per use).
 * Each of these opens one ad-hoc review of that one grant: a campaign of the built-in review
 * `break-glass` whose period is `<system>:<grant id>:<time>`, so its id says exactly which event
 * it reviews and opening it twice (a re-run, a crash before the run finished) opens it once.
 */
import { campaignId } from './campaign.js';
import type { Grant } from './grant.js';

/** The built-in review every break-glass campaign belongs to (no reviews/<id>.yaml: refused there). */
export const BREAK_GLASS_REVIEW_ID = 'break-glass';

export type BreakGlassKind = 'granted' | 'used';

export interface BreakGlassEvent {
  grant: Grant;
  kind: BreakGlassKind;
  /** When: the grant's first-seen time (`granted`) or its new last activity (`used`). ISO. */
  at: string;
}

/**
 * The break-glass events of `current` against the earlier state (`previous`: grant id -> last
 * activity, for its break-glass grants; null when there is no earlier state, i.e. the
 * system's first snapshot, which is the baseline: nothing in it is new or known to be used).
 * A last activity that disappears or goes back is no use. `fallbackAt` dates a new grant
 * without a first-seen time.
 */
export function breakGlassEvents(previous: ReadonlyMap<string, string | null> | null, current: readonly Grant[], isBreakGlass: (g: Grant) => boolean, fallbackAt: string): BreakGlassEvent[] {
  if (previous === null) return [];
  const events: BreakGlassEvent[] = [];
  for (const g of current) {
    if (!isBreakGlass(g)) continue;
    if (!previous.has(g.id)) {
      events.push({ grant: g, kind: 'granted', at: g.firstSeenAt ?? fallbackAt });
      continue;
    }
    const before = previous.get(g.id) ?? null;
    if (g.lastActivityAt !== null && (before === null || Date.parse(g.lastActivityAt) > Date.parse(before))) events.push({ grant: g, kind: 'used', at: g.lastActivityAt });
  }
  return events;
}

/** The campaign period of one break-glass event: its system, grant and time. */
export function breakGlassPeriod(e: Pick<BreakGlassEvent, 'at'> & { grant: Pick<Grant, 'systemId' | 'id'> }): string {
  return `${e.grant.systemId}:${e.grant.id}:${e.at}`;
}

/** `break-glass:<system>:<grant id>:<time>`. */
export function breakGlassCampaignId(e: Pick<BreakGlassEvent, 'at'> & { grant: Pick<Grant, 'systemId' | 'id'> }): string {
  return campaignId(BREAK_GLASS_REVIEW_ID, breakGlassPeriod(e));
}

/**
 * "break-glass access used on 2026-11-28", "break-glass access granted on 2026-11-28" (UTC
 * dates); a new grant that already shows activity: "... granted on 2026-11-28, used on 2026-11-27".
 */
export function breakGlassReason(e: Pick<BreakGlassEvent, 'kind' | 'at'> & { grant: Pick<Grant, 'lastActivityAt'> }): string {
  const used = e.kind === 'granted' && e.grant.lastActivityAt !== null ? `, used on ${e.grant.lastActivityAt.slice(0, 10)}` : '';
  return `break-glass access ${e.kind} on ${e.at.slice(0, 10)}${used}`;
}
