import type { App } from '../app.js';
import { AuditLog } from '../audit/audit-log.js';
import type { ReviewActor } from '../reviews/review-actor.js';
import type { ReviewDeps } from '../reviews/review-deps.js';

/** Review operations' dependencies from the app (config read afresh). */
export function reviewDeps(app: App): ReviewDeps {
  return { store: app.store, audit: new AuditLog(app.store.ledger, app.now), now: app.now, config: app.loadConfig(), timeZone: app.env.IAM_REVIEW_TIMEZONE };
}

/** reviewDeps, after ledgering the config if it changed since it was last recorded. */
export async function recordedReviewDeps(app: App, actor: string): Promise<ReviewDeps> {
  const deps = reviewDeps(app);
  await app.recordConfig(deps.config, actor);
  return deps;
}

/** Resolves `--as EMAIL` to a review actor: the directory identity when known, else the email. */
export async function cliActor(app: App, email: string): Promise<ReviewActor> {
  const normalized = email.trim().toLowerCase();
  const identity = await app.store.identities.findByEmail(normalized);
  return { id: identity?.id ?? normalized, email: normalized, slackId: null, label: normalized };
}
