/**
 * Global middleware: a request that names another workspace than the one the bot token belongs
 * to (`auth.test` team_id, read at start) is acknowledged, ledgered as a refusal and not
 * processed. Its signature was valid, so it came through Slack: an app shared with or installed
 * in another workspace must not decide this firm's reviews.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { EVENT } from '../../audit/event-types.js';
import type { SlackServiceDeps } from '../slack-services.js';

/** Every team id a request body names (`team.id`, `team_id`, `user.team_id`, `view.team_id`). */
export function teamIdsOf(body: unknown): string[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const pick = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
  return [pick(b.team, 'id'), b.team_id, pick(b.user, 'team_id'), pick(b.view, 'team_id')].filter((t): t is string => typeof t === 'string' && t !== '');
}

function userIdOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  const user = b.user as { id?: unknown } | string | undefined;
  const id = typeof user === 'string' ? user : user?.id ?? b.user_id ?? (b.event as { user?: unknown } | undefined)?.user;
  return typeof id === 'string' ? id : 'unknown';
}

export function teamGuard(s: SlackServiceDeps, workspaceTeamId: string): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const foreign = teamIdsOf(args.body).find((t) => t !== workspaceTeamId);
    if (!foreign) return args.next();
    const ack = 'ack' in args ? (args.ack as ((r?: unknown) => Promise<void>) | undefined) : undefined;
    if (ack) await ack(args.body && typeof args.body === 'object' && 'command' in args.body ? 'This app does not serve your workspace.' : undefined);
    const userId = userIdOf(args.body);
    const deps = s.review();
    await deps.audit.record(EVENT.refusal, `slack:${userId}@${foreign}`, 'slack-request', { action: 'slack-request', code: 'foreign_workspace', reason: `request from team ${foreign}, not this workspace (${workspaceTeamId})`, slackId: userId, teamId: foreign, channel: 'slack' });
    s.log.warn({ teamId: foreign, userId }, 'refused a Slack request from another workspace');
  };
}
