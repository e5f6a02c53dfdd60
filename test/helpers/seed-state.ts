/**
 * Writes a system's current state straight through the store ports (a complete, promoted
 * snapshot), for tests of the stages after sync.
 */
import type { Grant, Identity } from '../../src/domain/index.js';
import { EMPTY_COUNTS, grantId } from '../../src/domain/index.js';
import type { Store } from '../../src/store/ports.js';

let n = 0;

export async function seedIdentities(store: Store, systemId: string, identities: Identity[]): Promise<string> {
  const id = `${systemId}@seed-${++n}`;
  await store.snapshots.create({ id, systemId, status: 'running', startedAt: '2026-11-01T00:00:00.000Z', finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
  await store.snapshots.appendIdentities(id, identities);
  await store.snapshots.finish(id, { status: 'complete', finishedAt: '2026-11-01T00:00:01.000Z', durationMs: 1000, counts: { ...EMPTY_COUNTS, identities: identities.length }, problems: [], contentHash: null, previousSnapshotId: null }, () => []);
  await store.snapshots.promote(id, null, () => []);
  return id;
}

export async function seedGrants(store: Store, systemId: string, grants: Grant[]): Promise<string> {
  const id = `${systemId}@seed-${++n}`;
  await store.snapshots.create({ id, systemId, status: 'running', startedAt: '2026-11-01T00:00:00.000Z', finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
  await store.snapshots.appendGrants(id, grants);
  await store.snapshots.finish(id, { status: 'complete', finishedAt: '2026-11-01T00:00:01.000Z', durationMs: 1000, counts: { ...EMPTY_COUNTS, grants: grants.length }, problems: [], contentHash: null, previousSnapshotId: null }, () => []);
  await store.snapshots.promote(id, null, () => []);
  return id;
}

export function identity(id: string, over: Partial<Identity> = {}): Identity {
  return {
    id, email: `${id}@example.com`, displayName: id, department: 'Treasury', jobTitle: 'Analyst', managerId: null,
    groups: [], aliases: [], status: 'active', employmentType: 'employee', contractEnd: null, lastSignInAt: null, sourceSystemId: 'hr', ...over,
  };
}

export function grant(systemId: string, accountId: string, role: string, identityId: string | null, over: Partial<Grant> = {}): Grant {
  return {
    id: grantId(systemId, accountId, role, over.scope ?? ''), systemId, accountId, role, scope: '', identityId, identityRef: identityId ? `${identityId}@example.com` : null,
    accountDisplayName: accountId, accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-11-01T00:00:00.000Z', firstSeenAt: '2026-10-01T00:00:00.000Z', ...over,
  };
}
