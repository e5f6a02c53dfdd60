/**
 * `vault`: HashiCorp Vault as key-management system. Roles are policies; accounts are
 * identity entities (their own policies and those of their (nested) identity groups, see
 * vault-mappers.ts) and the roles/users/groups of the auth methods that issue tokens with
 * policies (vault-auth-methods.ts). Each grant's scope names where the policy comes from; for a
 * privileged policy its detail says what it allows (vault-privileges.ts, from the policy body).
 *
 * A run LISTs the entity ids once and reads every group once (groups are few), on the first
 * page, resolving group members that live in other namespaces; each page then reads the next
 * ENTITY_PAGE_SIZE entities, `concurrency` at a time. The last page adds the auth-method
 * grants (their owners are found through the aliases of all entities read) and the grants of
 * members from other namespaces. Policy bodies are read once per run, when first needed. The
 * page token is the index of the next entity in the list.
 *
 * `revokeGrant` (auto remediation only) is the one write: see vault-revoker.ts.
 *
 * There is deliberately no `tlsSkipVerify`: a Vault with a private CA is trusted by giving
 * Node the CA (`NODE_EXTRA_CA_CERTS=/path/ca.pem`), never by turning verification off for
 * the service that holds the firm's keys.
 */
import { z } from 'zod';
import { ConnectorError } from '../connector.js';
import type { Connector, ConnectorContext, ConnectorType, GrantRecord, Page, RevokeResult } from '../connector.js';
import { resolveSecret, secretRef } from '../secret-ref.js';
import { AUTH_COLLECTIONS, authEntrySchema, authGrants, entryPolicies, parseAuthMounts } from './vault-auth-methods.js';
import type { AuthMount, AuthPrincipal } from './vault-auth-methods.js';
import { VaultClient } from './vault-client.js';
import { GroupIndex, entityGrants, vaultEntitySchema, vaultGroupSchema } from './vault-mappers.js';
import type { IdentityAliasPreference, VaultEntity, VaultGroup } from './vault-mappers.js';
import { parsePolicy } from './vault-policy.js';
import { revokeVaultGrant } from './vault-revoker.js';
import { DEFAULT_PRIVILEGED_RULES, ROOT_POLICY_PRIVILEGES, privilegesOf, secretWriteRule } from './vault-privileges.js';
import type { PrivilegedRule } from './vault-privileges.js';

export const ENTITY_PAGE_SIZE = 200;

