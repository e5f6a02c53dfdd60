/**
 * A fake of the far side of the Slack integration: the Slack Web API on a local node:http server,
 * driven by the real @slack/web-api WebClient (and Bolt's client) through
 * `slackApiUrl: fake.apiUrl` (`http://127.0.0.1:<port>/api/`; WebClient appends a missing trailing
 * slash and then the method name). It behaves like the documented API where the product depends on it:
 *
 * - Bodies: `application/x-www-form-urlencoded` (WebClient's default; nested values such as
 *   `blocks`, `view`, `files` arrive JSON-encoded in a field), `application/json`, and multipart.
 *   Token: `Authorization: Bearer` (or a `token` field in a form body, not in JSON); missing ->
 *   `not_authed`, wrong -> `invalid_auth`, both HTTP 200 like every Slack error but 429. Two
 *   tokens are known: the bot token (`xoxb-`) for every method but apps.connections.open, and the
 *   app-level token (`xapp-`) for apps.connections.open only; the other one answers
 *   `not_allowed_token_type`, as Slack does.
 * - Methods: auth.test, chat.postMessage (to a user id opens the bot DM: `channel` answers the
 *   `D...` id; unique increasing `ts`), chat.update (`message_not_found`), chat.postEphemeral,
 *   conversations.open, users.list (cursor pagination, `limit` up to 1,000; includes Slackbot and
 *   the app's bot user like Slack unless `includeSystemUsers: false`), users.lookupByEmail
 *   (`users_not_found`), users.info, views.open (a trigger id works once: `exchanged_trigger_id`),
 *   views.publish / views.update (`hash_conflict`, `not_found`), files.getUploadURLExternal + the
 *   upload POST + files.completeUploadExternal (WebClient.filesUploadV2), files.upload
 *   (`method_deprecated`: retired by Slack), apps.connections.open (Socket Mode: answers
 *   `{ ok, url }` with the `socketModeUrl` the test sets, a fresh one per call when it is a
 *   function; the app-level token only in the Authorization header — as a body field Slack
 *   rejects it, here `invalid_auth`). Anything else: `unknown_method`.
 * - Block Kit limits (fake-slack-blocks.ts, numbers from slack-block-kit-limits.ts):
 *   messages `invalid_blocks` with Slack's `errors` strings, or `msg_blocks_too_long`; views
 *   `invalid_arguments` with `response_metadata.messages`. A message with blocks and no `text` is
 *   accepted (the "missing text" warning is logged by WebClient itself, not by Slack).
 * - Rate limits per method (fake-slack-rate-limits.ts) answered with HTTP 429, `Retry-After` and
 *   `{ok:false,error:'ratelimited'}`. Time scale: `timeScale: 60` makes one Slack minute last one
 *   real second, so a 20/min tier allows 20 calls per real second. Retry-After stays whole seconds
 *   as in the real API, because WebClient reads it with `parseInt(…, 10)`: a fractional value would
 *   be truncated (0.4 -> 0) and the client would retry too early. The fake therefore rounds the
 *   scaled wait UP to whole seconds (at least 1), so a client that honours the header never
 *   retries too early; the exact scaled wait is recorded as `retryAfterMs` on the call.
 * - Faults: `failRate` (share of API calls answered 429, from a seeded PRNG) and
 *   `failNext(method, n, fault)`. A fault's `retryAfterSeconds` is the header value as is (default
 *   `faultRetryAfterSeconds`, 1); 0 is a valid header that WebClient retries at once, which keeps
 *   fault-heavy tests fast.
 * - Records every call (method, parsed args, time, answer) and keeps messages per conversation,
 *   ephemeral messages, views per user and uploaded files, for assertions.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS, slackMessageBlocksChars as messageBlocksChars } from './slack-block-kit-limits.js';
import { validateBlocks, validateView } from './fake-slack-blocks.js';
import type { RateLimitConfig } from './fake-slack-rate-limits.js';
import { DEFAULT_RATE_LIMITS, rulesFor, SlidingWindowLimiter } from './fake-slack-rate-limits.js';
import { seededRandom } from './seeded-random.js';

export interface FakeSlackUser {
  id: string;
  /** The handle (`name` in users.list). */
  name: string;
  realName: string;
  displayName?: string;
  email: string | null;
  deleted?: boolean;
  isBot?: boolean;
  tz?: string;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
}

