/**
 * The `manual` remediation mode over Slack: the system's owner (connectors/<system>.yaml
 * `owner`, an email resolved to a Slack user like reviewers are) gets one DM listing the
 * removals due, each with its due time and a "Mark removed" button, paged by Block Kit limits.
 *
 * Exactly once per remediation, whatever the batches: each removal's delivery
 * (removal-deliveries.ts) is claimed before the DM is sent, and the page's outcome recorded on
 * the deliveries it lists, with one `message.sent` (or `message.failed`) event each, in one store
 * transaction conditional on each being `claimed`. So of two runs at once (two replicas, or
 * `remediate --apply` during `serve`) only one sends a given removal; a run that finds a removal
 * already sent (a crash after the DM and before requestRemovals recorded it) answers
 * `requested` with that DM's reference and sends nothing; one found claimed with no outcome (the
 * other run is sending it, or died after claiming) is neither re-sent nor recorded: `skipped`.
 * Outcomes: `requested` (ref `channel/ts` of the DM page), `failed` when Slack refuses (retried
 * on the next run, when the failed delivery is claimed again), `skipped` when the owner has no
 * active Slack account (nothing claimed: it is tried again next run; the removals stay on
 * `remediation list`).
 */
import { EVENT } from '../audit/event-types.js';
import type { SystemConfig } from '../config/system-config.js';
import type { Remediation } from '../domain/index.js';
import type { RemovalContext, RemovalOutcome, RemovalRequester } from '../remediation/removal-requester.js';
import type { Delivery } from '../store/ports.js';
import type { RemovalMessagePage } from './blocks/index.js';
import { removalMessage } from './blocks/index.js';
import { nameOf, storePeople } from './people.js';
import { claimedRow, removalThread, systemOwnerInSlack } from './removal-deliveries.js';
import { FROM_CLAIMED } from './review-delivery.js';
import { slackErrorCode } from './slack-gateway.js';
import { BOT_ACTOR } from './slack-events.js';
import type { SlackServiceDeps } from './slack-services.js';


export class SlackRemovalRequester implements RemovalRequester {
  readonly mode = 'manual' as const;

  constructor(
    private readonly s: SlackServiceDeps,
    private readonly actor: string = BOT_ACTOR,
  ) {}

  async request(system: SystemConfig, remediations: readonly Remediation[], ctx: RemovalContext): Promise<RemovalOutcome[]> {
    const deps = this.s.review();
    const found = await systemOwnerInSlack(this.s.directory, system.owner);
    const owner = found.owner;
    // Slack could not say who the owner is: nothing claimed; failed, so the next run retries.
    if (found.error !== undefined) return remediations.map((r) => ({ id: r.id, outcome: 'failed', error: found.error }));
    const slackId = found.slackId;
    if (!slackId) {
      const why = `the owner of ${system.id} (${owner}) has no active Slack account: not asked; the removals stay on \`remediation list\``;
      this.s.log.warn({ systemId: system.id, owner, removals: remediations.length }, 'removal request not sent: the system owner has no active Slack account');
      return remediations.map((r) => ({ id: r.id, outcome: 'skipped', why }));
    }

    const outcomes: RemovalOutcome[] = [];
    const existing = new Map((await deps.store.deliveries.list({ campaignId: removalThread(system.id), kind: 'notice' })).map((d) => [d.key, d]));
    const todo: Remediation[] = [];
    for (const r of remediations) {
      const prior = existing.get(r.id);
      if (prior?.state === 'sent') outcomes.push({ id: r.id, outcome: 'requested', ref: `${prior.channel}/${prior.ts}`, detail: { channel: prior.channel, ts: prior.ts, alreadySent: true } });
      else if (prior?.state === 'claimed') outcomes.push({ id: r.id, outcome: 'skipped', why: uncertain(prior) });
      else todo.push(r);
    }
    if (ctx.signal?.aborted) return outcomes;

    const claimed: Array<{ r: Remediation; delivery: Delivery }> = [];
    for (const r of todo) {
      const delivery = claimedRow(system.id, owner, 'notice', r.id, deps.now().toISOString(), { remediationId: r.id, slackUserId: slackId });
      if (await deps.store.deliveries.claim(delivery)) claimed.push({ r, delivery });
      else outcomes.push({ id: r.id, outcome: 'skipped', why: `another run is asking for the removal of ${r.id}` });
    }
    if (claimed.length === 0) return outcomes;

    const ownerName = await nameOf(storePeople(deps.store), owner);
    const pages = removalMessage({ system: { id: system.id, name: system.name }, owner: { name: ownerName }, removals: claimed.map((c) => c.r), now: deps.now().toISOString() });
    const byId = new Map(claimed.map((c) => [c.r.id, c]));
    for (const page of pages) outcomes.push(...(await this.sendPage(system, owner, slackId, page, byId, existing)));
    return outcomes;
  }

  /** Posts one page and records its outcome on the deliveries of the removals it lists. */
  private async sendPage(system: SystemConfig, owner: string, slackId: string, page: RemovalMessagePage, byId: Map<string, { r: Remediation; delivery: Delivery }>, existing: Map<string, Delivery>): Promise<RemovalOutcome[]> {
    const deps = this.s.review();
    const ids = page.remediationIds.map((id) => byId.get(id)!.delivery.id);
    const attempts = Math.max(1, ...page.remediationIds.map((id) => (existing.get(id)?.attempts ?? 0) + 1));
    const where = { kind: 'notice', purpose: 'removal-request', systemId: system.id, recipient: owner, slackUserId: slackId, page: page.page, pageCount: page.pageCount };
    let posted;
    try {
      posted = await this.s.slack.postMessage(slackId, page);
    } catch (err) {
      const error = slackErrorCode(err);
      await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'failed', attempts, error, updatedAt: deps.now().toISOString() }, (changed) =>
        changed.map((d) => deps.audit.event(EVENT.messageFailed, this.actor, d.id, { ...where, remediationId: d.key, error })),
      );
      return page.remediationIds.map((id) => ({ id, outcome: 'failed', error: `Slack refused the removal request to ${owner}: ${error}` }));
    }
    const payload = { remediationIds: page.remediationIds, page: page.page, pageCount: page.pageCount, slackUserId: slackId, renderedAt: deps.now().toISOString() };
    const changed = await deps.store.deliveries.updateMany(ids, FROM_CLAIMED, { state: 'sent', channel: posted.channel, ts: posted.ts, attempts, error: null, payload, updatedAt: deps.now().toISOString() }, (c) =>
      c.map((d) => deps.audit.event(EVENT.messageSent, this.actor, d.id, { ...where, remediationId: d.key, channel: posted.channel, ts: posted.ts, removals: page.remediationIds.length })),
    );
    const recorded = new Set(changed.map((d) => d.key));
    if (recorded.size < ids.length) this.s.log.warn({ systemId: system.id, channel: posted.channel, ts: posted.ts }, 'sent a removal request whose deliveries were no longer claimed: their outcome is not recorded');
    const ref = `${posted.channel}/${posted.ts}`;
    return page.remediationIds.map((id) =>
      recorded.has(id) ? { id, outcome: 'requested', ref, detail: { channel: posted.channel, ts: posted.ts, page: page.page, pageCount: page.pageCount } } : { id, outcome: 'skipped', why: `the delivery of ${id} was changed while it was sent` },
    );
  }
}

function uncertain(d: Delivery): string {
  return `a removal request for ${d.key} was claimed at ${d.updatedAt} and has no recorded outcome (another run is sending it, or stopped after claiming): not sent again`;
}
