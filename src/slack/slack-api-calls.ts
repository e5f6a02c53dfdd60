/**
 * Every HTTP request the bot's WebClients send to Slack, reported by method and outcome (for
 * /metrics), at the one place they all pass: the `fetch` the clients are built with (Bolt's
 * client, the Socket Mode receiver's and the outbound-only one). A call answered 429 and retried
 * by the WebClient counts once per attempt: `rate_limited`, then its retry's outcome.
 *
 * Labels carry no personal data: the method is the Web API method name taken from the URL
 * (`chat.postMessage`), `other` for anything outside the API base (file upload URLs, response
 * URLs); never a channel, user or argument.
 */
import type { FetchFunction } from '@slack/web-api';

/** `ok`; `error`: Slack answered `ok: false` (channel_not_found...); `rate_limited`: HTTP 429; `http_error`: another status; `network_error`: no answer. */
export type SlackCallOutcome = 'ok' | 'error' | 'rate_limited' | 'http_error' | 'network_error';

export type SlackCallListener = (method: string, outcome: SlackCallOutcome) => void;

const METHOD_NAME = /^[a-zA-Z]+(\.[a-zA-Z]+)+$/;

export class SlackApiCalls {
  private readonly listeners = new Set<SlackCallListener>();
  private readonly base: string;

  /** `apiUrl`: the Web API base the clients use (default Slack's). */
  constructor(
    apiUrl = 'https://slack.com/api/',
    private readonly send: FetchFunction = globalThis.fetch as FetchFunction,
  ) {
    this.base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  }

  /** Calls `listener` after each request; returns the unsubscribe. */
  observe(listener: SlackCallListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The fetch to build WebClients with (WebClientOptions.fetch). */
  readonly fetch: FetchFunction = async (url, init) => {
    const method = this.methodOf(String(url));
    let response;
    try {
      response = await this.send(url, init);
    } catch (err) {
      this.report(method, 'network_error');
      throw err;
    }
    this.report(method, await outcomeOf(response));
    return response;
  };

  private methodOf(url: string): string {
    const name = url.startsWith(this.base) ? url.slice(this.base.length).split('?')[0]! : '';
    return METHOD_NAME.test(name) ? name : 'other';
  }

  private report(method: string, outcome: SlackCallOutcome): void {
    for (const l of this.listeners) l(method, outcome);
  }
}

/** Reads a copy of the body for `ok` (Slack answers errors with HTTP 200); the WebClient reads the original. */
async function outcomeOf(response: Awaited<ReturnType<FetchFunction>>): Promise<SlackCallOutcome> {
  if (response.status === 429) return 'rate_limited';
  if (response.status !== 200) return 'http_error';
  const copy = (response as Response).clone?.();
  if (!copy) return 'ok';
  try {
    const body = (await copy.json()) as { ok?: unknown };
    return body.ok === false ? 'error' : 'ok';
  } catch {
    return 'ok';
  }
}
