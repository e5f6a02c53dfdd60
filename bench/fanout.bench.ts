/**
 * Review fan-out (issue 5): open a campaign for 2,000 reviewers x 20 items and send every
 * reviewer their review DM through the fake Slack Web API enforcing Slack's documented tiers,
 * with time scaled (default 6: one Slack minute lasts 10 s; FANOUT_TIME_SCALE=n to change). The
 * delivery paces itself per method with the same tier table, scaled by the same factor. The fake
 * runs on its own thread (the far side of the network does not share the bot's event loop).
 *
 * Why 6 and not 60: the floor needs 600 pages per Slack minute; at 60x that is 600 pages per real
 * second, more than one process sends on this 2-core machine (each ~30 KB form-encoded page costs
 * ~2-4 ms of CPU: the socket write, the WebClient's debug redaction of request and answer, the
 * delivery row and ledger line). What the floor does not count — reading 40,000 items and 12,000
 * identities before the first page (~0.7 s), and sending the last window's pages once it opens —
 * is real time, which the time scale magnifies against the floor. At 6x (floor 30 s) it is a few
 * percent, as in production at 1x (floor 3 minutes).
 *
 * ref_ms is the rate-limit floor for the calls actually made: for each rate rule (per method,
 * and per conversation for chat.postMessage) with N accepted calls, at most `limit` calls fit in
 * any window, so the last call cannot go before floor((N - 1) / limit) windows; the floor is the
 * largest of these. case_ms is the delivery (directory refresh + every page), measured from the
 * opened campaign. Targets: case_ms <= 1.1 x floor, 429s <= 1% of calls, and no
 * users.lookupByEmail with a cached directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { AuditLog } from '../src/audit/audit-log.js';
import { loadConfig } from '../src/config/load-config.js';
import { EMPTY_COUNTS, grantId } from '../src/domain/index.js';
import type { Grant, Identity } from '../src/domain/index.js';
import { openCampaign } from '../src/reviews/open-campaign.js';
import type { ReviewDeps } from '../src/reviews/review-deps.js';
import { createSlackReviewServices } from '../src/slack/review-services.js';
import { SlackRatePacer } from '../src/slack/slack-rate-limits.js';
import { slackServiceDeps } from '../src/slack/slack-services.js';
import type { Store } from '../src/store/ports.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FakeSlackOptions } from '../test/fakes/fake-slack.js';
import type { RecordedCall } from './fanout-fake-slack.worker.js';
import { DEFAULT_RATE_LIMITS, rulesFor } from '../test/fakes/fake-slack-rate-limits.js';
import { MINIMAL_FIRM, tempConfigDir } from '../test/helpers/temp-config.js';
import { result } from './bench-result.js';
import type { BenchResult } from './bench-result.js';

const ITEMS_PER_REVIEWER = 20;
const REPORTS_PER_REVIEWER = 5;

export async function benchFanout(opts: { n?: number; timeScale?: number } = {}): Promise<BenchResult> {
  const n = opts.n ?? 2000;
  const timeScale = opts.timeScale ?? Number(process.env.FANOUT_TIME_SCALE ?? 6);
  const dir = mkdtempSync(join(tmpdir(), 'iam-bench-fanout-'));
  const users = Array.from({ length: n }, (_, i) => ({ id: `U${String(i).padStart(8, '0')}`, name: `mgr${i}`, realName: `Manager ${i}`, email: `mgr${i}@example.com` }));
  const fake = await FakeSlackThread.start({ users, timeScale });
  const store = openSqliteStore({ file: join(dir, 'bench.db') });
  try {
    await seed(store, n);
    const now = () => new Date('2026-11-24T09:00:00Z');
    const config = loadConfig(tempConfigDir(MINIMAL_FIRM), () => z.strictObject({ path: z.string() }));
    const deps: ReviewDeps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };

    const o0 = performance.now();
    const opened = await openCampaign(deps, 'semiannual', { actor: 'bench' });
    const openMs = performance.now() - o0;

    const noop = () => {};
    const client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: false, logger: { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => 'error' as never, setName: noop } });
    const services = createSlackReviewServices(slackServiceDeps({ client, review: () => deps, log: pino({ level: 'silent' }), pacer: new SlackRatePacer({ timeScale }) }));

    const pageTimes: number[] = [];
    const d0 = performance.now();
    const d0Wall = Date.now();
    const cpu0 = process.cpuUsage();
    const report = await services.delivery.deliverCampaign(opened.campaign.id, { onPage: () => void pageTimes.push(performance.now() - d0) });
    const caseMs = performance.now() - d0;
    // CPU of the whole process during the delivery: the bot's thread and the fake's.
    const cpu = process.cpuUsage(cpu0);
    if (report.sent !== report.pages || report.failed.length > 0) throw new Error(`delivery incomplete: ${report.sent}/${report.pages} sent, ${report.failed.length} failed`);

    const calls = await fake.calls();
    const floorMs = rateLimitFloorMs(calls, timeScale);
    const rateLimited = calls.filter((c) => c.status === 429).length;
    const lookups = calls.filter((c) => c.method === 'users.lookupByEmail').length;
    const r = result('fanout', n, floorMs, caseMs, 1.1, {
      time_scale: timeScale,
      items: n * ITEMS_PER_REVIEWER,
      pages: report.pages,
      calls: calls.length,
      calls_by_method: countBy(calls),
      rate_limited: rateLimited,
      rate_limited_target: Math.floor(calls.length * 0.01),
      lookups_by_email: lookups,
      open_ms: Math.round(openMs),
      delivery_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
      first_page_ms: Math.round(pageTimes[0] ?? 0),
      last_page_ms: Math.round(pageTimes.at(-1) ?? 0),
      window_starts_ms: windowStarts(calls),
      chain_ms: chain(calls, d0Wall),
      slack_minutes_floor: Number(((floorMs * timeScale) / 60_000).toFixed(2)),
    });
    return { ...r, pass: r.pass && rateLimited <= calls.length * 0.01 && lookups === 0 };
  } finally {
    await fake.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest, over the rate rules, of the time the accepted calls need at least (real ms). */
