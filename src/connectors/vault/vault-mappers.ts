/**
 * Pure mapping of Vault identity entities and groups to grants.
 *
 * - Account = identity entity (accountId = entity id, display name = entity name).
 * - Roles = policies. An entity holds its own policies (scope '') and every policy of every
 *   group it belongs to, directly or through nested groups (a member of a subgroup inherits
 *   the policies of the groups above it); those grants carry scope `group:<group name>` so
 *   the same policy from two sources stays two reviewable grants.
 * - Status: `disabled` when the entity is disabled (its tokens stop working), else `active`.
 * - Type: `service` when the entity's metadata says `type: service` (the convention for
 *   AppRole/machine entities), else `human`.
 * - Owner (identityRef): see chooseIdentityRef.
 * - Privileged paths: the connector puts them in the grant's detail (see vault-privileges.ts).
 * - Entities of other namespaces that are members of this namespace's groups hold those
 *   groups' policies here; the display name says their namespace.
 */
import { z } from 'zod';
import type { GrantRecord } from '../connector.js';

const stringList = z.array(z.string()).nullish();

/** The fields of `GET /v1/identity/entity/id/:id` → data that matter here (others are ignored). */
export const vaultEntitySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  disabled: z.boolean().nullish(),
  policies: stringList,
  metadata: z.record(z.string(), z.string()).nullish(),
  aliases: z
    .array(z.object({ name: z.string(), mount_accessor: z.string().nullish(), mount_type: z.string().nullish() }))
    .nullish(),
  direct_group_ids: stringList,
});
export type VaultEntity = z.infer<typeof vaultEntitySchema>;

/** The fields of `GET /v1/identity/group/id/:id` → data that matter here. */
export const vaultGroupSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  type: z.string().nullish(),
  policies: stringList,
  member_entity_ids: stringList,
  /** Subgroups: their members inherit this group's policies. */
  member_group_ids: stringList,
});
export type VaultGroup = z.infer<typeof vaultGroupSchema>;

/** Which auth mount's aliases name people as the directory knows them. */
export interface IdentityAliasPreference {
  mountAccessor?: string;
  mountType?: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function aliasRank(name: string): number {
  if (EMAIL.test(name)) return 0;
  if (GUID.test(name)) return 1;
  return 2;
}

function normalizeRef(ref: string): string {
  return ref.includes('@') ? ref.toLowerCase() : ref;
}

/**
 * The reference sync correlates an entity with the directory by, in this order:
 * 1. with `identityAlias` set: an alias of that auth mount (matching every given field);
 *    without it: an alias whose name looks like an email, else one that looks like an
 *    Entra/OIDC object id (GUID);
 * 2. the entity's metadata `email`;
 * 3. the entity name.
 * Among several candidate aliases, email-like beats GUID-like beats other, then by name.
 * Service entities (metadata `type: service`) have no personal owner: their metadata
 * `owner` when set, else null (unowned).
 */
export function chooseIdentityRef(entity: VaultEntity, preference?: IdentityAliasPreference): string | null {
  const metadata = entity.metadata ?? {};
  if (isServiceEntity(entity)) return metadata.owner?.trim() ? normalizeRef(metadata.owner.trim()) : null;
  const aliases = entity.aliases ?? [];
  const candidates = preference
    ? aliases.filter(
        (a) =>
          (preference.mountAccessor === undefined || a.mount_accessor === preference.mountAccessor) &&
          (preference.mountType === undefined || a.mount_type === preference.mountType),
      )
    : aliases.filter((a) => aliasRank(a.name) < 2);
  const best = candidates
    .filter((a) => a.name.trim() !== '')
    .sort((a, b) => aliasRank(a.name) - aliasRank(b.name) || a.name.localeCompare(b.name))[0];
  if (best) return normalizeRef(best.name.trim());
  const email = metadata.email?.trim();
  if (email) return normalizeRef(email);
  return entity.name.trim() === '' ? null : normalizeRef(entity.name.trim());
}

export function isServiceEntity(entity: VaultEntity): boolean {
  return entity.metadata?.type?.trim().toLowerCase() === 'service';
}

/** Group membership, resolved once per run: which groups (with ancestors) each entity is in. */
export class GroupIndex {
  private readonly byId = new Map<string, VaultGroup>();
  private readonly directGroupsByEntity = new Map<string, string[]>();
  private readonly parentsByGroup = new Map<string, string[]>();

  constructor(groups: readonly VaultGroup[]) {
    for (const g of groups) {
      this.byId.set(g.id, g);
      for (const entityId of g.member_entity_ids ?? []) push(this.directGroupsByEntity, entityId, g.id);
      for (const childId of g.member_group_ids ?? []) push(this.parentsByGroup, childId, g.id);
    }
  }

  /**
   * Every group the entity is in: direct ones (from the groups' member lists and the
   * entity's own direct_group_ids, which also covers external groups) and all their
   * ancestors. Sorted by name; cycles and unknown group ids are ignored.
   */
  groupsOf(entity: VaultEntity): VaultGroup[] {
    const pending = [...(this.directGroupsByEntity.get(entity.id) ?? []), ...(entity.direct_group_ids ?? [])];
    const seen = new Set<string>();
    const result: VaultGroup[] = [];
    while (pending.length > 0) {
      const id = pending.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const group = this.byId.get(id);
      if (!group) continue;
      result.push(group);
      pending.push(...(this.parentsByGroup.get(id) ?? []));
    }
    return result.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Options of entityGrants. */
export interface EntityGrantOptions {
  /**
   * Set for an entity of another namespace that is a member of this namespace's groups: it
   * holds only those groups' policies here (its own policies apply in its own namespace).
   */
  foreignNamespace?: string;
}

/** The grants one entity holds: its own policies, then its groups' policies. */
export function entityGrants(entity: VaultEntity, groups: GroupIndex, preference?: IdentityAliasPreference, opts: EntityGrantOptions = {}): GrantRecord[] {
  const name = entity.name === '' ? null : entity.name;
  const base = {
    accountId: entity.id,
    identityRef: chooseIdentityRef(entity, preference),
    accountDisplayName: opts.foreignNamespace === undefined ? name : `${name ?? entity.id} (namespace ${opts.foreignNamespace})`,
    accountType: isServiceEntity(entity) ? ('service' as const) : ('human' as const),
    accountStatus: entity.disabled ? ('disabled' as const) : ('active' as const),
    // Vault records no last use per entity; last_update_time is a change, not activity.
    lastActivityAt: null,
  };
  const grants: GrantRecord[] = [];
  const seen = new Set<string>();
  const add = (role: string, source: string): void => {
    const key = `${role}\u001f${source}`;
    if (role === '' || seen.has(key)) return;
    seen.add(key);
    grants.push({ ...base, role, scope: source });
  };
  if (opts.foreignNamespace === undefined) for (const policy of entity.policies ?? []) add(policy, '');
  for (const group of groups.groupsOf(entity)) {
    for (const policy of group.policies ?? []) add(policy, `group:${group.name}`);
  }
  return grants;
}
