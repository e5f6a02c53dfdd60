/**
 * report.html's coverage calendar through the real paths: syncs, campaigns, decisions and the
 * export through the CLI (real SQLite, the scripted connector), then the calendar read back
 * from report.html: one row per system, 18 months up to the export, reviewed / due / overdue
 * months by the coverage rule, a system added later untracked before its first snapshot.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import type { ReviewItem } from '../../src/domain/index.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord } from '../helpers/scripted-connector.js';
import { runScriptedCli } from '../helpers/scripted-cli.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

describe('report.html coverage calendar', () => {
  let configDir: string;
  let dataDir: string;
  let clock: Date;
  const scripts = new Map<string, Script>();

  const cli = (...args: string[]) =>
    runScriptedCli({ configDir, dataDir, scripts, now: () => clock, env: { IAM_REVIEW_OPERATOR: 'sec@example.com', IAM_REVIEW_TIMEZONE: 'Europe/Vaduz' } }, args);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    expect([r.code, r.err]).toEqual([EXIT.ok, '']);
    return r;
  };
  const items = async (campaign: string) => (JSON.parse((await cli('campaign', 'items', campaign, '--json')).out) as { items: ReviewItem[] }).items;

  beforeEach(() => {
    const scripted = (id: string) => MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, `connector:\n  type: scripted\n  script: ${id}\n`);
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': scripted('trading'),
      // Added to connectors/ later in the year: first synced in September.
      'connectors/vault.yaml': scripted('vault').replace('id: trading', 'id: vault').replace('name: Trading platform', 'name: Key vault').replace('criticality: critical', 'criticality: important').replace(/schedule:.*\n/, ''),
      'policies/vault.yaml': 'system: vault\nroles:\n  ADMIN:\n    allowedFor:\n      - anyone: true\n',
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-report-coverage-'));
    scripts.set('trading', { grants: [grantRecord('acc-alice', 'TRADER', { identityRef: 'alice@example.com' })] });
    scripts.set('vault', { grants: [grantRecord('acc-alice-admin', 'ADMIN', { identityRef: 'alice@example.com' })] });
  });

  it('marks the reviewed, due and overdue months of each system; a system added later is untracked before its first snapshot', async () => {
    clock = new Date('2026-01-10T08:00:00.000Z');
    await ok('sync', '--system', 'hr');
    await ok('sync', '--system', 'trading');
    clock = new Date('2026-01-12T09:00:00.000Z');
    await ok('campaign', 'open', 'semiannual', '--period', '2026-H1');
    for (const item of await items('semiannual:2026-H1')) await ok('decide', item.id, 'approve', '--as', 'boss@example.com', '--reason', 'still needed');
    clock = new Date('2026-01-20T16:00:00.000Z');
    await ok('campaign', 'close', 'semiannual:2026-H1');
    clock = new Date('2026-09-15T08:00:00.000Z');
    await ok('sync', '--system', 'vault');

    clock = new Date('2026-12-06T10:00:00.000Z');
    const out = mkdtempSync(join(tmpdir(), 'iam-report-coverage-pack-'));
    await ok('export', '--campaign', 'semiannual:2026-H1', '--format', 'html', '--out', out);
    const html = readFileSync(join(out, 'report.html'), 'utf8');

    expect(html).toContain('<section class="closing" data-section="coverage">');
    expect(html).toMatch(/<b data-figure="coverage-overdue">1<\/b> of 2 systems overdue/);
    expect(html).not.toMatch(/<script/i);
    const head = /<table data-table="coverage-calendar"[^>]*><thead><tr>(.*?)<\/tr><\/thead>/s.exec(html)![1]!;
    const months = [...head.matchAll(/<th data-month="([^"]+)">/g)].map((m) => m[1]);
    expect(months).toHaveLength(18);
    expect([months[0], months[17]]).toEqual(['2025-07', '2026-12']);

    const row = (system: string) => {
      const tr = new RegExp(`<tr data-system="${system}" data-overdue="(true|false)">(.*?)</tr>`, 's').exec(html);
      expect(tr, system).not.toBeNull();
      const cells = [...tr![2]!.matchAll(/<td class="cal-(\w+)" data-month="([^"]+)" data-marks="([^"]*)"/g)].map((m) => ({ month: m[2]!, state: m[1]!, marks: m[3]! }));
      return { overdue: tr![1] === 'true', cells, marked: Object.fromEntries(cells.filter((c) => c.marks).map((c) => [c.month, c.marks])), text: tr![2]! };
    };
    // Trading (critical, 6 months): first applied 2026-01-10, reviewed 2026-01-20 (before its first due date), due 2026-07-20, never reviewed since.
    const trading = row('trading');
    expect(trading.overdue).toBe(true);
    expect(trading.marked).toEqual({ '2026-01': 'reviewed', '2026-07': 'due overdue', '2026-08': 'overdue', '2026-09': 'overdue', '2026-10': 'overdue', '2026-11': 'overdue', '2026-12': 'overdue' });
    expect(trading.cells.filter((c) => c.state === 'none').map((c) => c.month)).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12']);
    expect(trading.text).toContain('<span class="mono">semiannual:2026-H1</span>');
    expect(trading.text).toContain('<b>OVERDUE</b>');
    // Vault (important, 12 months): added in September, tracked from then, nothing due yet.
    const vault = row('vault');
    expect(vault.overdue).toBe(false);
    expect(vault.marked).toEqual({});
    expect(vault.cells.filter((c) => c.state !== 'none').map((c) => c.month)).toEqual(['2026-09', '2026-10', '2026-11', '2026-12']);
    expect(vault.text).toContain('Key vault');
    expect(vault.text).toContain('in time');
  });
});
