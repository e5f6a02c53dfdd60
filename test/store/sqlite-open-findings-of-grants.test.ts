/**
 * SQLite `findings.open({ grantIds })` narrows the asked ids to those with an open finding by a
 * range scan between the smallest and largest id (sqlite-finding-store.ts, withOpenFindings):
 * the answer is the same as asking for every id, at both ends of the range and for ids whose
 * JavaScript order differs from SQLite's (UTF-16 units against UTF-8 bytes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { at, evaluation, finding } from './store-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'iam-review-open-findings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function storeWithFindingsOn(grantIds: string[]): Promise<Store> {
  const store = openSqliteStore({ file: join(root, `${grantIds.length}-${grantIds[0]!.length}.db`) });
  const findings = grantIds.map((g) => finding('dormant', 'vault', g, { grantId: g }));
  await store.findings.saveEvaluation(evaluation('e1', at(0), ['vault']), findings, () => []);
  return store;
}

const grantsOf = async (store: Store, grantIds: string[]) => (await store.findings.open({ grantIds })).map((f) => f.grantId).sort();

describe('sqlite findings.open by grant ids', () => {
  it('finds the open findings of the asked grants only, the first and last asked included', async () => {
    const store = await storeWithFindingsOn(['g_10', 'g_20', 'g_30', 'g_40']);
    expect(await grantsOf(store, ['g_10', 'g_15', 'g_30'])).toEqual(['g_10', 'g_30']);
    expect(await grantsOf(store, ['g_40', 'g_05', 'g_20'])).toEqual(['g_20', 'g_40']);
    expect(await grantsOf(store, ['g_20'])).toEqual(['g_20']);
    expect(await grantsOf(store, ['g_25', 'g_35'])).toEqual([]);
    await store.close();
  });

  it('finds them for ids JavaScript and SQLite order differently (a surrogate pair against U+FF01)', async () => {
    const ids = ['a\u{1F600}', 'a\uFF01'];
    const store = await storeWithFindingsOn(ids);
    expect(await grantsOf(store, ids)).toEqual([...ids].sort());
    await store.close();
  });
});
