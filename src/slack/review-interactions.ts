/**
 * What a reviewer's clicks and modal submissions do. Listeners ack and call these; every
 * decision goes through the review operations (decideItem, delegateItem, approveAll), which
 * authorise on server-side state and ledger refusals. A refusal is answered with an ephemeral
 * message where the click happened (a DM from the bot when it came from the App Home), or, for a
 * modal, as an error under its field.
 */
import { MIN_JUSTIFICATION } from '../reviews/justification-rule.js';
import { approveAllWithoutFindings } from '../reviews/approve-all.js';
import { decideItem } from '../reviews/decide-item.js';
import { delegateItem } from '../reviews/delegate-item.js';
import { readItemDetails } from '../reviews/read-item-details.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { ReviewError } from '../reviews/review-error.js';
import type { DecisionOutcome, ReviewItem } from '../domain/index.js';
import { DELEGATE_VIEW, delegateModal, detailsModal, JUSTIFICATION_VIEW, justificationModal, parseModalMetadata } from './blocks/index.js';
import { plural } from './blocks/mrkdwn.js';
import type { ModalMetadata } from './blocks/index.js';
import type { HomeService } from './home-service.js';
import { storePeople } from './people.js';
import type { ReviewDelivery } from './review-delivery.js';
import { reviewEntries } from './review-entries.js';
import { resolveSlackActor } from './slack-actor.js';
import { slackErrorCode } from './slack-gateway.js';
import type { SlackServiceDeps } from './slack-services.js';
import type { StageDelivery } from './stage-delivery.js';

/** Where a click happened and who clicked (Slack's signed `user.id`). */
export interface Click {
  userId: string;
  triggerId: string;
  /** The message clicked in, or null for the App Home. */
  origin: ModalMetadata['origin'];
}

/** A modal submission's outcome: field errors to show, or what changed (for the follow-up). */
export type SubmitResult = { errors: Record<string, string> } | { errors: null; campaignId: string; itemIds: string[]; delegated: ReviewItem | null; origin: ModalMetadata['origin']; userId: string };

export class ReviewInteractions {
  constructor(
    private readonly s: SlackServiceDeps,
    private readonly delivery: ReviewDelivery,
    private readonly home: HomeService,
    private readonly stages: StageDelivery,
  ) {}

