/** How adapters answer a review error: the CLI exits 2 for `invalid` and `not-found`, else 1. */
export type ReviewErrorKind = 'not-found' | 'invalid' | 'conflict' | 'forbidden';

/**
 * Why a review guard refused an operation (review-guards.ts), and the kind of error each is.
 * Adapters answer on the code where it matters: only `justification_required` opens Slack's
 * justification modal. Every refusal is ledgered with its code (ledger-refusals.ts).
 */
export const REFUSAL_KINDS = {
  item_not_found: 'not-found',
  campaign_not_found: 'not-found',
  /** The campaign is not open (opening, closed): its items take no decisions. */
  campaign_closed: 'conflict',
  /** The item is already decided or expired (also the losers of concurrent decisions). */
  not_pending: 'conflict',
  /** The item changed between the guards and the write (a concurrent delegation or decision). */
  item_changed: 'conflict',
  not_reviewer: 'forbidden',
  /** The actor is the person whose access the item is. */
  self_review: 'forbidden',
  /** Approve all: the actor has no pending items in the campaign. */
  no_pending_items: 'forbidden',
  /** The definition requires a justification for this decision and none (or too short a one) was given. */
  justification_required: 'invalid',
  /** Approve all: every approval needs its own justification, so none is approved in bulk. */
  bulk_justification_required: 'invalid',
  /** Delegation to the item's subject. */
  delegate_is_subject: 'forbidden',
  /** Delegation to the reviewer the item already has. */
  delegate_is_reviewer: 'invalid',
  /** Delegation to a disabled or terminated person. */
  delegate_inactive: 'invalid',
  /** Delegation to someone who decided an earlier stage of the item (four eyes: two people). */
  delegate_decided_earlier: 'forbidden',
  /** A decision would pass the item on to a stage that has nobody to review it (only the subject and earlier deciders are left). */
  no_stage_reviewer: 'conflict',
  /** A command reserved to a bot role (reviews/roles.yaml: security team, auditors) by someone without it. */
  role_required: 'forbidden',
  /** A Slack request from a workspace other than the bot's own. */
  foreign_workspace: 'forbidden',
} as const satisfies Record<string, ReviewErrorKind>;
export type RefusalCode = keyof typeof REFUSAL_KINDS;

/**
 * A refused or impossible review operation. `code` tells adapters how to answer (Slack shows an
 * ephemeral message, the CLI exits 2 or 1); `refusal` names the guard that refused, or is null
 * for errors that are not a guard's refusal (unknown review, bad period...).
 */
export class ReviewError extends Error {
  constructor(
    message: string,
    readonly code: ReviewErrorKind = 'invalid',
    readonly refusal: RefusalCode | null = null,
  ) {
    super(message);
    this.name = 'ReviewError';
  }
}

/** A guard's refusal: a ReviewError of the code's kind. */
export function refusal(code: RefusalCode, message: string): ReviewError {
  return new ReviewError(message, REFUSAL_KINDS[code], code);
}
