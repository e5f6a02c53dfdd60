import { z } from 'zod';
import { secretRef } from '../secret-ref.js';

/**
 * Settings of an `entra-id` system (the `connector:` mapping of its YAML, without `type`).
 * One system reads one thing (`read`), so a tenant is usually three systems: the directory
 * (identities), each enterprise app (app-roles) and the privileged Entra roles (directory-roles).
 */
export const ENTRA_CLOUDS = ['global', 'usgov', 'usgov-dod', 'china'] as const;
export type EntraCloud = (typeof ENTRA_CLOUDS)[number];

export const ENTRA_READ_MODES = ['identities', 'app-roles', 'directory-roles'] as const;
export type EntraReadMode = (typeof ENTRA_READ_MODES)[number];

/** Authority (token) host and Graph host of each cloud (learn.microsoft.com/graph/deployments). */
export const CLOUD_HOSTS: Readonly<Record<EntraCloud, { authorityHost: string; graphHost: string }>> = {
  global: { authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://graph.microsoft.us' },
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://dod-graph.microsoft.us' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphHost: 'https://microsoftgraph.chinacloudapi.cn' },
};

/** An https origin without path, query or trailing slash: `https://graph.microsoft.us`. */
const httpsOrigin = z
  .url({ protocol: /^https$/ })
  .refine((v) => new URL(v).origin === v.replace(/\/$/, ''), 'an https origin only (no path), e.g. https://graph.microsoft.us')
  .transform((v) => v.replace(/\/$/, ''));

const guid = z.guid('a GUID (00000000-0000-0000-0000-000000000000)');

export const entraIdSettingsSchema = z
  .strictObject({
    /** Directory (tenant) id, or a verified domain such as contoso.onmicrosoft.com. */
    tenantId: z.union([guid, z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i)], { error: 'a tenant GUID or a verified domain name' }),
    clientId: guid,
    clientSecret: secretRef.optional(),
    clientCertificate: z
      .strictObject({
        /** Hex SHA-256 thumbprint of the certificate uploaded to the app registration. */
        thumbprintSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex characters (the SHA-256 thumbprint)'),
        /** PEM private key (PKCS#8 `BEGIN PRIVATE KEY`), by environment variable. */
        privateKey: secretRef,
      })
      .optional(),
    cloud: z.enum(ENTRA_CLOUDS).default('global'),
    authorityHost: httpsOrigin.optional(),
    graphHost: httpsOrigin.optional(),
    read: z.enum(ENTRA_READ_MODES),
    /** Object id of the enterprise app (service principal) whose app roles are read. */
    servicePrincipalId: guid.optional(),
    /** identities: also read each user's (transitive) group memberships. Default false. */
    groups: z.boolean().optional(),
    /** identities: last sign-in (needs AuditLog.Read.All and Entra ID P1). Default auto. */
    signInActivity: z.enum(['auto', 'on', 'off']).optional(),
    /**
     * directory-roles: also read PIM eligible roles (needs Entra ID P2 or ID Governance in
     * the tenant; same permission). Default true; false for a tenant without PIM.
     */
    eligibleRoles: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.clientSecret === undefined) === (s.clientCertificate === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'set exactly one of clientSecret or clientCertificate' });
    }
    if (s.read === 'app-roles' && s.servicePrincipalId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['servicePrincipalId'], message: 'required when read is app-roles (the object id of the enterprise app)' });
    }
    // Keys that do nothing in the chosen mode are errors, like unknown keys: they would
    // otherwise suggest a behaviour the system does not have.
    if (s.read !== 'app-roles' && s.servicePrincipalId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['servicePrincipalId'], message: 'only used when read is app-roles' });
    }
    for (const key of ['groups', 'signInActivity'] as const) {
      if (s.read !== 'identities' && s[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'only used when read is identities' });
      }
    }
    if (s.read !== 'directory-roles' && s.eligibleRoles !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['eligibleRoles'], message: 'only used when read is directory-roles' });
    }
  });

export type EntraIdSettings = z.infer<typeof entraIdSettingsSchema>;

/** The hosts to use: the cloud's, unless overridden one by one. */
export function resolveHosts(settings: Pick<EntraIdSettings, 'cloud' | 'authorityHost' | 'graphHost'>): { authorityHost: string; graphHost: string } {
  const cloud = CLOUD_HOSTS[settings.cloud];
  return { authorityHost: settings.authorityHost ?? cloud.authorityHost, graphHost: settings.graphHost ?? cloud.graphHost };
}
