/**
 * Pure mapping of `baton grants --output-format=json` entries (see baton-output.ts) to grants.
 *
 * - Account = the grant's principal: accountId `<resource type>:<resource id>` (ids are unique
 *   per type only), display name = the resource's. A principal with a UserTrait is a person's
 *   account (`human`), or `service` when the trait's accountType is SERVICE or SYSTEM; its owner
 *   (identityRef) is the trait's primary email, else its first email, else its login; last
 *   activity = the trait's lastLogin. Any other principal (an app, a token, an untyped resource)
 *   is an unowned `service` account.
 * - Status: the resource's status (RESOURCE_STATUS_*), else the UserTrait's deprecated status
 *   (STATUS_*): enabled -> active, disabled or deleted -> disabled, unset -> active. The SDK
 *   writes the trait status as ENABLED whenever a connector sets only the resource status, so
 *   the resource's wins.
 * - Role = the entitlement's display name (it names the resource too, e.g. "Admins Group
 *   Member", so a policy can address it), or its slug (`role: slug`); either falls back to the
 *   other, then to the entitlement id's last part.
 * - Scope = the entitlement's resource as `<resource type>:<display name>` (`group:Admins`,
 *   `app:AWS prod`), '' for the resource types listed in `unscopedResourceTypes`.
 * - Grants baton derived by grant expansion carry `sources` (the entitlements they come
 *   through, baton-sdk pkg/sync/expand/expander.go). Each source is its own grant with scope
 *   `<scope>;via <source's resource>` (e.g. `role:Super Administrator;via group:Admins`); a
 *   source equal to the grant's own entitlement is the direct grant (scope alone). So the same
 *   access held directly and through a group stays two reviewable grants.
 * - A grant to a group or role (GroupTrait/RoleTrait) marked GrantExpandable is given, by
 *   baton, to the holders of the listed entitlements (the group's members): those grants are in
 *   the output, so the group's own grant is not an account. Each member that holds the source
 *   entitlement but lacks the expanded grant (a sync run with expansion off) is a problem.
 *   A group's grant baton does not expand (baton-okta's app assignments to groups) names no
 *   members: the group itself is the account (`service`, unowned, `<name> (group)`), so it is
 *   reviewed rather than dropped. A group that holds access only through expansion is skipped:
 *   its members hold that access themselves.
 * - An entry that cannot be read, or a value not understood, is a problem: the grant is left
 *   out and the snapshot is partial.
 */
import type { AccountStatus } from '../../domain/index.js';
import type { GrantRecord } from '../connector.js';
import {
  ANNOTATION,
  enumName,
  findAnnotation,
  grantExpandableSchema,
  grantOutputSchema,
  secretTraitSchema,
  userTraitSchema,
} from './baton-output.js';
import type { BatonEntitlement, BatonGrantExpandable, BatonResource, BatonResourceId, BatonUserTrait } from './baton-output.js';

export interface BatonMapOptions {
  role: 'display-name' | 'slug';
  unscopedResourceTypes: readonly string[];
  /** Where the output came from, for problems (a file path or the command). */
  where: string;
}

export interface BatonMapResult {
  items: GrantRecord[];
  problems: string[];
}

const RESOURCE_STATUS = ['RESOURCE_STATUS_UNSPECIFIED', 'RESOURCE_STATUS_ENABLED', 'RESOURCE_STATUS_DISABLED', 'RESOURCE_STATUS_DELETED'] as const;
const USER_STATUS = ['STATUS_UNSPECIFIED', 'STATUS_ENABLED', 'STATUS_DISABLED', 'STATUS_DELETED'] as const;
const ACCOUNT_TYPE = ['ACCOUNT_TYPE_UNSPECIFIED', 'ACCOUNT_TYPE_HUMAN', 'ACCOUNT_TYPE_SERVICE', 'ACCOUNT_TYPE_SYSTEM'] as const;

/** One readable entry: the full records (GrantOutput's) where present, else the grant's own. */
interface ResolvedGrant {
  label: string;
  entitlement: BatonEntitlement;
  entitlementResource: BatonResource | undefined;
  principal: BatonResource;
  /** Entitlement ids this grant comes through (sorted); [] for a plain grant. */
  sources: string[];
  expandable: BatonGrantExpandable | null;
}

type Account = Pick<GrantRecord, 'accountId' | 'identityRef' | 'accountDisplayName' | 'accountType' | 'accountStatus' | 'lastActivityAt'>;

