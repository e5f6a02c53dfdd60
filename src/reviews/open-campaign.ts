/**
 * Opens a campaign: one per (review id, period), enforced by the store. Opening freezes the
 * in-scope grants of the systems' current snapshots, with their open findings, as review
 * items, each assigned to a reviewer who is not its subject.
 *
 * Idempotent and resumable: the snapshots used are recorded before any item is written, so
 * a crash at any step resumes on the same frozen state; items have derived ids and the store
 * inserts only the ones missing (with their events), so nothing is duplicated; a campaign
 * already open is returned as it is.
 *
 * Memory stays flat in the campaign's size: grants are read a page at a time and each page's
 * items are inserted (with their events) before the next is read; no item is read back.
 */
import { EVENT } from '../audit/event-types.js';
import { configHash } from '../config/config-hash.js';
import type { ReviewDefinition } from '../config/review-config.js';
import { BREAK_GLASS_REVIEW_ID, campaignId, findingOf, IdentityIndex, isPeriod, periodOf, reviewItemId } from '../domain/index.js';
import type { Campaign, Finding, Grant, ReviewItem } from '../domain/index.js';
import { ACTIVITY_UNREPORTED_KEY } from './activity-reported.js';
import { breakGlassDefinition } from './break-glass-definition.js';
import { grantInScope, systemsInScope } from './campaign-scope.js';
import { itemAssignedEvent } from './item-assigned-event.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';
import { openingStagesData } from './review-stages.js';
import type { Reviewer } from './reviewer-resolution.js';
import { resolveReviewer } from './reviewer-resolution.js';

export interface OpenResult {
  campaign: Campaign;
  /** False when the campaign was already open (or closed): nothing was done. */
  opened: boolean;
  itemsAdded: number;
  /** In-scope systems that have no current state yet (never synced completely). */
  systemsWithoutState: string[];
}

/**
 * Grants read, and items inserted with their events, per store transaction. A page's grants,
 * items and events live until its transaction commits; when that spans young-generation
 * collections they are promoted to V8's old space, which then grows to ~4x its live size
 * before a full collection (peak RSS). Pages under the snapshot store's read-ahead threshold
 * (WORKER_MIN_ROWS in sqlite-snapshot-store.ts) are read on this thread: no reader thread,
 * its page cache or its read-ahead pages in memory. A multiple of 64, the rows per multi-row
 * INSERT of the item inserter and the ledger appender: no page ends in single-row inserts.
 * Measured at 1M items (real CLI, CPU user+sys and peak RSS, same database): 2,500 (reader
 * thread) 45.4 s and 344-348 MB; 768 40.6 s but 270 MB (its pages outlive young collections
 * again); 512 42.2 s and 176 MB; 500 (52 single-row inserts per page) ~51 s and 178 MB.
 * At 100k: 270 MB (2,500) -> 164 MB (500).
 */
const BATCH = 512;

export function findDefinition(deps: Pick<ReviewDeps, 'config'>, reviewId: string): ReviewDefinition {
  // Break-glass campaigns belong to the built-in definition (break-glass-definition.ts).
  if (reviewId === BREAK_GLASS_REVIEW_ID) return breakGlassDefinition(deps.config);
  const def = deps.config.reviews.find((r) => r.id === reviewId);
  if (!def) throw new ReviewError(`unknown review "${reviewId}" (known: ${deps.config.reviews.map((r) => r.id).join(', ')})`, 'not-found');
  return def;
}

export function currentPeriod(deps: Pick<ReviewDeps, 'now' | 'timeZone'>, def: ReviewDefinition): string {
  return periodOf(def.period, deps.now(), def.schedule.timezone ?? deps.timeZone);
}

