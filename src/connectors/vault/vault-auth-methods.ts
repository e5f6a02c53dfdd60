/**
 * Pure mapping of Vault auth methods to grants. Policies reach a token through the auth method
 * that issued it (the role, user or group's `token_policies`, or legacy `policies`) as well as
 * through its entity and identity groups, which are additional (Vault docs, concepts/identity).
 *
 * - Which mounts: `GET sys/auth` (data: `{ "<path>/": { type, accessor, ... } }`); the types
 *   read are AUTH_COLLECTIONS' keys. Others (token, kubernetes, cert, ...) are not read.
 * - Account = the role, user or group itself (`auth/<mount path><collection>/<name>`), one
 *   grant per policy, scope `auth:<mount path><collection>/<name>` (for an LDAP user, the
 *   policies of the Vault-side LDAP groups it is mapped to carry that group's scope).
 * - Owner: through the entity alias of that mount whose name is the login name (userpass and
 *   LDAP username, AppRole role_id). AppRoles are service accounts (owner: entity metadata
 *   `owner`); a user without an entity yet, a JWT/OIDC role (many people log in through one)
 *   and an LDAP group are unowned service accounts.
 */
import { z } from 'zod';
import type { GrantRecord } from '../connector.js';
import { chooseIdentityRef, isServiceEntity } from './vault-mappers.js';
import type { IdentityAliasPreference, VaultEntity } from './vault-mappers.js';

/** The collections read per supported auth type (`LIST auth/<path><collection>`). */
export const AUTH_COLLECTIONS: Readonly<Record<string, readonly AuthCollection[]>> = {
  jwt: ['role'],
  oidc: ['role'],
  approle: ['role'],
  userpass: ['users'],
  ldap: ['groups', 'users'],
};
export type AuthCollection = 'role' | 'users' | 'groups';

export interface AuthMount {
  /** With its trailing slash, as sys/auth names it: `approle/`, `oidc-entra/`. */
  path: string;
  type: string;
  accessor: string;
}

const mountSchema = z.object({ type: z.string().min(1), accessor: z.string().nullish() });

/** The mounts in `GET sys/auth` → data, sorted by path; throws on an unexpected shape. */
export function parseAuthMounts(data: unknown): AuthMount[] {
  if (typeof data !== 'object' || data === null) throw new Error('sys/auth: response has no data object');
  const mounts: AuthMount[] = [];
  for (const [path, value] of Object.entries(data)) {
    const parsed = mountSchema.safeParse(value);
    if (!parsed.success || !path.endsWith('/')) throw new Error(`sys/auth: mount ${JSON.stringify(path)} has an unexpected shape`);
    mounts.push({ path, type: parsed.data.type, accessor: parsed.data.accessor ?? '' });
  }
  return mounts.sort((a, b) => a.path.localeCompare(b.path));
}

/** A policy list as auth methods return it: an array, or (older LDAP) a comma-separated string. */
const policyList = z
  .union([z.array(z.string()), z.string()])
  .nullish()
  .transform((v) => (typeof v === 'string' ? v.split(',') : (v ?? [])).map((p) => p.trim()).filter((p) => p !== ''));

/** The fields of a role/user/group read that matter here (others are ignored). */
export const authEntrySchema = z.object({
  token_policies: policyList,
  /** Legacy name of token_policies, still returned (and honoured) next to it. */
  policies: policyList,
  /** LDAP users: the Vault-side LDAP groups they are mapped to. */
  groups: policyList,
});
export type AuthEntry = z.infer<typeof authEntrySchema>;

/** One role, user or group of an auth mount, read and parsed. */
export interface AuthPrincipal {
  mount: AuthMount;
  collection: AuthCollection;
  name: string;
  entry: AuthEntry;
  /** The entity alias name a login through it produces (username, AppRole role_id), if any. */
  aliasName: string | null;
}

/** The policies one entry grants: token_policies and legacy policies, deduplicated, in order. */
export function entryPolicies(entry: AuthEntry): string[] {
  return [...new Set([...entry.token_policies, ...entry.policies])];
}

/** Looks up the entity that holds an alias of a mount (by mount accessor and alias name). */
export type AliasLookup = (mountAccessor: string, aliasName: string) => VaultEntity | undefined;

const KIND: Record<string, string> = { jwt: 'JWT role', oidc: 'OIDC role', approle: 'AppRole', userpass: 'userpass user', ldap: 'LDAP' };

/**
 * The grants of one principal. `ldapGroupPolicies` holds the policies of the LDAP mount's
 * Vault-side groups (by group name), for LDAP users mapped to them.
 */
export function authGrants(
  p: AuthPrincipal,
  lookup: AliasLookup,
  preference: IdentityAliasPreference | undefined,
  ldapGroupPolicies: ReadonlyMap<string, readonly string[]>,
): GrantRecord[] {
  const where = `${p.mount.path}${p.collection}/${p.name}`;
  const entity = p.aliasName === null ? undefined : lookup(p.mount.accessor, p.aliasName);
  const approle = p.mount.type === 'approle';
  let identityRef: string | null = null;
  let human = false;
  if (entity) {
    human = !approle && !isServiceEntity(entity);
    identityRef = approle ? (entity.metadata?.owner?.trim().toLowerCase() || null) : chooseIdentityRef(entity, preference);
  }
  const kind = p.mount.type === 'ldap' ? `LDAP ${p.collection === 'groups' ? 'group' : 'user'}` : (KIND[p.mount.type] ?? p.mount.type);
  const base = {
    accountId: `auth/${where}`,
    identityRef,
    accountDisplayName: `${kind} ${p.name} (${p.mount.path})`,
    accountType: human ? ('human' as const) : ('service' as const),
    accountStatus: entity?.disabled ? ('disabled' as const) : ('active' as const),
    lastActivityAt: null,
  };
  const grants: GrantRecord[] = [];
  const seen = new Set<string>();
  const add = (policy: string, source: string): void => {
    const key = `${policy}\u001f${source}`;
    if (seen.has(key)) return;
    seen.add(key);
    grants.push({ ...base, role: policy, scope: source });
  };
  for (const policy of entryPolicies(p.entry)) add(policy, `auth:${where}`);
  if (p.mount.type === 'ldap' && p.collection === 'users') {
    for (const group of [...p.entry.groups].sort()) {
      for (const policy of ldapGroupPolicies.get(group) ?? []) add(policy, `auth:${p.mount.path}groups/${group}`);
    }
  }
  return grants;
}