export function mapBatonGrants(entries: readonly unknown[], opts: BatonMapOptions): BatonMapResult {
  const problems: string[] = [];
  const resolved: ResolvedGrant[] = [];
  entries.forEach((entry, i) => {
    const r = resolveEntry(entry, i);
    if (typeof r === 'string') problems.push(`${opts.where}: ${r}`);
    else resolved.push(r);
  });

  // Entitlement id -> its resource, for the `via` part of expanded grants.
  const resourceOfEntitlement = new Map<string, BatonResource>();
  // Entitlement id -> its holders, and "entitlement id \x1f principal key" of every grant.
  const holders = new Map<string, ResolvedGrant[]>();
  const held = new Set<string>();
  for (const g of resolved) {
    if (g.entitlementResource) resourceOfEntitlement.set(g.entitlement.id, g.entitlementResource);
    const list = holders.get(g.entitlement.id);
    if (list) list.push(g);
    else holders.set(g.entitlement.id, [g]);
    held.add(`${g.entitlement.id}\u001f${accountIdOf(g.principal.id)}`);
  }

  const items: GrantRecord[] = [];
  for (const g of resolved) {
    const userTrait = findAnnotation(g.principal.annotations, ANNOTATION.userTrait);
    const collection = !userTrait && (g.expandable !== null || isCollection(g.principal));
    if (collection && g.expandable !== null) {
      problems.push(...missingExpansions(g, g.expandable, holders, held).map((p) => `${opts.where}: ${p}`));
      continue;
    }
    const account = userTrait ? userAccount(g.principal, userTrait) : otherAccount(g.principal, collection);
    if (typeof account === 'string') {
      problems.push(`${opts.where}: ${g.label}: ${account}`);
      continue;
    }
    const role = roleOf(g.entitlement, opts.role);
    const scope = scopeOf(g.entitlementResource, opts.unscopedResourceTypes);
    const paths = g.sources.length === 0 ? [null] : g.sources.map((s) => (s === g.entitlement.id ? null : s));
    for (const source of paths) {
      // A group holding access only through expansion: its members hold it themselves.
      if (collection && source !== null) continue;
      const via = source === null ? '' : `via ${resourceLabel(resourceOfEntitlement.get(source)) ?? source}`;
      items.push({ ...account, role, scope: [scope, via].filter((s) => s !== '').join(';') });
    }
  }
  return { items, problems };
}

function resolveEntry(entry: unknown, i: number): ResolvedGrant | string {
  const parsed = grantOutputSchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `grants[${i}]: ${issue.path.join('.') || '(entry)'}: ${issue.message}`;
  }
  const out = parsed.data;
  const label = `grant ${out.grant.id ?? `grants[${i}]`}`;
  const entitlement = out.entitlement ?? out.grant.entitlement;
  if (entitlement.id !== out.grant.entitlement.id) return `${label}: its entitlement ${entitlement.id} is not the grant's ${out.grant.entitlement.id}`;
  const principal = out.principal ?? out.grant.principal;
  if (accountIdOf(principal.id) !== accountIdOf(out.grant.principal.id)) return `${label}: its principal ${accountIdOf(principal.id)} is not the grant's ${accountIdOf(out.grant.principal.id)}`;
  let expandable: BatonGrantExpandable | null = null;
  const annotation = findAnnotation(out.grant.annotations, ANNOTATION.grantExpandable);
  if (annotation) {
    const e = grantExpandableSchema.safeParse(annotation);
    if (!e.success) return `${label}: GrantExpandable annotation not understood (${e.error.issues[0]!.path.join('.')}: ${e.error.issues[0]!.message})`;
    expandable = e.data;
  }
  return {
    label,
    entitlement,
    entitlementResource: out.resource ?? entitlement.resource,
    principal,
    sources: Object.keys(out.grant.sources?.sources ?? {}).sort(),
    expandable,
  };
}

function accountIdOf(id: BatonResourceId): string {
  return `${id.resourceType}:${id.resource}`;
}

function isCollection(r: BatonResource): boolean {
  return findAnnotation(r.annotations, ANNOTATION.groupTrait) !== undefined || findAnnotation(r.annotations, ANNOTATION.roleTrait) !== undefined;
}

function resourceLabel(r: BatonResource | undefined): string | null {
  return r ? `${r.id.resourceType}:${r.displayName || r.id.resource}` : null;
}

function scopeOf(r: BatonResource | undefined, unscoped: readonly string[]): string {
  if (!r || unscoped.includes(r.id.resourceType)) return '';
  return resourceLabel(r)!;
}

function roleOf(e: BatonEntitlement, from: BatonMapOptions['role']): string {
  const r = e.resource?.id;
  const prefix = r ? `${r.resourceType}:${r.resource}:` : null;
  const tail = prefix !== null && e.id.startsWith(prefix) && e.id.length > prefix.length ? e.id.slice(prefix.length) : e.id;
  const [first, second] = from === 'slug' ? [e.slug, e.displayName] : [e.displayName, e.slug];
  return first || second || tail;
}

