import type { AccountStatus, AccountType, Grant } from '../../domain/index.js';
import { parseGrantDetail } from '../../domain/index.js';
import type { FieldCursor } from './page-text.js';

/**
 * A Grant from a row's fields after its id, in GRANT_FIELDS order (account, role, scope, ...,
 * detail), as the snapshot store's toGrant builds it: the caller has started the row and read
 * the id. `detail` is absent, not null, when there is none (as connectors report it).
 */
export function grantOfFields(id: string, f: FieldCursor, systemId: string): Grant {
  const g: Grant = {
    id,
    systemId,
    accountId: f.next()!,
    role: f.next()!,
    scope: f.next()!,
    identityId: f.next(),
    identityRef: f.next(),
    accountDisplayName: f.next(),
    accountType: f.next() as AccountType,
    accountStatus: f.next() as AccountStatus,
    lastActivityAt: f.next(),
    firstSeenAt: f.next(),
  };
  const detail = f.next();
  if (detail !== null) g.detail = parseGrantDetail(detail);
  return g;
}
