/**
 * The Slack Web API calls the bot makes, each paced per method (slack-rate-limits.ts) on one
 * WebClient. The client keeps its defaults for 429s: it waits `Retry-After` and retries
 * (`rejectRateLimitedCalls: false`).
 */
import type { WebClient } from '@slack/web-api';
import type { HomeView, MessagePayload, ModalView } from './blocks/index.js';
import { SlackRatePacer } from './slack-rate-limits.js';

export interface PostedMessage {
  /** The conversation id (`D…` for a DM opened by posting to a user id). */
  channel: string;
  ts: string;
}

/** Slack's error code of a failed Web API call (`channel_not_found`, `ratelimited`, ...), else the message. */
export function slackErrorCode(err: unknown): string {
  const data = (err as { data?: { error?: unknown } }).data;
  if (data && typeof data.error === 'string') return data.error;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A message's blocks as the form field the WebClient sends: the JSON text it would make of them
 * itself (it JSON-encodes any object argument), so the request is byte for byte the same. Handed
 * over as text, the client's debug redaction (run on every request whatever the log level) and
 * its encoding pass over one string instead of walking every block of a ~30 KB page.
 */
function blocksField(message: MessagePayload): never {
  return JSON.stringify(message.blocks) as never;
}

export class SlackGateway {
  constructor(
    readonly client: WebClient,
    private readonly pacer: SlackRatePacer = new SlackRatePacer(),
  ) {}

  /** Posts a message; a user id as `channel` opens (or reuses) the bot's DM with that person. */
  async postMessage(channel: string, message: MessagePayload): Promise<PostedMessage> {
    const posted = await this.claimAndPost(channel, message, async () => true);
    return posted!;
  }

  /**
   * Posts once `claim` succeeds, calling it only when the rate limit lets the message go: a page
   * waiting for its turn is not claimed yet, so a crash while waiting leaves nothing in doubt.
   * Null when the claim was refused (someone else sends it).
   */
  async claimAndPost(channel: string, message: MessagePayload, claim: () => Promise<boolean>): Promise<PostedMessage | null> {
    const r = await this.pacer.run('chat.postMessage', channel, async () => {
      if (!(await claim())) return null;
      return this.client.chat.postMessage({ channel, text: message.text, blocks: blocksField(message), unfurl_links: false, unfurl_media: false });
    });
    if (r === null) return null;
    if (!r.channel || !r.ts) throw new Error('chat.postMessage answered without channel or ts');
    return { channel: r.channel, ts: r.ts };
  }

  async update(channel: string, ts: string, message: MessagePayload): Promise<void> {
    await this.pacer.run('chat.update', null, () => this.client.chat.update({ channel, ts, text: message.text, blocks: blocksField(message) }));
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.pacer.run('chat.postEphemeral', null, () => this.client.chat.postEphemeral({ channel, user, text }));
  }

  async openModal(triggerId: string, view: ModalView): Promise<void> {
    await this.pacer.run('views.open', null, () => this.client.views.open({ trigger_id: triggerId, view: view as never }));
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.pacer.run('views.publish', null, () => this.client.views.publish({ user_id: userId, view: view as never }));
  }

  /** The bot's DM with a person (conversations.open; im:write): files need a conversation id. */
  async openDm(userId: string): Promise<string> {
    const r = await this.pacer.run('conversations.open', null, () => this.client.conversations.open({ users: userId }));
    const id = r.channel?.id;
    if (!id) throw new Error('conversations.open answered without a channel id');
    return id;
  }

  /** Uploads files into a conversation (files.uploadV2: getUploadURLExternal, POST, completeUploadExternal). */
  async uploadFiles(channel: string, files: ReadonlyArray<{ filename: string; content: Buffer | string; title?: string }>, comment: string): Promise<void> {
    await this.pacer.run('files.completeUploadExternal', null, () =>
      this.client.filesUploadV2({
        channel_id: channel,
        initial_comment: comment,
        file_uploads: files.map((f) => ({ filename: f.filename, file: typeof f.content === 'string' ? Buffer.from(f.content) : f.content, title: f.title ?? f.filename })),
      }),
    );
  }
}