export async function openCampaign(deps: ReviewDeps, reviewId: string, opts: { period?: string; actor: string }): Promise<OpenResult> {
  const { store, audit } = deps;
  const def = findDefinition(deps, reviewId);
  if (def.id === BREAK_GLASS_REVIEW_ID) throw new ReviewError('break-glass reviews are opened by the sync that shows a break-glass grant new or used, one per grant and event: there is nothing to open by hand', 'conflict');
  const period = opts.period ?? currentPeriod(deps, def);
  if (!isPeriod(def.period, period)) throw new ReviewError(`period "${period}" is not a ${def.period} (e.g. ${currentPeriod(deps, def)})`);
  const now = deps.now();
  const id = campaignId(def.id, period);
  const { campaign, created } = await store.campaigns.create({
    id,
    reviewId: def.id,
    period,
    name: `${def.name} ${period}`,
    state: 'opening',
    openedAt: now.toISOString(),
    dueAt: new Date(now.getTime() + def.dueInDays * 86_400_000).toISOString(),
    closedAt: null,
    openedBy: opts.actor,
  });
  if (!created && campaign.state !== 'opening') return { campaign, opened: false, itemsAdded: 0, systemsWithoutState: [] };

  // Freeze the state first: a resumed opening uses the same snapshots.
  const frozenKey = `campaign-snapshots:${id}`;
  let frozen = JSON.parse((await store.kv.get(frozenKey)) ?? 'null') as Record<string, string> | null;
  const systems = systemsInScope(def, deps.config.systems);
  if (!frozen) {
    const current = await store.snapshots.currentAll();
    frozen = Object.fromEntries(systems.filter((s) => current.has(s.id)).map((s) => [s.id, current.get(s.id)!.id]));
    await store.kv.set(frozenKey, JSON.stringify(frozen));
  }
  const systemsWithoutState = systems.filter((s) => !frozen[s.id]).map((s) => s.id);

  const index = new IdentityIndex(await store.identities.current());
  const openedAt = now.toISOString();
  let itemsAdded = 0;
  // Systems whose frozen snapshot has grants but no last-activity time on any: their items say
  // "no activity data" rather than "never used" (see activity-reported.ts).
  const withoutActivity: string[] = [];
  for (const system of systems) {
    const snapshotId = frozen[system.id];
    if (!snapshotId) continue;
    let grants = 0;
    let activityReported = false;
    // The first stage's reviewer depends on the subject alone within a system (same definition,
    // roles, directory and owner): resolved once per subject, not once per grant.
    const reviewers = new Map<string | null, Reviewer>();
    for await (const batch of store.snapshots.grants(snapshotId, BATCH)) {
      const findings = await openFindingsOf(deps, batch);
      const items: ReviewItem[] = [];
      for (const g of batch) {
        grants += 1;
        if (g.lastActivityAt !== null) activityReported = true;
        const itemFindings = findings.get(g.id) ?? [];
        if (!grantInScope(def, g, deps.config.policies, itemFindings.length > 0)) continue;
        const itemId = reviewItemId(id, g.id);
        let reviewer = reviewers.get(g.identityId);
        if (reviewer === undefined) {
          const subject = g.identityId ? index.get(g.identityId) : null;
          reviewer = resolveReviewer({ def: def.stages[0]!, subject, systemOwner: system.owner, roles: deps.config.roles, index });
          reviewers.set(g.identityId, reviewer);
        }
        const item: ReviewItem = {
          id: itemId,
          campaignId: id,
          grantId: g.id,
          systemId: g.systemId,
          accountId: g.accountId,
          role: g.role,
          scope: g.scope,
          identityId: g.identityId,
          reviewerId: reviewer.id,
          reviewerSource: reviewer.source,
          state: 'pending',
          findings: itemFindings,
          lastActivityAt: g.lastActivityAt,
          decisionId: null,
          updatedAt: openedAt,
        };
        if (g.detail) item.detail = g.detail;
        items.push(item);
      }
      if (items.length === 0) continue;
      // Events for the items this call inserted, in the same transaction: a concurrent opener
      // that inserted an item first recorded its assignment, so it is recorded once.
      itemsAdded += await store.campaigns.addItems(items, (inserted) =>
        inserted.map((i) => itemAssignedEvent(audit, opts.actor, i)),
      );
    }
    if (grants > 0 && !activityReported) withoutActivity.push(system.id);
  }
  await store.kv.set(ACTIVITY_UNREPORTED_KEY(id), JSON.stringify(withoutActivity));
  // Counted, not summed: a concurrent opener may have inserted some of the items. Every item
  // of the frozen state exists once this loop is through (it inserted whatever was missing).
  const total = await store.campaigns.countItems(id);
  await store.campaigns.transition(id, 'opening', 'open', deps.now().toISOString(), () => [
    audit.event(EVENT.campaignOpened, opts.actor, id, {
      reviewId: def.id, period, dueAt: campaign.dueAt, items: total, snapshots: frozen, systemsWithoutState, systemsWithoutActivity: withoutActivity, definitionFile: def.file,
      // The configuration in force (config-hash.ts: the hash config.loaded records) and the definition's
      // scope and reviewer order as they were: the evidence report states both for this campaign.
      configHash: configHash(deps.config), scope: def.scope, ...openingStagesData(def),
      // Whether the campaign reviews every grant of the systems in `snapshots` (DORA cadence
      // coverage counts only such campaigns) or the privileged ones only.
      coverage: def.scope.privilegedOnly ? 'privileged-only' : 'all-grants',
    }),
  ]);
  return { campaign: (await store.campaigns.get(id))!, opened: true, itemsAdded, systemsWithoutState };
}

/**
 * The open findings of a page of grants, by grant id: looked up per page (the SQLite store first
 * narrows the page to the grants that have one, by one index-only range scan, then looks those up)
 * rather than for the whole system at once, so memory does not grow with the findings.
 */
async function openFindingsOf(deps: ReviewDeps, grants: readonly Grant[]): Promise<Map<string, Finding[]>> {
  const findings = new Map<string, Finding[]>();
  for (const f of await deps.store.findings.open({ grantIds: grants.map((g) => g.id) })) {
    if (!f.grantId) continue;
    const list = findings.get(f.grantId) ?? [];
    list.push(findingOf(f));
    findings.set(f.grantId, list);
  }
  return findings;
}
