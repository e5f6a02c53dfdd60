/**
 * Auto remediation for Vault: removes one policy grant the connector reported, or refuses.
 * Where the grant comes from is its scope (vault-mappers.ts, vault-auth-methods.ts; scopes
 * stored by versions before grant details carried ` · <privileges>` after it, or the privileges
 * alone for an entity's own policy, and are read the same way):
 *
 * - '' (or privileges only): the entity's own policy. Read `identity/entity/id/:id`, then
 *   `POST identity/entity/id/:id` with `policies` = the list just read minus this one
 *   (api-docs/secret/identity/entity: "Update entity by ID"; fields not sent are kept).
 * - `group:<name>`: a policy of an identity group the entity is in. Read
 *   `identity/group/name/:name`; when the entity is a DIRECT member and the membership gives it
 *   nothing else (the group has no other policy and no parent group), `POST identity/group/id/:id`
 *   with `member_entity_ids` = the list just read minus the entity (api-docs/secret/identity/group:
 *   "Update group by ID"). Otherwise refused: removing the membership would take other access
 *   that nobody decided to revoke, an external group's members come from the auth provider, and
 *   a member through a subgroup is not removed by editing this group.
 * - `auth:<mount path><collection>/<name>`: the token policies of an auth-method role, user or
 *   LDAP group (the account itself): read it, then write the policy list minus this one
 *   (approle/jwt/oidc `role/:name` and userpass `users/:name/policies` take `token_policies`;
 *   ldap `groups/:name` takes `policies`). An LDAP user's policy that comes from an LDAP group,
 *   and other auth types, are refused.
 *
 * Read-modify-write: every write is preceded by a read of the same object right before it and
 * sends only the field it changes, computed from that read, so no other policy or member is
 * dropped. Vault has no compare-and-set on these objects: a change made by someone else between
 * the read and the write (milliseconds) could be overwritten; the next snapshot shows the result.
 * A grant already absent (object gone, policy or member not there) is `already-gone`.
 */
import type { ConnectorContext, GrantRecord, RevokeResult } from '../connector.js';
import { ConnectorError } from '../connector.js';
import { authEntrySchema, entryPolicies, parseAuthMounts } from './vault-auth-methods.js';
import type { VaultClient } from './vault-client.js';
import { vaultEntitySchema, vaultGroupSchema } from './vault-mappers.js';

/** The separator earlier versions put before the privileges they appended to a scope. */
const PRIVILEGES_SEPARATOR = ' · ';

/** Where a grant comes from, from its scope. */
export type GrantSource = { kind: 'entity' } | { kind: 'group'; name: string } | { kind: 'auth'; where: string };

export function grantSource(scope: string): GrantSource {
  const head = scope.split(PRIVILEGES_SEPARATOR)[0] ?? '';
  if (head.startsWith('group:')) return { kind: 'group', name: head.slice('group:'.length) };
  if (head.startsWith('auth:')) return { kind: 'auth', where: head.slice('auth:'.length) };
  return { kind: 'entity' };
}

