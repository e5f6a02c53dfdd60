/** The Slack side's services, built once per process over one paced WebClient. */
import { CoverageEscalations } from './coverage-escalations.js';
import { EvidenceUpload } from './evidence-upload.js';
import { HomeService } from './home-service.js';
import { ReminderService } from './reminder-service.js';
import { RemovalEscalations } from './removal-escalations.js';
import { RemovalInteractions } from './removal-interactions.js';
import { RemovalReminders } from './removal-reminders.js';
import { ReviewCommands } from './review-commands.js';
import { ReviewDelivery } from './review-delivery.js';
import { ReviewInteractions } from './review-interactions.js';
import { SlackEventLog } from './slack-event-log.js';
import { StageDelivery } from './stage-delivery.js';
import { SlackRemovalRequester } from './slack-removal-requester.js';
import type { SlackServiceDeps } from './slack-services.js';
import { ReviewQualityNotice } from './review-quality-notice.js';

export interface SlackReviewServices {
  deps: SlackServiceDeps;
  delivery: ReviewDelivery;
  /** Multi-stage reviews: items passed on to a later stage go to that stage's reviewer (and serve's catch-up). */
  stages: StageDelivery;
  home: HomeService;
  interactions: ReviewInteractions;
  reminders: ReminderService;
  commands: ReviewCommands;
  events: SlackEventLog;
  /** The `manual` remediation mode: removal requests to system owners (registered by the composition root). */
  removals: SlackRemovalRequester;
  /** "Mark removed" clicks. */
  removalInteractions: RemovalInteractions;
  /** The daily escalation of overdue removals. */
  removalEscalations: RemovalEscalations;
  /** The owners' reminder of removals not done before their due time. */
  removalReminders: RemovalReminders;
  /** The daily escalation of systems whose access review is overdue (DORA cadence). */
  coverageEscalations: CoverageEscalations;
  /** The security team's DM of reviewers flagged by rubber-stamp detection, when a campaign closes. */
  reviewQuality: ReviewQualityNotice;
}

export function createSlackReviewServices(deps: SlackServiceDeps): SlackReviewServices {
  const delivery = new ReviewDelivery(deps);
  const home = new HomeService(deps);
  const reminders = new ReminderService(deps);
  const stages = new StageDelivery(deps, delivery);
  const interactions = new ReviewInteractions(deps, delivery, home, stages);
  return {
    deps,
    delivery,
    stages,
    home,
    interactions,
    reminders,
    commands: new ReviewCommands(deps, delivery, reminders, new EvidenceUpload(deps)),
    events: new SlackEventLog(deps),
    removals: new SlackRemovalRequester(deps),
    removalInteractions: new RemovalInteractions(deps, interactions, home),
    removalEscalations: new RemovalEscalations(deps),
    removalReminders: new RemovalReminders(deps),
    coverageEscalations: new CoverageEscalations(deps),
    reviewQuality: new ReviewQualityNotice(deps),
  };
}
