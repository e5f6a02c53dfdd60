/**
 * `iam-review demo` as a newcomer runs it: the shipped sample firm, the embedded store in a
 * fresh data dir, twice in a row (the second run must work too).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { captureIo } from '../helpers/capture-io.js';

const REPO = resolve(import.meta.dirname, '../..');

describe('iam-review demo', () => {
  it('runs the whole pipeline on the sample firm, and again without --reset', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iam-demo-'));
    const out = join(dataDir, 'out');
    const env = { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const first = captureIo();
    expect(await run(['node', 'iam-review', 'demo', '--reset', '--out', out], { io: first, env, cwd: REPO })).toBe(0);
    const text = first.stdout();
    expect(text).toMatch(/custody-wallet\s+complete/);
    expect(text).toMatch(/hr\s+complete\s+48/);
    expect(text).toMatch(/Opened: .*half-yearly-critical:2026-H\d|Opened: .*half-yearly-critical:\d{4}-H\d/);
    expect(text).toMatch(/SIMULATED/);
    expect(text).toMatch(/Closed: \d+ approved, \d+ revoked, 0 expired/);
    // Rubber-stamp detection: the simulated managers decide milliseconds apart.
    expect(text).toMatch(/\nClosed: .*\nReview quality: [1-9]\d* reviewer\(s\) flagged \(review-quality observations\):\n {2}.+: fast-decisions: \d+ decisions a median 0 s apart/);
    expect(text).toContain('Every finding type is present in the sample firm (review-overdue aside: it needs months to pass).');
    expect(text).toMatch(/^Review cadence \(`iam-review coverage`\): .*custody-wallet \(critical\) next due \d{4}-\d{2}-\d{2};/m);
    // The loop closes: one remediation per revoke; the later exports removed three of them,
    // one came back (revoked-access-returned), the rest are still to be removed, and past due:
    // steps 1-7 ran on a clock 26 h back, step 8 on the real time (the ledger records both).
    expect(text).toMatch(/\nDemo clock: \S+Z, 26 h before the real time\. Steps 1-7 replay the review as if they ran then, so that removals due 24 h after their decision are past due/);
    expect(text).toMatch(/\nDemo clock: now the real time, \S+Z\.\n/);
    const revoked = Number(/Closed: \d+ approved, (\d+) revoked/.exec(text)![1]);
    // The leavers' revokes joined the removals their findings opened at the first check (remediation.findings).
    const [, openedNow, joined] = /Remediations: (\d+) opened now \((\d+) more revokes joined the removal their leaver finding had already opened\)/.exec(text)!.map(Number);
    expect(joined).toBeGreaterThan(0);
    expect(openedNow! + joined!).toBe(revoked);
    expect(text).toContain(`already opened), ${revoked} for this campaign (one per revoke), each due 24 h / 48 h after its decision (a leaver's: after its finding was first raised)`);
    expect(text).toContain('Verified removed (the snapshot no longer holds the grant): 3');
    // The later kms export shows the sealed break-glass root used: its review opened in that sync, for the owner, due in 24 h.
    expect(text).toMatch(/\nBreak-glass review: kms:breakglass-root root-emergency@custody, break-glass access used on 2026-11-28: campaign break-glass:kms:g_[0-9a-f]{32}:2026-11-28T02:17:00\.000Z, assigned to martin\.kaiser@example\.com \(the system owner\), due \S+Z, pending\.\n/);
    for (const g of ['custody-wallet:fbu-ramann VIEWER', 'custody-wallet:fba-legacy-reporting VIEWER', 'kms:svc-backup-legacy kms-operator@custody']) {
      expect(text).toMatch(new RegExp(`  verified  ${g}  by snapshot ${g.split(':')[0]}@\\S+ \\(sha256 [0-9a-f]{12}…\\)`));
    }
    expect(text).toMatch(/ {2}REAPPEARED {2}custody-wallet:fbu-ramann VIEWER: verified removed by custody-wallet@\S+, back in custody-wallet@\S+/);
    // Due 24 h after the decision (critical), past due; kms allows 48 h (connectors/kms.yaml): still open.
    const overdue = Number(new RegExp(`Still to be removed: ${revoked - 3} \\((\\d+) overdue, \\1 marked now\\)`).exec(text)?.[1]);
    expect(overdue).toBeGreaterThan(0);
    expect(text).toMatch(/ {2}overdue {3}trading:voehri ADMIN {2}due \S+ {2}owner felix\.batliner@example\.com/);
    expect(text).toMatch(/ {2}open {6}kms:kevin\.ritter legacy-transit-admin@custody {2}due \S+ {2}owner martin\.kaiser@example\.com/);
    expect(text).toMatch(new RegExp(`\\nOverdue: ${overdue} removals past their due time, by owner: .*felix\\.batliner@example\\.com \\d+.*\\. \`serve\` escalates them daily`));
    expect(text).toMatch(/high\s+revoked-access-returned\s+custody-wallet\s+fbu-ramann\s+raphael\.amann@example\.com\s+VIEWER/);

    // The pack shows it: every revoke has a remediation state, remediations.csv a row each, the report a Remediation section.
    const pack = join(out, 'evidence', readdirSync(join(out, 'evidence'))[0]!);
    const decisions = parse(readFileSync(join(pack, 'decisions.csv')), { columns: true }) as Record<string, string>[];
    const revokes = decisions.filter((d) => d.decision === 'revoke');
    expect(revokes).toHaveLength(revoked);
    expect(revokes.filter((d) => d.remediation_state === '')).toEqual([]);
    const rows = parse(readFileSync(join(pack, 'remediations.csv')), { columns: true }) as Record<string, string>[];
    const states = (list: Record<string, string>[]) => list.reduce<Record<string, number>>((m, r) => ({ ...m, [r.state!]: (m[r.state!] ?? 0) + 1 }), {});
    // Plus the removal the returned grant's contract-ended finding opened again (reason finding, no item), on the real time: open.
    expect(states(rows)).toEqual({ overdue, open: revoked - 3 - overdue + 1, verified: 2, reappeared: 1 });
    expect(rows.filter((r) => r.state === 'open' && r.item_id !== '').map((r) => r.system)).toEqual(Array(revoked - 3 - overdue).fill('kms'));
    expect(rows.find((r) => r.account === 'voehri')).toMatchObject({ state: 'overdue', owner: 'felix.batliner@example.com' });
    expect(rows.filter((r) => r.item_id === '')).toEqual([expect.objectContaining({ state: 'open', reason: expect.stringMatching(/^finding:contract-ended\|/), requested_by: 'policy' })]);
    expect(readFileSync(join(pack, 'report.html'), 'utf8')).toMatch(/data-figure="finding-removals">1</);
    expect(rows.find((r) => r.account === 'fbu-ramann')).toMatchObject({ state: 'reappeared', verified_snapshot_id: expect.stringMatching(/^custody-wallet@/), reappeared_snapshot_id: expect.stringMatching(/^custody-wallet@/) });
    const report = readFileSync(join(pack, 'report.html'), 'utf8');
    expect(report).toContain('data-section="remediation"');
    expect(report).toMatch(/data-figure="remediation-reappeared">1</);
    // The overdue list with owners.
    const overdueTable = /<table data-table="overdue-removals">[\s\S]*?<\/table>/.exec(report)?.[0] ?? '';
    expect(overdueTable.match(/<tr><td class="mono">/g)).toHaveLength(overdue);
    expect(overdueTable).toMatch(/<td>trading<\/td><td>felix\.batliner@example\.com<\/td><td>voehri<\/td><td>ADMIN<\/td><td>overdue<\/td>/);
    expect(report).toContain('Art. 21(e) (access withdrawn without undue delay)');

    // `remediation list --format json` lists every revoked item with a state.
    const listed = captureIo();
    expect(await run(['node', 'iam-review', 'remediation', 'list', '--format', 'json'], { io: listed, env, cwd: REPO })).toBe(0);
    const remediations = (JSON.parse(listed.stdout()) as { remediations: { itemId: string | null; state: string; reason: { kind: string } }[] }).remediations;
    expect(remediations.filter((r) => r.itemId !== null).map((r) => r.itemId).sort()).toEqual(revokes.map((d) => d.item_id).sort());
    // The grant that came back raised its contract-ended finding again: a removal of its own, no item (remediation.findings).
    expect(remediations.filter((r) => r.itemId === null)).toEqual([expect.objectContaining({ state: 'open', reason: expect.objectContaining({ kind: 'finding' }) })]);
    for (const r of remediations) expect(['open', 'overdue', 'verified', 'reappeared']).toContain(r.state);
    expect(text).toMatch(/Hash chain intact: \d+ events/);
    // The audit step reconciles the state tables with the ledger, as `audit verify` does.
    // Two campaigns: the half-yearly review and the break-glass review of step 8.
    expect(text).toMatch(/\nState agrees with the ledger: 2 campaigns, \d+ items, \d+ decisions, \d+ snapshots, \d+ findings rows, \d+ remediations reconciled with \d+ events\.\n/);
    // Step 5: one DM in full (the reviewer with a leaver's item: its revoke recommendation shows,
    // with the person's job and the system's name), the others as one line each, then the App Home.
    const dms = text.match(/^--- DM to .*$/gm) ?? [];
    expect(dms.length).toBeGreaterThan(3);
    for (const dm of dms) expect(dm).toMatch(/^--- DM to .+ <\S+@example\.com>: \d+ items, \d+ with findings, \d+ recommended for revoking, \d+ message\(s\); Block Kit JSON: /);
    const full = text.slice(text.indexOf(dms[0]!), text.indexOf(dms[1]!));
    expect(full).toMatch(/\n {4}\*Roman Kindle\* · Treasury Manager, Treasury · roman\.kindle@example\.com\n {4}\*Custody wallet \(MPC workspace\)\* \(critical\) · role `SIGNER`\n {4}Role: .+\n {4}Last activity: .+\n.*:door: leaver \(high\).*\n.*\n {4}\*Recommended:\* revoke: leaver since 2026-10-31; /);
    // The other DMs are one line each: nothing of their items is printed.
    expect(text.slice(text.indexOf(dms[1]!), text.indexOf('--- App Home'))).not.toContain('*Recommended:*');
    expect(text).toMatch(/\n--- App Home of Julia Hasler \(.*\); Block Kit JSON: .*app-home\/julia\.hasler@example\.com\.json\n {4}== Your access reviews ==\n/);
    // Step 6: decision lines name the scope.
    expect(text).toMatch(/\n {2}approved {2}trading:jquaderer TRADER@(spot|derivatives) {2}by felix\.batliner@example\.com\n/);
    // Step 8: only the change of the findings since step 3, not the whole table again.
    expect(text).toMatch(/\nFindings since step 3: [1-9]\d* new, \d+ resolved; \d+ open now\.\n/);
    expect(text.match(/^high\s+not-allowed\s+custody-wallet\s+fbu-rsprenger/gm)).toHaveLength(1);
    // `campaign items --context` shows an item as its reviewer sees it.
    const context = captureIo();
    const campaignId = /Opened: .*\((half-yearly-critical:\S+)\), \d+ items/.exec(text)![1]!;
    expect(await run(['node', 'iam-review', 'campaign', 'items', campaignId, '--context'], { io: context, env, cwd: REPO })).toBe(0);
    expect(context.stdout()).toMatch(/\n {4}\*Roman Kindle\* · Treasury Manager, Treasury · roman\.kindle@example\.com\n(?: {4}.*\n)+? {4}\*Recommended:\* revoke: leaver since 2026-10-31; /);
    const previews = readdirSync(join(out, 'slack'));
    expect(previews.length).toBeGreaterThan(3);
    const blocks = JSON.parse(readFileSync(join(out, 'slack', previews[0]!), 'utf8')) as Array<{ blocks: unknown[] }>;
    expect(blocks[0]!.blocks.length).toBeGreaterThan(3);
    expect(existsSync(join(dataDir, 'iam-review.db'))).toBe(true);

    // A superseded snapshot's hash edited in the database between the runs: the second run's audit step names it.
    const db = new Database(join(dataDir, 'iam-review.db'));
    const { id } = db.prepare<[], { id: string }>("SELECT id FROM snapshots WHERE system_id = 'trading' ORDER BY started_at LIMIT 1").get()!;
    db.prepare("UPDATE snapshots SET content_hash = 'edited' WHERE id = ?").run(id);
    db.close();
    const second = captureIo();
    expect(await run(['node', 'iam-review', 'demo', '--out', out], { io: second, env, cwd: REPO })).toBe(0);
    expect(second.stdout()).toMatch(/Already closed/);
    expect(second.stdout()).toMatch(/Hash chain intact/);
    expect(second.stdout()).toContain('\nSTATE DIFFERS FROM THE LEDGER: 1 difference(s)');
    expect(second.stdout()).toMatch(new RegExp(`\\n  snapshots row "${id}" contentHash = "edited", but ledger seq \\d+ sync\\.completed says contentHash "[0-9a-f]+"\\n`));
    // The second run's clock does not go back before the first run's events: the ledger's times never decrease.
    expect(second.stdout()).toMatch(/\nDemo clock: the real time \(the ledger already holds events until \S+Z, so it does not go back\)\.\n/);
    const ledger = new Database(join(dataDir, 'iam-review.db'), { readonly: true });
    const times = ledger.prepare<[], { at: string }>('SELECT at FROM ledger_events ORDER BY seq').all().map((e) => e.at);
    const firstAt = (type: string) => ledger.prepare<[string], { at: string }>('SELECT at FROM ledger_events WHERE type = ? ORDER BY seq LIMIT 1').get(type)!.at;
    // Decisions were ledgered on the replayed clock, more than a day before the overdue marks.
    const decidedToOverdue = Date.parse(firstAt('remediation.overdue')) - Date.parse(firstAt('decision.recorded'));
    ledger.close();
    expect(times.length).toBeGreaterThan(200);
    expect(times.filter((at, i) => i > 0 && at < times[i - 1]!)).toEqual([]);
    expect(decidedToOverdue).toBeGreaterThan(24 * 3_600_000);
  }, 120_000);
});

