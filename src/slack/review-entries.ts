/**
 * Review items as the block builders show them: with the subject's name and email and, once
 * decided, who decided what, when and why.
 */
import type { ReviewDefinition } from '../config/review-config.js';
import type { ReviewItem } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { JustificationRule, ReviewEntry } from './blocks/index.js';
import type { People } from './people.js';
import { nameOf } from './people.js';

export async function reviewEntries(store: Store, people: People, items: readonly ReviewItem[]): Promise<ReviewEntry[]> {
  return Promise.all(
    items.map(async (item): Promise<ReviewEntry> => {
      const subject = item.identityId ? await people.resolve(item.identityId) : null;
      const subjectView = item.identityId ? { name: subject?.displayName ?? item.identityId, email: subject?.email ?? null } : null;
      if (item.state !== 'approved' && item.state !== 'revoked') return { item, subject: subjectView, decision: null };
      const d = await store.campaigns.decision(item.id);
      const decision = d
        ? { outcome: d.outcome, decidedAt: d.decidedAt, deciderName: await nameOf(people, d.reviewerEmail ?? d.reviewerId), justification: d.justification }
        : null;
      return { item, subject: subjectView, decision };
    }),
  );
}

/** Which buttons open the justification modal, from the definition's `requireJustification`. */
export function justificationRule(def: Pick<ReviewDefinition, 'requireJustification'>): JustificationRule {
  const rules = def.requireJustification;
  return { revoke: rules.includes('revoke'), approveWithFindings: rules.includes('approve-with-findings') || rules.includes('approve') };
}
