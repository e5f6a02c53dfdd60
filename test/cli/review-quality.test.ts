/**
 * Rubber-stamp detection from the user's side: two managers review their desks through
 * `decide` on a clock the test moves. One approves 25 items two seconds apart, including the
 * three with high `not-allowed` findings; the other takes a minute per item and revokes
 * those three. `campaign status --format json` flags the first (review-quality observations)
 * and not the second; the text status names them. Real CLI, real SQLite, scripted connector.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import type { ReviewItem, ReviewQuality } from '../../src/domain/index.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord } from '../helpers/scripted-connector.js';
import { runScriptedCli } from '../helpers/scripted-cli.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

/** Two desks of 25: the first 22 of each in Trading, the last 3 in Operations (TRADER is for Trading: a high finding on a critical system). */
function hr(): string {
  const rows = ['id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups'];
  rows.push('S,stamp@example.com,Stamp,Trading,Head of desk A,,active,employee,,', 'C,careful@example.com,Careful,Trading,Head of desk B,,active,employee,,');
  for (const [desk, manager] of [['a', 'stamp'], ['b', 'careful']] as const) {
    for (let k = 0; k < 25; k++) rows.push(`${desk}${k},${desk}${k}@example.com,${desk}${k},${k < 22 ? 'Trading' : 'Operations'},Trader,${manager}@example.com,active,employee,,`);
  }
  return [...rows, ''].join('\n');
}

describe('campaign status: review quality', () => {
  let configDir: string;
  let dataDir: string;
  let clock: Date;
  const scripts = new Map<string, Script>();

  const cli = (...args: string[]) => runScriptedCli({ configDir, dataDir, scripts, now: () => clock, env: { IAM_REVIEW_OPERATOR: 'sec@example.com' } }, args);
  const items = async (campaign: string) => (JSON.parse((await cli('campaign', 'items', campaign, '--json')).out) as { items: ReviewItem[] }).items;

  beforeEach(() => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': hr(),
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: trading\n'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-quality-'));
    const grants = ['a', 'b'].flatMap((desk) => Array.from({ length: 25 }, (_, k) => grantRecord(`acc-${desk}${k}`, 'TRADER', { identityRef: `${desk}${k}@example.com` })));
    scripts.set('trading', { grants, pageSize: 100 });
  });

  it('flags the reviewer who approved everything seconds apart, high findings included; not the careful one', async () => {
    clock = new Date('2026-01-10T08:00:00.000Z');
    expect((await cli('sync')).code).toBe(EXIT.ok);
    await cli('check');
    expect((await cli('campaign', 'open', 'semiannual', '--period', '2026-H1')).code).toBe(EXIT.ok);
    const all = await items('semiannual:2026-H1');
    const stampItems = all.filter((i) => i.reviewerId === 'S');
    const carefulItems = all.filter((i) => i.reviewerId === 'C');
    expect([stampItems.length, carefulItems.length]).toEqual([25, 25]);
    expect(stampItems.filter((i) => i.findings.some((f) => f.severity === 'high')).length).toBe(3);

    const start = Date.parse('2026-01-12T09:00:00.000Z');
    for (const [n, item] of stampItems.entries()) {
      clock = new Date(start + n * 2_000);
      const r = await cli('decide', item.id, 'approve', '--as', 'stamp@example.com', '--reason', 'ok');
      expect([r.code, r.err]).toEqual([EXIT.ok, '']);
    }
    for (const [n, item] of carefulItems.entries()) {
      clock = new Date(start + 3_600_000 + n * 60_000);
      const outcome = item.findings.length > 0 ? 'revoke' : 'approve';
      const r = await cli('decide', item.id, outcome, '--as', 'careful@example.com', '--reason', outcome === 'revoke' ? 'not a trader' : 'trades daily');
      expect([r.code, r.err]).toEqual([EXIT.ok, '']);
    }

    const status = await cli('campaign', 'status', 'semiannual:2026-H1', '--format', 'json');
    expect(status.code).toBe(EXIT.ok);
    const quality = (JSON.parse(status.out) as { reviewQuality: ReviewQuality & { reviewers: { email: string | null }[] } }).reviewQuality;
    expect(quality.flagged).toBe(1);
    expect(quality.reviewers).toEqual([
      {
        reviewerId: 'S', email: 'stamp@example.com', decided: 25, approved: 25, approvalShare: 1, approvedWithFindings: 3, approvedWithSevereFindings: 3,
        medianGapSeconds: 2, minGapSeconds: 2, approveAllDecisions: 0,
        observations: [
          { type: 'review-quality', pattern: 'approved-everything', text: 'approved all of 25 items (at least 20), 3 of them with a high or more severe finding' },
          { type: 'review-quality', pattern: 'fast-decisions', text: '25 decisions a median 2 s apart (under 3 s), the fastest 2 s' },
        ],
      },
      {
        reviewerId: 'C', email: 'careful@example.com', decided: 25, approved: 22, approvalShare: 0.88, approvedWithFindings: 0, approvedWithSevereFindings: 0,
        medianGapSeconds: 60, minGapSeconds: 60, approveAllDecisions: 0, observations: [],
      },
    ]);
    expect(quality.thresholds).toEqual({ approvedEverything: { minItems: 20, minApprovalShare: 1, findingSeverity: 'high' }, fastDecisions: { minItems: 10, medianGapSeconds: 3 }, approveAllWithFindings: true });

    const text = (await cli('campaign', 'status', 'semiannual:2026-H1')).out;
    expect(text).toContain('Review quality: 1 reviewer(s) flagged (review-quality observations):');
    expect(text).toContain('  Stamp <stamp@example.com>: approved-everything: approved all of 25 items (at least 20), 3 of them with a high or more severe finding');
    expect(text).toContain('  Stamp <stamp@example.com>: fast-decisions: 25 decisions a median 2 s apart');
    expect(text).not.toMatch(/Careful <careful@example.com>: /);

    // report.html: the "Review quality" part of the campaign, flagged reviewer first.
    const out = join(dataDir, 'pack');
    expect((await cli('export', '--campaign', 'semiannual:2026-H1', '--format', 'html', '--out', out)).code).toBe(EXIT.ok);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h3>Review quality</h3>');
    expect(html).toContain('<p data-field="review-quality-flagged">1 reviewer(s) flagged.</p>');
    const rows = [...html.matchAll(/<tr data-flagged="(true|false)">(.*?)<\/tr>/g)].map((m) => [m[1], m[2]!.replace(/<[^>]+>/g, '|')]);
    expect(rows).toEqual([
      ['true', expect.stringMatching(/^\|Stamp &lt;stamp@example.com&gt;\|\|25\|\|100.0%\|\|3 \(3\)\|\|2 s\|\|2 s\|\|0\|\|\|approved-everything\|: approved all of 25 items .*\|fast-decisions\|: 25 decisions a median 2 s apart/)],
      ['false', '|Careful &lt;careful@example.com&gt;||25||88.0%||0 (0)||60 s||60 s||0||none|'],
    ]);
  });
});
