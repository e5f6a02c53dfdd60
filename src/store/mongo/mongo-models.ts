import type { Connection, Model } from 'mongoose';
import { campaignSchema } from './campaign-schema.js';
import type { CampaignDoc } from './campaign-schema.js';
import { decisionSchema, stageDecisionSchema } from './decision-schema.js';
import type { DecisionDoc } from './decision-schema.js';
import { deliverySchema } from './delivery-schema.js';
import type { DeliveryDoc } from './delivery-schema.js';
import { evaluationSchema } from './evaluation-schema.js';
import type { EvaluationDoc } from './evaluation-schema.js';
import { findingSchema } from './finding-schema.js';
import type { FindingDoc } from './finding-schema.js';
import { grantChangeSchema } from './grant-change-schema.js';
import type { GrantChangeDoc } from './grant-change-schema.js';
import { grantSchema } from './grant-schema.js';
import type { GrantDoc } from './grant-schema.js';
import { identitySchema } from './identity-schema.js';
import type { IdentityDoc } from './identity-schema.js';
import { kvSchema } from './kv-schema.js';
import type { KvDoc } from './kv-schema.js';
import { ledgerEventSchema } from './ledger-event-schema.js';
import type { LedgerEventDoc } from './ledger-event-schema.js';
import { remediationSchema } from './remediation-schema.js';
import type { RemediationDoc } from './remediation-schema.js';
import { reviewItemSchema } from './review-item-schema.js';
import type { ReviewItemDoc } from './review-item-schema.js';
import { schedulerRunSchema } from './scheduler-run-schema.js';
import type { SchedulerRunDoc } from './scheduler-run-schema.js';
import { slackDirectorySchema } from './slack-directory-schema.js';
import type { SlackDirectoryDoc } from './slack-directory-schema.js';
import { slackUserSchema } from './slack-user-schema.js';
import type { SlackUserDoc } from './slack-user-schema.js';
import { snapshotSchema } from './snapshot-schema.js';
import type { SnapshotDoc } from './snapshot-schema.js';
import { systemStateSchema } from './system-state-schema.js';
import type { SystemStateDoc } from './system-state-schema.js';

/** One model per collection, bound to one connection. */
export interface MongoModels {
  snapshots: Model<SnapshotDoc>;
  systemState: Model<SystemStateDoc>;
  grants: Model<GrantDoc>;
  identities: Model<IdentityDoc>;
  grantChanges: Model<GrantChangeDoc>;
  evaluations: Model<EvaluationDoc>;
  findings: Model<FindingDoc>;
  campaigns: Model<CampaignDoc>;
  reviewItems: Model<ReviewItemDoc>;
  decisions: Model<DecisionDoc>;
  stageDecisions: Model<DecisionDoc>;
  remediations: Model<RemediationDoc>;
  deliveries: Model<DeliveryDoc>;
  schedulerRuns: Model<SchedulerRunDoc>;
  slackUsers: Model<SlackUserDoc>;
  slackDirectory: Model<SlackDirectoryDoc>;
  ledgerEvents: Model<LedgerEventDoc>;
  kv: Model<KvDoc>;
}

/** Compiles every schema on `connection` (models are per connection, never global). */
export function createModels(connection: Connection): MongoModels {
  return {
    snapshots: connection.model<SnapshotDoc>('Snapshot', snapshotSchema),
    systemState: connection.model<SystemStateDoc>('SystemState', systemStateSchema),
    grants: connection.model<GrantDoc>('Grant', grantSchema),
    identities: connection.model<IdentityDoc>('Identity', identitySchema),
    grantChanges: connection.model<GrantChangeDoc>('GrantChange', grantChangeSchema),
    evaluations: connection.model<EvaluationDoc>('Evaluation', evaluationSchema),
    findings: connection.model<FindingDoc>('Finding', findingSchema),
    campaigns: connection.model<CampaignDoc>('Campaign', campaignSchema),
    reviewItems: connection.model<ReviewItemDoc>('ReviewItem', reviewItemSchema),
    decisions: connection.model<DecisionDoc>('Decision', decisionSchema),
    stageDecisions: connection.model<DecisionDoc>('StageDecision', stageDecisionSchema),
    remediations: connection.model<RemediationDoc>('Remediation', remediationSchema),
    deliveries: connection.model<DeliveryDoc>('Delivery', deliverySchema),
    schedulerRuns: connection.model<SchedulerRunDoc>('SchedulerRun', schedulerRunSchema),
    slackUsers: connection.model<SlackUserDoc>('SlackUser', slackUserSchema),
    slackDirectory: connection.model<SlackDirectoryDoc>('SlackDirectory', slackDirectorySchema),
    ledgerEvents: connection.model<LedgerEventDoc>('LedgerEvent', ledgerEventSchema),
    kv: connection.model<KvDoc>('Kv', kvSchema),
  };
}