  /**
   * Approve or Revoke. Decides at once when no justification is needed; when one is, decideItem
   * refuses with `justification_required` (its last guard, so every authorisation guard passed)
   * and the justification modal opens. Any other refusal is answered with its message.
   */
  async decideClick(click: Click, itemId: string, outcome: DecisionOutcome): Promise<void> {
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, click.userId);
    try {
      const r = await decideItem(deps, { itemId, outcome, actor, channel: 'slack', justification: null });
      await this.followUp(r.item.campaignId, [r.item.id], click.userId, click.origin);
    } catch (err) {
      if (err instanceof ReviewError && err.refusal === 'justification_required') return this.openJustification(deps, click, itemId, outcome);
      await this.answerError(click.userId, click.origin, err);
    }
  }

  /** Overflow "Approve with a comment": the justification modal for an approval. */
  async commentClick(click: Click, itemId: string): Promise<void> {
    await this.openJustification(this.s.review(), click, itemId, 'approve');
  }

  async delegateClick(click: Click, itemId: string): Promise<void> {
    const deps = this.s.review();
    const item = await deps.store.campaigns.item(itemId);
    if (!item) return this.answerError(click.userId, click.origin, new ReviewError('this review item no longer exists', 'not-found'));
    const [entry] = await reviewEntries(deps, storePeople(deps.store), [item]);
    await this.s.slack.openModal(click.triggerId, delegateModal({ entry: entry!, origin: click.origin, now: deps.now().toISOString() }));
  }

  /** "Details": the modal with the item's full context, findings and evidence (reviewer, security team, auditors). */
  async detailsClick(click: Click, itemId: string): Promise<void> {
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, click.userId);
    try {
      const item = await readItemDetails(deps, { itemId, actor, channel: 'slack' });
      const [entry] = await reviewEntries(deps, storePeople(deps.store), [item]);
      await this.s.slack.openModal(click.triggerId, detailsModal(entry!, deps.now().toISOString()));
    } catch (err) {
      await this.answerError(click.userId, click.origin, err);
    }
  }

  async approveAllClick(click: Click, campaignId: string): Promise<void> {
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, click.userId);
    try {
      const r = await approveAllWithoutFindings(deps, { campaignId, actor, channel: 'slack' });
      const ids = r.decided.map((d) => d.item.id);
      if (ids.length > 0) await this.followUp(campaignId, ids, click.userId, click.origin);
      const left = r.withFindings > 0 ? ` ${plural(r.withFindings, 'item')} with findings still need your decision one by one.` : '';
      const reasoned = r.needsJustification > 0 ? ` ${plural(r.needsJustification, 'item')} need a justification for approval: decide them one by one.` : '';
      const refused = r.refused.length > 0 ? ` ${plural(r.refused.length, 'item')} could not be approved: ${r.refused[0]!.reason}` : '';
      await this.notify(click.userId, click.origin, `:white_check_mark: Approved ${plural(ids.length, 'item')} without findings.${left}${reasoned}${refused}`);
    } catch (err) {
      await this.answerError(click.userId, click.origin, err);
    }
  }

  /** The justification modal's submission: decides, or returns the error to show under the field. */
  async submitJustification(userId: string, metadata: string, text: string | null): Promise<SubmitResult> {
    const meta = parseModalMetadata(metadata);
    if (!meta?.outcome) return { errors: { [JUSTIFICATION_VIEW.blockId]: 'This form is out of date: close it and click the button in the review message again.' } };
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, userId);
    try {
      const r = await decideItem(deps, { itemId: meta.itemId, outcome: meta.outcome, actor, channel: 'slack', justification: text });
      return { errors: null, campaignId: r.item.campaignId, itemIds: [r.item.id], delegated: null, origin: meta.origin, userId };
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      return { errors: { [JUSTIFICATION_VIEW.blockId]: err.message } };
    }
  }

  /** The delegate modal's submission: the chosen Slack user must have an email the directory resolves. */
  async submitDelegate(userId: string, metadata: string, selectedUser: string | null, reason: string | null): Promise<SubmitResult> {
    const meta = parseModalMetadata(metadata);
    const field = DELEGATE_VIEW.userBlockId;
    if (!meta) return { errors: { [field]: 'This form is out of date: close it and use the menu in the review message again.' } };
    if (!selectedUser) return { errors: { [field]: 'Choose the person who should decide this item.' } };
    const target = await this.s.directory.user(selectedUser);
    if (!target?.email || target.deleted || target.isBot) return { errors: { [field]: 'This Slack account has no email address the access review can match to a person.' } };
    const deps = this.s.review();
    const actor = await resolveSlackActor(deps.store, this.s.directory, userId);
    try {
      const item = await delegateItem(deps, { itemId: meta.itemId, actor, to: target.email, reason: reason?.trim() || undefined });
      return { errors: null, campaignId: item.campaignId, itemIds: [item.id], delegated: item, origin: meta.origin, userId };
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      return { errors: { [field]: err.message } };
    }
  }

  /** After an accepted submission (the modal is closed): update the messages and the App Home. */
  async afterSubmit(result: SubmitResult): Promise<void> {
    if (result.errors) return;
    if (result.delegated) {
      await this.delivery.deliverDelegated(result.delegated);
      await this.notify(result.userId, result.origin, ':arrow_right_hook: Delegated. They got a message with the item; it is recorded in the audit ledger.');
      if (!result.origin) await this.home.publish(result.userId);
      return;
    }
    await this.followUp(result.campaignId, result.itemIds, result.userId, result.origin);
  }

  private async openJustification(deps: ReviewDeps, click: Click, itemId: string, outcome: DecisionOutcome): Promise<void> {
    const item = await deps.store.campaigns.item(itemId);
    if (!item) return this.answerError(click.userId, click.origin, new ReviewError('this review item no longer exists', 'not-found'));
    const [entry] = await reviewEntries(deps, storePeople(deps.store), [item]);
    await this.s.slack.openModal(click.triggerId, justificationModal({ entry: entry!, outcome, origin: click.origin, minLength: MIN_JUSTIFICATION, now: deps.now().toISOString() }));
  }

  /**
   * Messages showing the items are updated in place; items the decisions passed on to a later
   * stage go to that stage's reviewer (once); a click from the App Home re-publishes it.
   */
  private async followUp(campaignId: string, itemIds: string[], userId: string, origin: ModalMetadata['origin']): Promise<void> {
    await this.delivery.refreshItems(campaignId, itemIds);
    await this.stages.deliverItems(campaignId, itemIds);
    if (!origin) await this.home.publish(userId);
  }

  private async answerError(userId: string, origin: ModalMetadata['origin'], err: unknown): Promise<void> {
    if (!(err instanceof ReviewError)) this.s.log.error({ err }, 'review interaction failed');
    const text = err instanceof ReviewError ? `:no_entry_sign: ${err.message}` : ':warning: Something went wrong; it was logged. Please try again.';
    await this.notify(userId, origin, text);
  }

  /**
   * An ephemeral answer in the conversation clicked in; a DM from the bot when the click came from
   * the App Home or from a conversation the user is not in (a shared or replayed message).
   */
  async notify(userId: string, origin: ModalMetadata['origin'], text: string): Promise<void> {
    if (origin) {
      try {
        return await this.s.slack.postEphemeral(origin.channelId, userId, text);
      } catch (err) {
        this.s.log.info({ userId, error: slackErrorCode(err) }, 'ephemeral answer failed; answering by DM');
      }
    }
    try {
      await this.s.slack.postMessage(userId, { text, blocks: [] });
    } catch (err) {
      this.s.log.warn({ userId, error: slackErrorCode(err) }, 'could not answer the user');
    }
  }
}
