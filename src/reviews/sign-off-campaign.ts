/**
 * Signs off a closed campaign: a security-team member (reviews/roles.yaml `securityTeam`)
 * attests it with a statement. The attestation is one kv row, `campaign-sign-off:<id>`, and
 * its `campaign.signed-off` event, committed together (`audit verify` reconciles them:
 * src/audit/sign-off-ledger.ts); the evidence report and the pack's manifest show it.
 *
 * One sign-off per campaign. Guards, in order (each refusal ledgered as `access.refused` with
 * its code): the campaign exists; it is closed; the actor is on the security team; the
 * statement is not empty; the campaign is not signed off already. Repeating the same
 * sign-off (same person, same statement) is no error and records nothing (`recorded: false`:
 * a retried command); any other second sign-off is refused (`already_signed_off`), also when
 * two race: the row is written only if absent, in the transaction that appends the event.
 */
import { EVENT } from '../audit/event-types.js';
import type { SignOff } from '../audit/campaign-sign-off.js';
import { readSignOff, signOffKey } from '../audit/campaign-sign-off.js';
import type { ReviewDeps } from './review-deps.js';

/** How adapters answer: the CLI exits 2 for `not-found` and `invalid`, 1 for the rest. */
export type SignOffErrorKind = 'not-found' | 'invalid' | 'forbidden' | 'conflict';

export const SIGN_OFF_REFUSALS = {
  campaign_not_found: 'not-found',
  /** The campaign is opening or open: only a closed campaign's outcome can be attested. */
  campaign_not_closed: 'conflict',
  /** Only the security team (reviews/roles.yaml) signs campaigns off. */
  not_security_team: 'forbidden',
  statement_required: 'invalid',
  /** Someone signed the campaign off already (another person, or another statement). */
  already_signed_off: 'conflict',
} as const satisfies Record<string, SignOffErrorKind>;
export type SignOffRefusal = keyof typeof SIGN_OFF_REFUSALS;

export class SignOffError extends Error {
  readonly kind: SignOffErrorKind;
  constructor(
    readonly refusal: SignOffRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'SignOffError';
    this.kind = SIGN_OFF_REFUSALS[refusal];
  }
}

export interface SignOffResult {
  signOff: SignOff;
  /** False when this exact sign-off was recorded before (nothing was written now). */
  recorded: boolean;
}

export async function signOffCampaign(deps: Pick<ReviewDeps, 'store' | 'audit' | 'now' | 'config'>, input: { campaignId: string; actor: string; statement: string }): Promise<SignOffResult> {
  const actor = input.actor.trim().toLowerCase();
  const statement = input.statement.trim();
  try {
    const campaign = await deps.store.campaigns.get(input.campaignId);
    if (!campaign) throw new SignOffError('campaign_not_found', `no campaign "${input.campaignId}"`);
    if (campaign.state !== 'closed') throw new SignOffError('campaign_not_closed', `campaign ${campaign.id} is ${campaign.state}: it can be signed off once it is closed (\`campaign close ${campaign.id}\`)`);
    const team = deps.config.roles.securityTeam.map((e) => e.toLowerCase());
    if (!team.includes(actor)) throw new SignOffError('not_security_team', `${actor} is not on the security team (reviews/roles.yaml securityTeam): only its members sign campaigns off`);
    if (statement === '') throw new SignOffError('statement_required', 'give the statement you attest (--statement)');
    const existing = await readSignOff(deps.store, campaign.id);
    if (existing) {
      if (existing.signedBy === actor && existing.statement === statement) return { signOff: existing, recorded: false };
      throw new SignOffError('already_signed_off', alreadySigned(existing));
    }
    const signOff: SignOff = { campaignId: campaign.id, signedBy: actor, statement, signedAt: deps.now().toISOString() };
    await deps.store.kv.setMany({ [signOffKey(campaign.id)]: JSON.stringify(signOff) }, ([change]) => {
      // Written only if absent: a concurrent sign-off that committed first aborts this transaction.
      if (change!.previous !== null) throw new SignOffError('already_signed_off', alreadySigned(JSON.parse(change!.previous) as SignOff));
      return [deps.audit.event(EVENT.campaignSignedOff, actor, campaign.id, { ...signOff })];
    });
    return { signOff, recorded: true };
  } catch (err) {
    if (err instanceof SignOffError) {
      await deps.audit.record(EVENT.refusal, actor, input.campaignId, { action: 'campaign:sign-off', code: err.refusal, reason: err.message, statement });
    }
    throw err;
  }
}

function alreadySigned(s: SignOff): string {
  return `campaign ${s.campaignId} was signed off already by ${s.signedBy} at ${s.signedAt} ("${s.statement}"): a campaign has one sign-off`;
}
