/**
 * Ledger event types. Every state change of the product is one of these (DORA RTS Art. 12:
 * access-control events logged; the chain makes tampering and deletion evident).
 */
export const EVENT = {
  configLoaded: 'config.loaded',
  syncCompleted: 'sync.completed',
  syncPartial: 'sync.partial',
  syncFailed: 'sync.failed',
  syncQuarantined: 'sync.quarantined',
  syncAccepted: 'sync.quarantine-accepted',
  findingOpened: 'finding.opened',
  findingResolved: 'finding.resolved',
  campaignOpened: 'campaign.opened',
  campaignClosed: 'campaign.closed',
  /**
   * A security-team member attests a closed campaign (data: campaignId, signedBy, statement,
   * signedAt); one per campaign, kept in the kv row `campaign-sign-off:<id>` (sign-off-ledger.ts).
   */
  campaignSignedOff: 'campaign.signed-off',
  itemAssigned: 'item.assigned',
  itemReassigned: 'item.reassigned',
  /**
   * Multi-stage reviews: a decision passed the item on to a later stage (data: campaignId, stage,
   * stageName, fromStage, outcome, reviewerId, reviewerSource, dueAt), right after
   * that decision's decision.recorded (state 'pending'), in its transaction.
   */
  itemAdvanced: 'item.advanced',
  itemExpired: 'item.expired',
  messageSent: 'message.sent',
  messageUpdated: 'message.updated',
  /** A message could not be delivered (no Slack account, Slack refused); the delivery stays retryable. */
  messageFailed: 'message.failed',
  decisionRecorded: 'decision.recorded',
  refusal: 'access.refused',
  reminderSent: 'reminder.sent',
  escalationSent: 'escalation.sent',
  exportPerformed: 'export.performed',
  /** A revoked grant is to be removed (one remediation per revoked item, or per raising of a finding named in remediation.findings). */
  remediationOpened: 'remediation.opened',
  remediationRequested: 'remediation.requested',
  /** Someone says the grant is removed; only a snapshot verifies it. */
  remediationClaimed: 'remediation.claimed',
  /** A complete, applied snapshot shows the grant gone (data: snapshotId, snapshotHash). */
  remediationVerified: 'remediation.verified',
  remediationOverdue: 'remediation.overdue',
  remediationFailed: 'remediation.failed',
  /** A grant verified removed is back in a later snapshot. */
  remediationReappeared: 'remediation.reappeared',
  /**
   * A revoke decision on a grant whose removal a finding already opened: the decision's item
   * joins that remediation (data: itemId, campaignId, decidedBy) instead of a second removal.
   */
  remediationItemAttached: 'remediation.item-attached',
} as const;
export type EventType = (typeof EVENT)[keyof typeof EVENT];
