/**
 * Which systems of a sync run at the same time: SyncLanes on its own (first come, first
 * served; a run that takes every lane waits for them all and holds the others back), then
 * syncSystems over a real SQLite store, where a system whose current state is large runs alone.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SystemConfig } from '../../src/config/system-config.js';
import type { ConnectorType } from '../../src/connectors/connector.js';
import { ConnectorRegistry, registered } from '../../src/connectors/registry.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SyncLanes } from '../../src/sync/sync-lanes.js';
import { syncSystems } from '../../src/sync/sync-runner.js';
import { grantRecord, scriptedConnectorType, scriptedSyncDeps } from '../helpers/scripted-connector.js';
import type { Script } from '../helpers/scripted-connector.js';

/** Lets every pending promise callback run (nothing else is scheduled in these tests). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SyncLanes', () => {
  it('starts runs in the order they asked, a run that takes every lane alone', async () => {
    const lanes = new SyncLanes(2);
    const started: string[] = [];
    const held = new Map<string, number>();
    const ask = (name: string, n: number) => void lanes.take(n).then((taken) => (started.push(name), held.set(name, taken)));
    ask('a', 1);
    ask('big', 5);
    ask('b', 1);
    await settle();
    // 'big' waits for 'a'; 'b' asked after 'big' and does not overtake it.
    expect(started).toEqual(['a']);
    lanes.release(held.get('a')!);
    await settle();
    expect(started).toEqual(['a', 'big']);
    expect(held.get('big')).toBe(2);
    lanes.release(held.get('big')!);
    await settle();
    expect(started).toEqual(['a', 'big', 'b']);
  });

  it('runs as many one-lane runs at a time as it has lanes', async () => {
    const lanes = new SyncLanes(2);
    const started: string[] = [];
    for (const name of ['a', 'b', 'c']) void lanes.take(1).then(() => started.push(name));
    await settle();
    expect(started).toEqual(['a', 'b']);
    lanes.release(1);
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
  });
});

describe('syncSystems', () => {
  function system(id: string): SystemConfig {
    return { id, name: id, kind: 'wallet', criticality: 'critical', owner: 'owner@example.com', connector: { type: 'scripted', settings: { script: id } }, file: `connectors/${id}.yaml` };
  }

  /** The scripted connector type, logging when each system's connector is made and closed. */
  function tracing(scripts: Map<string, Script>, trace: string[]): ConnectorType<{ script: string }> {
    const inner = scriptedConnectorType(scripts);
    return {
      ...inner,
      create(settings, ctx) {
        trace.push(`open ${settings.script}`);
        const connector = inner.create(settings, ctx);
        return { ...connector, close: async () => void trace.push(`close ${settings.script}`) };
      },
    };
  }

  async function secondRun(aloneFromGrants: number): Promise<string[]> {
    const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'iam-lanes-')), 'test.db') });
    try {
      const scripts = new Map<string, Script>([
        ['wallet', { grants: ['a', 'b', 'c', 'd'].map((u) => grantRecord(u, 'SIGNER')) }],
        ['kms', { grants: [grantRecord('a', 'OPERATOR')] }],
        ['trading', { grants: [grantRecord('b', 'TRADER')] }],
      ]);
      const trace: string[] = [];
      const deps = { ...scriptedSyncDeps(store, scripts, () => new Date('2026-11-24T10:00:00Z'), { maxRemovalShare: 0.5 }), connectors: new ConnectorRegistry([registered(tracing(scripts, trace))]) };
      const systems = [system('wallet'), system('kms'), system('trading')];
      await syncSystems(systems, deps, { aloneFromGrants });
      trace.length = 0;
      const outcomes = await syncSystems(systems, deps, { aloneFromGrants });
      expect(outcomes.map((o) => o.ok && o.result.applied)).toEqual([true, true, true]);
      return trace;
    } finally {
      store.close();
    }
  }

  it('syncs a system whose current state is large alone, the small ones two at a time', async () => {
    // wallet holds 4 grants: from 4 on it is large. kms and trading run side by side: which of
    // them finishes first is up to their I/O, so their closes are compared as a set.
    const trace = await secondRun(4);
    expect(trace.slice(0, 4)).toEqual(['open wallet', 'close wallet', 'open kms', 'open trading']);
    expect(trace.slice(4).sort()).toEqual(['close kms', 'close trading']);
  });

  it('syncs two systems at a time when none is large', async () => {
    const trace = await secondRun(5);
    expect(trace.slice(0, 2)).toEqual(['open wallet', 'open kms']);
  });
});
