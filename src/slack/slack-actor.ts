/**
 * Who clicked, resolved on server-side state only: the Slack user id Slack signed into the
 * request -> the cached directory (users.info on a miss) -> their email -> the identity with that
 * email. Nothing in a button's value or a modal's metadata says who acts.
 */
import type { ReviewActor } from '../reviews/review-actor.js';
import type { Store } from '../store/ports.js';
import type { SlackDirectory } from './slack-directory.js';

export async function resolveSlackActor(store: Store, directory: SlackDirectory, slackUserId: string): Promise<ReviewActor> {
  const user = await directory.user(slackUserId);
  const email = user && !user.deleted && !user.isBot ? user.email : null;
  const identity = email ? await store.identities.findByEmail(email) : null;
  return { id: identity?.id ?? email ?? `slack:${slackUserId}`, email, slackId: slackUserId, label: email ?? `slack:${slackUserId}` };
}

/** Whether the actor holds one of the bot's roles (reviews/roles.yaml lists emails). */
export function hasRole(actor: Pick<ReviewActor, 'email'>, emails: readonly string[]): boolean {
  return actor.email !== null && emails.includes(actor.email);
}
