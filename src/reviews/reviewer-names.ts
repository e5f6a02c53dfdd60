/**
 * Reviewers as people read them: "Name <email>" instead of an identity id. A reviewer id is an
 * identity id when the directory knows the person, else their email (a fallback reviewer not
 * in the directory): then it is shown as it is.
 */
import type { Store } from '../store/ports.js';

export interface ReviewerName {
  id: string;
  name: string | null;
  email: string | null;
}

/** The directory's name and email of each reviewer id (one lookup per distinct id). */
export async function reviewerNames(store: Store, ids: Iterable<string>): Promise<Map<string, ReviewerName>> {
  const out = new Map<string, ReviewerName>();
  for (const id of ids) {
    if (out.has(id)) continue;
    const identity = await store.identities.get(id);
    out.set(id, identity ? { id, name: identity.displayName || null, email: identity.email } : { id, name: null, email: id.includes('@') ? id : null });
  }
  return out;
}

/** "Name <email>", else the email, else the id. */
export function reviewerLabel(r: ReviewerName | undefined, id: string): string {
  if (!r) return id;
  if (r.name && r.email) return `${r.name} <${r.email}>`;
  return r.email ?? r.name ?? id;
}

/** A reviewer given as an email (`--reviewer boss@firm.example`) or an id: the reviewer id items carry. */
export async function reviewerIdOf(store: Store, given: string): Promise<string> {
  if (!given.includes('@')) return given;
  const email = given.trim().toLowerCase();
  return (await store.identities.findByEmail(email))?.id ?? email;
}
