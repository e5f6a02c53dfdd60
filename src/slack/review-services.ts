/** The Slack side's services, built once per process over one paced WebClient. */
import { EvidenceUpload } from './evidence-upload.js';
import { HomeService } from './home-service.js';
import { ReminderService } from './reminder-service.js';
import { ReviewCommands } from './review-commands.js';
import { ReviewDelivery } from './review-delivery.js';
import { ReviewInteractions } from './review-interactions.js';
import { SlackEventLog } from './slack-event-log.js';
import type { SlackServiceDeps } from './slack-services.js';

export interface SlackReviewServices {
  deps: SlackServiceDeps;
  delivery: ReviewDelivery;
  home: HomeService;
  interactions: ReviewInteractions;
  reminders: ReminderService;
  commands: ReviewCommands;
  events: SlackEventLog;
}

export function createSlackReviewServices(deps: SlackServiceDeps): SlackReviewServices {
  const delivery = new ReviewDelivery(deps);
  const home = new HomeService(deps);
  const reminders = new ReminderService(deps);
  return {
    deps,
    delivery,
    home,
    interactions: new ReviewInteractions(deps, delivery, home),
    reminders,
    commands: new ReviewCommands(deps, delivery, reminders, new EvidenceUpload(deps)),
    events: new SlackEventLog(deps),
  };
}