export function rateLimitFloorMs(calls: readonly RecordedCall[], timeScale: number): number {
  const perRule = new Map<string, { count: number; limit: number; windowSeconds: number }>();
  for (const c of calls) {
    if (c.status !== 200) continue;
    const channel = c.method === 'chat.postMessage' ? c.channel : null;
    for (const rule of rulesFor(DEFAULT_RATE_LIMITS, c.method, channel)) {
      const entry = perRule.get(rule.key) ?? { count: 0, limit: rule.limit, windowSeconds: rule.windowSeconds };
      entry.count += 1;
      perRule.set(rule.key, entry);
    }
  }
  let floor = 0;
  for (const { count, limit, windowSeconds } of perRule.values()) floor = Math.max(floor, Math.floor((count - 1) / limit) * ((windowSeconds * 1000) / timeScale));
  return floor;
}

/** When each full window of chat.postMessage calls began, relative to the first (shows drift). */
function windowStarts(calls: readonly RecordedCall[]): number[] {
  const posts = calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
  const limit = DEFAULT_RATE_LIMITS.postMessageWorkspacePerMinute;
  const out: number[] = [];
  for (let i = 0; i < posts.length; i += limit) out.push(posts[i]!.at - posts[0]!.at);
  out.push(posts.at(-1)!.at - posts[0]!.at);
  return out;
}

/**
 * Arrival (ms after the delivery began) of each window's first post, of the post whose slot the
 * last post reuses (the window's ((N - 1) % limit + 1)th: the sliding window chains them, so the
 * last post cannot go before that post of the first window + the floor), and of its last post.
 */
