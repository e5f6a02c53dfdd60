/**
 * The HTTP + auth layer against the fake: the real Graph SDK client and real MSAL, with only
 * the far side faked.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import { ADVANCED_QUERY, EntraIdClient, GraphCallError } from '../../../src/connectors/entra-id/entra-id-client.js';
import type { EntraIdClientConfig, EntraIdClientOptions } from '../../../src/connectors/entra-id/entra-id-client.js';
import type { FakeGraph } from '../../fakes/fake-graph.js';
import { CLIENT, SECRET, TENANT, connectorFor, ids, runContext, startFake } from './entra-id-harness.js';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function clientFor(f: FakeGraph, config: Partial<EntraIdClientConfig> = {}, options: EntraIdClientOptions = {}): EntraIdClient {
  return new EntraIdClient(
    { tenantId: TENANT, clientId: CLIENT, credential: { kind: 'secret', clientSecret: SECRET }, authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com', ...config },
    { fetch: f.fetch, ...options },
  );
}

const usersPath = '/users?$select=id,displayName&$top=999';

describe('EntraIdClient', () => {
  it('gets one token and sends it as bearer on every Graph request', async () => {
    fake = await startFake();
    fake.pageSize = 2;
    const client = clientFor(fake);
    const pages = [];
    for await (const page of client.pages(usersPath)) pages.push(page);
    expect(pages.map((p) => p.value.length)).toEqual([2, 2, 2, 1]);
    expect(fake.tokensIssued).toBe(1);
    expect(fake.authorityRequests.filter((r) => r.endsWith('/oauth2/v2.0/token'))).toHaveLength(1);
    const auth = fake.requests.map((r) => r.headers['authorization']);
    expect(auth).toHaveLength(4);
    expect(new Set(auth).size).toBe(1);
    expect(auth[0]).toMatch(/^Bearer fake-at-1-/);
  });

  it('follows absolute nextLinks whole, through an empty page that still has a link', async () => {
    fake = await startFake();
    fake.pageSize = 3;
    fake.emptyPageAfterFirst = true;
    const client = clientFor(fake);
    const pages = [];
    for await (const page of client.pages<{ id: string }>(usersPath)) pages.push(page);
    expect(pages.map((p) => p.value.length)).toEqual([3, 0, 3, 1]);
    expect(pages[1]?.nextLink).toMatch(/^https:\/\/graph\.microsoft\.com\/v1\.0\/users\?.*\$skiptoken=/);
    expect(pages.at(-1)?.nextLink).toBeNull();
    const seen = pages.flatMap((p) => p.value.map((u) => u.id));
    expect(new Set(seen).size).toBe(7);
    // The query of the first request is carried by every link.
    expect(fake.requests.every((r) => r.query.get('$select') === 'id,displayName')).toBe(true);
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    fake = await startFake();
    fake.fail((r) => r.path === '/users', { status: 429, retryAfter: '0.05' });
    const started = Date.now();
    const users = [];
    for await (const u of clientFor(fake).items(usersPath)) users.push(u);
    expect(users).toHaveLength(7);
    expect(fake.graphRequests('/users')).toHaveLength(2);
    expect(fake.graphRequests('/users')[1]?.headers['retry-attempt']).toBe('1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('retries a 503 and then succeeds', async () => {
    fake = await startFake();
    fake.fail((r) => r.path === '/users', { status: 503, retryAfter: '0.01' }, 2);
    const users = [];
    for await (const u of clientFor(fake).items(usersPath)) users.push(u);
    expect(users).toHaveLength(7);
    expect(fake.graphRequests('/users')).toHaveLength(3);
  });

  it('after its retries, reports throttling with the Retry-After to wait', async () => {
    fake = await startFake();
    fake.fail((r) => r.path === '/users', { status: 429, retryAfter: '0.02' }, 10);
    const err = await clientFor(fake, {}, { maxRetries: 2 }).get(usersPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphCallError);
    expect(err).toMatchObject({ status: 429, code: 'TooManyRequests', retryAfterMs: 20 });
    expect(fake.graphRequests('/users')).toHaveLength(3);
  });

  it('re-sends throttled $batch sub-requests after their Retry-After, 20 per batch', async () => {
    fake = await startFake();
    fake.failInBatch((r) => r.path.includes(ids.bob), { status: 429, retryAfter: '0.25' });
    fake.failInBatch((r) => r.path.includes(ids.carol), { status: 503, retryAfter: '0.1' });
    const waits: number[] = [];
    const client = clientFor(fake, {}, { sleep: async (ms) => void waits.push(ms) });
    const requests = [];
    for (let i = 0; i < 23; i++) {
      const user = [ids.alice, ids.bob, ids.carol][i % 3] as string;
      requests.push({ id: `r${i}`, url: `/users/${user}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$count=true`, headers: ADVANCED_QUERY });
    }
    const answers = await client.batchGet(requests);
    expect(answers.size).toBe(23);
    expect([...answers.values()].every((a) => a.status === 200)).toBe(true);
    expect((answers.get('r1')?.body as { value: { displayName: string }[] }).value.map((g) => g.displayName)).toEqual(['Wallet Ops']);
    // One round of two batches (20 + 3), one wait of the longest Retry-After, one more batch.
    expect(fake.graphRequests('/$batch')).toHaveLength(3);
    expect(waits).toEqual([250]);
    const resent = fake.requests.filter((r) => r.inBatch).slice(23);
    expect(resent).toHaveLength(2);
    expect(resent.map((r) => r.path)).toEqual(expect.arrayContaining([expect.stringContaining(ids.bob), expect.stringContaining(ids.carol)]));
  });

  it('gives up on a $batch that stays throttled with a transient error', async () => {
    fake = await startFake();
    fake.failInBatch(() => true, { status: 429, retryAfter: '7' }, 100);
    const client = clientFor(fake, {}, { sleep: async () => undefined, maxBatchRounds: 3 });
    const err = await client.batchGet([{ id: '1', url: `/users/${ids.alice}/transitiveMemberOf/microsoft.graph.group?$count=true`, headers: ADVANCED_QUERY }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: true, retryAfterMs: 7000 });
    expect(fake.graphRequests('/$batch')).toHaveLength(3);
  });

  it('refuses to follow a link to another host', async () => {
    fake = await startFake();
    const err = await clientFor(fake).get('https://evil.example/v1.0/users').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toContain('refusing');
    expect(fake.tokensIssued).toBe(0);
  });

  it('reports a rejected client secret as a configuration error, without the secret', async () => {
    fake = await startFake();
    const err = await clientFor(fake, { credential: { kind: 'secret', clientSecret: 'wrong-secret-xyz' } }).get(usersPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ transient: false });
    expect((err as Error).message).toMatch(/invalid_client: AADSTS7000215/);
    expect((err as Error).message).not.toContain('wrong-secret-xyz');
    expect(fake.requests).toHaveLength(0);
  });

  it('reports an unreachable token endpoint as transient', async () => {
    fake = await startFake();
    const down: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    const client = new EntraIdClient({ tenantId: TENANT, clientId: CLIENT, credential: { kind: 'secret', clientSecret: SECRET }, authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com' }, { fetch: down });
    const err = await client.get(usersPath).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConnectorError', transient: true });
  });

  it('authenticates with a certificate: MSAL signs a PS256 client assertion the token endpoint verifies', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumbprintSha256 = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    fake = await startFake({ clientSecret: undefined, certificate: { publicKey, thumbprintSha256 } });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const users = [];
    for await (const u of clientFor(fake, { credential: { kind: 'certificate', thumbprintSha256, privateKey: pem } }).items(usersPath)) users.push(u);
    expect(users).toHaveLength(7);
    expect(fake.lastAssertionHeader).toMatchObject({ alg: 'PS256', 'x5t#S256': Buffer.from(thumbprintSha256, 'hex').toString('base64url') });

    // A certificate the app registration does not know is refused.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const err = await clientFor(fake, { credential: { kind: 'certificate', thumbprintSha256, privateKey: other } }).get(usersPath).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConnectorError', transient: false });
    expect((err as Error).message).toContain('bad signature');
  });

  it('accepts the certificate settings through the connector (PEM with escaped newlines)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const thumbprintSha256 = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    fake = await startFake({ clientSecret: undefined, certificate: { publicKey, thumbprintSha256 } });
    const oneLine = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim().replace(/\n/g, '\\n');
    const ctx = runContext([], { ENTRA_CERT_KEY: oneLine });
    const connector = connectorFor(fake, { clientSecret: undefined, clientCertificate: { thumbprintSha256: thumbprintSha256.toUpperCase(), privateKey: { env: 'ENTRA_CERT_KEY' } }, read: 'directory-roles' }, ctx);
    const page = await connector.listGrants?.(null, ctx);
    expect(page?.items.length).toBeGreaterThan(0);
    expect(fake.tokensIssued).toBe(1);
  });

  it('uses the national cloud hosts for the token scope and the API', async () => {
    fake = await startFake({ authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://dod-graph.microsoft.us' });
    const ctx = runContext();
    const connector = connectorFor(fake, { cloud: 'usgov-dod', read: 'identities', signInActivity: 'off' }, ctx);
    const page = await connector.listIdentities?.(null, ctx);
    expect(page?.items).toHaveLength(7);
    expect(fake.authorityRequests).toEqual([`POST /${TENANT}/oauth2/v2.0/token`]);
    expect(fake.requests[0]?.headers['authorization']).toMatch(/^Bearer /);
  });

  it('works with explicit host overrides (MSAL reads the authority metadata)', async () => {
    fake = await startFake({ authorityHost: 'https://login.sovereign.example', graphHost: 'https://graph.sovereign.example' });
    const ctx = runContext();
    const connector = connectorFor(fake, { authorityHost: 'https://login.sovereign.example', graphHost: 'https://graph.sovereign.example', read: 'directory-roles' }, ctx);
    const page = await connector.listGrants?.(null, ctx);
    expect(page?.items.length).toBeGreaterThan(0);
    expect(fake.authorityRequests).toEqual([`GET /${TENANT}/v2.0/.well-known/openid-configuration`, `POST /${TENANT}/oauth2/v2.0/token`]);
    // The SDK only sends tokens to hosts it knows: the override host must carry it too.
    expect(fake.requests.every((r) => r.headers['authorization']?.startsWith('Bearer fake-at-'))).toBe(true);
  });
});
