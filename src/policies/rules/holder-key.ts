import type { Grant } from '../../domain/index.js';
import type { Owner } from './finding-rule.js';

/**
 * Who holds a grant, for rules counting holders: its owner identity (so holdings add up
 * across accounts and systems), or, for an unowned account, that account.
 */
export function holderKey(g: Grant, owner: Owner | null): string {
  return owner ? owner.identity.id : `\u0000${g.systemId}\u0000${g.accountId}`;
}
