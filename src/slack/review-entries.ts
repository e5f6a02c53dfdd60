/**
 * Review items as the block builders show them (the Slack DM, the App Home and the modals):
 * with the subject's name, job title, department and email, the system's name and criticality,
 * the role's policy description and, once decided, who decided what, when and why.
 *
 * Frozen vs live. What the recommendation is computed from is frozen on the item when the
 * campaign opened (its findings with their reasons and evidence, the grant's last activity and
 * detail; whether the system reports activity at all, activity-reported.ts), so the reviewer is
 * recommended the same thing on every surface and every re-rendering, and the decision records
 * those findings as what the reviewer saw (`findingsAtDecision`). The descriptive labels are read
 * live: the person's name, job title and department from the current identity source (a person
 * who changed department since the opening is best reviewed as they are now), and the system's
 * name and criticality and the role's description from the config in force. None of them change
 * what is recommended.
 *
 * An item of a multi-stage campaign also carries its stage (number of how many, name, due there)
 * and the earlier stages' decisions (who, what, when, why), so a later stage's reviewer sees what
 * was decided before; single-stage items carry neither and render as they always did.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { Campaign, ReviewItem } from '../domain/index.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { systemsWithoutActivity } from '../reviews/activity-reported.js';
import { isMultiStage, itemDueAt, stageNumberOf, stageOf } from '../reviews/review-stages.js';
import type { JustificationRule, ReviewEntry, StageDecisionView, StageView } from './blocks/index.js';
import type { People } from './people.js';
import { nameOf } from './people.js';

export async function reviewEntries(deps: Pick<ReviewDeps, 'store' | 'config'>, people: People, items: readonly ReviewItem[]): Promise<ReviewEntry[]> {
  const { store, config } = deps;
  const systems = new Map(config.systems.map((s) => [s.id, { name: s.name, criticality: s.criticality }]));
  const policies = new Map(config.policies.map((p) => [p.system, p]));
  const unreported = new Map<string, Promise<ReadonlySet<string>>>();
  const activityKnown = async (item: ReviewItem): Promise<boolean> => {
    let set = unreported.get(item.campaignId);
    if (!set) unreported.set(item.campaignId, (set = systemsWithoutActivity(store, item.campaignId)));
    return !(await set).has(item.systemId);
  };
  const campaigns = new Map<string, Promise<{ campaign: Campaign; def: ReviewDefinition } | null>>();
  const multiStage = (item: ReviewItem) => {
    let hit = campaigns.get(item.campaignId);
    if (!hit) campaigns.set(item.campaignId, (hit = multiStageCampaign(deps, item.campaignId)));
    return hit;
  };
  return Promise.all(
    items.map(async (item): Promise<ReviewEntry> => {
      const staged = await multiStage(item);
      const stages = staged ? await stageViews(store, people, staged.campaign, staged.def, item) : {};
      const subject = item.identityId ? await people.resolve(item.identityId) : null;
      const subjectView = item.identityId
        ? { name: subject?.displayName ?? item.identityId, email: subject?.email ?? null, jobTitle: subject?.jobTitle ?? null, department: subject?.department ?? null }
        : null;
      const context = {
        system: systems.get(item.systemId) ?? null,
        roleDescription: policies.get(item.systemId)?.roles[item.role]?.description ?? null,
        activityKnown: await activityKnown(item),
        ...stages,
      };
      if (item.state !== 'approved' && item.state !== 'revoked') return { item, subject: subjectView, decision: null, ...context };
      const d = await store.campaigns.decision(item.id);
      const decision = d
        ? { outcome: d.outcome, decidedAt: d.decidedAt, deciderName: await nameOf(people, d.reviewerEmail ?? d.reviewerId), justification: d.justification }
        : null;
      return { item, subject: subjectView, decision, ...context };
    }),
  );
}

/** The campaign and its definition when the definition has several stages; else (or unknown) null. */
async function multiStageCampaign(deps: Pick<ReviewDeps, 'store' | 'config'>, campaignId: string): Promise<{ campaign: Campaign; def: ReviewDefinition } | null> {
  const campaign = await deps.store.campaigns.get(campaignId);
  const def = campaign ? deps.config.reviews.find((r) => r.id === campaign.reviewId) : undefined;
  return campaign && def && isMultiStage(def) ? { campaign, def } : null;
}

/** The item's stage and the decisions of the stages before it (only an item past stage 1 has any). */
async function stageViews(store: ReviewDeps['store'], people: People, campaign: Campaign, def: ReviewDefinition, item: ReviewItem): Promise<{ stage: StageView; earlierStages: StageDecisionView[] }> {
  const n = stageNumberOf(item);
  // A definition edited during its campaign may lack the stage: shown by number, never a failed rendering.
  const stage = { number: n, count: Math.max(n, def.stages.length), name: def.stages[n - 1]?.name ?? `Stage ${n}`, dueAt: itemDueAt(campaign, def, item) };
  const earlier = n > 1 ? await store.campaigns.stageDecisions(item.id) : [];
  const earlierStages = await Promise.all(
    earlier.map(async (d): Promise<StageDecisionView> => {
      const number = d.stage ?? 1;
      return { stage: number, stageName: def.stages[number - 1]?.name ?? `Stage ${number}`, outcome: d.outcome, decidedAt: d.decidedAt, deciderName: await nameOf(people, d.reviewerEmail ?? d.reviewerId), justification: d.justification };
    }),
  );
  return { stage, earlierStages };
}

/**
 * Which buttons open the justification modal, from `requireJustification` of the stages the
 * items are in (one message may hold items of several stages: a button opens the modal where any
 * of them needs a reason; the decision's own stage is what the guard enforces).
 */
export function justificationRule(def: Pick<ReviewDefinition, 'id' | 'stages'>, items: ReadonlyArray<Pick<ReviewItem, 'stage'>>): JustificationRule {
  const stages = new Set(items.map(stageNumberOf));
  if (stages.size === 0) stages.add(1);
  const rules = [...stages].flatMap((n) => stageOf(def, n).requireJustification);
  return { revoke: rules.includes('revoke'), approveWithFindings: rules.includes('approve-with-findings') || rules.includes('approve') };
}
