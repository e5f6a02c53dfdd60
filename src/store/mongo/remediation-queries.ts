/**
 * Filters and updates of the remediation store. A move is a conditional write: its filter
 * names the states it starts from (compare-and-set), and the store runs it in a transaction
 * with its ledger events. Every caller-supplied value is checked to be a string first.
 */
import { movesInto, REMEDIATION_STATES, UNVERIFIED_STATES } from '../../domain/index.js';
import type { RemediationPatch, RemediationState } from '../../domain/index.js';
import { asString, asStrings, operator } from './filter-value.js';

/** The patch fields a move may set, and nothing else (an unknown key is refused, not written). */
const PATCH_FIELDS = [
  'requestedAt',
  'claimedAt',
  'claimedBy',
  'claimNote',
  'overdueAt',
  'verifiedAt',
  'verifiedSnapshotId',
  'verifiedSnapshotHash',
  'reappearedAt',
  'reappearedSnapshotId',
  'failure',
] as const satisfies readonly (keyof RemediationPatch)[];

function asState(value: unknown, what: string): RemediationState {
  const state = asString(value, what);
  if (!(REMEDIATION_STATES as readonly string[]).includes(state)) throw new TypeError(`${what} must be a remediation state, got "${state}"`);
  return state as RemediationState;
}

function asStates(values: readonly unknown[], what: string): RemediationState[] {
  return asStrings(values, what).map((s, n) => asState(s, `${what}[${n}]`));
}

/** A move of these remediations into `to`, only from `from`; into overdue only once (overdueAt unset). */
export function moveFilter(ids: readonly string[], from: readonly RemediationState[], to: RemediationState) {
  return {
    _id: operator({ $in: asStrings(ids, 'ids') }),
    state: operator({ $in: asStates(from, 'from') }),
    ...(asState(to, 'to') === 'overdue' ? { overdueAt: null } : {}),
  };
}

/** The fields a move sets: the new state, updatedAt and the patch's fields (null clears one). */
export function moveSet(to: RemediationState, patch: RemediationPatch & { updatedAt: string }) {
  const set: Record<string, string | null> = { state: asState(to, 'to'), updatedAt: asString(patch.updatedAt, 'updatedAt') };
  for (const field of PATCH_FIELDS) {
    const value = patch[field];
    if (value !== undefined) set[field] = value === null ? null : asString(value, field);
  }
  for (const key of Object.keys(patch)) if (key !== 'updatedAt' && !(PATCH_FIELDS as readonly string[]).includes(key)) throw new TypeError(`a remediation move cannot set ${key}`);
  return set;
}

export function listFilter(filter: { state?: RemediationState; systemId?: string }) {
  return {
    ...(filter.state === undefined ? {} : { state: asState(filter.state, 'state') }),
    ...(filter.systemId === undefined ? {} : { systemId: asString(filter.systemId, 'systemId') }),
  };
}

/** checkAgainst(): one id page of a system's remediations in `states`. */
export function checkPageFilter(systemId: string, states: readonly RemediationState[], after: string | null) {
  return {
    systemId: asString(systemId, 'systemId'),
    state: operator({ $in: asStates(states, 'states') }),
    ...(after === null ? {} : { _id: operator({ $gt: asString(after, 'after') }) }),
  };
}

/** checkAgainst(): which of a page's grant ids the snapshot holds (the unique (snapshotId, grantId) index). */
export function presentGrantsFilter(snapshotId: string, grantIds: readonly string[]) {
  return { snapshotId: asString(snapshotId, 'snapshotId'), grantId: operator({ $in: asStrings(grantIds, 'grantIds') }) };
}

/** revocationsWithout(): a page of revoke decisions after an item id (a decision's _id is its item id). */
export function revocationsPageFilter(after: string | null) {
  return { outcome: 'revoke' as const, ...(after === null ? {} : { _id: operator({ $gt: asString(after, 'after') }) }) };
}

/** pastDue(): not verified, not marked overdue yet, due at or before `at`. */
export function pastDueFilter(at: string) {
  return {
    state: operator({ $in: movesInto('overdue') }),
    overdueAt: null,
    dueAt: operator({ $lte: asString(at, 'at') }),
  };
}

/** all(): the page of remediations after an id (all of them from the first when null). */
export function allPageFilter(after: string | null) {
  return after === null ? {} : { _id: operator({ $gt: asString(after, 'after') }) };
}

/** findingsWithout(): a key page of open findings of `types` about a grant (the { resolvedAt, key } index). */
export function findingsPageFilter(types: readonly string[], after: string | null) {
  return {
    resolvedAt: null,
    grantId: operator({ $type: 'string' }),
    type: operator({ $in: asStrings(types, 'types') }),
    ...(after === null ? {} : { key: operator({ $gt: asString(after, 'after') }) }),
  };
}

/** The unverified remediations of some grants (one removal per grant at a time). */
export function awaitingGrantsFilter(grantIds: readonly string[]) {
  return { grantId: operator({ $in: asStrings(grantIds, 'grantIds') }), state: operator({ $in: [...UNVERIFIED_STATES] }) };
}

/** attachItems(): an item joins a finding's remediation that has no item yet and is still unverified. */
export function attachFilter(id: string) {
  return { _id: asString(id, 'id'), itemId: null, state: operator({ $in: [...UNVERIFIED_STATES] }) };
}