const privilegedRuleSchema = z.strictObject({
  /** A Vault path pattern (`+` one segment, trailing `*` any suffix). */
  path: z.string().min(1),
  capabilities: z.array(z.enum(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'])).min(1),
  /** Shown to reviewers; `{path}` is the policy's path, `{rest}` the part below the rule's prefix. */
  label: z.string().min(1),
});

export const vaultSettingsSchema = z.strictObject({
  /** Base address without `/v1`, e.g. https://vault.example.com:8200. */
  address: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL such as https://vault.example.com:8200' })
    .refine((u) => !/\/v1\/?$/.test(u), 'the address without /v1 (the connector adds it)'),
  token: secretRef,
  /** Vault Enterprise / HCP namespace, e.g. admin/custody. */
  namespace: z.string().trim().min(1).optional(),
  /**
   * Other namespaces (full paths) whose entities and groups may be members of this
   * namespace's identity groups; members found in none of them are reported as problems.
   */
  memberNamespaces: z.array(z.string().trim().min(1)).optional(),
  /** Auth mount whose aliases name people as the directory does (e.g. the OIDC mount for Entra). */
  identityAlias: z
    .strictObject({ mountAccessor: z.string().min(1).optional(), mountType: z.string().min(1).optional() })
    .refine((a) => a.mountAccessor !== undefined || a.mountType !== undefined, 'set mountAccessor or mountType')
    .optional(),
  /** Which policy paths are privileged; replaces DEFAULT_PRIVILEGED_RULES when set. */
  privilegedPaths: z.array(privilegedRuleSchema).optional(),
  /** kv paths (e.g. secret/data/custody/*) whose writes are privileged, on top of privilegedPaths. */
  secretPaths: z.array(z.string().min(1)).optional(),
  timeoutSeconds: z.number().int().min(1).max(300).default(30),
  concurrency: z.number().int().min(1).max(32).default(8),
});
export type VaultSettings = z.infer<typeof vaultSettingsSchema>;

interface VaultRun {
  client: VaultClient;
  entityIds: string[];
  groups: GroupIndex;
  /** Members of this namespace's groups that live in another namespace, with that namespace. */
  foreign: Array<{ entity: VaultEntity; namespace: string }>;
  /** Found while reading groups; reported with the first page. */
  problems: string[];
  /** Entities read so far, by `<mount accessor>\u001f<alias name>` of each of their aliases. */
  aliases: Map<string, VaultEntity>;
  /** Privileged capabilities per policy name; null when the body could not be parsed. */
  privileges: Map<string, Promise<string[] | null>>;
}

const aliasKey = (accessor: string, name: string): string => `${accessor}\u001f${name}`;

class VaultConnector implements Connector {
  private run: VaultRun | null = null;
  private readonly rules: PrivilegedRule[];

  constructor(
    private readonly settings: VaultSettings,
    private readonly ctx: Omit<ConnectorContext, 'signal'>,
  ) {
    this.rules = [...(settings.privilegedPaths ?? DEFAULT_PRIVILEGED_RULES), ...(settings.secretPaths ?? []).map(secretWriteRule)];
  }

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
    let items: GrantRecord[] = [];
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
      for (const alias of parsed.data.aliases ?? []) {
        if (alias.mount_accessor) run.aliases.set(aliasKey(alias.mount_accessor, alias.name), parsed.data);
      }
      items.push(...entityGrants(parsed.data, run.groups, preference));
    });
    const next = start + ids.length;
    const last = next >= run.entityIds.length;
    if (last) {
      for (const { entity, namespace } of run.foreign) {
        items.push(...entityGrants(entity, run.groups, preference, { foreignNamespace: namespace }));
      }
      items.push(...(await this.authMethodGrants(run, ctx, problems)));
    }
    items = await this.withPrivileges(run, items, ctx.signal, problems);
    const page: Page<GrantRecord> = { items, nextToken: last ? null : String(next) };
    if (problems.length > 0) page.problems = problems;
    if (page.nextToken === null) this.run = null;
    return page;
  }

  private client(): VaultClient {
    let token: string;
    try {
      token = resolveSecret(this.settings.token, this.ctx.env, 'vault token');
    } catch (err) {
      throw new ConnectorError((err as Error).message);
    }
    return new VaultClient({
      address: this.settings.address,
      token,
      namespace: this.settings.namespace ?? null,
      timeoutMs: this.settings.timeoutSeconds * 1000,
      now: this.ctx.now,
    });
  }

  private async startRun(signal: AbortSignal): Promise<VaultRun> {
    const client = this.client();
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
    const foreign = await this.resolveForeignMembers(client, new Set(entityIds), groups, problems, signal);
    this.ctx.log.debug('vault: run started', { systemId: this.ctx.systemId, entities: entityIds.length, groups: groups.length, foreign: foreign.length });
    return { client, entityIds, groups: new GroupIndex(groups), foreign, problems, aliases: new Map(), privileges: new Map() };
  }

  /**
   * Vault lets an identity group hold entities and groups of any namespace
   * (api-docs/system/config-group-policy-application). Members not in this namespace are looked
   * up in `memberNamespaces`, in order; a group found there is added without its own policies
   * (they apply in its namespace) so that its members inherit this namespace's groups. A member
   * found nowhere is a problem naming it and its group: never silently dropped.
   */
  private async resolveForeignMembers(
    client: VaultClient,
    localEntities: ReadonlySet<string>,
    groups: VaultGroup[],
    problems: string[],
    signal: AbortSignal,
  ): Promise<Array<{ entity: VaultEntity; namespace: string }>> {
    const namespaces = this.settings.memberNamespaces ?? [];
    const here = this.settings.namespace ?? 'root';
    const knownGroups = new Set(groups.map((g) => g.id));
    const missingEntities = new Map<string, string>();
    const missingGroups: Array<[id: string, inGroup: string]> = [];
    const collect = (g: VaultGroup): void => {
      for (const id of g.member_entity_ids ?? []) if (!localEntities.has(id) && !missingEntities.has(id)) missingEntities.set(id, g.name);
      for (const id of g.member_group_ids ?? []) if (!knownGroups.has(id)) {
        knownGroups.add(id);
        missingGroups.push([id, g.name]);
      }
    };
    groups.forEach(collect);
    const find = async (path: string): Promise<{ data: unknown; namespace: string } | null> => {
      for (const namespace of namespaces) {
        const data = await client.read(path, signal, namespace);
        if (data !== null) return { data, namespace };
      }
      return null;
    };
    const notFound = (kind: string, id: string, group: string): string =>
      `group ${group}: member ${kind} ${id} is not in namespace ${here} and was not found in ` +
      (namespaces.length > 0 ? `memberNamespaces (${namespaces.join(', ')})` : 'any memberNamespaces (none set)') +
      `; the policies it holds through this group are not reported`;
    for (let next = missingGroups.shift(); next !== undefined; next = missingGroups.shift()) {
      const [id, inGroup] = next;
      const found = await find(`identity/group/id/${encodeURIComponent(id)}`);
      const parsed = found ? vaultGroupSchema.safeParse(found.data) : null;
      if (!parsed?.success) {
        problems.push(notFound('group', id, inGroup));
        continue;
      }
      const group = { ...parsed.data, policies: [] };
      groups.push(group);
      collect(group);
    }
    const foreign: Array<{ entity: VaultEntity; namespace: string }> = [];
    for (const [id, inGroup] of missingEntities) {
      const found = await find(`identity/entity/id/${encodeURIComponent(id)}`);
      const parsed = found ? vaultEntitySchema.safeParse(found.data) : null;
      if (found && parsed?.success) foreign.push({ entity: parsed.data, namespace: found.namespace });
      else problems.push(notFound('entity', id, inGroup));
    }
    return foreign;
  }

  /** The grants of the supported auth methods' roles, users and groups (see vault-auth-methods.ts). */
  private async authMethodGrants(run: VaultRun, ctx: ConnectorContext, problems: string[]): Promise<GrantRecord[]> {
    let mounts: AuthMount[];
    try {
      mounts = parseAuthMounts(await run.client.read('sys/auth', ctx.signal));
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      problems.push(`${(err as Error).message}; no auth-method policies are reported`);
      return [];
    }
    const grants: GrantRecord[] = [];
    const lookup = (accessor: string, name: string): VaultEntity | undefined => run.aliases.get(aliasKey(accessor, name));
    for (const mount of mounts) {
      const collections = AUTH_COLLECTIONS[mount.type];
      if (!collections) {
        if (mount.type !== 'token') {
          ctx.log.warn('vault: auth mount of a type this connector does not read; its roles\' policies are not reported', { systemId: ctx.systemId, mount: mount.path, type: mount.type });
        }
        continue;
      }
      const ldapGroups = new Map<string, string[]>();
      for (const collection of collections) {
        const names = await run.client.list(`auth/${mount.path}${collection}`, ctx.signal);
        const principals = await mapConcurrently(names, this.settings.concurrency, (name) => this.readPrincipal(run.client, mount, collection, name, ctx.signal, problems));
        for (const p of principals) {
          if (p === null) continue;
          if (collection === 'groups') ldapGroups.set(p.name, entryPolicies(p.entry));
          grants.push(...authGrants(p, lookup, this.settings.identityAlias, ldapGroups));
        }
      }
    }
    return grants;
  }

  private async readPrincipal(client: VaultClient, mount: AuthMount, collection: AuthPrincipal['collection'], name: string, signal: AbortSignal, problems: string[]): Promise<AuthPrincipal | null> {
    const path = `auth/${mount.path}${collection}/${encodeURIComponent(name)}`;
    const data = await client.read(path, signal);
    if (data === null) return null; // deleted between LIST and read
    const parsed = authEntrySchema.safeParse(data);
    if (!parsed.success) {
      problems.push(`${path}: unexpected shape; its policies are not reported`);
      return null;
    }
    let aliasName: string | null = null;
    if (mount.type === 'approle') {
      // An AppRole entity's alias is named by the role's role_id (api-docs/auth/approle).
      const roleId = (await client.read(`${path}/role-id`, signal)) as { role_id?: unknown } | null;
      aliasName = typeof roleId?.role_id === 'string' ? roleId.role_id : null;
    } else if (collection === 'users') {
      aliasName = name;
    }
    return { mount, collection, name, entry: parsed.data, aliasName };
  }

  /**
   * Puts each grant's privileged capabilities (from its policy's body) in its detail: the
   * reviewer reads them ("can sign with transit key hot-wallet-eth"), rules may too, and a change
   * of the policy body is a changed grant, not a new one (the grant id, which a revoke's
   * remediation waits to see gone, stays the same).
   */
  private async withPrivileges(run: VaultRun, items: GrantRecord[], signal: AbortSignal, problems: string[]): Promise<GrantRecord[]> {
    const unread = [...new Set(items.map((g) => g.role))].filter((p) => !run.privileges.has(p));
    for (const name of unread) run.privileges.set(name, this.readPrivileges(run.client, name, signal, problems));
    const byPolicy = new Map<string, string[] | null>();
    try {
      for (const name of new Set(items.map((g) => g.role))) byPolicy.set(name, await (run.privileges.get(name) as Promise<string[] | null>));
    } catch (err) {
      // A failed read is retried with the page, not remembered.
      for (const name of unread) run.privileges.delete(name);
      throw err;
    }
    return items.map((g) => {
      const privileges = byPolicy.get(g.role);
      if (!privileges || privileges.length === 0) return g;
      return { ...g, detail: { summary: privileges.join('; '), privileges } };
    });
  }

  /**
   * A policy's privileged capabilities: [] for a policy that does not exist (Vault: "a deleted
   * policy set on a token acts as an empty policy", api-docs/system/policies); null, with a
   * problem, for a body that cannot be parsed.
   */
  private async readPrivileges(client: VaultClient, name: string, signal: AbortSignal, problems: string[]): Promise<string[] | null> {
    if (name === 'root') return ROOT_POLICY_PRIVILEGES;
    const data = (await client.read(`sys/policies/acl/${encodeURIComponent(name)}`, signal)) as { policy?: unknown } | null;
    if (data === null) return [];
    try {
      if (typeof data.policy !== 'string') throw new Error('the response has no policy text');
      return privilegesOf(await parsePolicy(name, data.policy), this.rules);
    } catch (err) {
      problems.push(`policy ${name}: cannot be parsed (${(err as Error).message}); its privileged paths are unknown`);
      return null;
    }
  }

  /** Auto remediation (vault-revoker.ts): reads right before it writes, with a client of its own. */
  async revokeGrant(grant: GrantRecord, ctx: ConnectorContext): Promise<RevokeResult> {
    return revokeVaultGrant(this.client(), grant, ctx);
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
