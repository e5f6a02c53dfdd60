/**
 * The baton connector against a fixture of `baton grants --output-format=json` written from
 * the baton and baton-sdk sources (test/fixtures/baton/README.md): the mapping of principals,
 * entitlements and expanded grants, and what makes a pull partial or failed.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { GrantRecord } from '../../../src/connectors/connector.js';
import { BATON_PAGE_SIZE, batonConnectorType } from '../../../src/connectors/baton/baton-connector.js';
import { FIXTURES, connect, drain, entry, fixture, makeCtx } from './baton-harness.js';

const ANNA = { accountId: 'user:00u1anna', identityRef: 'anna.muster@example.li', accountDisplayName: 'Anna Muster', accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-11-20T08:15:00.000Z' } as const;
const BEN = { accountId: 'user:00u2ben', identityRef: 'ben.keller@example.li', accountDisplayName: 'Ben Keller', accountType: 'human', accountStatus: 'disabled', lastActivityAt: '2026-06-02T17:40:12.500Z' } as const;
const CARLA = { accountId: 'user:00u4carla', identityRef: 'carla.frick', accountDisplayName: 'Carla Frick', accountType: 'human', accountStatus: 'disabled', lastActivityAt: null } as const;
const CI = { accountId: 'user:00u3svc', identityRef: 'svc-ci@example.li', accountDisplayName: 'CI pipeline', accountType: 'service', accountStatus: 'active', lastActivityAt: null } as const;
const ADMINS_GROUP = { accountId: 'group:00g1admins', identityRef: null, accountDisplayName: 'Admins (group)', accountType: 'service', accountStatus: 'active', lastActivityAt: null } as const;

const EXPECTED: GrantRecord[] = [
  { ...ANNA, role: 'Admins Group Member', scope: 'group:Admins' },
  // Suspended in Okta: the resource status (DISABLED) wins over the trait's default ENABLED.
  { ...BEN, role: 'Admins Group Member', scope: 'group:Admins' },
  { ...ANNA, role: 'Everyone Group Member', scope: 'group:Everyone' },
  // Disabled by the deprecated trait status alone; no email, so the login is the owner reference.
  { ...CARLA, role: 'Everyone Group Member', scope: 'group:Everyone' },
  { ...ANNA, role: 'AWS prod App Access', scope: 'app:AWS prod' },
  // An app assigned to a group, not expandable: baton names no members, so the group is the holder.
  { ...ADMINS_GROUP, role: 'AWS prod App Access', scope: 'app:AWS prod' },
  // (The role assigned to Admins is expandable: no grant of its own, its members' follow.)
  // Anna holds the role through Admins and directly: two grants.
  { ...ANNA, role: 'Super Administrator Role Member', scope: 'role:Super Administrator;via group:Admins' },
  { ...ANNA, role: 'Super Administrator Role Member', scope: 'role:Super Administrator' },
  { ...BEN, role: 'Super Administrator Role Member', scope: 'role:Super Administrator;via group:Admins' },
  { ...CI, role: 'Wallet console App Access', scope: 'app:Wallet console' },
  { ...CARLA, role: 'Wallet console App Access', scope: 'app:Wallet console' },
];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'baton-connector-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes a document to a temp file and reads it through the connector. */
async function readDoc(doc: unknown, settings: Record<string, unknown> = {}) {
  const file = path.join(tmp, `grants-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  const ctx = makeCtx(tmp);
  return drain(connect({ path: path.basename(file), ...settings }, ctx), ctx);
}

describe('baton connector: okta-grants.json', () => {
  it('maps each grant to its principal account, entitlement role and resource scope', async () => {
    const ctx = makeCtx(FIXTURES);
    const { items, problems, pages } = await drain(connect({ path: 'okta-grants.json' }, ctx), ctx);
    expect(problems).toEqual([]);
    expect(items).toEqual(EXPECTED);
    expect(pages).toHaveLength(1);
  });

  it('names roles by slug when asked, and leaves the listed resource types unscoped', async () => {
    const ctx = makeCtx(FIXTURES);
    const { items } = await drain(connect({ path: 'okta-grants.json', role: 'slug', unscopedResourceTypes: ['app'] }, ctx), ctx);
    expect(items.map((g) => `${g.accountId} ${g.role} [${g.scope}]`)).toEqual([
      'user:00u1anna member [group:Admins]',
      'user:00u2ben member [group:Admins]',
      'user:00u1anna member [group:Everyone]',
      'user:00u4carla member [group:Everyone]',
      'user:00u1anna access []',
      'group:00g1admins access []',
      'user:00u1anna assigned [role:Super Administrator;via group:Admins]',
      'user:00u1anna assigned [role:Super Administrator]',
      'user:00u2ben assigned [role:Super Administrator;via group:Admins]',
      'user:00u3svc access []',
      'user:00u4carla access []',
    ]);
  });

  it('reports a member of an expandable group grant that baton did not expand (expansion off), never drops it silently', async () => {
    const doc = fixture();
    doc.grants = doc.grants.filter((g) => g.grant.id !== 'role:SUPER_ADMIN:assigned:user:00u2ben');
    const { items, problems } = await readDoc(doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/grant role:SUPER_ADMIN:assigned:group:00g1admins: group:00g1admins holds "Super Administrator Role Member" for the holders of group:00g1admins:member, but user:00u2ben \(Ben Keller\) holds group:00g1admins:member without holding role:SUPER_ADMIN:assigned/);
    expect(problems[0]).toMatch(/grant expansion off/);
    expect(items).toEqual(EXPECTED.filter((g) => !(g.accountId === BEN.accountId && g.role === 'Super Administrator Role Member')));
  });

  it('with `shallow`, expects the expansion for direct holders of the source entitlement only', async () => {
    const doc = fixture();
    // Carla holds Admins membership only through another group (an expanded grant): a shallow
    // expansion does not reach her, so her missing Super Administrator grant is no problem.
    const carlaInAdmins = structuredClone(entry(doc, 'group:00g1admins:member:user:00u2ben'));
    carlaInAdmins.grant.id = 'group:00g1admins:member:user:00u4carla';
    carlaInAdmins.grant.principal = { id: { resourceType: 'user', resource: '00u4carla' } };
    carlaInAdmins.grant.sources = { sources: { 'group:00g2everyone:member': {} } };
    carlaInAdmins.principal = entry(doc, 'group:00g2everyone:member:user:00u4carla').principal;
    doc.grants.push(carlaInAdmins);
    expect((await readDoc(doc)).problems).toEqual([]);

    // The same grant marked not shallow: now baton owed her the role.
    const expandable = entry(doc, 'role:SUPER_ADMIN:assigned:group:00g1admins').grant.annotations[1]!;
    expandable.shallow = false;
    const { problems } = await readDoc(doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/but user:00u4carla \(Carla Frick\) holds group:00g1admins:member without holding role:SUPER_ADMIN:assigned/);
  });

  it('nested groups: a member of the inner group holds the outer membership via it; the inner group itself is no account', async () => {
    // Everyone made a member of Admins, expandably (as a directory connector marks nested
    // groups); baton then gave Carla (in Everyone) Admins membership, and Everyone itself the
    // role assigned to Admins (Everyone holds Admins membership directly, the role is shallow).
    const doc = fixture();
    const everyone = entry(doc, 'app:0oa1aws:access:group:00g1admins').principal; // a group principal, as a template
    const groupEveryone = { ...structuredClone(everyone), id: { resourceType: 'group', resource: '00g2everyone' }, displayName: 'Everyone' };
    const nested = structuredClone(entry(doc, 'group:00g1admins:member:user:00u1anna'));
    nested.grant.id = 'group:00g1admins:member:group:00g2everyone';
    nested.grant.principal = { id: groupEveryone.id };
    nested.grant.annotations.push({ '@type': 'type.googleapis.com/c1.connector.v2.GrantExpandable', entitlementIds: ['group:00g2everyone:member'] });
    nested.principal = groupEveryone;
    const carlaInAdmins = structuredClone(entry(doc, 'group:00g1admins:member:user:00u1anna'));
    carlaInAdmins.grant.id = 'group:00g1admins:member:user:00u4carla';
    carlaInAdmins.grant.principal = { id: { resourceType: 'user', resource: '00u4carla' } };
    carlaInAdmins.grant.sources = { sources: { 'group:00g2everyone:member': { isDirect: true } } };
    carlaInAdmins.principal = entry(doc, 'group:00g2everyone:member:user:00u4carla').principal;
    const annaInAdmins = entry(doc, 'group:00g1admins:member:user:00u1anna');
    annaInAdmins.grant.sources = { sources: { 'group:00g1admins:member': { isDirect: true }, 'group:00g2everyone:member': { isDirect: true } } };
    const everyoneRole = structuredClone(entry(doc, 'role:SUPER_ADMIN:assigned:user:00u2ben'));
    everyoneRole.grant.id = 'role:SUPER_ADMIN:assigned:group:00g2everyone';
    everyoneRole.grant.principal = { id: groupEveryone.id };
    everyoneRole.principal = groupEveryone;
    doc.grants.push(nested, carlaInAdmins, everyoneRole);

    const { items, problems } = await readDoc(doc);
    expect(problems).toEqual([]);
    const added = items.filter((g) => !EXPECTED.some((e) => e.accountId === g.accountId && e.role === g.role && e.scope === g.scope));
    expect(added).toEqual([
      { ...ANNA, role: 'Admins Group Member', scope: 'group:Admins;via group:Everyone' },
      { ...CARLA, role: 'Admins Group Member', scope: 'group:Admins;via group:Everyone' },
    ]);
    expect(items.filter((g) => g.accountId === 'group:00g2everyone')).toEqual([]);
  });

  it('reads a resource status DELETED as disabled, an unset one as active, and an unknown one as a problem', async () => {
    const doc = fixture();
    entry(doc, 'group:00g2everyone:member:user:00u1anna').principal.status = { status: 'RESOURCE_STATUS_DELETED' };
    entry(doc, 'group:00g2everyone:member:user:00u4carla').principal.status = { status: 'RESOURCE_STATUS_UNSPECIFIED' };
    entry(doc, 'app:0oa1aws:access:user:00u1anna').principal.status = { status: 'RESOURCE_STATUS_LOCKED' };
    const { items, problems } = await readDoc(doc);
    expect(items.find((g) => g.role === 'Everyone Group Member' && g.accountId === ANNA.accountId)?.accountStatus).toBe('disabled');
    // Unspecified at the resource: the trait's status (Carla's is STATUS_DISABLED) decides.
    expect(items.find((g) => g.role === 'Everyone Group Member' && g.accountId === CARLA.accountId)?.accountStatus).toBe('disabled');
    expect(problems).toEqual([expect.stringMatching(/: grant app:0oa1aws:access:user:00u1anna: status "RESOURCE_STATUS_LOCKED" of user:00u1anna not understood$/)]);
    expect(items.some((g) => g.role === 'AWS prod App Access' && g.accountId === ANNA.accountId)).toBe(false);
  });

  it('makes an entry it cannot read a problem naming it, and maps the rest', async () => {
    const doc = fixture();
    delete entry(doc, 'group:00g1admins:member:user:00u2ben').grant.principal;
    entry(doc, 'app:0oa2wallet:access:user:00u3svc').principal.annotations[0]!.lastLogin = 'yesterday';
    const { items, problems } = await readDoc(doc);
    expect(problems).toEqual([
      expect.stringMatching(/: grants\[1\]: grant\.principal: /),
      expect.stringMatching(/: grant app:0oa2wallet:access:user:00u3svc: lastLogin "yesterday" of user:00u3svc is not an RFC 3339 time$/),
    ]);
    expect(items).toHaveLength(EXPECTED.length - 2);
  });

  it('reads `{}` (protojson leaves an empty list out) as no grants', async () => {
    const { items, problems } = await readDoc('{}');
    expect(items).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('fails the pull on cut-off JSON, on the output of another baton command, and on a missing file', async () => {
    const whole = JSON.stringify(fixture());
    await expect(readDoc(whole.slice(0, whole.length - 40))).rejects.toThrow(/not valid JSON .*cut off/);
    await expect(readDoc('')).rejects.toThrow(ConnectorError);
    await expect(readDoc({ resources: [{ resource: {} }] })).rejects.toThrow(/not the output of `baton grants`: it has "resources"/);
    await expect(readDoc({ grants: {} })).rejects.toThrow(/"grants" is not a list/);
    const ctx = makeCtx(tmp);
    await expect(drain(connect({ path: 'nowhere.json' }, ctx), ctx)).rejects.toThrow(/nowhere\.json: cannot read .* \(ENOENT\)/);
  });

  it('fails the pull when the file is older than maxAgeHours (the scheduled baton run stopped)', async () => {
    const file = path.join(tmp, 'aged.json');
    await writeFile(file, JSON.stringify(fixture()));
    const ctx = makeCtx(tmp); // now = 2026-12-01T00:00:00Z
    await utimes(file, new Date('2026-11-30T00:00:00Z'), new Date('2026-11-30T00:00:00Z'));
    expect((await drain(connect({ path: 'aged.json', maxAgeHours: 26 }, ctx), ctx)).items).toHaveLength(EXPECTED.length);
    await utimes(file, new Date('2026-11-28T00:00:00Z'), new Date('2026-11-28T00:00:00Z'));
    await expect(drain(connect({ path: 'aged.json', maxAgeHours: 26 }, ctx), ctx)).rejects.toThrow(/aged\.json: last written 2026-11-28T00:00:00\.000Z \(72\.0 h ago\), older than maxAgeHours 26/);
  });

  it('hands out a large output in pages and refuses a token it did not issue', async () => {
    const base = entry(fixture(), 'app:0oa1aws:access:user:00u1anna');
    const grants = Array.from({ length: BATON_PAGE_SIZE + 7 }, (_, i) => {
      const e = structuredClone(base);
      e.grant.id = `app:0oa1aws:access:user:u${i}`;
      e.grant.principal = { id: { resourceType: 'user', resource: `u${i}` } };
      e.principal.id = { resourceType: 'user', resource: `u${i}` };
      return e;
    });
    const { pages, items, problems } = await readDoc({ grants });
    expect(problems).toEqual([]);
    expect(pages.map((p) => p.items.length)).toEqual([BATON_PAGE_SIZE, 7]);
    expect(new Set(items.map((g) => g.accountId)).size).toBe(BATON_PAGE_SIZE + 7);

    const ctx = makeCtx(FIXTURES);
    const connector = connect({ path: 'okta-grants.json' }, ctx);
    await expect(connector.listGrants!('baton:5000', ctx)).rejects.toThrow(/does not continue the current read/);
    expect((await connector.listGrants!(null, ctx)).nextToken).toBeNull();
    for (const token of ['baton:0', 'baton:11', 'csv:1', '']) {
      await expect(connector.listGrants!(token, ctx), token).rejects.toThrow(/does not continue the current read/);
    }
  });
});

describe('baton settings', () => {
  const parse = (s: Record<string, unknown>) => batonConnectorType.settingsSchema.safeParse(s);

  it('needs exactly one of path and command', () => {
    expect(parse({}).success).toBe(false);
    expect(parse({ path: 'a.json', command: ['baton'] }).success).toBe(false);
    expect(parse({ path: 'a.json' }).success).toBe(true);
    expect(parse({ command: ['baton', 'grants', '-o', 'json'] }).success).toBe(true);
  });

  it('refuses options of the other mode, unknown keys and a command given as one string', () => {
    expect(parse({ path: 'a.json', passEnv: ['TOKEN'] }).success).toBe(false);
    expect(parse({ command: ['baton'], maxAgeHours: 24 }).success).toBe(false);
    expect(parse({ path: 'a.json', shell: true }).success).toBe(false);
    expect(parse({ command: 'baton grants -o json' }).success).toBe(false);
    expect(parse({ command: ['baton'], passEnv: ['not-a-name'] }).success).toBe(false);
  });
});
