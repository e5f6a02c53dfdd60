import type { App } from '../app.js';
import type { ReviewActor } from '../reviews/review-actor.js';

/** Resolves `--as EMAIL` to a review actor: the directory identity when known, else the email. */
export async function cliActor(app: App, email: string): Promise<ReviewActor> {
  const normalized = email.trim().toLowerCase();
  const identity = await app.store.identities.findByEmail(normalized);
  return { id: identity?.id ?? normalized, email: normalized, slackId: null, label: normalized };
}
