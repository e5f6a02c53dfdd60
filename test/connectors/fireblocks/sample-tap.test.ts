/**
 * The sample firm's custody wallet ships as CSV exports; its tap:* rows must be exactly what
 * the fireblocks connector makes of the workspace's TAP (connectors/sample-data/custody-wallet.tap.json)
 * and the user rows of the same export. Regenerate the rows from the JSON when either changes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GrantRecord } from '../../../src/connectors/connector.js';
import { csvConnectorType } from '../../../src/connectors/csv/csv-connector.js';
import { parseTapRules, tapRulesOf } from '../../../src/connectors/fireblocks/fireblocks-tap.js';
import { mapTapGrants, userGroupsOf } from '../../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import type { TapAccount } from '../../../src/connectors/fireblocks/fireblocks-tap-grants.js';
import { drainPages } from '../../../src/sync/drain-pages.js';

const CONNECTORS = fileURLToPath(new URL('../../../connectors', import.meta.url));

export async function readExport(path: string): Promise<GrantRecord[]> {
  const ctx = { systemId: 'custody-wallet', configDir: CONNECTORS, env: () => undefined, signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {} }, now: () => new Date() };
  const c = csvConnectorType.create(csvConnectorType.settingsSchema.parse({ path }), ctx);
  const records: GrantRecord[] = [];
  for await (const page of drainPages((t) => c.listGrants!(t, ctx), { signal: ctx.signal, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => {} })) {
    expect(page.problems ?? []).toEqual([]);
    records.push(...page.items);
  }
  await c.close?.();
  return records;
}

/** The TAP grants the connector would report, given the user rows of an export. */
export function expectedTapRows(userRows: readonly GrantRecord[], tap = 'custody-wallet.tap.json'): GrantRecord[] {
  const sample = JSON.parse(readFileSync(`${CONNECTORS}/sample-data/${tap}`, 'utf8')) as { userGroups: unknown; activePolicy: unknown };
  const accounts = new Map<string, TapAccount>();
  for (const r of userRows) if (!accounts.has(r.accountId)) accounts.set(r.accountId, r);
  const parsed = parseTapRules(tapRulesOf(sample.activePolicy)!);
  const groups = userGroupsOf(sample.userGroups)!;
  expect([...parsed.problems, ...groups.problems]).toEqual([]);
  const mapped = mapTapGrants(parsed.rules, groups.groups, accounts);
  expect(mapped.problems).toEqual([]);
  return mapped.grants;
}

describe('the sample custody wallet TAP', () => {
  // The later exports see the policy after an edit (the exchange top-ups limit raised).
  it.each([
    ['sample-data/custody-wallet.csv', 'custody-wallet.tap.json'],
    ['sample-data/custody-wallet.next.csv', 'custody-wallet.next.tap.json'],
    ['sample-data/custody-wallet.returned.csv', 'custody-wallet.next.tap.json'],
  ])('%s holds exactly the TAP grants of %s', async (path, tap) => {
    const records = await readExport(path);
    const tapRows = records.filter((r) => r.role.startsWith('tap:'));
    const userRows = records.filter((r) => !r.role.startsWith('tap:'));
    const expected = expectedTapRows(userRows, tap);
    expect(expected.length).toBeGreaterThan(0);
    expect(tapRows).toEqual(expected);
  });
});
