/**
 * A small firm for the review operations' tests: a real SQLite store seeded with identities and
 * trading grants, review deps with a fixed clock, and one open campaign. alice and bob
 * report to boss; boss's and sec's own grants are reviewed by head-of-trading (the system owner);
 * sec is the security team; carol is terminated. svc-x is a service account (no subject).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Campaign, LedgerEvent, ReviewItem } from '../../src/domain/index.js';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import type { ReviewActor } from '../../src/reviews/review-actor.js';
import type { ReviewDeps } from '../../src/reviews/review-deps.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

export const actor = (id: string, slackId: string | null = null): ReviewActor => ({ id, email: `${id}@example.com`, slackId, label: `${id}@example.com` });

export interface ReviewFixture {
  store: Store;
  /** The SQLite file (for tests that tamper with rows behind the store's back). */
  dbFile: string;
  deps: ReviewDeps;
  campaign: Campaign;
  /** The campaign's item of an account. */
  item(accountId: string): Promise<ReviewItem>;
  ledger(type?: string): Promise<LedgerEvent[]>;
  close(): Promise<void>;
}

/**
 * A two-stage semiannual review: the manager (else the system owner) first, then the system
 * owner for revokes and approvals of items with findings; `outcome` as given, `more` lines added.
 */
export function twoStageReviewYaml(outcome: 'last-stage' | 'any-revoke' = 'last-stage', more = ''): string {
  return `id: semiannual
name: Half-yearly review
schedule: { cron: "0 9 1 1,7 *", timezone: Europe/Vaduz }
period: half-year
scope:
  criticality: [critical, important, standard]
stages:
  - name: Manager review
    reviewers: [manager, systemOwner]
    dueInDays: 10
    requireJustification: [revoke]
  - name: Owner confirmation
    reviewers: [systemOwner]
    dueInDays: 7
    when: [revoke, approve-with-findings]
    requireJustification: [revoke, approve-with-findings]
outcome: ${outcome}
${more}`;
}

/** twoStageReviewYaml as the firm's reviews/semiannual.yaml. */
export function twoStageReview(outcome: 'last-stage' | 'any-revoke' = 'last-stage'): Record<string, string> {
  return { 'reviews/semiannual.yaml': twoStageReviewYaml(outcome) };
}

/**
 * `requireJustification` is the definition's list (the default: revoke and approve-with-findings);
 * `files` replace files of the firm (e.g. a multi-stage reviews/semiannual.yaml: then
 * `requireJustification` is not added to it).
 */
export async function reviewFixture(requireJustification = '[revoke, approve-with-findings]', files: Record<string, string> = {}): Promise<ReviewFixture> {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'iam-rev-')), 'r.db');
  const store = openSqliteStore({ file: dbFile });
  const clock = new Date('2026-11-24T09:00:00Z');
  const now = () => new Date(clock);
  const config = loadConfig(
    tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': `${MINIMAL_FIRM['reviews/semiannual.yaml']!}requireJustification: ${requireJustification}\n`, ...files }),
    () => z.strictObject({ path: z.string() }),
  );
  const deps: ReviewDeps = { store, audit: new AuditLog(store.ledger, now), now, config, timeZone: 'UTC' };
  await seedIdentities(store, 'hr', [
    identity('boss', { department: 'Management' }),
    identity('alice', { managerId: 'boss', department: 'Trading' }),
    identity('bob', { managerId: 'boss' }),
    identity('sec', { department: 'Security' }),
    identity('head-of-trading', { managerId: 'boss' }),
    identity('carol', { managerId: 'boss', status: 'terminated' }),
  ]);
  await seedGrants(store, 'trading', [
    grant('trading', 'alice-acc', 'TRADER', 'alice'),
    grant('trading', 'bob-acc', 'VIEWER', 'bob'),
    grant('trading', 'boss-acc', 'TRADER', 'boss'),
    grant('trading', 'sec-acc', 'VIEWER', 'sec'),
    grant('trading', 'svc-x', 'VIEWER', null, { accountType: 'service' }),
  ]);
  const { campaign } = await openCampaign(deps, 'semiannual', { actor: 'sec@example.com' });
  return {
    store,
    dbFile,
    deps,
    campaign,
    async item(accountId) {
      const found = (await store.campaigns.items(campaign.id)).find((i) => i.accountId === accountId);
      if (!found) throw new Error(`no item for ${accountId}`);
      return found;
    },
    async ledger(type) {
      const out: LedgerEvent[] = [];
      for await (const b of store.ledger.read()) out.push(...b);
      return type ? out.filter((e) => e.type === type) : out;
    },
    close: () => store.close(),
  };
}
