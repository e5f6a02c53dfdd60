/**
 * Who reviews an item (pure). The definition lists sources in order (`manager`,
 * `systemOwner`, `securityTeam`); the first one that yields a person who is not the
 * subject wins; then the security team, then the fallback reviewer. The subject of an item
 * is never its reviewer (no self-review), even when every source points at them. In a later
 * stage of a multi-stage review, neither is anyone who decided an earlier stage of the item
 * (`exclude`: four eyes means two people).
 */
import type { BotRoles, ReviewStage } from '../config/review-config.js';
import type { Identity, IdentityIndex } from '../domain/index.js';

export interface Reviewer {
  /** Identity id when the directory knows the person, else their email. */
  id: string;
  email: string | null;
  name: string;
  source: 'manager' | 'systemOwner' | 'securityTeam' | 'fallback' | 'delegated';
}

export function reviewerFromIdentity(identity: Identity, source: Reviewer['source']): Reviewer {
  return { id: identity.id, email: identity.email, name: identity.displayName, source };
}

export function reviewerFromEmail(email: string, index: IdentityIndex, source: Reviewer['source']): Reviewer {
  const identity = index.resolve(email);
  return identity ? reviewerFromIdentity(identity, source) : { id: email.toLowerCase(), email: email.toLowerCase(), name: email, source };
}

/** True when `reviewer` is the person the item is about. */
export function isSubject(reviewer: Pick<Reviewer, 'id' | 'email'>, subject: Identity | null): boolean {
  if (!subject) return false;
  if (reviewer.id === subject.id) return true;
  return Boolean(reviewer.email && subject.email && reviewer.email === subject.email);
}

export function resolveReviewer(args: {
  def: Pick<ReviewStage, 'reviewers'>;
  subject: Identity | null;
  systemOwner: string;
  roles: BotRoles;
  index: IdentityIndex;
  /** People who may not review the item (its earlier stages' deciders). */
  exclude?: ReadonlyArray<Pick<Reviewer, 'id' | 'email'>>;
}): Reviewer {
  const { def, subject, systemOwner, roles, index } = args;
  const exclude = args.exclude ?? [];
  const excluded = (c: Reviewer) => exclude.some((e) => c.id === e.id || (c.email !== null && e.email !== null && c.email === e.email.toLowerCase()));
  const candidates: Reviewer[] = [];
  for (const source of def.reviewers) {
    if (source === 'manager') {
      const manager = subject?.managerId ? index.get(subject.managerId) : null;
      if (manager && manager.status === 'active') candidates.push(reviewerFromIdentity(manager, 'manager'));
    } else if (source === 'systemOwner') {
      candidates.push(reviewerFromEmail(systemOwner, index, 'systemOwner'));
    } else {
      for (const email of roles.securityTeam) candidates.push(reviewerFromEmail(email, index, 'securityTeam'));
    }
  }
  for (const email of roles.securityTeam) candidates.push(reviewerFromEmail(email, index, 'securityTeam'));
  candidates.push(reviewerFromEmail(roles.fallbackReviewer, index, 'fallback'));
  const chosen = candidates.find((c) => !isSubject(c, subject) && !excluded(c));
  if (!chosen) {
    if (exclude.length > 0) throw new Error(`no reviewer other than the subject and the earlier stages' reviewers (${exclude.map((e) => e.email ?? e.id).join(', ')}) is available: add a security-team member or another fallbackReviewer`);
    // Only possible when the subject is the whole security team and the fallback reviewer.
    throw new Error(`no reviewer other than the subject (${subject?.email ?? subject?.id}) is available: add a security-team member or another fallbackReviewer`);
  }
  return chosen;
}
