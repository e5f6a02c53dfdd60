/**
 * What the Slack services share: the review operations' dependencies (read afresh per operation,
 * so a config change needs no restart), the paced Web API gateway, the cached directory and a log.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { ReviewDeps } from '../reviews/review-deps.js';
import { SlackDirectory } from './slack-directory.js';
import { SlackGateway } from './slack-gateway.js';
import type { SlackRatePacer } from './slack-rate-limits.js';

export interface SlackServiceDeps {
  review: () => ReviewDeps;
  slack: SlackGateway;
  directory: SlackDirectory;
  log: Logger;
}

export function slackServiceDeps(args: { client: WebClient; review: () => ReviewDeps; log: Logger; pacer?: SlackRatePacer }): SlackServiceDeps {
  const probe = args.review();
  return {
    review: args.review,
    slack: new SlackGateway(args.client, args.pacer),
    directory: new SlackDirectory(args.client, probe.store.slackUsers, probe.now),
    log: args.log,
  };
}

/** Runs `work` over `inputs` with at most `concurrency` at a time; stops taking new inputs once `signal` aborts. */
export async function runPool<T>(inputs: readonly T[], concurrency: number, work: (input: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length && !signal?.aborted) {
      const input = inputs[next++]!;
      await work(input);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, inputs.length)) }, worker));
}
