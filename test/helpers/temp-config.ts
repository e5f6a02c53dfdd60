/**
 * Builds a throw-away config dir (connectors/, policies/, reviews/) from a map of
 * relative path -> file text, for tests that need real files with real line numbers.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempConfigDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iam-review-config-'));
  for (const folder of ['connectors', 'policies', 'reviews']) mkdirSync(join(dir, folder), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A minimal valid firm: one directory, one system with a policy, one review. */
export const MINIMAL_FIRM: Record<string, string> = {
  'connectors/hr.yaml': `id: hr
name: HR export
kind: directory
criticality: standard
owner: people@example.com
connector:
  type: csv-identities
  path: sample-data/hr.csv
`,
  'connectors/trading.yaml': `id: trading
name: Trading platform
kind: trading
criticality: critical
owner: head-of-trading@example.com
schedule: { cron: "0 */6 * * *", timezone: Europe/Vaduz }
connector:
  type: csv
  path: sample-data/trading.csv
`,
  'policies/trading.yaml': `system: trading
roles:
  TRADER:
    allowedFor:
      - department: Trading
  VIEWER:
    allowedFor:
      - anyone: true
`,
  'policies/global.yaml': `dormantAfterDays: 90
`,
  'reviews/roles.yaml': `securityTeam: [sec@example.com]
auditors: [audit@example.com]
fallbackReviewer: ciso@example.com
`,
  'reviews/semiannual.yaml': `id: semiannual
name: Half-yearly review
schedule: { cron: "0 9 1 1,7 *", timezone: Europe/Vaduz }
period: half-year
scope:
  criticality: [critical, important, standard]
reviewers: [manager, systemOwner]
dueInDays: 14
`,
};

/** An HR export of a trading desk: Alice (a trader) and her manager, the desk head (E2, boss@example.com). */
export const TRADING_DESK_HR = [
  'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups',
  'E1,alice@example.com,Alice,Trading,Trader,boss@example.com,active,employee,,',
  'E2,boss@example.com,Boss,Trading,Head of desk,,active,employee,,',
  '',
].join('\n');
