/**
 * Someone says a grant is removed ("Mark removed", `remediation claim`). A claim is attributed
 * and ledgered but never verifies: only a later snapshot does. Guards, in order (each refusal
 * ledgered as `access.refused` with its code): the remediation exists; the actor is the
 * system's owner (connectors/<system>.yaml) or on the security team (reviews/roles.yaml); its
 * state can be claimed (not verified, reappeared or claimed already). The move is a
 * compare-and-set: of two concurrent claims one is recorded, the other refused.
 */
import { EVENT } from '../audit/event-types.js';
import type { Remediation } from '../domain/index.js';
import { canMove, movesInto } from '../domain/index.js';
import { claimedEvent } from './remediation-events.js';
import type { RemediationDeps } from './remediation-deps.js';
import { RemediationError } from './remediation-error.js';

export interface ClaimInput {
  id: string;
  /** The claimer's email. */
  actor: string;
  note?: string | null;
  /** Who entered the claim on the claimer's behalf (the CLI operator); absent in Slack, where the claimer clicked. */
  operator?: string | null;
}

export async function claimRemediation(deps: RemediationDeps, input: ClaimInput): Promise<Remediation> {
  const actor = input.actor.trim().toLowerCase();
  try {
    const found = await deps.store.remediations.get(input.id);
    if (!found) throw new RemediationError('remediation_not_found', `no remediation ${input.id}`);
    const owner = deps.config.systems.find((s) => s.id === found.systemId)?.owner.toLowerCase() ?? null;
    const security = deps.config.roles.securityTeam.map((e) => e.toLowerCase());
    if (actor !== owner && !security.includes(actor)) {
      throw new RemediationError('not_owner', `${actor} may not claim the removal of ${found.systemId} access: only its owner${owner ? ` (${owner})` : ''} or the security team may`);
    }
    if (!canMove(found.state, 'claimed')) throw new RemediationError('not_claimable', notClaimable(found));
    const at = deps.now().toISOString();
    const patch = { claimedAt: at, claimedBy: actor, claimNote: input.note?.trim() || null, updatedAt: at };
    // The store hands over the remediation as this call moved it (only when it did).
    const done: { claimed?: Remediation } = {};
    const moved = await deps.store.remediations.transition(found.id, movesInto('claimed'), 'claimed', patch, (m) => ((done.claimed = m.remediation), [claimedEvent(deps.audit, actor, m, input.operator ?? null)]));
    if (!moved || !done.claimed) {
      // Moved by someone else between the read and the write (a concurrent claim, a verification).
      const now = await deps.store.remediations.get(found.id);
      throw new RemediationError('not_claimable', notClaimable(now ?? found));
    }
    return done.claimed;
  } catch (err) {
    if (err instanceof RemediationError) {
      await deps.audit.record(EVENT.refusal, actor, input.id, { action: 'remediation:claim', code: err.refusal, reason: err.message, note: input.note ?? null });
    }
    throw err;
  }
}

function notClaimable(r: Remediation): string {
  if (r.state === 'claimed') return `${r.id} was already claimed by ${r.claimedBy} at ${r.claimedAt}`;
  if (r.state === 'verified') return `${r.id} is verified already (snapshot ${r.verifiedSnapshotId})`;
  return `${r.id} is ${r.state}: there is nothing to claim`;
}
