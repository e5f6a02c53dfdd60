/**
 * The gateway hands a message's blocks to the WebClient as JSON text (cheaper for the client's
 * per-request redaction), which must leave the HTTP request Slack receives exactly as the client
 * makes it from the block objects. The far side is a hand-written fetch that records each
 * request body and answers like Slack.
 */
import type { FetchFunction } from '@slack/web-api';
import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import type { MessagePayload } from '../../src/slack/blocks/index.js';
import { SlackGateway } from '../../src/slack/slack-gateway.js';

/** Records every request (method and form body) and answers `ok` with a channel and ts. */
function recordingFetch(): { fetch: FetchFunction; bodies: Array<{ method: string; body: string }> } {
  const bodies: Array<{ method: string; body: string }> = [];
  const fetch: FetchFunction = async (url, init) => {
    bodies.push({ method: String(url).split('/').at(-1)!, body: String(init?.body) });
    return new Response(JSON.stringify({ ok: true, channel: 'D1', ts: '1.000001' }), { status: 200, headers: { 'content-type': 'application/json' } }) as never;
  };
  return { fetch, bodies };
}

const message: MessagePayload = {
  text: 'Access review: 2 items & more',
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: '*Trading* — <https://example.com|link> "quoted" & 100% ü' } },
    { type: 'actions', block_id: 'item:1', elements: [{ type: 'button', action_id: 'approve', value: 'a=b&c', text: { type: 'plain_text', text: 'Approve' } }] },
  ],
};

describe('SlackGateway requests', () => {
  it('sends chat.postMessage and chat.update bodies identical to the WebClient given the block objects', async () => {
    const direct = recordingFetch();
    const client = new WebClient('xoxb-test', { fetch: direct.fetch, slackApiUrl: 'https://slack.test/api/' });
    await client.chat.postMessage({ channel: 'U1', text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false });
    await client.chat.update({ channel: 'D1', ts: '1.000001', text: message.text, blocks: message.blocks as never });

    const viaGateway = recordingFetch();
    const gateway = new SlackGateway(new WebClient('xoxb-test', { fetch: viaGateway.fetch, slackApiUrl: 'https://slack.test/api/' }));
    await gateway.postMessage('U1', message);
    await gateway.update('D1', '1.000001', message);

    expect(viaGateway.bodies.map((b) => b.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(viaGateway.bodies).toEqual(direct.bodies);
    expect(JSON.parse(new URLSearchParams(viaGateway.bodies[0]!.body).get('blocks')!)).toEqual(message.blocks);
  });
});
