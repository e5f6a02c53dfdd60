import type { Identity } from '../../domain/index.js';
import { DAY_MS } from '../instant.js';

/** When an identity's contract ends: the end of its `contract_end` day (UTC), or null without one. */
export function contractEndMs(identity: Identity): number | null {
  return identity.contractEnd ? Date.parse(`${identity.contractEnd}T00:00:00.000Z`) + DAY_MS : null;
}
