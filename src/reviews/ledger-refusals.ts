import { EVENT } from '../audit/event-types.js';
import type { ReviewActor } from './review-actor.js';
import type { ReviewDeps } from './review-deps.js';
import { ReviewError } from './review-error.js';

/** The attempt a refusal is ledgered as. */
export interface Attempt {
  actor: ReviewActor;
  /** The ledger line's subject: the item or campaign acted on. */
  subject: string;
  /** What was attempted (action, channel, target...); the refusal's code and reason are added. */
  details: Record<string, unknown>;
}

/**
 * Runs an operation's guarded work. A guard's refusal it throws (a ReviewError with a refusal
 * code) is ledgered as one `access.refused` line naming the code and the reason, then rethrown.
 * Other errors pass through unledgered: they are failures, not refusals. `work` must not let
 * another operation's refusal through (that one is ledgered already).
 */
export async function ledgerRefusals<T>(deps: Pick<ReviewDeps, 'audit'>, attempt: Attempt, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ReviewError && err.refusal !== null) {
      await deps.audit.record(EVENT.refusal, attempt.actor.label, attempt.subject, { ...attempt.details, code: err.refusal, reason: err.message, slackId: attempt.actor.slackId });
    }
    throw err;
  }
}