function chain(calls: readonly RecordedCall[], d0Wall: number): Array<[number, number, number]> {
  const posts = calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
  const limit = DEFAULT_RATE_LIMITS.postMessageWorkspacePerMinute;
  const link = (posts.length - 1) % limit;
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < posts.length; i += limit) {
    const window = posts.slice(i, i + limit);
    out.push([window[0]!.at - d0Wall, window[Math.min(link, window.length - 1)]!.at - d0Wall, window.at(-1)!.at - d0Wall]);
  }
  return out;
}

function countBy(calls: readonly RecordedCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.method] = (out[c.method] ?? 0) + 1;
  return out;
}

/** The fake Slack on a worker thread (see fanout-fake-slack.worker.ts). */
class FakeSlackThread {
  private constructor(
    private readonly worker: Worker,
    readonly apiUrl: string,
    readonly token: string,
  ) {}

  static async start(options: FakeSlackOptions): Promise<FakeSlackThread> {
    // Workers do not inherit tsx's loader: register it, then load the TypeScript worker.
    const boot = `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(new URL('./fanout-fake-slack.worker.ts', import.meta.url).href)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: options });
    const [ready] = (await once(worker, 'message')) as [{ apiUrl: string; token: string }];
    return new FakeSlackThread(worker, ready.apiUrl, ready.token);
  }

  async calls(): Promise<RecordedCall[]> {
    this.worker.postMessage('calls');
    const [answer] = (await once(this.worker, 'message')) as [{ calls: RecordedCall[] }];
    return answer.calls;
  }

  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await once(this.worker, 'message');
    await this.worker.terminate();
  }
}

/** n reviewers (managers), each with 5 reports holding 4 trading grants: 20 items per reviewer. */
async function seed(store: Store, n: number): Promise<void> {
  const people: Identity[] = [];
  const grants: Grant[] = [];
  const base = { department: 'Trading', jobTitle: null, groups: [], aliases: [], status: 'active' as const, employmentType: 'employee' as const, contractEnd: null, lastSignInAt: null, sourceSystemId: 'hr' };
  for (let m = 0; m < n; m++) {
    people.push({ ...base, id: `mgr${m}`, email: `mgr${m}@example.com`, displayName: `Manager ${m}`, department: 'Management', managerId: null });
    for (let r = 0; r < REPORTS_PER_REVIEWER; r++) {
      const id = `p${m}-${r}`;
      people.push({ ...base, id, email: `${id}@example.com`, displayName: `Person ${m}-${r}`, managerId: `mgr${m}` });
      for (let g = 0; g < ITEMS_PER_REVIEWER / REPORTS_PER_REVIEWER; g++) {
        const accountId = `${id}-acc${g}`;
        const role = g % 2 ? 'VIEWER' : 'TRADER';
        grants.push({ id: grantId('trading', accountId, role, ''), systemId: 'trading', accountId, role, scope: '', identityId: id, identityRef: `${id}@example.com`, accountDisplayName: accountId, accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-11-01T00:00:00.000Z', firstSeenAt: '2026-10-01T00:00:00.000Z' });
      }
    }
  }
  await promoted(store, 'hr@bench', 'hr', (id) => store.snapshots.appendIdentities(id, people), { identities: people.length });
  await promoted(store, 'trading@bench', 'trading', async (id) => {
    for (let i = 0; i < grants.length; i += 5000) await store.snapshots.appendGrants(id, grants.slice(i, i + 5000));
  }, { grants: grants.length });
}

async function promoted(store: Store, id: string, systemId: string, fill: (id: string) => Promise<void>, counts: Partial<typeof EMPTY_COUNTS>): Promise<void> {
  const at = '2026-11-01T00:00:00.000Z';
  await store.snapshots.create({ id, systemId, status: 'running', startedAt: at, finishedAt: null, durationMs: null, counts: { ...EMPTY_COUNTS }, problems: [], contentHash: null, previousSnapshotId: null, acceptedBy: null });
  await fill(id);
  await store.snapshots.finish(id, { status: 'complete', finishedAt: at, durationMs: 0, counts: { ...EMPTY_COUNTS, ...counts }, problems: [], contentHash: null, previousSnapshotId: null }, () => []);
  await store.snapshots.promote(id, null, () => []);
}
