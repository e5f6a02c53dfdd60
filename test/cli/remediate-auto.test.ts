/**
 * Remediation mode `auto` through the real CLI on a firm with an Entra ID enterprise app in
 * auto mode: real SQLite, the real entra-id connector, Graph client and MSAL, sending to the
 * fake Graph (the only fake: the far side of the network). `remediate --apply` removes the
 * revoked app role assignment (requested, not verified), and the next sync, no longer seeing
 * it, verifies it; a grant already gone is requested and then verified, not an error; a 403
 * fails naming the permission; a 429 is retried after its Retry-After.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { createEntraIdConnectorType } from '../../src/connectors/entra-id/entra-id-connector.js';
import { BUILT_IN_TYPES, ConnectorRegistry, registered } from '../../src/connectors/registry.js';
import type { LedgerEvent, ReviewItem } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ALL_PERMISSIONS, WRITE_PERMISSIONS } from '../fakes/fake-graph.js';
import type { FakeGraph } from '../fakes/fake-graph.js';
import { CLIENT, SECRET, TENANT, ids, startFake } from '../connectors/entra-id/entra-id-harness.js';
import { captureIo } from '../helpers/capture-io.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const NOW = new Date('2026-09-01T08:00:00.000Z');
/** The directory: Entra object ids as identity ids, so the app's grants correlate. */
const HR = [
  'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups',
  `${ids.alice},alice@custodian.li,Alice,Operations,Head of Operations,boss@example.com,active,employee,,`,
  `${ids.bob},bob@custodian.li,Bob,Operations,Wallet Operator,boss@example.com,active,employee,,`,
  `${ids.dave},dave@custodian.li,Dave,Trading,Trader,boss@example.com,active,employee,,`,
  'E2,boss@example.com,Boss,Operations,Head of desk,,active,employee,,',
  '',
].join('\n');

const WALLET = `id: wallet
name: Wallet console
kind: wallet
criticality: critical
owner: head-of-ops@example.com
sync: { maxRemovalShare: 1 }
remediation: { mode: auto }
connector:
  type: entra-id
  tenantId: ${TENANT}
  clientId: ${CLIENT}
  clientSecret: { env: ENTRA_CLIENT_SECRET }
  read: app-roles
  servicePrincipalId: ${ids.walletSp}
`;
const WALLET_POLICY = `system: wallet
roles:
  Withdrawal.Approve:
    allowedFor:
      - anyone: true
  Withdrawal initiator:
    allowedFor:
      - anyone: true
  Default Access:
    allowedFor:
      - anyone: true
`;

