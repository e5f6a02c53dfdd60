/** Registers every listener (one file each, after slack-samples/bolt-ts-starter-template). */
import type { App } from '@slack/bolt';
import type { SlackReviewServices } from '../review-services.js';
import { registerApproveAction } from './actions/approve-action.js';
import { registerApproveAllAction } from './actions/approve-all-action.js';
import { registerDetailsAction } from './actions/details-action.js';
import { registerMarkRemovedAction } from './actions/mark-removed-action.js';
import { registerMoreAction } from './actions/more-action.js';
import { registerRevokeAction } from './actions/revoke-action.js';
import { registerUnknownAction } from './actions/unknown-action.js';
import { registerAccessReviewCommand } from './commands/access-review-command.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { teamGuard } from './team-guard.js';
import { registerDelegateView } from './views/delegate-view.js';
import { registerJustificationView } from './views/justification-view.js';

export function registerListeners(app: App, services: SlackReviewServices, workspaceTeamId: string): void {
  app.use(teamGuard(services.deps, workspaceTeamId));
  registerApproveAction(app, services);
  registerRevokeAction(app, services);
  registerMoreAction(app, services);
  registerDetailsAction(app, services);
  registerApproveAllAction(app, services);
  registerMarkRemovedAction(app, services);
  registerUnknownAction(app);
  registerJustificationView(app, services);
  registerDelegateView(app, services);
  registerAccessReviewCommand(app, services);
  registerAppHomeOpened(app, services);
}
