/**
 * Reads what DORA cadence coverage needs (domain/review-coverage.ts says the rule) and
 * computes it: each reviewed system's criticality and cadence (policies/global.yaml), its
 * first applied snapshot, and for every closed campaign the systems whose every grant it
 * covered, with their expired items counted by the store.
 *
 * Which systems a campaign covered is what its `campaign.opened` event says: the systems it
 * froze a snapshot of (`snapshots`), all of their grants unless `coverage` is
 * `privileged-only`. Campaigns opened before `coverage` was recorded take it from their review
 * definition as configured now (a definition since deleted: all grants, as every definition
 * without `privilegedOnly`).
 *
 * Identity sources without a policy (an HR export) have no roles to review and are left out,
 * as the cadence warnings of `validate` leave them out.
 */
import { EVENT } from '../audit/event-types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { CoverageCampaignInput, CoverageSystemInput, SystemCoverage } from '../domain/index.js';
import { reviewCoverage } from '../domain/index.js';
import type { Store } from '../store/ports.js';

export interface CoverageDeps {
  store: Store;
  config: Pick<LoadedConfig, 'systems' | 'policies' | 'reviews' | 'global'>;
  now: () => Date;
}

export async function readReviewCoverage(deps: CoverageDeps): Promise<SystemCoverage[]> {
  const { systems, campaigns } = await readCoverageInputs(deps);
  return reviewCoverage(systems, campaigns, deps.now());
}

/** What the coverage rule is computed from (also report.html's coverage calendar, domain/coverage-calendar.ts). */
export async function readCoverageInputs(deps: Omit<CoverageDeps, 'now'>): Promise<{ systems: CoverageSystemInput[]; campaigns: CoverageCampaignInput[] }> {
  const { store, config } = deps;
  const reviewed = config.systems.filter((s) => s.kind !== 'directory' || config.policies.some((p) => p.system === s.id));
  const systems: CoverageSystemInput[] = [];
  for (const s of reviewed) {
    // Newest first: the last one listed is the first complete snapshot, the one that was applied first.
    const complete = await store.snapshots.list({ systemId: s.id, status: 'complete' });
    const first = complete.at(-1);
    systems.push({ id: s.id, criticality: s.criticality, cadenceMonths: config.global.reviewCadenceMonths[s.criticality], firstAppliedAt: first ? (first.finishedAt ?? first.startedAt) : null });
  }

  const campaigns: CoverageCampaignInput[] = [];
  for (const c of await store.campaigns.list({ state: 'closed' })) {
    if (c.closedAt === null) continue;
    const [opened] = await store.ledger.query({ type: EVENT.campaignOpened, subject: c.id, limit: 1 });
    const covered = new Map<string, { expired: number }>();
    if (opened && allGrants(opened.data.coverage, config, c.reviewId)) {
      const frozen = opened.data.snapshots;
      const ids = frozen !== null && typeof frozen === 'object' ? Object.keys(frozen) : [];
      for (const id of ids) covered.set(id, { expired: 0 });
      for (const row of await store.campaigns.countItemsBySystem(c.id)) {
        const entry = covered.get(row.systemId);
        if (entry && row.state === 'expired') entry.expired += row.count;
      }
    }
    campaigns.push({ id: c.id, closedAt: c.closedAt, systems: covered });
  }
  return { systems, campaigns };
}

function allGrants(recorded: unknown, config: CoverageDeps['config'], reviewId: string): boolean {
  if (recorded === 'all-grants') return true;
  // A break-glass review (reviews/open-break-glass-reviews.ts) reviews one grant.
  if (recorded === 'privileged-only' || recorded === 'break-glass') return false;
  return config.reviews.find((r) => r.id === reviewId)?.scope.privilegedOnly !== true;
}
