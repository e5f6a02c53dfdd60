/**
 * `iam-review check` in-process through run(): a temp config folder, real csv connectors
 * synced by `iam-review sync` into a temp SQLite file, a fixed clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { FINDING_TYPES } from '../../src/policies/rules/index.js';
import { createLogger } from '../../src/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempConfigDir } from '../helpers/temp-config.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');

const TRADING_POLICY = `system: trading
roles:
  TRADER:
    allowedFor:
      - department: Trading
  VIEWER:
    allowedFor:
      - anyone: true
`;

const FIRM: Record<string, string> = {
  'connectors/hr.yaml': 'id: hr\nname: HR\nkind: directory\ncriticality: important\nowner: alice@example.com\nconnector:\n  type: csv-identities\n  path: sample-data/hr.csv\n',
  'connectors/trading.yaml': 'id: trading\nname: Trading\nkind: trading\ncriticality: critical\nowner: alice@example.com\nconnector:\n  type: csv\n  path: sample-data/trading.csv\n',
  'connectors/lab.yaml': 'id: lab\nname: Lab\nkind: other\ncriticality: standard\nowner: alice@example.com\nconnector:\n  type: csv\n  path: sample-data/lab.csv\n',
  'connectors/sample-data/hr.csv': [
    'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups',
    'E1,alice@example.com,Alice,Trading,Trader,,active,employee,,',
    'E2,bob@example.com,Bob,Operations,Analyst,alice@example.com,active,employee,,',
    'E3,,Carol,Trading,Trader,alice@example.com,terminated,employee,,',
  ].join('\n') + '\n',
  'connectors/sample-data/trading.csv': [
    'account_id,identity,role,scope,status,last_activity_at,display_name,account_type',
    'alice,alice@example.com,TRADER,spot,active,2026-11-23T10:00:00Z,Alice,human',
    'bob,bob@example.com,TRADER,spot,active,2026-11-23T10:00:00Z,Bob,human',
    'carol,E3,VIEWER,,active,2026-11-20T10:00:00Z,Carol,human',
    'kiosk,,VIEWER,,active,2026-11-20T10:00:00Z,Kiosk,human',
  ].join('\n') + '\n',
  'connectors/sample-data/lab.csv': ['account_id,identity,role,last_activity_at', 'alice,alice@example.com,USER,2025-01-01T00:00:00Z'].join('\n') + '\n',
  'policies/trading.yaml': TRADING_POLICY,
  'policies/lab.yaml': 'system: lab\nroles:\n  USER:\n    allowedFor:\n      - anyone: true\n',
  'reviews/roles.yaml': 'securityTeam: [alice@example.com]\nfallbackReviewer: alice@example.com\n',
  'reviews/all.yaml': 'id: all\nname: All\nschedule: { cron: "0 8 1 1,7 *" }\nperiod: half-year\nscope:\n  criticality: [critical, important, standard]\nreviewers: [manager]\ndueInDays: 14\n',
};

interface Captured {
  code: number;
  out: string;
  err: string;
}

describe('iam-review check', () => {
  let configDir: string;
  let dataDir: string;

  async function cli(...args: string[]): Promise<Captured> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), isTty: false };
    const code = await run(['node', 'iam-review', ...args], {
      io,
      env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      openApp: (env) => openApp(env, { now: () => NOW, log: createLogger('silent') }),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeEach(async () => {
    configDir = tempConfigDir(FIRM);
    dataDir = mkdtempSync(join(tmpdir(), 'iam-check-'));
    const synced = await cli('sync');
    expect(synced.code, synced.err).toBe(0);
  });

  it('prints exactly the documented JSON on stdout', async () => {
    const r = await cli('check', '--format', 'json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { generatedAt: string; findings: Record<string, unknown>[]; summary: Record<string, number> };
    expect(Object.keys(doc)).toEqual(['generatedAt', 'findings', 'summary']);
    expect(doc.generatedAt).toBe(NOW.toISOString());
    for (const f of doc.findings) expect(Object.keys(f)).toEqual(['type', 'severity', 'system', 'accountId', 'identity', 'role', 'scope', 'ruleId', 'reason']);
    const brief = doc.findings.map((f) => [f.type, f.severity, f.system, f.accountId, f.identity, f.role, f.scope]);
    expect(brief).toEqual([
      ['not-allowed', 'high', 'trading', 'bob', 'bob@example.com', 'TRADER', 'spot'],
      ['orphaned-account', 'high', 'trading', 'kiosk', null, 'VIEWER', null],
      ['leaver-access', 'high', 'trading', 'carol', 'E3', 'VIEWER', null],
      ['dormant', 'low', 'lab', 'alice', 'alice@example.com', 'USER', null],
    ]);
    expect(Object.keys(doc.summary)).toEqual([...FINDING_TYPES]);
    expect(doc.summary).toMatchObject({ 'not-allowed': 1, 'orphaned-account': 1, 'leaver-access': 1, dormant: 1, 'sod-conflict': 0 });
  });

  it('exits 3 with --fail-on when a finding reaches the threshold, 0 when none does', async () => {
    expect((await cli('check', '--fail-on', 'high', '--format', 'json')).code).toBe(3);
    const lab = await cli('check', '--system', 'lab', '--fail-on', 'medium', '--format', 'json');
    expect(lab.code).toBe(0);
    expect((JSON.parse(lab.out) as { findings: unknown[] }).findings).toHaveLength(1);
    const low = await cli('check', '--system', 'lab', '--fail-on', 'low');
    expect(low.code).toBe(3);
    expect(low.err).toMatch(/1 finding\(s\) at or above low/);
  });

  it('exits 2 on invalid config, an unknown system or a bad option value', async () => {
    writeFileSync(join(configDir, 'policies/lab.yaml'), 'system: lab\nroles:\n  USER:\n    allowedFor: []\n');
    const bad = await cli('check', '--format', 'json');
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toMatch(/policies\/lab.yaml:4/);
    writeFileSync(join(configDir, 'policies/lab.yaml'), FIRM['policies/lab.yaml']!);
    expect((await cli('check', '--system', 'nope')).code).toBe(2);
    expect((await cli('check', '--format', 'xml')).code).toBe(2);
    expect((await cli('check', '--fail-on', 'critical')).code).toBe(2);
  });

  it('applies a policy change on the next check, resolving and ledgering findings', async () => {
    const first = await cli('check');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/not-allowed\s+trading\s+bob/);
    expect(first.out).toMatch(/new 4, still open 0, resolved 0/);

    writeFileSync(join(configDir, 'policies/trading.yaml'), TRADING_POLICY.replace('department: Trading', 'department: [Trading, Operations]'));
    const second = await cli('check', '--format', 'json');
    const types = (JSON.parse(second.out) as { findings: { type: string }[] }).findings.map((f) => f.type);
    expect(types).not.toContain('not-allowed');
    expect(types).toHaveLength(3);

    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      const opened = await store.ledger.query({ type: 'finding.opened' });
      const resolved = await store.ledger.query({ type: 'finding.resolved' });
      expect(opened).toHaveLength(4);
      expect(resolved.map((e) => [e.data.type, e.data.accountId])).toEqual([['not-allowed', 'bob']]);
      const open = await store.findings.open();
      expect(open.map((f) => f.type).sort()).toEqual(['dormant', 'leaver-access', 'orphaned-account']);
      const history = await store.findings.history(resolved[0]!.subject);
      expect(history).toHaveLength(1);
      expect(history[0]!.resolvedAt).toBe(NOW.toISOString());
    } finally {
      await store.close();
    }
  });
});
