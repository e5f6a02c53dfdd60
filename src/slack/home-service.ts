/**
 * The App Home tab: the user's pending items across open campaigns, for a system owner the
 * removals of their systems not verified yet (with "Mark removed"), and, for the security team,
 * the progress of every open campaign (done / pending / overdue per reviewer; for a multi-stage
 * campaign its pending items per stage) and every system's review cadence (next due, overdue).
 * Items of a multi-stage campaign show their stage and the earlier stages' decisions (review-entries.ts).
 */
import { readReviewCoverage } from '../policies/read-review-coverage.js';
import { campaignStageDecisions } from '../audit/campaign-decisions.js';
import { summarize, withStages } from '../reviews/campaign-progress.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import type { Campaign, ReviewItem } from '../domain/index.js';
import { UNVERIFIED_STATES } from '../domain/index.js';
import { appHome } from './blocks/index.js';
import type { AppHomeInput, StagePending } from './blocks/index.js';
import { isMultiStage } from '../reviews/review-stages.js';
import { loadPeople, nameOf, storePeople } from './people.js';
import { reviewEntries } from './review-entries.js';
import { hasRole, resolveSlackActor } from './slack-actor.js';
import type { SlackServiceDeps } from './slack-services.js';

export class HomeService {
  constructor(private readonly s: SlackServiceDeps) {}

  async publish(slackUserId: string): Promise<void> {
    const deps = this.s.review();
    const { store } = deps;
    const actor = await resolveSlackActor(store, this.s.directory, slackUserId);
    const now = deps.now().toISOString();
    const open = await store.campaigns.list({ state: 'open' });
    const byId = new Map(open.map((c) => [c.id, c]));

    const mine = new Map<string, ReviewItem>();
    for (const key of new Set([actor.id, ...(actor.email ? [actor.email] : [])])) {
      for (const item of await store.campaigns.pendingForReviewer(key)) mine.set(item.id, item);
    }
    const people = storePeople(store);
    const groups = new Map<string, ReviewItem[]>();
    for (const item of mine.values()) {
      if (!byId.has(item.campaignId)) continue;
      const list = groups.get(item.campaignId) ?? [];
      list.push(item);
      groups.set(item.campaignId, list);
    }
    const pending = await Promise.all(
      [...groups].map(async ([campaignId, items]) => ({ campaign: byId.get(campaignId)!, items: await reviewEntries(deps, people, items) })),
    );
    pending.sort((a, b) => a.campaign.dueAt.localeCompare(b.campaign.dueAt));

    let progress: AppHomeInput['progress'] = null;
    let coverage: AppHomeInput['coverage'] = null;
    if (hasRole(actor, deps.config.roles.securityTeam)) {
      progress = await this.progress(open, now);
      coverage = await this.coverage(deps);
    }
    const name = actor.email ? await nameOf(people, actor.email) : `<@${slackUserId}>`;
    const removals = actor.email ? await this.removals(actor.email) : [];
    await this.s.slack.publishHome(slackUserId, appHome({ user: { name }, now, pending, progress, removals, coverage }));
  }

  /** The removals not verified yet of every system this email owns (connectors/<system>.yaml `owner`). */
  private async removals(email: string): Promise<NonNullable<AppHomeInput['removals']>> {
    const { store, config } = this.s.review();
    const owned = config.systems.filter((s) => s.owner.toLowerCase() === email.toLowerCase()).sort((a, b) => a.id.localeCompare(b.id));
    const open = new Set<string>(UNVERIFIED_STATES);
    const out: Array<NonNullable<AppHomeInput['removals']>[number]> = [];
    for (const system of owned) {
      const removals = (await store.remediations.list({ systemId: system.id })).filter((r) => open.has(r.state));
      if (removals.length > 0) out.push({ system: { id: system.id, name: system.name }, removals });
    }
    return out;
  }

  /** Every reviewed system's DORA review cadence (policies/read-review-coverage.ts), named as in connectors/. */
  private async coverage(deps: ReviewDeps): Promise<NonNullable<AppHomeInput['coverage']>> {
    const names = new Map(deps.config.systems.map((s) => [s.id, s.name]));
    const coverage = await readReviewCoverage({ store: deps.store, config: deps.config, now: deps.now });
    return coverage.map((c) => ({ ...c, name: names.get(c.system) ?? c.system }));
  }

  private async progress(open: readonly Campaign[], now: string): Promise<NonNullable<AppHomeInput['progress']>> {
    const { store, config } = this.s.review();
    const people = await loadPeople(store);
    const out: Array<NonNullable<AppHomeInput['progress']>[number]> = [];
    for (const campaign of [...open].sort((a, b) => a.dueAt.localeCompare(b.dueAt))) {
      const items = await store.campaigns.items(campaign.id);
      const def = config.reviews.find((r) => r.id === campaign.reviewId);
      const summary = summarize(campaign, items, new Date(now));
      // A multi-stage campaign counts per stage and credits each reviewer with the decisions that passed items on, too.
      const p = def && isMultiStage(def) ? withStages(summary, def, items, await campaignStageDecisions(store, campaign.id)) : summary;
      const reviewers = await Promise.all(p.reviewers.map(async (r) => ({ name: await nameOf(people, r.reviewerId), done: r.done + r.expired, pending: r.pending })));
      out.push({ campaign, reviewers, ...(p.stages ? { stages: p.stages.map((st): StagePending => ({ number: st.stage, name: st.name, pending: st.pending })) } : {}) });
    }
    return out;
  }
}
