/**
 * Opens the break-glass reviews an applied snapshot calls for (the sync's afterApplied hook,
 * src/app.ts): one ad-hoc campaign per break-glass grant that is new, or whose last activity
 * moved, since the state this system was last checked against (domain/break-glass.ts).
 *
 * The model: a break-glass review is a campaign of the built-in review `break-glass`
 * (break-glass-definition.ts) with exactly one item, the grant, assigned to the system owner.
 * Being a campaign, everything campaigns have works on it unchanged: `decide` and Slack
 * (delivery, buttons, reminders, escalation), a revoke's remediation, `campaign close`, the
 * evidence pack of that campaign, and `audit verify`, since it is ledgered with the same events
 * as any campaign (campaign.opened, item.assigned), committed with their rows. Its
 * campaign.opened also records `coverage: 'break-glass'` (it never counts as a periodic review
 * of the system) and `breakGlass` (the grant, what happened and when, the reason text).
 *
 * Idempotent and crash-safe: the campaign id is `break-glass:<system>:<grant>:<time>`, so an
 * event is reviewed once however often it is seen; a campaign found `opening` (a crash mid-way)
 * is finished. The snapshot each system was last checked against is kept in the store
 * (`break-glass:checked:<system>`) and moved only after its reviews are open, so a run that dies
 * before that compares the next snapshot with the same earlier state and loses no event. A
 * system's first snapshot is the baseline: nothing in it is known to be new or used.
 */
import { EVENT } from '../audit/event-types.js';
import { configHash } from '../config/config-hash.js';
import type { Campaign, Grant, ReviewItem, Snapshot } from '../domain/index.js';
import { BREAK_GLASS_REVIEW_ID, breakGlassCampaignId, breakGlassEvents, breakGlassPeriod, breakGlassReason, findingOf, IdentityIndex, reviewItemId } from '../domain/index.js';
import type { BreakGlassEvent } from '../domain/index.js';
import { breakGlassDefinition, breakGlassDueHours, isBreakGlassGrant } from './break-glass-definition.js';
import type { ReviewDeps } from './review-deps.js';
import { itemAssignedEvent } from './item-assigned-event.js';
import { openingStagesData } from './review-stages.js';
import { resolveReviewer } from './reviewer-resolution.js';

const BATCH = 2000;

/** The snapshot a system's break-glass grants were last compared up to. */
export const BREAK_GLASS_CHECKED_KEY = (systemId: string): string => `break-glass:checked:${systemId}`;

export interface BreakGlassReview {
  campaign: Campaign;
  event: BreakGlassEvent;
  reason: string;
  /** False when the campaign existed already (an earlier run opened it). */
  opened: boolean;
}

/** The break-glass reviews of the applied snapshots, opened (or found open) in this call. */
export async function openBreakGlassReviews(deps: ReviewDeps, applied: readonly Snapshot[], actor: string): Promise<BreakGlassReview[]> {
  const isBreakGlass = isBreakGlassGrant(deps.config);
  const reviews: BreakGlassReview[] = [];
  for (const snapshot of applied) {
    const policy = deps.config.policies.find((p) => p.system === snapshot.systemId);
    if (!policy || !Object.values(policy.roles).some((r) => r.breakGlass)) continue;
    const key = BREAK_GLASS_CHECKED_KEY(snapshot.systemId);
    const base = (await deps.store.kv.get(key)) ?? snapshot.previousSnapshotId;
    if (base === snapshot.id) continue;
    const previous = base === null ? null : await breakGlassState(deps, base, isBreakGlass);
    const current: Grant[] = [];
    for await (const batch of deps.store.snapshots.scanGrants(snapshot.id, BATCH)) current.push(...batch.filter(isBreakGlass));
    current.sort((a, b) => a.id.localeCompare(b.id));
    for (const event of breakGlassEvents(previous, current, isBreakGlass, snapshot.finishedAt ?? snapshot.startedAt)) {
      reviews.push(await openBreakGlassReview(deps, event, snapshot, actor));
    }
    await deps.store.kv.set(key, snapshot.id);
  }
  return reviews;
}

/**
 * Grant id -> last activity of a snapshot's break-glass grants; null when the snapshot's grants
 * are gone (pruned while SnapshotStore.pruneGrants still deleted applied snapshots' grants, before they were kept for
 * evidence): then nothing is known of the earlier state, and the
 * current one becomes the baseline rather than every break-glass grant reading as new.
 */
