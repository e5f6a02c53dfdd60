/**
 * Where the Slack side of remediation keeps its messages in the delivery store. A removal
 * request is one delivery per remediation (`remediation:<system>|<owner>|notice|<remediationId>`),
 * claimed before its DM is sent; one DM page stands for the deliveries of the removals it lists
 * (recorded together, each with its event, as reminders are). A removal's reminder is one
 * delivery per remediation (`remediation:<system>|<owner>|reminder|<remediationId>`), one DM
 * standing for the removals it lists. An overdue escalation is one delivery per system, audience
 * and day (`remediation:<system>|<recipient>|escalation|overdue-<day>`).
 */
import type { Delivery } from '../store/ports.js';
import { deliveryId } from './review-delivery.js';
import type { SlackDirectory } from './slack-directory.js';
import { slackErrorCode } from './slack-gateway.js';

/** The directory is refreshed when older than this before an owner is looked up. */
const DIRECTORY_MAX_AGE_MS = 86_400_000;

/**
 * A system owner's Slack user id (null: no active Slack account), or why Slack could not say;
 * `owner` is the email as looked up.
 */
export async function systemOwnerInSlack(directory: SlackDirectory, ownerEmail: string): Promise<{ owner: string; slackId: string | null; error?: undefined } | { owner: string; error: string }> {
  const owner = ownerEmail.trim().toLowerCase();
  try {
    await directory.refreshIfOlderThan(DIRECTORY_MAX_AGE_MS);
    return { owner, slackId: await directory.userIdForEmail(owner) };
  } catch (err) {
    return { owner, error: `could not look up the owner ${owner} in Slack: ${slackErrorCode(err)}` };
  }
}

/** The delivery "campaign" of a system's removal messages (campaign ids are `<review>:<period>`). */
export function removalThread(systemId: string): string {
  return `remediation:${systemId}`;
}

/** The remediation ids a sent removal page lists. */
export function remediationIdsOf(d: Delivery): string[] {
  const ids = d.payload.remediationIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

/** A claimed delivery row (not yet sent). */
export function claimedRow(systemId: string, recipient: string, kind: Delivery['kind'], key: string, at: string, payload: Record<string, unknown>): Delivery {
  const campaignId = removalThread(systemId);
  return { id: deliveryId(campaignId, recipient, kind, key), campaignId, recipient, kind, key, state: 'claimed', channel: null, ts: null, attempts: 0, error: null, updatedAt: at, payload };
}