describe('iam-review remediate --apply, mode auto (Entra ID app roles)', () => {
  let fake: FakeGraph;
  let configDir: string;
  let dataDir: string;
  let registry: ConnectorRegistry;

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io,
      env: { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ENTRA_CLIENT_SECRET: SECRET, IAM_REVIEW_OPERATOR: 'ops@example.com' },
      openApp: (env, o: AppOptions) => openApp(env, { ...o, now: () => NOW, connectors: registry }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  async function read<T>(f: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  }
  const events = (type: string): Promise<LedgerEvent[]> => read((s) => s.ledger.query({ type }));
  const remediations = async () => {
    const r = await cli(['remediation', 'list', '--format', 'json', '--system', 'wallet']);
    expect(r.code).toBe(EXIT.ok);
    return (JSON.parse(r.out) as { remediations: { id: string; accountId: string; role: string; state: string; snapshotId: string | null }[] }).remediations;
  };
  const walletAssignments = () => fake.servicePrincipals.find((s) => s.id === ids.walletSp)!.assignments.map((a) => a.id);
  const deletes = () => fake.requests.filter((r) => r.method === 'DELETE');

  /** Revokes the wallet items of these (account, role) pairs through `decide`. */
  async function revoke(...grants: [string, string][]): Promise<ReviewItem[]> {
    const items = await read((s) => s.campaigns.items('semiannual:2026-H2'));
    const chosen = grants.map(([account, role]) => items.find((i) => i.systemId === 'wallet' && i.accountId === account && i.role === role && i.scope === '')!);
    for (const item of chosen) {
      expect(item, 'review item').toBeDefined();
      const reviewer = item.reviewerId === 'E2' ? 'boss@example.com' : 'head-of-ops@example.com';
      const decided = await cli(['decide', item.id, 'revoke', '--as', reviewer, '--reason', 'no longer approves withdrawals']);
      expect(decided.code, decided.err).toBe(EXIT.ok);
    }
    return chosen;
  }

  beforeEach(async () => {
    fake = await startFake();
    fake.permissions = new Set([...ALL_PERMISSIONS, ...WRITE_PERMISSIONS]);
    registry = new ConnectorRegistry([...BUILT_IN_TYPES.filter((t) => t.type !== 'entra-id'), registered(createEntraIdConnectorType({ fetch: fake.fetch }))]);
    configDir = tempConfigDir({ ...MINIMAL_FIRM, 'connectors/sample-data/hr.csv': HR, 'connectors/sample-data/trading.csv': 'account_id,identity,role,scope\nacc-1,boss@example.com,VIEWER,\n', 'connectors/wallet.yaml': WALLET, 'policies/wallet.yaml': WALLET_POLICY });
    dataDir = mkdtempSync(join(tmpdir(), 'iam-remediate-auto-'));
    const synced = await cli(['sync']);
    expect(synced.code, synced.err + synced.out).toBe(EXIT.ok);
    expect((await cli(['campaign', 'open', 'semiannual', '--period', '2026-H2', '--as', 'sec@example.com'])).code).toBe(EXIT.ok);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('removed -> requested (not verified); the next sync without the grant verifies it; a dry run sends nothing', async () => {
    const [alice] = await revoke([ids.alice, 'Withdrawal.Approve']);
    const id = `rem:${alice!.id}`;

    const dry = await cli(['remediate']);
    expect(dry.code).toBe(EXIT.ok);
    expect(deletes()).toEqual([]);

    const applied = await cli(['remediate', '--apply']);
    expect(applied.code, applied.err).toBe(EXIT.ok);
    expect(deletes().map((r) => r.path)).toEqual([`/servicePrincipals/${ids.walletSp}/appRoleAssignedTo/ara-1`]);
    expect(walletAssignments()).not.toContain('ara-1');
    expect((await remediations()).find((r) => r.id === id)).toMatchObject({ state: 'requested', snapshotId: null });
    const [requested] = await events('remediation.requested');
    expect(requested).toMatchObject({ subject: id, actor: 'ops@example.com', data: { mode: 'auto', result: 'removed', ref: `removed: DELETE /servicePrincipals/${ids.walletSp}/appRoleAssignedTo/ara-1` } });

    // A second run sends nothing: the remediation is no longer due a request.
    expect((await cli(['remediate', '--apply'])).code).toBe(EXIT.ok);
    expect(deletes()).toHaveLength(1);

    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    const current = await read(async (s) => (await s.snapshots.current('wallet'))!);
    expect((await remediations()).find((r) => r.id === id)).toMatchObject({ state: 'verified', snapshotId: current.id });
  });

  it('a grant already gone at the vendor -> requested ("already gone"), then verified by the next snapshot, not an error', async () => {
    const [alice] = await revoke([ids.alice, 'Withdrawal.Approve']);
    fake.servicePrincipals.find((s) => s.id === ids.walletSp)!.assignments.splice(0, 1); // removed by hand in the portal
    expect((await cli(['remediate', '--apply'])).code).toBe(EXIT.ok);
    expect(deletes()).toEqual([]);
    const [requested] = await events('remediation.requested');
    expect(requested).toMatchObject({ subject: `rem:${alice!.id}`, data: { result: 'already-gone', ref: expect.stringMatching(/^already gone: no assignment of app role Withdrawal.Approve/) } });
    expect(await events('remediation.failed')).toEqual([]);
    expect((await cli(['sync'])).code).toBe(EXIT.ok);
    expect((await remediations())[0]).toMatchObject({ state: 'verified' });
  });

  it('403 (no AppRoleAssignment.ReadWrite.All) -> failed naming the permission; granted and re-run -> requested', async () => {
    const [alice] = await revoke([ids.alice, 'Withdrawal.Approve']);
    fake.permissions.delete('AppRoleAssignment.ReadWrite.All');
    const first = await cli(['remediate', '--apply']);
    expect(first.code).toBe(EXIT.ok);
    expect((await remediations())[0]).toMatchObject({ state: 'failed' });
    const [failed] = await events('remediation.failed');
    expect(failed).toMatchObject({ subject: `rem:${alice!.id}`, data: { mode: 'auto', permission: 'AppRoleAssignment.ReadWrite.All', error: expect.stringMatching(/^refused: Graph denied DELETE .*AppRoleAssignment\.ReadWrite\.All/) } });
    expect(walletAssignments()).toContain('ara-1');

    fake.permissions.add('AppRoleAssignment.ReadWrite.All');
    expect((await cli(['remediate', '--apply'])).code).toBe(EXIT.ok);
    expect((await remediations())[0]).toMatchObject({ state: 'requested' });
    expect(walletAssignments()).not.toContain('ara-1');
  });

  it('429 on the DELETE -> retried after Retry-After, then requested', async () => {
    await revoke([ids.alice, 'Withdrawal.Approve'], [ids.botSp, 'Default Access']);
    fake.fail((r) => r.method === 'DELETE', { status: 429, retryAfter: '0' }, 2);
    expect((await cli(['remediate', '--apply'])).code).toBe(EXIT.ok);
    expect(deletes()).toHaveLength(4); // two throttled, then the two removals
    expect((await remediations()).map((r) => r.state)).toEqual(['requested', 'requested']);
    expect(walletAssignments()).toEqual(['ara-2', 'ara-4']);
  });

  it('a role held through a group -> failed with the reason; nothing deleted', async () => {
    const items = await read((s) => s.campaigns.items('semiannual:2026-H2'));
    const bob = items.find((i) => i.systemId === 'wallet' && i.accountId === ids.bob && i.scope === 'group:Wallet Ops')!;
    const decided = await cli(['decide', bob.id, 'revoke', '--as', bob.reviewerId === 'E2' ? 'boss@example.com' : 'head-of-ops@example.com', '--reason', 'moved to another desk']);
    expect(decided.code, `${bob.reviewerId} ${decided.err}`).toBe(EXIT.ok);
    expect((await cli(['remediate', '--apply'])).code).toBe(EXIT.ok);
    const [failed] = await events('remediation.failed');
    expect(failed!.data.error).toMatch(/through group Wallet Ops/);
    expect(deletes()).toEqual([]);
  });
});
