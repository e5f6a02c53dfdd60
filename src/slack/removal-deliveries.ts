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
