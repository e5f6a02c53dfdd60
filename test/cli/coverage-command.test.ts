/**
 * DORA review cadence coverage from the user's side: `coverage --format json` after real
 * syncs, campaigns and decisions through the CLI, on a clock the test moves; an overdue
 * critical system is a high `review-overdue` finding that fails `check --fail-on high`.
 * Real CLI, real SQLite; the system is served by the scripted connector.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import type { ReviewItem } from '../../src/domain/index.js';
import type { Script } from '../helpers/scripted-connector.js';
import { grantRecord } from '../helpers/scripted-connector.js';
import { runScriptedCli } from '../helpers/scripted-cli.js';
import { MINIMAL_FIRM, TRADING_DESK_HR, tempConfigDir } from '../helpers/temp-config.js';

interface Coverage {
  systems: { system: string; criticality: string; lastReviewedAt: string | null; campaign: string | null; nextDueAt: string | null; overdue: boolean }[];
}

describe('iam-review coverage', () => {
  let configDir: string;
  let dataDir: string;
  let clock: Date;
  const scripts = new Map<string, Script>();

  const cli = (...args: string[]) => runScriptedCli({ configDir, dataDir, scripts, now: () => clock, env: { IAM_REVIEW_OPERATOR: 'sec@example.com' } }, args);
  const coverage = async () => (JSON.parse((await cli('coverage', '--format', 'json')).out) as Coverage).systems;
  const items = async (campaign: string) => (JSON.parse((await cli('campaign', 'items', campaign, '--json')).out) as { items: ReviewItem[] }).items;
  const reviewerEmail: Record<string, string> = { E2: 'boss@example.com' };

  beforeEach(() => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': TRADING_DESK_HR,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: trading\n'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-coverage-'));
    scripts.set('trading', { grants: [grantRecord('acc-alice', 'TRADER', { identityRef: 'alice@example.com' }), grantRecord('acc-boss', 'VIEWER', { identityRef: 'boss@example.com' })] });
  });

  it('clock from the first applied snapshot; a complete campaign resets it; a campaign that let items expire does not; overdue fails check --fail-on high', async () => {
    clock = new Date('2026-01-10T08:00:00.000Z');
    // Nothing synced yet: no clock.
    expect(await coverage()).toEqual([{ system: 'trading', criticality: 'critical', lastReviewedAt: null, campaign: null, nextDueAt: null, overdue: false }]);
    expect((await cli('sync')).code).toBe(EXIT.ok);
    // The HR export is an identity source without a policy: not reviewed, not listed.
    expect(await coverage()).toEqual([{ system: 'trading', criticality: 'critical', lastReviewedAt: null, campaign: null, nextDueAt: '2026-07-10T08:00:00.000Z', overdue: false }]);

    clock = new Date('2026-01-12T09:00:00.000Z');
    expect((await cli('campaign', 'open', 'semiannual', '--period', '2026-H1')).code).toBe(EXIT.ok);
    for (const item of await items('semiannual:2026-H1')) {
      const r = await cli('decide', item.id, 'approve', '--as', reviewerEmail[item.reviewerId] ?? item.reviewerId, '--reason', 'still needed');
      expect([r.code, r.err]).toEqual([EXIT.ok, '']);
    }
    clock = new Date('2026-01-20T16:00:00.000Z');
    expect((await cli('campaign', 'close', 'semiannual:2026-H1')).code).toBe(EXIT.ok);
    expect(await coverage()).toEqual([{ system: 'trading', criticality: 'critical', lastReviewedAt: '2026-01-20T16:00:00.000Z', campaign: 'semiannual:2026-H1', nextDueAt: '2026-07-20T16:00:00.000Z', overdue: false }]);
    const table = await cli('coverage');
    expect(table.out).toMatch(/^SYSTEM\s+CRITICALITY\s+CADENCE\s+LAST REVIEWED\s+CAMPAIGN\s+NEXT DUE\s+STATUS$/m);
    expect(table.out).toMatch(/^trading\s+critical\s+6 months\s+2026-01-20\s+semiannual:2026-H1\s+2026-07-20\s+ok$/m);

    // The next campaign closes with every item expired: it reviewed nothing.
    clock = new Date('2026-07-05T09:00:00.000Z');
    expect((await cli('campaign', 'open', 'semiannual', '--period', '2026-H2')).code).toBe(EXIT.ok);
    clock = new Date('2026-07-25T09:00:00.000Z');
    expect((await cli('campaign', 'close', 'semiannual:2026-H2')).code).toBe(EXIT.ok);
    expect(await coverage()).toEqual([{ system: 'trading', criticality: 'critical', lastReviewedAt: '2026-01-20T16:00:00.000Z', campaign: 'semiannual:2026-H1', nextDueAt: '2026-07-20T16:00:00.000Z', overdue: true }]);
    expect((await cli('coverage')).out).toMatch(/^trading\s+critical\s+6 months\s+2026-01-20\s+semiannual:2026-H1\s+2026-07-20\s+OVERDUE$/m);

    const check = await cli('check', '--format', 'json', '--fail-on', 'high');
    expect(check.code).toBe(EXIT.findingsAtThreshold);
    const overdue = (JSON.parse(check.out) as { findings: { type: string; severity: string; system: string; reason: string }[] }).findings.filter((f) => f.type === 'review-overdue');
    expect(overdue).toEqual([
      expect.objectContaining({
        severity: 'high',
        system: 'trading',
        reason: 'trading (critical) must be reviewed every 6 months: last completely reviewed by semiannual:2026-H1, closed 2026-01-20; semiannual:2026-H2 covered it but let items expire unreviewed; the next review was due 2026-07-20 (4 day(s) ago)',
      }),
    ]);
    expect((await cli('audit', 'log', '--type', 'finding.opened', '--json')).out).toMatch(/"type":"review-overdue"|review-overdue/);
    expect((await cli('audit', 'verify')).code).toBe(EXIT.ok);
  });

  const write = (path: string, text: string) => writeFileSync(join(configDir, path), text);
  async function approveAllAndClose(campaign: string, closeAt: string) {
    for (const item of await items(campaign)) {
      const r = await cli('decide', item.id, 'approve', '--as', reviewerEmail[item.reviewerId] ?? item.reviewerId, '--reason', 'still needed');
      expect([r.code, r.err]).toEqual([EXIT.ok, '']);
    }
    clock = new Date(closeAt);
    expect((await cli('campaign', 'close', campaign)).code).toBe(EXIT.ok);
  }

  it('a completed campaign of a privilegedOnly definition does not count, even if the definition later covers every grant', async () => {
    write('policies/trading.yaml', 'system: trading\nroles:\n  TRADER:\n    privileged: true\n    allowedFor:\n      - department: Trading\n  VIEWER:\n    allowedFor:\n      - anyone: true\n');
    const privileged = MINIMAL_FIRM['reviews/semiannual.yaml']!.replace('id: semiannual', 'id: privileged').replace('  criticality: [critical, important, standard]', '  criticality: [critical]\n  privilegedOnly: true');
    write('reviews/privileged.yaml', privileged);
    clock = new Date('2026-01-10T08:00:00.000Z');
    expect((await cli('sync')).code).toBe(EXIT.ok);
    clock = new Date('2026-02-01T09:00:00.000Z');
    expect((await cli('campaign', 'open', 'privileged', '--period', '2026-H1')).code).toBe(EXIT.ok);
    // Only the privileged TRADER grant is in it.
    expect((await items('privileged:2026-H1')).map((i) => i.role)).toEqual(['TRADER']);
    await approveAllAndClose('privileged:2026-H1', '2026-02-10T09:00:00.000Z');

    const unreviewed = { system: 'trading', criticality: 'critical', lastReviewedAt: null, campaign: null, nextDueAt: '2026-07-10T08:00:00.000Z', overdue: false };
    expect(await coverage()).toEqual([unreviewed]);
    expect((await cli('coverage')).out).toMatch(/^trading\s+critical\s+6 months\s+-\s+-\s+2026-07-10\s+ok$/m);
    // What counts is the coverage the opening recorded: widening the definition afterwards changes nothing.
    write('reviews/privileged.yaml', privileged.replace('\n  privilegedOnly: true', ''));
    expect(await coverage()).toEqual([unreviewed]);
    clock = new Date('2026-07-11T09:00:00.000Z');
    expect(await coverage()).toEqual([{ ...unreviewed, overdue: true }]);
  });

  it('a system added to connectors/ later starts its clock at its first applied snapshot; campaigns before it do not count for it', async () => {
    clock = new Date('2026-01-10T08:00:00.000Z');
    expect((await cli('sync')).code).toBe(EXIT.ok);
    clock = new Date('2026-01-12T09:00:00.000Z');
    expect((await cli('campaign', 'open', 'semiannual', '--period', '2026-H1')).code).toBe(EXIT.ok);
    await approveAllAndClose('semiannual:2026-H1', '2026-01-20T16:00:00.000Z');

    // Vault (important: 12 months) is added in September; a campaign opens before its first sync.
    write('connectors/vault.yaml', MINIMAL_FIRM['connectors/trading.yaml']!.replace('id: trading', 'id: vault').replace('name: Trading platform', 'name: Key vault').replace('criticality: critical', 'criticality: important').replace(/connector:[\s\S]*$/, 'connector:\n  type: scripted\n  script: vault\n'));
    write('policies/vault.yaml', 'system: vault\nroles:\n  ADMIN:\n    allowedFor:\n      - anyone: true\n');
    scripts.set('vault', { grants: [grantRecord('acc-alice-admin', 'ADMIN', { identityRef: 'alice@example.com' })] });
    clock = new Date('2026-07-01T09:00:00.000Z');
    const vaultNever = { system: 'vault', criticality: 'important', lastReviewedAt: null, campaign: null, nextDueAt: null, overdue: false };
    expect((await coverage())[1]).toEqual(vaultNever);
    expect((await cli('coverage')).out).toMatch(/^vault\s+important\s+12 months\s+-\s+-\s+never synced\s+-$/m);
    expect((await cli('campaign', 'open', 'semiannual', '--period', '2026-H2')).code).toBe(EXIT.ok);
    await approveAllAndClose('semiannual:2026-H2', '2026-07-10T09:00:00.000Z');
    expect(await coverage()).toEqual([
      { system: 'trading', criticality: 'critical', lastReviewedAt: '2026-07-10T09:00:00.000Z', campaign: 'semiannual:2026-H2', nextDueAt: '2027-01-10T09:00:00.000Z', overdue: false },
      vaultNever,
    ]);

    clock = new Date('2026-09-20T06:00:00.000Z');
    expect((await cli('sync', '--system', 'vault')).code).toBe(EXIT.ok);
    const vaultClock = { ...vaultNever, nextDueAt: '2027-09-20T06:00:00.000Z' };
    expect((await coverage())[1]).toEqual(vaultClock);
    // Not overdue on its first day, nor within its 12 months; overdue after them.
    clock = new Date('2027-09-20T06:00:00.000Z');
    expect((await coverage())[1]).toEqual(vaultClock);
    clock = new Date('2027-09-21T06:00:00.000Z');
    expect((await coverage())[1]).toEqual({ ...vaultClock, overdue: true });
    expect((await cli('coverage')).out).toMatch(/^vault\s+important\s+12 months\s+-\s+-\s+2027-09-20\s+OVERDUE$/m);
  });
});
