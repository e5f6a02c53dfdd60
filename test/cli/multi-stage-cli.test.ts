/**
 * A two-stage review through the real CLI on real SQLite, as a security team runs it: sync,
 * open, a stage-1 revoke by the manager (passed on to the system owner), the owner's stage-2
 * decision, status and items per stage, the evidence pack (decisions.csv: stage and
 * earlier_stages; report.html: the stages), `audit verify`. The system is served by the scripted
 * connector (the only part that is not the product's).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import type { ReviewItem } from '../../src/domain/index.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord } from '../helpers/scripted-connector.js';
import { runScriptedCli } from '../helpers/scripted-cli.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';
import { twoStageReview } from '../reviews/review-fixture.js';

const NOW = new Date('2026-09-01T08:00:00.000Z');
const CAMPAIGN = 'semiannual:2026-H2';

describe('multi-stage reviews from the CLI', () => {
  let configDir: string;
  let dataDir: string;
  const scripts = new Map<string, Script>();
  const cli = (args: string[]) => runScriptedCli({ configDir, dataDir, scripts, now: () => NOW }, args, { IAM_REVIEW_OPERATOR: 'ops@example.com' });
  const items = async (): Promise<ReviewItem[]> => (JSON.parse((await cli(['campaign', 'items', CAMPAIGN, '--json'])).out) as { items: ReviewItem[] }).items;

  beforeEach(() => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      ...twoStageReview(),
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: trading\n'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-stages-'));
    scripts.set('trading', { grants: [grantRecord('acc-alice', 'TRADER', { identityRef: 'alice@example.com' })] });
  });

  it('a revoke passes on to the owner, who overturns it; status, items, the pack and audit verify show both stages', async () => {
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
    const [alice] = await items();
    expect(alice).toMatchObject({ accountId: 'acc-alice', reviewerId: 'E2' });

    const revoke = await cli(['decide', alice!.id, 'revoke', '--as', 'boss@example.com', '--reason', 'moved to the back office']);
    expect([revoke.code, revoke.err]).toEqual([EXIT.ok, '']);
    expect(revoke.out).toContain('Recorded: revoke at stage 1 of trading:acc-alice:TRADER by boss@example.com, entered by ops@example.com.');
    expect(revoke.out).toMatch(/Passed on to stage 2 \(Owner confirmation\): now with head-of-trading@example\.com, due 2026-09-08T08:00:00\.000Z\./);
    // Passed on, not settled: no remediation is opened.
    expect(revoke.out).not.toContain('Remediation');

    const table = (await cli(['campaign', 'items', CAMPAIGN])).out;
    expect(table.split('\n')[0]).toMatch(/REVIEWER\s+STAGE\s+STATE/);
    const context = (await cli(['campaign', 'items', CAMPAIGN, '--context'])).out;
    expect(context).toContain('Stage 2 (Owner confirmation) of 2');
    expect(context).toContain('Stage 1 (Manager review): revoked by boss@example.com on 2026-09-01: "moved to the back office"');

    const status = (await cli(['campaign', 'status', CAMPAIGN])).out;
    expect(status).toContain('Stage 1 (Manager review): 1 decided, 0 pending');
    expect(status).toContain('Stage 2 (Owner confirmation): 0 decided, 1 pending');
    // The manager's stage-1 decision counts as done for them; the owner has the item pending.
    const json = JSON.parse((await cli(['campaign', 'status', CAMPAIGN, '--format', 'json'])).out) as { reviewers: { email: string; done: number; pending: number }[] };
    expect(json.reviewers.map((r) => [r.email, r.done, r.pending]).sort()).toEqual([['boss@example.com', 1, 0], ['head-of-trading@example.com', 0, 1]]);

    const approve = await cli(['decide', alice!.id, 'approve', '--as', 'head-of-trading@example.com', '--reason', 'still trades on the desk']);
    expect([approve.code, approve.err]).toEqual([EXIT.ok, '']);
    expect(approve.out).toContain('Recorded: approved trading:acc-alice:TRADER by head-of-trading@example.com');
    expect((await cli(['campaign', 'close', CAMPAIGN])).code).toBe(EXIT.ok);

    const out = join(dataDir, 'pack');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--format', 'csv,html', '--out', out])).code).toBe(EXIT.ok);
    const rows = parse(readFileSync(join(out, 'decisions.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'approved', decision: 'approve', reviewer_email: 'head-of-trading@example.com', stage: '2' });
    expect(rows[0]!.earlier_stages).toMatch(/^1: revoke by boss@example\.com at 2026-09-01T08:00:00\.000Z \(moved to the back office\)$/);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('Stages (2; the last stage an item reached decides it): stage 1, Manager review: every item');
    expect(report).toContain('stage 2, Owner confirmation: revokes and approvals with findings of the stage before, to the system&#39;s owner, 7 days');
    expect((await cli(['audit', 'verify'])).code).toBe(EXIT.ok);
  });
});
