import { asString } from './filter-value.js';
import { inSnapshots } from './snapshot-queries.js';

/**
 * Current identities: those of the current snapshots (`snapshotIds`), optionally one id or
 * one email (compared lower-cased, like the stored emailKey).
 */
export function currentIdentitiesFilter(snapshotIds: readonly string[], match: { id?: string; email?: string } = {}) {
  return {
    ...inSnapshots(snapshotIds),
    ...(match.id === undefined ? {} : { identityId: asString(match.id, 'id') }),
    ...(match.email === undefined ? {} : { emailKey: asString(match.email, 'email').trim().toLowerCase() }),
  };
}

/** Where two directories know the same identity, the first system (by id) answers: deterministic. */
export const FIRST_SYSTEM_FIRST = { systemId: 1, identityId: 1 } as const;
