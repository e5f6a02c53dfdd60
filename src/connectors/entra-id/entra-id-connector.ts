/**
 * The `entra-id` connector type: Microsoft Entra ID through Microsoft Graph, app-only auth
 * (client secret or certificate), any national cloud. See entra-id-settings.ts for the
 * settings and the readers for what each `read` mode reports. It reads only, except
 * `revokeGrant` (app-roles and directory-roles), which is called only for a system in
 * remediation mode `auto` (entra-id-revoker.ts; the write permissions are in docs/connectors.md).
 */
import type { Connector, ConnectorContext, ConnectorType } from '../connector.js';
import { resolveSecret } from '../secret-ref.js';
import { lazyGraphApi } from './entra-id-graph.js';
import type { EntraCredential, EntraIdClientConfig, EntraIdClientOptions } from './entra-id-graph.js';
import { EntraGrantsReader, appRoleAssignmentsSource, directoryRoleAssignmentsSource } from './entra-id-grants-reader.js';
import { EntraIdentitiesReader } from './entra-id-identities-reader.js';
import { appRoleRevoker, directoryRoleRevoker } from './entra-id-revoker.js';
import { entraIdSettingsSchema, resolveHosts } from './entra-id-settings.js';
import type { EntraIdSettings } from './entra-id-settings.js';

/**
 * Builds the connector type. `options` reach the HTTP client: production uses the defaults;
 * tests pass a `fetch` that routes Graph and the token endpoint to a local fake.
 */
export function createEntraIdConnectorType(options: EntraIdClientOptions = {}): ConnectorType<EntraIdSettings> {
  return {
    type: 'entra-id',
    settingsSchema: entraIdSettingsSchema,
    secretSettings: ['clientSecret', 'clientCertificate.privateKey'],
    create(settings, ctx): Connector {
      // One client per connector instance: one MSAL application, one token cache. Built on the
      // first call: MSAL and the Graph SDK load only when an entra-id system is read or revoked.
      const config = clientConfig(settings, ctx.env);
      const client = lazyGraphApi(async () => new (await import('./entra-id-client.js')).EntraIdClient(config, options));
      switch (settings.read) {
        case 'identities': {
          const reader = new EntraIdentitiesReader(client, { groups: settings.groups ?? false, signInActivity: settings.signInActivity ?? 'auto' });
          return { listIdentities: (token, runCtx) => reader.page(token, runCtx) };
        }
        case 'app-roles': {
          if (settings.servicePrincipalId === undefined) throw new Error('entra-id: servicePrincipalId is required when read is app-roles');
          const reader = new EntraGrantsReader(client, appRoleAssignmentsSource(settings.servicePrincipalId));
          return { listGrants: (token, runCtx) => reader.page(token, runCtx), revokeGrant: appRoleRevoker(client, settings.servicePrincipalId) };
        }
        case 'directory-roles': {
          const reader = new EntraGrantsReader(client, directoryRoleAssignmentsSource({ eligible: settings.eligibleRoles ?? true }));
          return { listGrants: (token, runCtx) => reader.page(token, runCtx), revokeGrant: directoryRoleRevoker(client) };
        }
      }
    },
  };
}

export const entraIdConnectorType: ConnectorType<EntraIdSettings> = createEntraIdConnectorType();

function clientConfig(settings: EntraIdSettings, env: ConnectorContext['env']): EntraIdClientConfig {
  return { tenantId: settings.tenantId, clientId: settings.clientId, credential: credential(settings, env), ...resolveHosts(settings) };
}

function credential(settings: EntraIdSettings, env: ConnectorContext['env']): EntraCredential {
  if (settings.clientSecret) {
    return { kind: 'secret', clientSecret: resolveSecret(settings.clientSecret, env, 'entra-id clientSecret') };
  }
  if (settings.clientCertificate) {
    const key = resolveSecret(settings.clientCertificate.privateKey, env, 'entra-id clientCertificate.privateKey');
    return { kind: 'certificate', thumbprintSha256: settings.clientCertificate.thumbprintSha256.toLowerCase(), privateKey: pemFromEnv(key) };
  }
  throw new Error('entra-id: set clientSecret or clientCertificate');
}

/** A PEM held in one environment variable line often has its newlines written as `\n`. */
function pemFromEnv(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}