export type FakeSlackFault =
  /** HTTP 429 with `Retry-After: retryAfterSeconds` (whole seconds; default `faultRetryAfterSeconds`). */
  | { type: 'rate_limited'; retryAfterSeconds?: number }
  /** HTTP 200 `{ ok: false, error }`, e.g. `internal_error`, `fatal_error`, `channel_not_found`. */
  | { type: 'error'; error: string }
  /** A bare HTTP status (e.g. 500, 503) with a text body. */
  | { type: 'http_status'; status: number }
  /** The connection is closed before the call has any effect. */
  | { type: 'network' }
  /** The call takes effect (a message is posted), then the connection is closed without an answer. */
  | { type: 'drop_response' };

export interface FakeSlackOptions {
  /** The bot token the fake accepts. Default `xoxb-fake-token`. */
  token?: string;
  /** The app-level token apps.connections.open accepts. Default `xapp-1-A0APP0001-1-fake`. */
  appToken?: string;
  /** What apps.connections.open answers as `url` (a function: called once per call). Settable later as `socketModeUrl`. */
  socketModeUrl?: string | (() => string);
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  users?: FakeSlackUser[];
  channels?: FakeSlackChannel[];
  /** users.list also returns Slackbot and the app's bot user, as Slack does. Default true. */
  includeSystemUsers?: boolean;
  /** Slack time runs this many times faster than real time (rate-limit windows shrink, waits scale). Default 1. */
  timeScale?: number;
  /** false disables rate limiting; a partial config overrides the defaults. */
  rateLimits?: false | Partial<RateLimitConfig>;
  /** Share (0..1) of API calls answered 429 at random (seeded). Default 0. */
  failRate?: number;
  /** Retry-After header (whole seconds) of injected 429s. Default 1. */
  faultRetryAfterSeconds?: number;
  /** Seed of the PRNG behind `failRate`. Default 1. */
  seed?: number;
  /** Real-time clock in milliseconds (default performance.now). */
  clock?: () => number;
}

export interface FakeSlackCall {
  seq: number;
  /** Web API method, or `upload` for a POST to an upload URL. */
  method: string;
  args: Record<string, unknown>;
  /** Date.now() when the call arrived. */
  at: number;
  /** HTTP status answered; 0 when the connection was closed instead. */
  status: number;
  ok: boolean;
  error: string | null;
  /** Retry-After header value of a 429. */
  retryAfterSeconds: number | null;
  /** Exact wait (real milliseconds, after time scaling) behind an enforced 429. */
  retryAfterMs: number | null;
  /** True when the answer was an injected fault rather than the fake's own rules. */
  fault: boolean;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string | null;
  blocks: unknown[];
  threadTs: string | null;
  /** Number of chat.update calls applied. */
  updates: number;
  /** Earlier versions, oldest first. */
  history: Array<{ text: string | null; blocks: unknown[] }>;
  fileIds: string[];
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  text: string | null;
  blocks: unknown[];
  messageTs: string;
}

export interface FakeSlackView {
  id: string;
  /** The user the view is shown to (views.publish user_id, or the user in a trigger id minted by slack-requests). */
  userId: string | null;
  type: string;
  view: Record<string, unknown>;
  hash: string;
  /** Every call that wrote it, in order. */
  via: Array<'open' | 'publish' | 'update'>;
}

export interface FakeSlackFile {
  id: string;
  filename: string;
  length: number;
  title: string | null;
  bytes: Buffer | null;
  completed: boolean;
  channels: string[];
  initialComment: string | null;
}

type Args = Record<string, unknown>;
/** An HTTP answer; `realMs` is the exact wait behind an enforced 429 (recorded, not sent). */
type Answer = { status: number; body: Args | string; headers?: Record<string, string>; realMs?: number };
type Handler = (args: Args) => Args;

class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Args = {},
  ) {
    super(error);
  }
}

