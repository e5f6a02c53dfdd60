/**
 * A firm adds a baton system (baton-okta's output, here the fixture) to its config: `validate`
 * accepts it, `sync` reads it into a snapshot whose grants correlate with the HR identities,
 * `check` evaluates them, and a failed baton run (command exit 1) leaves the state unchanged.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli.js';
import { EXIT } from '../../../src/cli/cli-error.js';
import type { Grant } from '../../../src/domain/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../../helpers/temp-config.js';
import { FIXTURES, STUB, fixture } from './baton-harness.js';

const HR = [
  'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups',
  'E1,anna.muster@example.li,Anna Muster,IT,Identity Engineer,,active,employee,,',
  'E2,ben.keller@example.li,Ben Keller,IT,Engineer,anna.muster@example.li,terminated,employee,,',
  '',
].join('\n');

/** Roles as the baton connector names them: the entitlements' display names. */
const OKTA_POLICY = `system: okta
roles:
  Super Administrator Role Member:
    privileged: true
    maxHolders: 2
    allowedFor:
      - department: IT
  Admins Group Member:
    privileged: true
    allowedFor:
      - department: IT
  Everyone Group Member:
    allowedFor:
      - anyone: true
  AWS prod App Access:
    allowedFor:
      - department: IT
  Wallet console App Access:
    allowedFor:
      - anyone: true
`;

const oktaYaml = (connector: string) => `id: okta
name: Okta (through baton-okta)
kind: other
criticality: important
owner: anna.muster@example.li
schedule: { cron: "30 */6 * * *", timezone: Europe/Vaduz }
connector:
  type: baton
${connector}`;

describe('iam-review with a baton system', () => {
  let configDir: string;
  let dataDir: string;

  async function cli(...args: string[]) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], { io, env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    return { code, out: io.stdout(), err: io.stderr() };
  }

  beforeEach(() => {
    configDir = tempConfigDir({
      ...MINIMAL_FIRM,
      'connectors/sample-data/hr.csv': HR,
      'connectors/sample-data/trading.csv': 'account_id,role\n',
      'connectors/okta.yaml': oktaYaml('  path: baton/okta-grants.json\n  maxAgeHours: 100000\n'),
      'policies/okta.yaml': OKTA_POLICY,
    });
    mkdirSync(join(configDir, 'connectors/baton'));
    copyFileSync(join(FIXTURES, 'okta-grants.json'), join(configDir, 'connectors/baton/okta-grants.json'));
    dataDir = mkdtempSync(join(tmpdir(), 'iam-baton-'));
  });

  it('validates the baton system, and names file, line and key of a bad setting', async () => {
    const ok = await cli('validate');
    expect(ok.err).toBe('');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toMatch(/okta\s+other\s+important\s+baton/);

    writeFileSync(join(configDir, 'connectors/okta.yaml'), oktaYaml('  path: baton/okta-grants.json\n  command: [baton, grants]\n'));
    const both = await cli('validate');
    expect(both.code).toBe(EXIT.invalidInput);
    expect(both.err).toMatch(/connectors\/okta\.yaml:\d+:\d+: connector\.path: set exactly one of path .* or command/);
  });

  it('syncs the baton output into a snapshot correlated with the identity source', async () => {
    const r = await cli('sync');
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/okta\s+complete/);

    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    const current = await store.snapshots.current('okta');
    const grants: Grant[] = [];
    for await (const batch of store.snapshots.grants(current!.id)) grants.push(...batch);
    await store.close();
    expect(grants).toHaveLength(11);
    const of = (accountId: string) => grants.filter((g) => g.accountId === accountId);
    expect(new Set(of('user:00u1anna').map((g) => g.identityId))).toEqual(new Set(['E1']));
    expect(new Set(of('user:00u2ben').map((g) => g.identityId))).toEqual(new Set(['E2']));
    expect(of('user:00u2ben').map((g) => g.accountStatus)).toEqual(['disabled', 'disabled']);
    expect(of('group:00g1admins').map((g) => [g.role, g.scope, g.identityId])).toEqual([['AWS prod App Access', 'app:AWS prod', null]]);

    // Findings are evaluated on it: the holders without an owner are the group holding an app
    // (baton names no members for it) and the service account whose login matches no one.
    const check = await cli('check', '--system', 'okta', '--format', 'json');
    expect(check.err).toBe('');
    const { findings } = JSON.parse(check.out) as { findings: { type: string; accountId: string; role: string }[] };
    expect(findings.filter((f) => f.type === 'orphaned-account').map((f) => `${f.accountId} ${f.role}`).sort()).toEqual(['group:00g1admins AWS prod App Access', 'user:00u3svc Wallet console App Access']);
    expect(findings.filter((f) => f.type === 'unknown-role')).toEqual([]);
  });

  it('keeps the state when the baton command fails, and applies it once the command works', async () => {
    writeFileSync(join(configDir, 'connectors/okta.yaml'), oktaYaml(`  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(STUB)}, fail]\n`));
    const failed = await cli('sync', '--system', 'okta');
    expect(failed.code).toBe(EXIT.failure);
    expect(failed.out).toMatch(/okta\s+failed\*/);
    expect(failed.out).toMatch(/exited with code 1: Error: c1z: invalid file/);

    writeFileSync(join(configDir, 'connectors/okta.yaml'), oktaYaml(`  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(STUB)}, grants]\n`));
    const ok = await cli('sync', '--system', 'okta');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toMatch(/okta\s+complete/);
  });

  it('stores an output with an unexpanded group grant as partial, never applied', async () => {
    const doc = fixture();
    doc.grants = doc.grants.filter((g) => g.grant.id !== 'role:SUPER_ADMIN:assigned:user:00u2ben');
    writeFileSync(join(configDir, 'connectors/baton/okta-grants.json'), JSON.stringify(doc));
    const r = await cli('sync', '--system', 'okta');
    expect(r.code).toBe(EXIT.syncPartial);
    expect(r.out).toMatch(/okta\s+partial\*/);
    expect(r.out).toMatch(/user:00u2ben \(Ben Keller\) holds group:00g1admins:member without holding role:SUPER_ADMIN:assigned/);
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    expect(await store.snapshots.current('okta')).toBeNull();
    await store.close();
  });
});
