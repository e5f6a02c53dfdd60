/**
 * A firm whose trading system is in `remediation.mode: ticket`, with three revoked grants
 * (acc-a, acc-b, acc-c) and their open remediations, on the real app over real SQLite. The
 * ticket requester is real too (plain fetch to a local fake), with a recording sleep: retries
 * never wait, the waits asked for are in `sleeps`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/logger.js';
import type { SystemRequests } from '../../src/remediation/request-removals.js';
import { requestRemovals } from '../../src/remediation/request-removals.js';
import type { TicketRequesterDeps } from '../../src/remediation/tickets/ticket-requester.js';
import { TicketRequester } from '../../src/remediation/tickets/ticket-requester.js';
import { decideItem } from '../../src/reviews/decide-item.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

export const HR = [
  'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups',
  'E1,alice@example.com,Alice,Trading,Trader,boss@example.com,active,employee,,',
  'E2,boss@example.com,Boss,Trading,Head of desk,,active,employee,,',
  '',
].join('\n');
export const REVOKED = ['acc-a,alice@example.com,TRADER,spot', 'acc-b,alice@example.com,TRADER,futures', 'acc-c,alice@example.com,VIEWER,'];
const OTHERS = Array.from({ length: 30 }, (_, i) => `acc-${i},boss@example.com,VIEWER,desk-${i}`);
export const tradingCsv = (rows: string[]) => ['account_id,identity,role,scope', ...rows, ...OTHERS, ''].join('\n');

export const SECRETS = { WEBHOOK_SECRET: 'whsec-test-1', JIRA_EMAIL: 'bot@example.com', JIRA_TOKEN: 'api-token-1' };

/** connectors/trading.yaml with the given remediation block (YAML lines, indented by two). */
export const tradingYaml = (remediation: string) => MINIMAL_FIRM['connectors/trading.yaml']!.replace('connector:\n', `remediation:\n${remediation}connector:\n`);

export interface TicketFirm {
  app: App;
  configDir: string;
  dataDir: string;
  clock: { now: Date };
  env: Record<string, string>;
  sleeps: number[];
  requester(deps?: Partial<TicketRequesterDeps>): TicketRequester;
  /** requestRemovals over the app's store with the ticket requester; the trading system's result. */
  request(requester?: TicketRequester): Promise<SystemRequests>;
  states(): Promise<Record<string, [string, string | null]>>;
  events(type: string): Promise<{ accountId: unknown; ref: unknown; error: unknown; data: Record<string, unknown> }[]>;
  /** Makes the next ledger append of `type` fail once (a crash between the ticket call and the ledger). */
  failLedgerOnce(type: string): () => void;
  /** Opens the app again (after a CLI run, which opens and closes its own). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function ticketFirm(remediation: string, extraEnv: Record<string, string> = {}): Promise<TicketFirm> {
  const clock = { now: new Date('2026-09-01T08:00:00.000Z') };
  const configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': tradingYaml(remediation), 'connectors/sample-data/hr.csv': HR, 'connectors/sample-data/trading.csv': tradingCsv(REVOKED) });
  const dataDir = mkdtempSync(join(tmpdir(), 'iam-tickets-'));
  const env = { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...SECRETS, ...extraEnv };
  const app = await openApp(loadEnv(env), { now: () => clock.now, log: createLogger('silent') });
  await app.sync.runConfigured(undefined, { actor: 'test' });
  const { campaign } = await openCampaign(await app.reviews.recordedDeps('test'), 'semiannual', { period: '2026-H2', actor: 'test' });
  const boss = { id: 'E2', email: 'boss@example.com', slackId: null, label: 'boss@example.com' };
  for (const item of await app.store.campaigns.items(campaign.id)) {
    if (['acc-a', 'acc-b', 'acc-c'].includes(item.accountId)) await decideItem(app.reviews.deps(), { itemId: item.id, outcome: 'revoke', actor: boss, channel: 'cli', justification: 'left the desk' });
  }
  await app.remediation.open('test');

  const sleeps: number[] = [];
  const requester = (deps: Partial<TicketRequesterDeps> = {}) =>
    new TicketRequester({ env: (name) => (env as Record<string, string>)[name], sleep: async (ms) => void sleeps.push(ms), ...deps });
  const firm: TicketFirm = {
    app,
    configDir,
    dataDir,
    clock,
    env,
    sleeps,
    requester,
    async request(r = requester()) {
      const { store, audit, loadConfig } = firm.app;
      const results = await requestRemovals({ store, audit, now: () => clock.now, config: loadConfig() }, new Map([['ticket' as const, r]]));
      return results.find((x) => x.systemId === 'trading')!;
    },
    async states() {
      return Object.fromEntries((await firm.app.remediation.list({ systemId: 'trading' })).map((r) => [r.accountId, [r.state, r.failure]]));
    },
    async events(type) {
      return (await firm.app.store.ledger.query({ type })).map((e) => ({ accountId: e.data.accountId, ref: e.data.ref, error: e.data.error, data: e.data }));
    },
    failLedgerOnce(type) {
      const db = new Database(join(dataDir, 'iam-review.db'));
      db.exec(`CREATE TRIGGER inject_ticket_crash BEFORE INSERT ON ledger_events WHEN NEW.type = '${type}' BEGIN SELECT RAISE(ABORT, 'injected: crash before the ledger'); END`);
      return () => {
        db.exec('DROP TRIGGER inject_ticket_crash');
        db.close();
      };
    },
    async reopen() {
      firm.app = await openApp(loadEnv(env), { now: () => clock.now, log: createLogger('silent') });
    },
    close: () => firm.app.close(),
  };
  return firm;
}

/** Rewrites trading.csv (e.g. without a revoked grant, so the next sync verifies its removal). */
export function writeTrading(configDir: string, rows: string[]): void {
  writeFileSync(join(configDir, 'connectors/sample-data/trading.csv'), tradingCsv(rows));
}
