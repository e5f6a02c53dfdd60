/**
 * Looks people up by identity id or email for display (names on messages) and routing (whom to
 * DM): from an index loaded once when a whole campaign is rendered, or from the store, memoised,
 * when one reviewer's message is re-rendered after a click.
 */
import { IdentityIndex } from '../domain/index.js';
import type { Identity } from '../domain/index.js';
import type { Store } from '../store/ports.js';

export interface People {
  /** By identity id, email or alias; null when the directory does not know the person. */
  resolve(key: string | null | undefined): Promise<Identity | null>;
}

export function indexPeople(index: IdentityIndex): People {
  return { resolve: async (key) => index.resolve(key) };
}

export async function loadPeople(store: Store): Promise<People> {
  return indexPeople(new IdentityIndex(await store.identities.current()));
}

export function storePeople(store: Store): People {
  const memo = new Map<string, Promise<Identity | null>>();
  return {
    resolve(key) {
      if (!key) return Promise.resolve(null);
      const k = key.trim().toLowerCase();
      let hit = memo.get(k);
      if (!hit) {
        hit = (async () => (await store.identities.get(key)) ?? (k.includes('@') ? store.identities.findByEmail(k) : null))();
        memo.set(k, hit);
      }
      return hit;
    },
  };
}

/** A reviewer id (identity id, or an email for people outside the directory) as an email. */
export async function emailOf(people: People, reviewerId: string): Promise<string | null> {
  const identity = await people.resolve(reviewerId);
  if (identity?.email) return identity.email;
  return reviewerId.includes('@') ? reviewerId.toLowerCase() : null;
}

export async function nameOf(people: People, key: string): Promise<string> {
  return (await people.resolve(key))?.displayName ?? key;
}