export async function revokeVaultGrant(client: VaultClient, grant: GrantRecord, ctx: ConnectorContext): Promise<RevokeResult> {
  const source = grantSource(grant.scope);
  try {
    if (source.kind === 'entity') return await removeEntityPolicy(client, grant, ctx.signal);
    if (source.kind === 'group') return await removeGroupMember(client, grant, source.name, ctx.signal);
    return await removeAuthPolicy(client, grant, source.where, ctx.signal);
  } catch (err) {
    if (err instanceof ConnectorError && err.status === 403) {
      const capability = /the token needs (.*?)(?: \(|$)/.exec(err.message)?.[1];
      return { outcome: 'refused', reason: err.message, ...(capability ? { permission: capability } : {}) };
    }
    throw err;
  }
}

async function removeEntityPolicy(client: VaultClient, grant: GrantRecord, signal: AbortSignal): Promise<RevokeResult> {
  const path = `identity/entity/id/${encodeURIComponent(grant.accountId)}`;
  const entity = parse(vaultEntitySchema, await client.read(path, signal), path);
  if (entity === null) return { outcome: 'already-gone', ref: `entity ${grant.accountId} no longer exists` };
  const policies = entity.policies ?? [];
  if (!policies.includes(grant.role)) return { outcome: 'already-gone', ref: `entity ${entity.name} (${entity.id}) no longer has policy ${grant.role}` };
  await client.write(path, { policies: policies.filter((p) => p !== grant.role) }, signal);
  return { outcome: 'removed', ref: `POST ${path}: policy ${grant.role} removed from entity ${entity.name}` };
}

async function removeGroupMember(client: VaultClient, grant: GrantRecord, groupName: string, signal: AbortSignal): Promise<RevokeResult> {
  const raw = await client.read(`identity/group/name/${encodeURIComponent(groupName)}`, signal);
  const group = parse(vaultGroupSchema, raw, `identity/group/name/${groupName}`);
  if (group === null) {
    return { outcome: 'refused', reason: `identity group ${groupName} was not found by name: not changed (if it was deleted, the next snapshot verifies the removal)` };
  }
  if (!(group.policies ?? []).includes(grant.role)) return { outcome: 'already-gone', ref: `group ${group.name} no longer has policy ${grant.role}` };
  const members = group.member_entity_ids ?? [];
  if (group.type === 'external') {
    return { outcome: 'refused', reason: `group ${group.name} is an external group: its members come from the auth provider (group claims, LDAP groups); remove the person from that group there` };
  }
  if (!members.includes(grant.accountId)) {
    if (await inSubgroup(client, group.member_group_ids ?? [], grant.accountId, signal)) {
      return { outcome: 'refused', reason: `${grant.accountDisplayName ?? grant.accountId} holds ${grant.role} of group ${group.name} through one of its subgroups: removing it from this group's members would change nothing; remove it from the subgroup by hand` };
    }
    return { outcome: 'already-gone', ref: `entity ${grant.accountId} is no longer a member of group ${group.name}` };
  }
  const others = (group.policies ?? []).filter((p) => p !== grant.role);
  const parents = (raw as { parent_group_ids?: string[] | null }).parent_group_ids ?? [];
  if (others.length > 0 || parents.length > 0) {
    const also = [others.length > 0 ? `policies ${others.join(', ')}` : '', parents.length > 0 ? `the policies of its parent group(s) ${parents.join(', ')}` : ''].filter(Boolean).join(' and ');
    return { outcome: 'refused', reason: `removing ${grant.accountDisplayName ?? grant.accountId} from group ${group.name} would also remove ${also}, which were not revoked: change the membership or the group's policies by hand` };
  }
  // Re-read by id right before the write: the member list sent is the one Vault holds now.
  const path = `identity/group/id/${encodeURIComponent(group.id)}`;
  const fresh = parse(vaultGroupSchema, await client.read(path, signal), path);
  if (fresh === null || !(fresh.member_entity_ids ?? []).includes(grant.accountId)) return { outcome: 'already-gone', ref: `entity ${grant.accountId} is no longer a member of group ${groupName}` };
  await client.write(path, { member_entity_ids: (fresh.member_entity_ids ?? []).filter((id) => id !== grant.accountId) }, signal);
  return { outcome: 'removed', ref: `POST ${path}: entity ${grant.accountId} removed from group ${group.name}` };
}

/** Whether the entity is a member of one of these groups or of their subgroups (this namespace). */
async function inSubgroup(client: VaultClient, groupIds: readonly string[], entityId: string, signal: AbortSignal): Promise<boolean> {
  const pending = [...groupIds];
  const seen = new Set<string>();
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    const path = `identity/group/id/${encodeURIComponent(id)}`;
    const group = parse(vaultGroupSchema, await client.read(path, signal), path);
    if (group === null) continue;
    if ((group.member_entity_ids ?? []).includes(entityId)) return true;
    pending.push(...(group.member_group_ids ?? []));
  }
  return false;
}

/** How each auth type's principal takes its policy list on write. */
const AUTH_WRITES: Record<string, Partial<Record<string, { suffix: string; field: 'token_policies' | 'policies' }>>> = {
  approle: { role: { suffix: '', field: 'token_policies' } },
  jwt: { role: { suffix: '', field: 'token_policies' } },
  oidc: { role: { suffix: '', field: 'token_policies' } },
  userpass: { users: { suffix: '/policies', field: 'token_policies' } },
  ldap: { groups: { suffix: '', field: 'policies' } },
};

async function removeAuthPolicy(client: VaultClient, grant: GrantRecord, where: string, signal: AbortSignal): Promise<RevokeResult> {
  if (grant.accountId !== `auth/${where}`) {
    return { outcome: 'refused', reason: `${grant.accountDisplayName ?? grant.accountId} holds ${grant.role} through auth/${where}, not on its own entry: remove it from that group in the directory, or the policy from auth/${where} (which affects every member), by hand` };
  }
  const mounts = parseAuthMounts(await client.read('sys/auth', signal));
  const mount = mounts.filter((m) => where.startsWith(m.path)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!mount) return { outcome: 'already-gone', ref: `no auth mount serves auth/${where} any more` };
  const rest = where.slice(mount.path.length);
  const slash = rest.indexOf('/');
  const collection = rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  const write = AUTH_WRITES[mount.type]?.[collection];
  if (slash < 0 || !write) {
    return { outcome: 'refused', reason: `policies of ${mount.type} ${collection || rest} entries (auth/${where}) are not removed automatically: remove ${grant.role} by hand` };
  }
  const path = `auth/${mount.path}${collection}/${encodeURIComponent(name)}`;
  const data = await client.read(path, signal);
  if (data === null) return { outcome: 'already-gone', ref: `auth/${where} no longer exists` };
  const entry = authEntrySchema.safeParse(data);
  if (!entry.success) throw new ConnectorError(`vault: ${path}: unexpected shape; not changed`);
  const policies = entryPolicies(entry.data);
  if (!policies.includes(grant.role)) return { outcome: 'already-gone', ref: `auth/${where} no longer has policy ${grant.role}` };
  // token_policies supersedes the legacy `policies` (Vault clears the legacy field when only the new one is sent).
  await client.write(`${path}${write.suffix}`, { [write.field]: policies.filter((p) => p !== grant.role) }, signal);
  return { outcome: 'removed', ref: `POST ${path}${write.suffix}: ${write.field} without ${grant.role}` };
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, data: unknown, path: string): T | null {
  if (data === null) return null;
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ConnectorError(`vault: ${path}: unexpected shape; not changed`);
  return parsed.data;
}
