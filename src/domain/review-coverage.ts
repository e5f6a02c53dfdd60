/**
 * DORA review cadence coverage (RTS 2024/1774 Art. 21: access rights reviewed at least every
 * 12 months, every 6 for systems supporting critical or important functions; the months per
 * criticality come from policies/global.yaml `reviewCadenceMonths`). Pure: the caller reads
 * campaigns, snapshots and the clock.
 *
 * A system counts as **reviewed** by a campaign when the campaign is closed, covered every
 * grant of the system (its review definition was not `privilegedOnly`, and the system had a
 * current state when the campaign opened), and none of the system's items expired: an item
 * nobody decided is access nobody reviewed, so a campaign that let one expire did not complete
 * the system's review. The review counts from the campaign's close. The next review is due
 * `cadence` calendar months later; a system never reviewed starts its clock at its first
 * applied snapshot (a system added to connectors/ is not overdue on day one), and a system
 * never synced has no clock.
 */

export interface CoverageSystemInput {
  id: string;
  criticality: string;
  /** Maximum months between two reviews, by the system's criticality. */
  cadenceMonths: number;
  /** When its first complete snapshot was applied; null when it never had one. */
  firstAppliedAt: string | null;
}

/** A closed campaign, with what it did for each system it covered completely. */
export interface CoverageCampaignInput {
  id: string;
  closedAt: string;
  /** systemId -> expired items of that system, for each system whose every grant the campaign covered. */
  systems: ReadonlyMap<string, { expired: number }>;
}

export interface SystemCoverage {
  system: string;
  criticality: string;
  cadenceMonths: number;
  /** When the last campaign that reviewed it closed; null when none did. */
  lastReviewedAt: string | null;
  /** That campaign. */
  campaign: string | null;
  /** When the next review is due: the last review (else the first applied snapshot) + cadence; null without either. */
  nextDueAt: string | null;
  overdue: boolean;
  /**
   * The latest closed campaign that covered the system but let items of it expire (after the
   * last review, else null): why a system that was in a campaign is still not reviewed.
   */
  incompleteCampaign: string | null;
}

export function reviewCoverage(systems: readonly CoverageSystemInput[], campaigns: readonly CoverageCampaignInput[], now: Date): SystemCoverage[] {
  // Latest close first: the first campaign found for a system is its last review.
  const closed = [...campaigns].sort((a, b) => (a.closedAt < b.closedAt ? 1 : a.closedAt > b.closedAt ? -1 : a.id < b.id ? -1 : 1));
  return systems.map((s) => {
    let reviewed: CoverageCampaignInput | null = null;
    let incomplete: CoverageCampaignInput | null = null;
    for (const c of closed) {
      const covered = c.systems.get(s.id);
      if (!covered) continue;
      if (covered.expired === 0) {
        reviewed = c;
        break;
      }
      incomplete ??= c;
    }
    const from = reviewed?.closedAt ?? s.firstAppliedAt;
    const nextDueAt = from === null ? null : addMonths(from, s.cadenceMonths);
    return {
      system: s.id,
      criticality: s.criticality,
      cadenceMonths: s.cadenceMonths,
      lastReviewedAt: reviewed?.closedAt ?? null,
      campaign: reviewed?.id ?? null,
      nextDueAt,
      overdue: nextDueAt !== null && now.getTime() > Date.parse(nextDueAt),
      incompleteCampaign: incomplete?.id ?? null,
    };
  });
}

/**
 * `iso` plus `months` calendar months, in UTC; a day the target month lacks becomes its last
 * day (31 August + 6 months = 28/29 February), never a day of the month after.
 */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString();
}
