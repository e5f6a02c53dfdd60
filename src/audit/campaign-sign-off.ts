/**
 * A campaign's sign-off as stored: the kv row `campaign-sign-off:<id>` (JSON), written with its
 * `campaign.signed-off` event by src/reviews/sign-off-campaign.ts, reconciled by
 * sign-off-ledger.ts, shown in report.html and the pack's manifest.
 */
import type { Store } from '../store/ports.js';

export interface SignOff {
  campaignId: string;
  /** The signer's email, lower case. */
  signedBy: string;
  statement: string;
  signedAt: string;
}

export function signOffKey(campaignId: string): string {
  return `campaign-sign-off:${campaignId}`;
}

/** The stored sign-off of a campaign, or null. */
export async function readSignOff(store: Pick<Store, 'kv'>, campaignId: string): Promise<SignOff | null> {
  const text = await store.kv.get(signOffKey(campaignId));
  return text === null ? null : (JSON.parse(text) as SignOff);
}