/** Fields Slack reads as JSON when they arrive in a form body. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'unfurls']);
const BODY_LIMIT = 20 * 1024 * 1024;
const SCOPES = 'chat:write,im:write,users:read,users:read.email,commands,files:write';
/** Methods that take the app-level token (`xapp-`, scope connections:write) instead of the bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

export class FakeSlack {
  readonly calls: FakeSlackCall[] = [];
  readonly users = new Map<string, FakeSlackUser>();
  readonly channels = new Map<string, FakeSlackChannel>();
  readonly ephemerals: FakeSlackEphemeral[] = [];
  readonly views = new Map<string, FakeSlackView>();
  readonly files = new Map<string, FakeSlackFile>();

  private readonly messages = new Map<string, FakeSlackMessage[]>();
  private readonly dmByUser = new Map<string, string>();
  private readonly userByDm = new Map<string, string>();
  private readonly homeByUser = new Map<string, string>();
  private readonly usedTriggers = new Set<string>();
  private readonly faults = new Map<string, FakeSlackFault[]>();
  private readonly limiter: SlidingWindowLimiter | null;
  private readonly rateLimits: RateLimitConfig;
  private readonly random: () => number;
  private readonly handlers: Record<string, Handler>;
  private tsCounter = 0;
  private idCounter = 0;

  readonly token: string;
  readonly appToken: string;
  /** The WebSocket URL apps.connections.open hands out; null answers `fake_unsupported`. */
  socketModeUrl: string | (() => string) | null;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly timeScale: number;
  url = '';

  private constructor(
    private readonly server: Server,
    private readonly options: FakeSlackOptions,
  ) {
    this.token = options.token ?? 'xoxb-fake-token';
    this.appToken = options.appToken ?? 'xapp-1-A0APP0001-1-fake';
    this.socketModeUrl = options.socketModeUrl ?? null;
    this.teamId = options.teamId ?? 'T0FAKE001';
    this.teamDomain = options.teamDomain ?? 'fake-firm';
    this.botUserId = options.botUserId ?? 'U0BOT0001';
    this.botId = options.botId ?? 'B0BOT0001';
    this.appId = options.appId ?? 'A0APP0001';
    this.timeScale = options.timeScale ?? 1;
    for (const user of options.users ?? []) this.addUser(user);
    for (const channel of options.channels ?? []) this.channels.set(channel.id, channel);
    this.rateLimits = { ...DEFAULT_RATE_LIMITS, ...(options.rateLimits || {}) };
    const clock = options.clock ?? (() => performance.now());
    this.limiter = options.rateLimits === false ? null : new SlidingWindowLimiter(() => clock() * this.timeScale);
    this.random = seededRandom(options.seed ?? 1);
    this.handlers = {
      'auth.test': () => this.authTest(),
      'chat.postMessage': (a) => this.postMessage(a),
      'chat.update': (a) => this.update(a),
      'chat.postEphemeral': (a) => this.postEphemeral(a),
      'conversations.open': (a) => this.conversationsOpen(a),
      'users.list': (a) => this.usersList(a),
      'users.lookupByEmail': (a) => this.lookupByEmail(a),
      'users.info': (a) => this.usersInfo(a),
      'views.open': (a) => this.viewsOpen(a),
      'views.publish': (a) => this.viewsPublish(a),
      'views.update': (a) => this.viewsUpdate(a),
      'files.getUploadURLExternal': (a) => this.getUploadUrl(a),
      'files.completeUploadExternal': (a) => this.completeUpload(a),
      'files.upload': () => {
        throw new SlackError('method_deprecated');
      },
      'apps.connections.open': () => this.connectionsOpen(),
    };
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | null = null;
    const server = createServer((req, res) => {
      if (fake) void fake.handle(req, res);
    });
    fake = new FakeSlack(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The value for WebClient's `slackApiUrl` (and Bolt's `clientOptions.slackApiUrl`). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addUser(user: FakeSlackUser): void {
    this.users.set(user.id, user);
  }

  /** Queues `n` faults for the next calls of `method` (before rate limits and `failRate`). */
  failNext(method: string, n: number, fault: FakeSlackFault = { type: 'rate_limited' }): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < n; i += 1) queue.push(fault);
    this.faults.set(method, queue);
  }

  callsTo(method: string): FakeSlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The bot DM with a user, once opened (by chat.postMessage to the user id or conversations.open). */
  dmChannelOf(userId: string): string | null {
    return this.dmByUser.get(userId) ?? null;
  }

  /** Messages of a conversation (id, or a user id for their DM), oldest first. */
  messagesIn(channel: string): FakeSlackMessage[] {
    const id = this.dmByUser.get(channel) ?? channel;
    return [...(this.messages.get(id) ?? [])];
  }

  latestMessage(channel: string): FakeSlackMessage | null {
    return this.messagesIn(channel).at(-1) ?? null;
  }

  /** Every message posted, in posting order. */
  allMessages(): FakeSlackMessage[] {
    return [...this.messages.values()].flat().sort((a, b) => a.ts.localeCompare(b.ts));
  }

  /** The Home tab published for a user. */
  homeOf(userId: string): FakeSlackView | null {
    const id = this.homeByUser.get(userId);
    return id ? (this.views.get(id) ?? null) : null;
  }

  /** Modals opened for a user (trigger ids minted by slack-requests carry the user), oldest first. */
  modalsOf(userId: string): FakeSlackView[] {
    return [...this.views.values()].filter((v) => v.type === 'modal' && v.userId === userId);
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (e) {
      // A bug in the fake itself: answer like an outage so the test fails loudly, not hangs.
      if (!res.headersSent) send(res, { status: 500, body: `fake-slack internal error: ${e instanceof Error ? e.stack : String(e)}` });
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return send(res, { status: 413, body: 'request entity too large' });
    }
    if (url.pathname.startsWith('/upload/v1/')) return this.handleUpload(res, url.pathname.slice('/upload/v1/'.length), raw, req.headers['content-type']);
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!match?.[1]) return send(res, { status: 404, body: 'not found' });
    const method = match[1];
    const call: FakeSlackCall = { seq: this.calls.length + 1, method, args: {}, at: Date.now(), status: 200, ok: false, error: null, retryAfterSeconds: null, retryAfterMs: null, fault: false };
    this.calls.push(call);

    const contentType = String(req.headers['content-type'] ?? '');
    let args: Args;
    try {
      args = { ...Object.fromEntries(url.searchParams), ...(await parseBody(raw, contentType)) };
    } catch (e) {
      return this.answer(res, call, { status: 200, body: { ok: false, error: e instanceof SlackError ? e.error : 'invalid_form_data' } });
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (contentType.startsWith('application/json') ? undefined : typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    call.args = args;

    const handler = this.handlers[method];
    if (!handler) return this.answer(res, call, { status: 200, body: { ok: false, error: 'unknown_method', req_method: method } });
    if (token === undefined) return this.answer(res, call, { status: 200, body: { ok: false, error: 'not_authed' } });
    const tokenError = this.tokenError(method, token, bearer !== undefined);
    if (tokenError) return this.answer(res, call, { status: 200, body: { ok: false, error: tokenError } });

    const fault = this.takeFault(method);
    if (fault) {
      call.fault = true;
      if (fault.type === 'network') return this.drop(res, call);
      if (fault.type === 'rate_limited') return this.answer(res, call, this.rateLimited(fault.retryAfterSeconds ?? this.faultRetryAfter(), null));
      if (fault.type === 'error') return this.answer(res, call, { status: 200, body: { ok: false, error: fault.error } });
      if (fault.type === 'http_status') return this.answer(res, call, { status: fault.status, body: `fake upstream error ${fault.status}` });
    }

    if (this.limiter) {
      const verdict = this.limiter.take(rulesFor(this.rateLimits, method, method === 'chat.postMessage' ? this.channelKey(args.channel) : null));
      if (!verdict.ok) {
        const realMs = verdict.waitMs / this.timeScale;
        return this.answer(res, call, this.rateLimited(Math.max(1, Math.ceil(realMs / 1000)), realMs));
      }
    }

    let body: Args;
    try {
      body = { ok: true, ...handler(args) };
    } catch (e) {
      if (!(e instanceof SlackError)) throw e;
      body = { ok: false, error: e.error, ...e.extra };
    }
    if (fault?.type === 'drop_response') return this.drop(res, call);
    return this.answer(res, call, { status: 200, body, headers: { 'x-oauth-scopes': SCOPES } });
  }

  private async handleUpload(res: ServerResponse, fileId: string, raw: Buffer, contentType: string | undefined): Promise<void> {
    const call: FakeSlackCall = { seq: this.calls.length + 1, method: 'upload', args: { fileId, bytes: raw.length }, at: Date.now(), status: 200, ok: true, error: null, retryAfterSeconds: null, retryAfterMs: null, fault: false };
    this.calls.push(call);
    const file = this.files.get(fileId);
    if (!file) return this.answer(res, call, { status: 404, body: 'unknown upload url' });
    file.bytes = await extractUpload(raw, contentType);
    this.answer(res, call, { status: 200, body: `OK - ${file.bytes.length}` });
  }

  /** Which token a method takes: the app-level one for APP_TOKEN_METHODS (header only), the bot token for the rest. */
  private tokenError(method: string, token: string, inHeader: boolean): string | null {
    const appLevel = APP_TOKEN_METHODS.has(method);
    if (token === (appLevel ? this.appToken : this.token)) return appLevel && !inHeader ? 'invalid_auth' : null;
    return token === this.token || token === this.appToken ? 'not_allowed_token_type' : 'invalid_auth';
  }

  private takeFault(method: string): FakeSlackFault | null {
    const queued = this.faults.get(method)?.shift();
    if (queued) return queued;
    const rate = this.options.failRate ?? 0;
    return rate > 0 && this.random() < rate ? { type: 'rate_limited' } : null;
  }

  private faultRetryAfter(): number {
    return this.options.faultRetryAfterSeconds ?? 1;
  }

  private rateLimited(retryAfterSeconds: number, realMs: number | null): Answer {
    return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(retryAfterSeconds) }, ...(realMs === null ? {} : { realMs }) };
  }

  private answer(res: ServerResponse, call: FakeSlackCall, answer: Answer): void {
    call.status = answer.status;
    if (typeof answer.body === 'object') {
      call.ok = answer.body.ok === true;
      call.error = typeof answer.body.error === 'string' ? answer.body.error : null;
    } else {
      call.ok = answer.status === 200;
      call.error = answer.status === 200 ? null : `http_${answer.status}`;
    }
    const retryAfter = answer.headers?.['retry-after'];
    if (retryAfter !== undefined) {
      call.retryAfterSeconds = Number(retryAfter);
      call.retryAfterMs = answer.realMs ?? null;
    }
    send(res, answer);
  }

  private drop(res: ServerResponse, call: FakeSlackCall): void {
    call.status = 0;
    call.error = 'connection_closed';
    res.socket?.destroy();
  }

  // ---- ids and conversations ----

  private nextTs(): string {
    this.tsCounter += 1;
    const micros = this.tsCounter * 100;
    return `${1_700_000_000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}0${this.idCounter.toString(36).toUpperCase().padStart(8, '0')}`;
  }

  private openDm(userId: string): { id: string; created: boolean } {
    const existing = this.dmByUser.get(userId);
    if (existing) return { id: existing, created: false };
    const id = this.nextId('D');
    this.dmByUser.set(userId, id);
    this.userByDm.set(id, userId);
    return { id, created: true };
  }

  /** Resolves a `channel` argument to a conversation id, opening the bot DM for a user id. */
  private conversation(channel: unknown): string {
    if (typeof channel !== 'string' || channel === '') throw new SlackError('channel_not_found');
    if (/^[UW]/.test(channel)) {
      const user = this.users.get(channel);
      if (channel === this.botUserId || user?.isBot) throw new SlackError('cannot_dm_bot');
      if (!user || user.deleted) throw new SlackError('channel_not_found');
      return this.openDm(channel).id;
    }
    if (channel.startsWith('#')) {
      const named = [...this.channels.values()].find((c) => c.name === channel.slice(1));
      if (named) return named.id;
      throw new SlackError('channel_not_found');
    }
    if (this.channels.has(channel) || this.userByDm.has(channel)) return channel;
    throw new SlackError('channel_not_found');
  }

  /** The rate-limit key of a chat.postMessage target (a user id and their DM share one). */
  private channelKey(channel: unknown): string | null {
    if (typeof channel !== 'string') return null;
    return this.userByDm.get(channel) ?? channel;
  }

  // ---- methods ----

  private authTest(): Args {
    return { url: `https://${this.teamDomain}.slack.com/`, team: 'Fake Firm', user: 'iam-review', team_id: this.teamId, user_id: this.botUserId, bot_id: this.botId, is_enterprise_install: false };
  }

  private connectionsOpen(): Args {
    const url = typeof this.socketModeUrl === 'function' ? this.socketModeUrl() : this.socketModeUrl;
    if (url === null) throw new SlackError('fake_unsupported', { detail: 'set socketModeUrl (a FakeSocketMode URL) to answer apps.connections.open' });
    return { url };
  }

  private messageContent(args: Args): { text: string | null; blocks: unknown[] } {
    const text = typeof args.text === 'string' && args.text !== '' ? args.text : null;
    const blocks = args.blocks === undefined ? [] : args.blocks;
    if (!Array.isArray(blocks)) throw new SlackError('invalid_blocks_format');
    if (text === null && blocks.length === 0 && args.attachments === undefined) throw new SlackError('no_text');
    const errors = validateBlocks(blocks, 'message');
    if (errors.length > 0) throw new SlackError('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    if (messageBlocksChars(blocks) > BLOCK_KIT_LIMITS.messageBlocksChars) throw new SlackError('msg_blocks_too_long');
    if (text !== null && text.length > BLOCK_KIT_LIMITS.messageText) throw new SlackError('msg_too_long');
    return { text, blocks };
  }

  private messageJson(m: FakeSlackMessage): Args {
    return { type: 'message', user: this.botUserId, bot_id: this.botId, app_id: this.appId, team: this.teamId, ts: m.ts, text: m.text ?? '', blocks: m.blocks, ...(m.threadTs ? { thread_ts: m.threadTs } : {}) };
  }

  private postMessage(args: Args): Args {
    const channel = this.conversation(args.channel);
    const { text, blocks } = this.messageContent(args);
    const message: FakeSlackMessage = { channel, ts: this.nextTs(), text, blocks, threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null, updates: 0, history: [], fileIds: [] };
    this.store(message);
    return { channel, ts: message.ts, message: this.messageJson(message) };
  }

  private store(message: FakeSlackMessage): void {
    const list = this.messages.get(message.channel) ?? [];
    list.push(message);
    this.messages.set(message.channel, list);
  }

  private update(args: Args): Args {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!this.channels.has(channel) && !this.userByDm.has(channel)) throw new SlackError('channel_not_found');
    const message = this.messages.get(channel)?.find((m) => m.ts === args.ts);
    if (!message) throw new SlackError('message_not_found');
    const { text, blocks } = this.messageContent(args);
    message.history.push({ text: message.text, blocks: message.blocks });
    message.text = text;
    message.blocks = blocks;
    message.updates += 1;
    return { channel, ts: message.ts, text: text ?? '', message: this.messageJson(message) };
  }

  private postEphemeral(args: Args): Args {
    const channel = this.conversation(args.channel);
    const user = typeof args.user === 'string' ? this.users.get(args.user) : undefined;
    if (!user) throw new SlackError('user_not_found');
    const dmUser = this.userByDm.get(channel);
    if (dmUser !== undefined && dmUser !== user.id) throw new SlackError('user_not_in_channel');
    const { text, blocks } = this.messageContent(args);
    const messageTs = this.nextTs();
    this.ephemerals.push({ channel, user: user.id, text, blocks, messageTs });
    return { message_ts: messageTs };
  }

  private conversationsOpen(args: Args): Args {
    if (typeof args.channel === 'string') {
      if (!this.userByDm.has(args.channel)) throw new SlackError('channel_not_found');
      return { channel: { id: args.channel }, no_op: true, already_open: true };
    }
    const ids = typeof args.users === 'string' ? args.users.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (ids.length === 0) throw new SlackError('users_list_not_supplied');
    if (ids.length > 1) throw new SlackError('fake_unsupported', { detail: 'multi-person DMs are not modelled by the fake' });
    const userId = ids[0] ?? '';
    const user = this.users.get(userId);
    if (!user) throw new SlackError('user_not_found');
    if (user.deleted) throw new SlackError('user_disabled');
    if (userId === this.botUserId || user.isBot) throw new SlackError('cannot_dm_bot');
    const { id, created } = this.openDm(userId);
    return { channel: { id }, ...(created ? {} : { no_op: true, already_open: true }) };
  }

  private member(user: FakeSlackUser): Args {
    const display = user.displayName ?? '';
    return {
      id: user.id,
      team_id: this.teamId,
      name: user.name,
      deleted: user.deleted ?? false,
      real_name: user.realName,
      tz: user.tz ?? 'Europe/Vaduz',
      is_bot: user.isBot ?? false,
      is_app_user: false,
      updated: 1_700_000_000,
      profile: {
        real_name: user.realName,
        real_name_normalized: user.realName,
        display_name: display,
        display_name_normalized: display,
        ...(user.email ? { email: user.email } : {}),
        team: this.teamId,
      },
    };
  }

  private directory(): FakeSlackUser[] {
    const people = [...this.users.values()];
    if (this.options.includeSystemUsers === false) return people;
    return [
      { id: 'USLACKBOT', name: 'slackbot', realName: 'Slackbot', email: null },
      { id: this.botUserId, name: 'iam-review', realName: 'iam-review', email: null, isBot: true },
      ...people.filter((u) => u.id !== 'USLACKBOT' && u.id !== this.botUserId),
    ];
  }

  private usersList(args: Args): Args {
    const all = this.directory();
    const requested = Number(args.limit ?? 0);
    const limit = requested > 0 ? Math.min(requested, 1000) : all.length;
    let offset = 0;
    if (typeof args.cursor === 'string' && args.cursor !== '') {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'));
      if (!decoded?.[1] || Number(decoded[1]) > all.length) throw new SlackError('invalid_cursor');
      offset = Number(decoded[1]);
    }
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
    return { members: page.map((u) => this.member(u)), cache_ts: Math.floor(Date.now() / 1000), response_metadata: { next_cursor: next } };
  }

  private lookupByEmail(args: Args): Args {
    const email = typeof args.email === 'string' ? args.email.trim().toLowerCase() : '';
    if (email === '') throw new SlackError('invalid_arguments');
    const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email);
    if (!user) throw new SlackError('users_not_found');
    return { user: this.member(user) };
  }

  private usersInfo(args: Args): Args {
    const user = typeof args.user === 'string' ? this.directory().find((u) => u.id === args.user) : undefined;
    if (!user) throw new SlackError('user_not_found');
    return { user: this.member(user) };
  }

  private viewArg(args: Args): Args {
    const view = args.view;
    if (typeof view !== 'object' || view === null || Array.isArray(view)) throw new SlackError('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: view'] } });
    const errors = validateView(view);
    if (errors.length > 0) throw new SlackError('invalid_arguments', { response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    return view as Args;
  }

  private viewJson(v: FakeSlackView): Args {
    return {
      id: v.id,
      team_id: this.teamId,
      app_id: this.appId,
      bot_id: this.botId,
      hash: v.hash,
      state: { values: {} },
      callback_id: '',
      private_metadata: '',
      external_id: '',
      root_view_id: v.id,
      previous_view_id: null,
      ...v.view,
    };
  }

  private viewsOpen(args: Args): Args {
    const trigger = typeof args.trigger_id === 'string' ? args.trigger_id : '';
    if (trigger === '') throw new SlackError('invalid_trigger_id');
    if (this.usedTriggers.has(trigger)) throw new SlackError('exchanged_trigger_id');
    const view = this.viewArg(args);
    this.usedTriggers.add(trigger);
    const userId = /^\d+\.([UW][A-Z0-9]+)\./.exec(trigger)?.[1] ?? null;
    const stored: FakeSlackView = { id: this.nextId('V'), userId, type: String(view.type), view, hash: this.nextTs(), via: ['open'] };
    this.views.set(stored.id, stored);
    return { view: this.viewJson(stored) };
  }

  private viewsPublish(args: Args): Args {
    const userId = typeof args.user_id === 'string' ? args.user_id : '';
    if (!this.users.has(userId)) throw new SlackError('user_not_found');
    const view = this.viewArg(args);
    if (view.type !== 'home') throw new SlackError('invalid_arguments', { response_metadata: { messages: ['[ERROR] views.publish takes a view of type home [json-pointer:/view/type]'] } });
    const existing = this.homeOf(userId);
    if (existing && typeof args.hash === 'string' && args.hash !== existing.hash) throw new SlackError('hash_conflict');
    const stored: FakeSlackView = existing ?? { id: this.nextId('V'), userId, type: 'home', view, hash: '', via: [] };
    stored.view = view;
    stored.hash = this.nextTs();
    stored.via.push('publish');
    this.views.set(stored.id, stored);
    this.homeByUser.set(userId, stored.id);
    return { view: this.viewJson(stored) };
  }

  private viewsUpdate(args: Args): Args {
    const stored =
      typeof args.view_id === 'string'
        ? this.views.get(args.view_id)
        : [...this.views.values()].find((v) => typeof args.external_id === 'string' && v.view.external_id === args.external_id);
    if (!stored) throw new SlackError('not_found');
    if (typeof args.hash === 'string' && args.hash !== stored.hash) throw new SlackError('hash_conflict');
    const view = this.viewArg(args);
    stored.view = view;
    stored.hash = this.nextTs();
    stored.via.push('update');
    return { view: this.viewJson(stored) };
  }

  private getUploadUrl(args: Args): Args {
    const filename = typeof args.filename === 'string' ? args.filename : '';
    const length = Number(args.length);
    if (filename === '' || !Number.isInteger(length) || length <= 0) throw new SlackError('invalid_arguments');
    const id = this.nextId('F');
    this.files.set(id, { id, filename, length, title: null, bytes: null, completed: false, channels: [], initialComment: null });
    return { upload_url: `${this.url}/upload/v1/${id}`, file_id: id };
  }

  private completeUpload(args: Args): Args {
    const entries = Array.isArray(args.files) ? (args.files as Array<{ id?: unknown; title?: unknown }>) : null;
    if (!entries || entries.length === 0) throw new SlackError('invalid_arguments');
    const files = entries.map((entry) => {
      const file = typeof entry.id === 'string' ? this.files.get(entry.id) : undefined;
      if (!file) throw new SlackError('file_not_found');
      if (!file.bytes) throw new SlackError('file_upload_not_found');
      return { file, title: typeof entry.title === 'string' ? entry.title : file.filename };
    });
    const targets = [
      ...(typeof args.channel_id === 'string' ? [args.channel_id] : []),
      ...(typeof args.channels === 'string' ? args.channels.split(',') : []),
    ].map((c) => this.conversation(c.trim()));
    const comment = typeof args.initial_comment === 'string' ? args.initial_comment : null;
    for (const { file, title } of files) {
      file.title = title;
      file.completed = true;
      file.channels = targets;
      file.initialComment = comment;
    }
    for (const channel of targets) {
      this.store({ channel, ts: this.nextTs(), text: comment, blocks: [], threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null, updates: 0, history: [], fileIds: files.map((f) => f.file.id) });
    }
    return { files: files.map(({ file }) => ({ id: file.id, name: file.filename, title: file.title, size: file.bytes?.length ?? 0, channels: targets.filter((c) => c.startsWith('C')), ims: targets.filter((c) => c.startsWith('D')) })) };
  }
}

function send(res: ServerResponse, answer: Answer): void {
  const isJson = typeof answer.body === 'object';
  res.writeHead(answer.status, { 'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain', ...answer.headers });
  res.end(isJson ? JSON.stringify(answer.body) : answer.body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a request body like Slack: form fields (JSON fields decoded), a JSON object, or multipart. */
async function parseBody(raw: Buffer, contentType: string): Promise<Args> {
  if (raw.length === 0) return {};
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new SlackError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SlackError('invalid_json');
    return parsed as Args;
  }
  let fields: Array<[string, string]>;
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    fields = [...form.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : `<file ${v.size} bytes>`]);
  } else {
    fields = [...new URLSearchParams(raw.toString('utf8')).entries()];
  }
  const args: Args = {};
  for (const [key, value] of fields) {
    if (JSON_FIELDS.has(key)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        throw new SlackError(key === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
      }
    } else args[key] = value;
  }
  return args;
}

/** The uploaded bytes: the file part of a multipart body (WebClient's), or the raw body. */
async function extractUpload(raw: Buffer, contentType: string | undefined): Promise<Buffer> {
  if (!contentType?.startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}
