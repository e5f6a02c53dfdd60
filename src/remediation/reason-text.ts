import type { Remediation } from '../domain/index.js';
import { findingTypeOfRef, parseFindingRef } from '../domain/index.js';

/** What a finding type that removes access itself (remediation.findings) says of the owner. */
const FINDING_WHY: Readonly<Record<string, string>> = {
  'leaver-access': 'leaver: its owner has left (disabled or terminated in the identity source)',
  'contract-ended': "contract ended: its owner's contract has ended",
};

/**
 * Why a grant is to be removed, in words for a ticket or a message: the review item that
 * revoked it, or the finding (a leaver, an ended contract) and when it was first raised. A
 * finding's remediation has no review item (itemId null): the finding is its reason.
 */
export function reasonText(r: Pick<Remediation, 'reason'>): string {
  if (r.reason.kind === 'decision') return `revoked in review item ${r.reason.ref}`;
  const { key, firstSeenAt } = parseFindingRef(r.reason.ref);
  const type = findingTypeOfRef(key);
  return `${FINDING_WHY[type] ?? `policy finding ${type}`} (finding ${key}, first raised ${firstSeenAt})`;
}
