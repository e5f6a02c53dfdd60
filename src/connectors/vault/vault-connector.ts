/**
 * `vault`: HashiCorp Vault as key-management system. Accounts are identity entities,
 * roles are their policies, direct or through (nested) identity groups; see
 * vault-mappers.ts for the mapping and the `type: service` / `owner` metadata convention.
 *
 * A run LISTs the entity ids once and reads every group once (groups are few), on the
 * first page; each page then reads the next ENTITY_PAGE_SIZE entities, `concurrency` at a
 * time. The page token is the index of the next entity in that list.
 *
 * There is deliberately no `tlsSkipVerify`: a Vault with a private CA is trusted by giving
 * Node the CA (`NODE_EXTRA_CA_CERTS=/path/ca.pem`), never by turning verification off for
 * the service that holds the firm's keys.
 */
import { z } from 'zod';
import { ConnectorError } from '../connector.js';
import type { Connector, ConnectorContext, ConnectorType, GrantRecord, Page } from '../connector.js';
import { resolveSecret, secretRef } from '../secret-ref.js';
import { VaultClient } from './vault-client.js';
import { GroupIndex, entityGrants, vaultEntitySchema, vaultGroupSchema } from './vault-mappers.js';
import type { IdentityAliasPreference, VaultGroup } from './vault-mappers.js';

export const ENTITY_PAGE_SIZE = 200;

export const vaultSettingsSchema = z.strictObject({
  /** Base address without `/v1`, e.g. https://vault.example.com:8200. */
  address: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL such as https://vault.example.com:8200' })
    .refine((u) => !/\/v1\/?$/.test(u), 'the address without /v1 (the connector adds it)'),
  token: secretRef,
  /** Vault Enterprise / HCP namespace, e.g. admin/custody. */
  namespace: z.string().trim().min(1).optional(),
  /** Auth mount whose aliases name people as the directory does (e.g. the OIDC mount for Entra). */
  identityAlias: z
    .strictObject({ mountAccessor: z.string().min(1).optional(), mountType: z.string().min(1).optional() })
    .refine((a) => a.mountAccessor !== undefined || a.mountType !== undefined, 'set mountAccessor or mountType')
    .optional(),
  timeoutSeconds: z.number().int().min(1).max(300).default(30),
  concurrency: z.number().int().min(1).max(32).default(8),
});
export type VaultSettings = z.infer<typeof vaultSettingsSchema>;

interface VaultRun {
  client: VaultClient;
  entityIds: string[];
  groups: GroupIndex;
  /** Found while reading groups; reported with the first page. */
  problems: string[];
}

class VaultConnector implements Connector {
  private run: VaultRun | null = null;

  constructor(
    private readonly settings: VaultSettings,
    private readonly ctx: Omit<ConnectorContext, 'signal'>,
  ) {}

  async listGrants(pageToken: string | null, ctx: ConnectorContext): Promise<Page<GrantRecord>> {
    if (pageToken === null) {
      this.run = null;
      this.run = await this.startRun(ctx.signal);
    }
    const run = this.run;
    const start = pageToken === null ? 0 : Number(pageToken);
    if (run === null || !Number.isInteger(start) || start < 0 || start > run.entityIds.length) {
      throw new ConnectorError(
        `vault: page token ${JSON.stringify(pageToken)} does not belong to the current run; a Vault sync must restart from the first page`,
      );
    }
    const ids = run.entityIds.slice(start, start + ENTITY_PAGE_SIZE);
    const entities = await mapConcurrently(ids, this.settings.concurrency, (id) =>
      run.client.read(`identity/entity/id/${encodeURIComponent(id)}`, ctx.signal),
    );
    const items: GrantRecord[] = [];
    const problems = pageToken === null ? [...run.problems] : [];
    const preference: IdentityAliasPreference | undefined = this.settings.identityAlias;
    entities.forEach((data, i) => {
      if (data === null) {
        // Deleted between LIST and read: it no longer holds anything.
        ctx.log.info('vault: entity disappeared during sync', { systemId: ctx.systemId, entityId: ids[i] });
        return;
      }
      const parsed = vaultEntitySchema.safeParse(data);
      if (!parsed.success) {
        problems.push(`entity ${ids[i]}: unexpected shape (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`);
        return;
      }
      items.push(...entityGrants(parsed.data, run.groups, preference));
    });
    const next = start + ids.length;
    const page: Page<GrantRecord> = { items, nextToken: next < run.entityIds.length ? String(next) : null };
    if (problems.length > 0) page.problems = problems;
    if (page.nextToken === null) this.run = null;
    return page;
  }

  private async startRun(signal: AbortSignal): Promise<VaultRun> {
    let token: string;
    try {
      token = resolveSecret(this.settings.token, this.ctx.env, 'vault token');
    } catch (err) {
      throw new ConnectorError((err as Error).message);
    }
    const client = new VaultClient({
      address: this.settings.address,
      token,
      namespace: this.settings.namespace ?? null,
      timeoutMs: this.settings.timeoutSeconds * 1000,
      now: this.ctx.now,
    });
    const entityIds = await client.list('identity/entity/id', signal);
    const groupIds = await client.list('identity/group/id', signal);
    const groupData = await mapConcurrently(groupIds, this.settings.concurrency, (id) =>
      client.read(`identity/group/id/${encodeURIComponent(id)}`, signal),
    );
    const groups: VaultGroup[] = [];
    const problems: string[] = [];
    groupData.forEach((data, i) => {
      if (data === null) return; // deleted between LIST and read
      const parsed = vaultGroupSchema.safeParse(data);
      if (parsed.success) groups.push(parsed.data);
      else problems.push(`group ${groupIds[i]}: unexpected shape; its members' group policies are missing`);
    });
    this.ctx.log.debug('vault: run started', { systemId: this.ctx.systemId, entities: entityIds.length, groups: groups.length });
    return { client, entityIds, groups: new GroupIndex(groups), problems };
  }

  async close(): Promise<void> {
    this.run = null;
  }
}

/**
 * Maps `items` with at most `limit` calls in flight, keeping order. After the first
 * failure no new calls start; the failure is rethrown once those in flight settle.
 */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

export const vaultConnectorType: ConnectorType<VaultSettings> = {
  type: 'vault',
  settingsSchema: vaultSettingsSchema,
  secretSettings: ['token'],
  create: (settings, ctx) => new VaultConnector(settings, ctx),
};