async function breakGlassState(deps: ReviewDeps, snapshotId: string, isBreakGlass: (g: Grant) => boolean): Promise<Map<string, string | null> | null> {
  const state = new Map<string, string | null>();
  let rows = 0;
  for await (const batch of deps.store.snapshots.scanGrants(snapshotId, BATCH)) {
    rows += batch.length;
    for (const g of batch) if (isBreakGlass(g)) state.set(g.id, g.lastActivityAt);
  }
  if (rows === 0 && ((await deps.store.snapshots.get(snapshotId))?.counts.grants ?? 0) > 0) return null;
  return state;
}

/** Opens (or finishes opening) the one-item campaign of one break-glass event. */
export async function openBreakGlassReview(deps: ReviewDeps, event: BreakGlassEvent, snapshot: Pick<Snapshot, 'id' | 'systemId'>, actor: string): Promise<BreakGlassReview> {
  const { store, audit, config } = deps;
  const def = breakGlassDefinition(config);
  const { grant } = event;
  const id = breakGlassCampaignId(event);
  const period = breakGlassPeriod(event);
  const reason = breakGlassReason(event);
  const dueHours = breakGlassDueHours(config, grant);
  const now = deps.now();
  const { campaign, created } = await store.campaigns.create({
    id,
    reviewId: BREAK_GLASS_REVIEW_ID,
    period,
    // The name is what every surface shows (Slack, `campaign list`, the report): it says why.
    name: `Break-glass review: ${grant.systemId}:${grant.accountId} ${grant.role}${grant.scope ? `@${grant.scope}` : ''}, ${reason}`,
    state: 'opening',
    openedAt: now.toISOString(),
    dueAt: new Date(now.getTime() + dueHours * 3_600_000).toISOString(),
    closedAt: null,
    openedBy: actor,
  });
  if (!created && campaign.state !== 'opening') return { campaign, event, reason, opened: false };

  const system = config.systems.find((s) => s.id === grant.systemId);
  const index = new IdentityIndex(await store.identities.current());
  const subject = grant.identityId ? index.get(grant.identityId) : null;
  // A system since removed from connectors/ has no owner: the security team reviews.
  const reviewer = resolveReviewer({ def: def.stages[0]!, subject, systemOwner: system?.owner ?? config.roles.securityTeam[0]!, roles: config.roles, index });
  const findings = (await store.findings.open({ systemId: grant.systemId, grantIds: [grant.id] })).map(findingOf);
  const item: ReviewItem = {
    id: reviewItemId(id, grant.id),
    campaignId: id,
    grantId: grant.id,
    systemId: grant.systemId,
    accountId: grant.accountId,
    role: grant.role,
    scope: grant.scope,
    identityId: grant.identityId,
    reviewerId: reviewer.id,
    reviewerSource: reviewer.source,
    state: 'pending',
    findings,
    lastActivityAt: grant.lastActivityAt,
    decisionId: null,
    updatedAt: now.toISOString(),
    ...(grant.detail ? { detail: grant.detail } : {}),
  };
  // The same item.assigned as openCampaign's: a resumed opening that finds the item inserted records nothing.
  await store.campaigns.addItems([item], (inserted) => inserted.map((i) => itemAssignedEvent(audit, actor, i)));
  const items = await store.campaigns.countItems(id);
  await store.campaigns.transition(id, 'opening', 'open', deps.now().toISOString(), () => [
    audit.event(EVENT.campaignOpened, actor, id, {
      reviewId: def.id, period, dueAt: campaign.dueAt, items, snapshots: { [snapshot.systemId]: snapshot.id }, systemsWithoutState: [], systemsWithoutActivity: [], definitionFile: def.file,
      configHash: configHash(config), scope: def.scope, ...openingStagesData(def),
      // Not a periodic review of the system: DORA cadence coverage leaves it out (read-review-coverage.ts).
      coverage: 'break-glass',
      breakGlass: { systemId: grant.systemId, grantId: grant.id, accountId: grant.accountId, role: grant.role, scope: grant.scope, kind: event.kind, at: event.at, reason, dueHours },
    }),
  ]);
  return { campaign: (await store.campaigns.get(id))!, event, reason, opened: true };
}

/**
 * Open break-glass reviews no review message was sent for yet (Slack was not configured, or its
 * delivery failed): the sync's hook delivers them after every applied snapshot, so a review is
 * not left waiting for a scheduled campaign run (it has none).
 */
export async function undeliveredBreakGlassReviews(store: ReviewDeps['store']): Promise<Campaign[]> {
  const out: Campaign[] = [];
  for (const c of await store.campaigns.list({ state: 'open', reviewId: BREAK_GLASS_REVIEW_ID })) {
    if ((await store.deliveries.list({ campaignId: c.id, kind: 'review', state: 'sent' })).length === 0) out.push(c);
  }
  return out;
}
