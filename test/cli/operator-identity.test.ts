/**
 * Every CLI write names its operator in the ledger: `--as`, else IAM_REVIEW_OPERATOR, else the
 * OS user@host. `decide` records the reviewer (its --as) and the operator (--operator) apart:
 * the decisions row, its decision.recorded event and decisions.csv say both, and `audit verify`
 * names a decision whose operator was edited in the database. Real CLI, real SQLite; the
 * system is served by the scripted connector (the only part that is not the product's).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import type { LedgerEvent, ReviewItem } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord } from '../helpers/scripted-connector.js';
import { runScriptedCli } from '../helpers/scripted-cli.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

const NOW = new Date('2026-09-01T08:00:00.000Z');
const CAMPAIGN = 'semiannual:2026-H2';
const OS_OPERATOR = `${userInfo().username}@${hostname()}`;

describe('operator identity of CLI writes', () => {
  let configDir: string;
  let dataDir: string;
  const scripts = new Map<string, Script>();

  const cli = (args: string[], env: Record<string, string> = {}) => runScriptedCli({ configDir, dataDir, scripts, now: () => NOW }, args, env);
  async function events(): Promise<LedgerEvent[]> {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      return await store.ledger.query({});
    } finally {
      await store.close();
    }
  }
  const actorsOf = (list: LedgerEvent[], type: string) => [...new Set(list.filter((e) => e.type === type).map((e) => e.actor))];
  const aliceItem = async (): Promise<ReviewItem> => (JSON.parse((await cli(['campaign', 'items', CAMPAIGN, '--json'])).out) as { items: ReviewItem[] }).items.find((i) => i.accountId === 'acc-alice')!;

  beforeEach(() => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: trading\n'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-operator-'));
    scripts.set('trading', { grants: [grantRecord('acc-alice', 'TRADER', { identityRef: 'alice@example.com' }), grantRecord('acc-boss', 'VIEWER', { identityRef: 'boss@example.com' })] });
  });

  it('--as wins over IAM_REVIEW_OPERATOR, which wins over the OS user@host; every event a write appends names its operator', async () => {
    /** Runs a command and returns the actors of the events it appended (it must append some). */
    const actorsOfRun = async (args: string[], env: Record<string, string> = {}) => {
      const before = (await events()).length;
      const r = await cli(args, env);
      expect([r.code, r.err]).toEqual([EXIT.ok, '']);
      const added = (await events()).slice(before);
      expect(added.length).toBeGreaterThan(0);
      return [...new Set(added.map((e) => e.actor))];
    };
    expect(await actorsOfRun(['sync'])).toEqual([OS_OPERATOR]);
    // An account nobody owns: the next check has a finding to open.
    scripts.get('trading')!.grants!.push(grantRecord('acc-ghost', 'TRADER', {}));
    // An email is lower-cased like reviewers' emails.
    expect(await actorsOfRun(['sync'], { IAM_REVIEW_OPERATOR: 'Ops.Lead@Example.com' })).toEqual(['ops.lead@example.com']);
    expect(await actorsOfRun(['check', '--format', 'json', '--as', 'checker@example.com'], { IAM_REVIEW_OPERATOR: 'ops.lead@example.com' })).toEqual(['checker@example.com']);
    expect(await actorsOfRun(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'], { IAM_REVIEW_OPERATOR: 'ops.lead@example.com' })).toEqual(['sec@example.com']);
    expect(await actorsOfRun(['campaign', 'close', CAMPAIGN], { IAM_REVIEW_OPERATOR: 'closer@example.com' })).toEqual(['closer@example.com']);
    expect(await actorsOfRun(['export', '--campaign', CAMPAIGN, '--format', 'csv', '--out', join(dataDir, 'pack')])).toEqual([OS_OPERATOR]);
    // No write is attributed to the bare 'cli' any more.
    expect((await events()).filter((e) => e.actor === 'cli' || e.actor.startsWith('cli:'))).toEqual([]);
    expect((await cli(['audit', 'verify'])).code).toBe(EXIT.ok);
  });

  it('decide records the reviewer and the operator apart: the row, its event and decisions.csv; an edited operator fails audit verify', async () => {
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
    const alice = await aliceItem();
    const decided = await cli(['decide', alice.id, 'revoke', '--as', 'boss@example.com', '--operator', 'helpdesk@example.com', '--reason', 'moved desks']);
    expect(decided.code).toBe(EXIT.ok);
    expect(decided.out).toMatch(/^Recorded: revoked trading:acc-alice:TRADER by boss@example\.com, entered by helpdesk@example\.com\.$/m);

    const recorded = (await events()).filter((e) => e.type === 'decision.recorded');
    expect(recorded.map((e) => [e.actor, e.data.reviewerId, e.data.operator])).toEqual([['boss@example.com', 'E2', 'helpdesk@example.com']]);
    // The remediation the revoke opened is the operator's doing, not the reviewer's.
    expect(actorsOf(await events(), 'remediation.opened')).toEqual(['helpdesk@example.com']);

    const out = join(dataDir, 'pack');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--format', 'csv', '--out', out])).code).toBe(EXIT.ok);
    const rows = parse(readFileSync(join(out, 'decisions.csv'), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.decision !== '').map((r) => [r.account, r.reviewer_email, r.entered_by_operator, r.approve_all])).toEqual([['acc-alice', 'boss@example.com', 'helpdesk@example.com', 'no']]);
    const html = join(dataDir, 'pack-html');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--format', 'html', '--out', html])).code).toBe(EXIT.ok);
    expect(readFileSync(join(html, 'report.html'), 'utf8')).toMatch(/Boss &lt;boss@example\.com&gt; \(entered by helpdesk@example\.com\)/);

    expect((await cli(['audit', 'verify'])).code).toBe(EXIT.ok);
    const db = new Database(join(dataDir, 'iam-review.db'));
    try {
      // The edit the schema forbids (a trigger): what someone with the database file could still do.
      db.exec('DROP TRIGGER decisions_never_updated');
      db.prepare('UPDATE decisions SET operator = ? WHERE id = ?').run('boss@example.com', alice.id);
    } finally {
      db.close();
    }
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(EXIT.ledgerBroken);
    expect(broken.out).toMatch(/decisions row "[^"]+" operator = "boss@example\.com", but ledger seq \d+ decision\.recorded says operator "helpdesk@example\.com"/);
  });

  it('a decision entered without --operator names IAM_REVIEW_OPERATOR; a blank operator is a usage error that writes nothing', async () => {
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2'])).code).toBe(EXIT.ok);
    const alice = await aliceItem();
    const before = (await events()).length;
    const blank = await cli(['decide', alice.id, 'approve', '--as', 'boss@example.com', '--operator', '  ']);
    expect(blank.code).toBe(EXIT.invalidInput);
    expect(blank.err).toMatch(/operator .* is empty/);
    expect((await events()).length).toBe(before);

    expect((await cli(['decide', alice.id, 'approve', '--as', 'boss@example.com'], { IAM_REVIEW_OPERATOR: 'desk-assistant@example.com' })).code).toBe(EXIT.ok);
    const [recorded] = (await events()).filter((e) => e.type === 'decision.recorded');
    expect([recorded!.actor, recorded!.data.operator]).toEqual(['boss@example.com', 'desk-assistant@example.com']);
  });
});
