/**
 * Requests Slack sends to an app, for tests that drive the real Bolt HTTP receiver: request
 * signing, interaction payloads (`block_actions`, `view_submission`), slash commands and Events
 * API callbacks, with the fields Slack sends. Interactivity arrives form-encoded as
 * `payload=<json>`; slash commands as form fields; events as JSON.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface SignedHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

/** `v0=hex(HMAC-SHA256(secret, 'v0:' + timestamp + ':' + body))`, as Slack signs every request. */
export function signSlackRequest(signingSecret: string, body: string, timestamp: number = Math.floor(Date.now() / 1000)): SignedHeaders {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${signature}`, 'X-Slack-Request-Timestamp': String(timestamp) };
}

export interface SlackRequestBody {
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
}

export interface SlackTeam {
  id: string;
  domain: string;
}

export interface SlackActor {
  id: string;
  /** The user's handle; defaults to the id lower-cased. */
  username?: string;
  /** Defaults to the workspace's team id. */
  teamId?: string;
}

const DEFAULT_TEAM: SlackTeam = { id: 'T0FAKE001', domain: 'fake-firm' };
const DEFAULT_APP_ID = 'A0APP0001';
let triggerCounter = 0;

/**
 * A trigger id like Slack's (`<digits>.<digits>.<hex>`), carrying the user id in its middle part
 * so the fake can tell whose modal views.open opens.
 */
export function triggerIdFor(userId: string): string {
  triggerCounter += 1;
  return `${Date.now()}${String(triggerCounter).padStart(4, '0')}.${userId}.${randomBytes(12).toString('hex')}`;
}

function actionTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

function userJson(user: SlackActor, team: SlackTeam): Record<string, unknown> {
  const username = user.username ?? user.id.toLowerCase();
  return { id: user.id, username, name: username, team_id: user.teamId ?? team.id };
}

/** `payload=<json>`, form-encoded, as Slack posts interactions. */
export function interactivityBody(payload: unknown): SlackRequestBody {
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: 'application/x-www-form-urlencoded' };
}

export type ClickedAction =
  | { type: 'button'; actionId: string; blockId: string; value: string; text?: string; style?: 'primary' | 'danger' }
  | { type: 'overflow'; actionId: string; blockId: string; selectedValue: string; selectedText?: string };

export interface BlockActionsInput {
  user: SlackActor;
  action: ClickedAction;
  team?: SlackTeam;
  apiAppId?: string;
  triggerId?: string;
  /** Where the click happened: a message (channel + ts, with its blocks) or a view (the App Home). */
  container:
    | { type: 'message'; channelId: string; messageTs: string; blocks?: unknown[]; text?: string; botUserId?: string }
    | { type: 'view'; viewId: string; viewType?: 'home' | 'modal'; blocks?: unknown[] };
}

/** A `block_actions` payload: a click on a button or an overflow option. */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  const team = input.team ?? DEFAULT_TEAM;
  const a = input.action;
  const action =
    a.type === 'button'
      ? { type: 'button', action_id: a.actionId, block_id: a.blockId, value: a.value, text: { type: 'plain_text', text: a.text ?? 'Button', emoji: true }, ...(a.style ? { style: a.style } : {}), action_ts: actionTs() }
      : { type: 'overflow', action_id: a.actionId, block_id: a.blockId, selected_option: { text: { type: 'plain_text', text: a.selectedText ?? 'Option', emoji: true }, value: a.selectedValue }, action_ts: actionTs() };
  const c = input.container;
  const where =
    c.type === 'message'
      ? {
          container: { type: 'message', message_ts: c.messageTs, channel_id: c.channelId, is_ephemeral: false },
          channel: { id: c.channelId, name: c.channelId.startsWith('D') ? 'directmessage' : 'channel' },
          message: { type: 'message', subtype: 'bot_message', text: c.text ?? '', ts: c.messageTs, user: c.botUserId ?? 'U0BOT0001', bot_id: 'B0BOT0001', app_id: input.apiAppId ?? DEFAULT_APP_ID, blocks: c.blocks ?? [] },
          response_url: `https://hooks.slack.com/actions/${team.id}/1/${randomBytes(8).toString('hex')}`,
        }
      : {
          container: { type: 'view', view_id: c.viewId },
          view: { id: c.viewId, team_id: team.id, type: c.viewType ?? 'home', blocks: c.blocks ?? [], private_metadata: '', callback_id: '', state: { values: {} }, hash: '1700000000.abcdef', app_id: input.apiAppId ?? DEFAULT_APP_ID },
        };
  return {
    type: 'block_actions',
    user: userJson(input.user, team),
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    token: 'legacy-verification-token',
    trigger_id: input.triggerId ?? triggerIdFor(input.user.id),
    team: { id: team.id, domain: team.domain },
    enterprise: null,
    is_enterprise_install: false,
    state: { values: {} },
    actions: [action],
    ...where,
  };
}

