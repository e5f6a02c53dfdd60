/**
 * A grant's detail (what the access allows, from the connector) travels with the review: the
 * campaign freezes it on the item and in the item.assigned event, the reviewer's Slack item
 * shows its summary, decisions.csv exports it as `access_detail`, and `audit verify` names an
 * item whose detail was edited in the database. Real CLI, real SQLite; the system is served by
 * the scripted connector (the only part that is not the product's).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { BUILT_IN_TYPES, ConnectorRegistry, registered } from '../../src/connectors/registry.js';
import type { ReviewItem } from '../../src/domain/index.js';
import { itemSectionText } from '../../src/slack/blocks/review-item-blocks.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord, scriptedConnectorType } from '../helpers/scripted-connector.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const NOW = new Date('2026-09-01T08:00:00.000Z');
const CAMPAIGN = 'semiannual:2026-H2';
const APPROVE_LARGE = { summary: 'can approve withdrawals over 1,000,000 EUR from vault Treasury (2 of 3 approvers)', rule: { id: 'rule-7', name: 'Treasury > 1M' }, via: ['group:Treasury approvers'] };

describe('grant detail in a review', () => {
  let configDir: string;
  let dataDir: string;
  const scripts = new Map<string, Script>();

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const connectors = new ConnectorRegistry([...BUILT_IN_TYPES, registered(scriptedConnectorType(scripts))]);
    const code = await run(['node', 'iam-review', ...args], {
      io,
      env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      openApp: (env, o: AppOptions) => openApp(env, { ...o, now: () => NOW, connectors }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const items = async (): Promise<ReviewItem[]> => (JSON.parse((await cli(['campaign', 'items', CAMPAIGN, '--json'])).out) as { items: ReviewItem[] }).items;

  beforeEach(async () => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: trading\n'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-detail-'));
    scripts.set('trading', {
      grants: [grantRecord('acc-alice', 'TRADER', { identityRef: 'alice@example.com', detail: APPROVE_LARGE }), grantRecord('acc-boss', 'VIEWER', { identityRef: 'boss@example.com' })],
    });
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
  });

  it('is frozen on the item and in its item.assigned event; an item without one has none', async () => {
    const [alice, boss] = [(await items()).find((i) => i.accountId === 'acc-alice')!, (await items()).find((i) => i.accountId === 'acc-boss')!];
    expect(alice.detail).toEqual(APPROVE_LARGE);
    expect(boss).not.toHaveProperty('detail');
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      const [assigned] = await store.ledger.query({ type: 'item.assigned', subject: alice.id });
      expect(assigned!.data.detail).toEqual(APPROVE_LARGE);
      expect((await store.ledger.query({ type: 'item.assigned', subject: boss.id }))[0]!.data).not.toHaveProperty('detail');
    } finally {
      await store.close();
    }
    // What the reviewer reads in Slack.
    expect(itemSectionText({ item: alice, subject: { name: 'Alice', email: 'alice@example.com' } }, NOW.toISOString())).toMatch(/^Allows: can approve withdrawals over 1,000,000 EUR from vault Treasury \(2 of 3 approvers\)$/m);
    expect(itemSectionText({ item: boss, subject: { name: 'Boss', email: 'boss@example.com' } }, NOW.toISOString())).not.toMatch(/Allows:/);
  });

  it('is exported as access_detail in decisions.csv', async () => {
    const out = join(dataDir, 'pack');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--format', 'csv', '--out', out])).code).toBe(EXIT.ok);
    const rows = parse(readFileSync(join(out, 'decisions.csv'), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(Object.fromEntries(rows.map((r) => [r.account, r.access_detail]))).toEqual({ 'acc-alice': APPROVE_LARGE.summary, 'acc-boss': '' });
  });

  it('edited in the database (or added to an item that had none): audit verify exits 4 naming the row and its item.assigned', async () => {
    expect((await cli(['audit', 'verify'])).code).toBe(EXIT.ok);
    const [alice, boss] = [(await items()).find((i) => i.accountId === 'acc-alice')!, (await items()).find((i) => i.accountId === 'acc-boss')!];
    const db = new Database(join(dataDir, 'iam-review.db'));
    try {
      db.prepare('UPDATE review_items SET detail = ? WHERE id = ?').run(JSON.stringify({ ...APPROVE_LARGE, summary: 'can view balances' }), alice.id);
      db.prepare('UPDATE review_items SET detail = ? WHERE id = ?').run('{"summary":"can view balances"}', boss.id);
    } finally {
      db.close();
    }
    const r = await cli(['audit', 'verify']);
    expect(r.code).toBe(EXIT.ledgerBroken);
    expect(r.out).toMatch(new RegExp(`review_items row ${JSON.stringify(alice.id).replace(/[/]/g, '\\/')} detail = .*can view balances.*, but ledger seq \\d+ item\\.assigned says detail .*can approve withdrawals`));
    expect(r.out).toMatch(new RegExp(`review_items row ${JSON.stringify(boss.id).replace(/[/]/g, '\\/')} detail = .*can view balances.*, but ledger seq \\d+ item\\.assigned says detail null`));
  });

  it('approved, then changed at the source: the next check raises changed-since-last-review on that grant only', async () => {
    // Alice's manager approves her access; the desk head's own item expires at the close.
    const alice = (await items()).find((i) => i.accountId === 'acc-alice')!;
    expect((await cli(['decide', alice.id, 'approve', '--as', 'boss@example.com', '--reason', 'needed'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'close', CAMPAIGN, '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
    const [aliceGrant, boss] = scripts.get('trading')!.grants!;
    scripts.set('trading', { grants: [{ ...aliceGrant!, detail: { ...APPROVE_LARGE, summary: 'can approve withdrawals of any amount from vault Treasury (1 approver)' } }, boss!] });
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    const check = await cli(['check', '--format', 'json']);
    const changed = (JSON.parse(check.out) as { findings: { type: string; accountId: string; reason: string }[] }).findings.filter((f) => f.type === 'changed-since-last-review');
    expect(changed.map((f) => [f.accountId, f.reason])).toEqual([
      ['acc-alice', `TRADER on trading for alice@example.com was approved in ${CAMPAIGN} allowing "${APPROVE_LARGE.summary}"; it now allows "can approve withdrawals of any amount from vault Treasury (1 approver)"`],
    ]);
  });
});