function userAccount(principal: BatonResource, annotation: unknown): Account | string {
  const parsed = userTraitSchema.safeParse(annotation);
  if (!parsed.success) return `UserTrait of ${accountIdOf(principal.id)} not understood (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message})`;
  const trait = parsed.data;
  const status = accountStatusOf(principal, trait);
  if (typeof status !== 'string') return status.problem;
  const accountType = enumName(trait.accountType, ACCOUNT_TYPE);
  if (accountType !== undefined && !(ACCOUNT_TYPE as readonly string[]).includes(accountType)) return `account type "${accountType}" of ${accountIdOf(principal.id)} not understood`;
  const lastActivityAt = timestamp(trait.lastLogin);
  if (lastActivityAt === false) return `lastLogin "${trait.lastLogin}" of ${accountIdOf(principal.id)} is not an RFC 3339 time`;
  return {
    accountId: accountIdOf(principal.id),
    identityRef: ownerOf(trait),
    accountDisplayName: principal.displayName || null,
    accountType: accountType === 'ACCOUNT_TYPE_SERVICE' || accountType === 'ACCOUNT_TYPE_SYSTEM' ? 'service' : 'human',
    accountStatus: status,
    lastActivityAt,
  };
}

/** A principal without a UserTrait: unowned; a group or role says what it is in its name. */
function otherAccount(principal: BatonResource, collection: boolean): Account | string {
  const status = accountStatusOf(principal, null);
  if (typeof status !== 'string') return status.problem;
  const secret = secretTraitSchema.safeParse(findAnnotation(principal.annotations, ANNOTATION.secretTrait) ?? {});
  const lastActivityAt = secret.success ? timestamp(secret.data.lastUsedAt) : null;
  if (lastActivityAt === false) return `lastUsedAt of ${accountIdOf(principal.id)} is not an RFC 3339 time`;
  const name = principal.displayName || principal.id.resource;
  return {
    accountId: accountIdOf(principal.id),
    identityRef: null,
    accountDisplayName: collection ? `${name} (${principal.id.resourceType})` : principal.displayName || null,
    accountType: 'service',
    accountStatus: status,
    lastActivityAt,
  };
}

function accountStatusOf(principal: BatonResource, trait: BatonUserTrait | null): AccountStatus | { problem: string } {
  const fromResource = enumName(principal.status?.status, RESOURCE_STATUS);
  if (fromResource !== undefined && fromResource !== 'RESOURCE_STATUS_UNSPECIFIED') {
    if (fromResource === 'RESOURCE_STATUS_ENABLED') return 'active';
    if (fromResource === 'RESOURCE_STATUS_DISABLED' || fromResource === 'RESOURCE_STATUS_DELETED') return 'disabled';
    return { problem: `status "${fromResource}" of ${accountIdOf(principal.id)} not understood` };
  }
  const fromTrait = enumName(trait?.status?.status, USER_STATUS);
  if (fromTrait === undefined || fromTrait === 'STATUS_UNSPECIFIED' || fromTrait === 'STATUS_ENABLED') return 'active';
  if (fromTrait === 'STATUS_DISABLED' || fromTrait === 'STATUS_DELETED') return 'disabled';
  return { problem: `user status "${fromTrait}" of ${accountIdOf(principal.id)} not understood` };
}

function ownerOf(trait: BatonUserTrait): string | null {
  const emails = (trait.emails ?? []).filter((e) => e.address.trim() !== '');
  const email = emails.find((e) => e.isPrimary) ?? emails[0];
  if (email) return email.address.trim();
  return trait.login?.trim() || null;
}

/** ISO time, null when absent, false when not a time. */
function timestamp(value: string | undefined): string | null | false {
  if (value === undefined || value === '') return null;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) return false;
  return new Date(ms).toISOString();
}

/**
 * The expansion baton owes for one GrantExpandable grant, against what the output holds: every
 * holder of each source entitlement (of the listed principal types; with `shallow`, direct
 * holders only, as in baton-sdk pkg/sync/expand/expander.go runAction) must hold the grant's
 * entitlement too.
 */
function missingExpansions(g: ResolvedGrant, e: BatonGrantExpandable, holders: ReadonlyMap<string, readonly ResolvedGrant[]>, held: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const role = g.entitlement.displayName || g.entitlement.id;
  for (const source of e.entitlementIds) {
    for (const h of holders.get(source) ?? []) {
      if (e.resourceTypeIds && e.resourceTypeIds.length > 0 && !e.resourceTypeIds.includes(h.principal.id.resourceType)) continue;
      if (e.shallow && h.sources.length > 0 && !h.sources.includes(source)) continue;
      const member = accountIdOf(h.principal.id);
      if (held.has(`${g.entitlement.id}\u001f${member}`)) continue;
      problems.push(
        `${g.label}: ${accountIdOf(g.principal.id)} holds "${role}" for the holders of ${source}, but ${member} (${h.principal.displayName || member}) holds ${source} without holding ${g.entitlement.id}: ` +
          'baton did not expand this grant (was the sync run with grant expansion off?), so that access is missing from the output',
      );
    }
  }
  return problems;
}