export interface ViewSubmissionInput {
  user: SlackActor;
  callbackId: string;
  privateMetadata: string;
  /** `view.state.values`: `{ [blockId]: { [actionId]: { type, value | selected_user ... } } }`. */
  values: Record<string, Record<string, Record<string, unknown>>>;
  team?: SlackTeam;
  apiAppId?: string;
  viewId?: string;
  blocks?: unknown[];
  title?: string;
}

/** A `view_submission` payload: a modal's submit button. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const team = input.team ?? DEFAULT_TEAM;
  const viewId = input.viewId ?? `V0${randomBytes(4).toString('hex').toUpperCase()}`;
  return {
    type: 'view_submission',
    team: { id: team.id, domain: team.domain },
    user: userJson(input.user, team),
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    token: 'legacy-verification-token',
    trigger_id: triggerIdFor(input.user.id),
    view: {
      id: viewId,
      team_id: team.id,
      type: 'modal',
      blocks: input.blocks ?? [],
      private_metadata: input.privateMetadata,
      callback_id: input.callbackId,
      state: { values: input.values },
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: input.title ?? 'Modal', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: input.apiAppId ?? DEFAULT_APP_ID,
      external_id: '',
      app_installed_team_id: team.id,
      bot_id: 'B0BOT0001',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A plain_text_input value for `ViewSubmissionInput.values`. */
export function textInputValue(value: string | null): Record<string, unknown> {
  return { type: 'plain_text_input', value };
}

/** A users_select value for `ViewSubmissionInput.values`. */
export function usersSelectValue(userId: string | null): Record<string, unknown> {
  return { type: 'users_select', selected_user: userId };
}

export interface SlashCommandInput {
  user: SlackActor;
  command: string;
  text: string;
  channelId?: string;
  team?: SlackTeam;
  apiAppId?: string;
}

/** A slash command: form fields, not a JSON payload. */
export function slashCommandBody(input: SlashCommandInput): SlackRequestBody {
  const team = input.team ?? DEFAULT_TEAM;
  const channelId = input.channelId ?? 'D0CMD0001';
  const fields = {
    token: 'legacy-verification-token',
    team_id: input.user.teamId ?? team.id,
    team_domain: team.domain,
    channel_id: channelId,
    channel_name: channelId.startsWith('D') ? 'directmessage' : 'channel',
    user_id: input.user.id,
    user_name: input.user.username ?? input.user.id.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${team.id}/1/${randomBytes(8).toString('hex')}`,
    trigger_id: triggerIdFor(input.user.id),
  };
  return { body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' };
}

export interface EventCallbackInput {
  event: Record<string, unknown>;
  eventId?: string;
  team?: SlackTeam;
  apiAppId?: string;
}

/** An Events API `event_callback` (JSON). Retries carry the same event_id. */
export function eventCallbackBody(input: EventCallbackInput): SlackRequestBody {
  const team = input.team ?? DEFAULT_TEAM;
  const body = {
    token: 'legacy-verification-token',
    team_id: team.id,
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    event: input.event,
    type: 'event_callback',
    event_id: input.eventId ?? `Ev0${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: team.id, user_id: 'U0BOT0001', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/** The `app_home_opened` event for the Home tab. */
export function appHomeOpenedEvent(userId: string): Record<string, unknown> {
  return { type: 'app_home_opened', user: userId, channel: 'D0HOME0001', tab: 'home', event_ts: actionTs() };
}

export interface PostToSlackAppOptions {
  signingSecret: string;
  /** Unix seconds used in the signature (default now): pass an old one to test staleness. */
  timestamp?: number;
  /** Replaces the computed signature (to test a wrong one). */
  signature?: string;
  /** Extra headers, e.g. `x-slack-retry-num`. Set a header to null to omit it. */
  headers?: Record<string, string | null>;
}

export interface SlackAppResponse {
  status: number;
  text: string;
  /** The parsed JSON body when there is one (e.g. `response_action: errors`). */
  json: unknown;
}

/** Posts a signed request to a Bolt HTTP receiver (e.g. `http://127.0.0.1:<port>/slack/events`). */
export async function postToSlackApp(url: string, request: SlackRequestBody, options: PostToSlackAppOptions): Promise<SlackAppResponse> {
  const signed = signSlackRequest(options.signingSecret, request.body, options.timestamp);
  const headers: Record<string, string> = {
    'content-type': request.contentType,
    'x-slack-signature': options.signature ?? signed['X-Slack-Signature'],
    'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  const res = await fetch(url, { method: 'POST', headers, body: request.body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}
