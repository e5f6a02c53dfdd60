/**
 * A campaign from opening to sign-off through the CLI, on a real SQLite file and config folder:
 * the opening records the configuration fingerprint (the hash config.loaded records) and the
 * definition's scope; `campaign sign-off` is refused before close, for someone not on the
 * security team and for a second, different sign-off, and recorded once (a repeat of the same
 * one is no error); `audit verify` reconciles the sign-off row with its event and finds it
 * edited; the evidence pack shows fingerprint, scope, sign-off and every revocation with its
 * justification, and carries the sign-off in manifest.json and events.csv.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { EVENT } from '../../src/audit/event-types.js';
import type { EvidenceManifest } from '../../src/audit/evidence-manifest.js';
import { run } from '../../src/cli.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { grant, identity, seedGrants, seedIdentities } from '../helpers/seed-state.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const CAMPAIGN = 'semiannual:2026-H2';
const root = mkdtempSync(join(tmpdir(), 'iam-sign-off-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('campaign sign-off and the report it ends in', () => {
  const dataDir = join(root, 'data');
  const configDir = tempConfigDir(MINIMAL_FIRM);
  let t = Date.parse('2026-07-02T08:00:00.000Z');
  const now = () => new Date(t);

  async function cli(args: string[]) {
    const io = captureIo();
    t += 60_000;
    const code = await run(['node', 'iam-review', ...args], {
      io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, IAM_REVIEW_TIMEZONE: 'Europe/Vaduz', LOG_LEVEL: 'silent' }, cwd: root,
      openApp: (e) => openApp(e, { now }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const events = async (type: string) => JSON.parse(`[${(await cli(['audit', 'log', '--type', type, '--json'])).out.trim().split('\n').filter(Boolean).join(',')}]`) as { seq: number; data: Record<string, unknown> }[];

  beforeAll(async () => {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const hr = await seedIdentities(store, 'hr', [identity('E1', { email: 'alice@example.com', displayName: 'Alice Amrein', managerId: 'E2' }), identity('E2', { email: 'boss@example.com', displayName: 'Bea Boss' })]);
    const trading = await seedGrants(store, 'trading', [grant('trading', 'alice', 'TRADER', 'E1'), grant('trading', 'alice-view', 'VIEWER', 'E1')]);
    // The syncs' events, as the engine records them: `audit verify` then reconciles the whole store.
    const audit = new AuditLog(store.ledger, now);
    for (const [systemId, snapshotId] of [['hr', hr], ['trading', trading]] as const) {
      await audit.record(EVENT.syncCompleted, 'scheduler', systemId, { snapshotId, status: 'complete', counts: (await store.snapshots.get(snapshotId))!.counts });
    }
    await store.close();
  });

  it('records the configuration fingerprint and the scope when the campaign opens', async () => {
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(0);
    const [loaded] = (await events('config.loaded')).slice(-1);
    const [opened] = await events('campaign.opened');
    expect(opened!.data).toMatchObject({ configHash: loaded!.data.hash, scope: { criticality: ['critical', 'important', 'standard'], privilegedOnly: false }, reviewers: ['manager', 'systemOwner'], dueInDays: 14 });
    expect(loaded!.data.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a sign-off before the campaign is closed, by someone not on the security team, or without a statement', async () => {
    const open = await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'sec@example.com', '--statement', 'All reviewed.']);
    expect(open).toMatchObject({ code: 1 });
    expect(open.err).toContain(`campaign ${CAMPAIGN} is open: it can be signed off once it is closed`);
    const items = JSON.parse((await cli(['campaign', 'items', CAMPAIGN, '--json'])).out) as { items: { id: string; role: string }[] };
    const trader = items.items.find((i) => i.role === 'TRADER')!;
    const decided = await cli(['decide', trader.id, 'revoke', '--as', 'boss@example.com', '--reason', 'Moved to operations in June; trading access no longer needed.']);
    expect(decided, decided.err).toMatchObject({ code: 0 });
    const closed = await cli(['campaign', 'close', CAMPAIGN, '--as', 'sec@example.com']);
    expect(closed, closed.err).toMatchObject({ code: 0 });

    const outsider = await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'boss@example.com', '--statement', 'All reviewed.']);
    expect(outsider).toMatchObject({ code: 1 });
    expect(outsider.err).toContain('boss@example.com is not on the security team');
    expect((await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'sec@example.com', '--statement', '  '])).code).toBe(2);
    expect((await cli(['campaign', 'sign-off', 'nope:2026-H2', '--as', 'sec@example.com', '--statement', 'x'])).code).toBe(2);
    expect((await events('access.refused')).map((e) => e.data.code)).toEqual(['campaign_not_closed', 'not_security_team', 'statement_required', 'campaign_not_found']);
    expect(await events('campaign.signed-off')).toEqual([]);
  });

  it('records one sign-off: a repeat of it is no error, another one is refused', async () => {
    const signed = await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'Sec@example.com', '--statement', 'Outcome reviewed; the revocation is being removed.']);
    expect(signed, signed.err).toMatchObject({ code: 0 });
    expect(signed.out).toMatch(new RegExp(`^Signed off: ${CAMPAIGN} by sec@example.com at 2026-07-02T08:\\d\\d:00.000Z: "Outcome reviewed; the revocation is being removed."`));
    const again = await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'sec@example.com', '--statement', 'Outcome reviewed; the revocation is being removed.']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toMatch(/^Already signed off: /);
    const other = await cli(['campaign', 'sign-off', CAMPAIGN, '--as', 'sec@example.com', '--statement', 'Something else.']);
    expect(other).toMatchObject({ code: 1 });
    expect(other.err).toContain(`campaign ${CAMPAIGN} was signed off already by sec@example.com`);
    const signOffs = await events('campaign.signed-off');
    expect(signOffs).toEqual([expect.objectContaining({ data: { campaignId: CAMPAIGN, signedBy: 'sec@example.com', statement: 'Outcome reviewed; the revocation is being removed.', signedAt: expect.any(String) } })]);
    const verify = await cli(['audit', 'verify']);
    expect(verify, verify.out + verify.err).toMatchObject({ code: 0 });
  });

  it('the pack shows the fingerprint, scope, sign-off and the revocation with its justification, and carries the sign-off', async () => {
    const dir = join(root, 'pack');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', dir, '--as', 'audit@example.com'])).code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const [opened] = await events('campaign.opened');
    expect(html).toContain(`<span class="mono" data-field="config-fingerprint">${String(opened!.data.configHash)}</span>, recorded by the campaign's opening (campaign.opened)`);
    expect(html).toMatch(/<table data-table="config-files">.*<td>reviews\/semiannual\.yaml<\/td><td class="mono">[0-9a-f]{64}<\/td>/s);
    expect(html).toContain('Systems (2): HR export (hr), Trading platform (trading); the review covers the systems of criticality critical or important or standard.');
    expect(html).toContain('<td data-field="sign-off-statement">Outcome reviewed; the revocation is being removed.</td>');
    expect(html).toMatch(/<td data-field="signed-by">sec@example.com<\/td><\/tr>\s*<tr><th>At<\/th><td><time datetime="2026-07-02T08:\d\d:00.000Z">2 Jul 2026, 10:\d\d CEST<\/time>/);
    const revocations = /<table data-table="revocations">(.*?)<\/table>/s.exec(html)![1]!;
    expect(revocations).toContain('<td>Alice Amrein &lt;alice@example.com&gt;<br><span class="muted">account alice</span></td><td>Trading platform</td><td>TRADER</td>');
    // Entered with `decide`: the reviewer, and the operator who typed it (here the OS user@host).
    expect(revocations).toMatch(/<td>Bea Boss &lt;boss@example\.com&gt; \(entered by [^)<]+@[^)<]+\)<\/td>/);
    expect(revocations).toContain('Moved to operations in June; trading access no longer needed.');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
    const [signed] = await events('campaign.signed-off');
    expect(manifest.signOffs).toEqual([{ campaignId: CAMPAIGN, signedBy: 'sec@example.com', statement: 'Outcome reviewed; the revocation is being removed.', signedAt: signed!.data.signedAt, seq: signed!.seq, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(manifest.ledger.toSeq).toBeGreaterThanOrEqual(signed!.seq);
    expect(readFileSync(join(dir, 'events.csv'), 'utf8')).toMatch(new RegExp(`^${signed!.seq},[^,]+,campaign\\.signed-off,`, 'm'));
    expect((await cli(['audit', 'verify-export', dir])).code).toBe(0);
  });

  it('audit verify finds a sign-off row edited in the database', async () => {
    const db = new Database(join(dataDir, 'iam-review.db'));
    const key = `campaign-sign-off:${CAMPAIGN}`;
    const row = JSON.parse((db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(key) as string)) as Record<string, string>;
    db.prepare('UPDATE kv SET value = ? WHERE key = ?').run(JSON.stringify({ ...row, statement: 'Nothing to see.' }), key);
    db.close();
    const verify = await cli(['audit', 'verify']);
    expect(verify.code).toBe(4);
    expect(verify.out + verify.err).toMatch(new RegExp(`kv row "campaign-sign-off:${CAMPAIGN}" statement = "Nothing to see.", but ledger seq \\d+ campaign.signed-off says statement "Outcome reviewed; the revocation is being removed."`));
  });
});
