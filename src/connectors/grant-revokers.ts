/**
 * The connector side of auto remediation: opens a system's connector (from the registry, with
 * the system's validated settings, as sync does) for its `revokeGrant`. The composition root
 * hands this to the auto requester (src/remediation/auto-removal-requester.ts), which knows
 * connectors only through these shapes.
 */
import type { SystemConfig } from '../config/system-config.js';
import type { Connector, ConnectorContext, GrantRecord, RevokeResult } from './connector.js';
import type { ConnectorRegistry } from './registry.js';

export interface GrantRevokersOptions {
  env: ConnectorContext['env'];
  log: ConnectorContext['log'];
  now: () => Date;
  /** The connectors/ folder (relative paths in settings resolve against it). */
  configDir: string;
}

export interface OpenedRevoker {
  revoke(grant: GrantRecord, signal?: AbortSignal): Promise<RevokeResult>;
  close(): Promise<void>;
}

export function connectorRevokers(registry: ConnectorRegistry, options: GrantRevokersOptions) {
  return {
    open(system: SystemConfig): OpenedRevoker | { unavailable: string } {
      const type = registry.get(system.connector.type);
      if (!type) return { unavailable: `unknown connector type "${system.connector.type}"` };
      const base: Omit<ConnectorContext, 'signal'> = { systemId: system.id, configDir: options.configDir, env: options.env, log: options.log, now: options.now };
      let connector: Connector;
      try {
        connector = type.create(system.connector.settings as never, base);
      } catch (err) {
        return { unavailable: `${system.connector.type} connector could not be set up: ${err instanceof Error ? err.message : String(err)}` };
      }
      const revokeGrant = connector.revokeGrant?.bind(connector);
      if (!revokeGrant) {
        void connector.close?.();
        return { unavailable: `the ${system.connector.type} connector of ${system.id} cannot remove grants (remediation.mode auto): use manual or ticket for this system` };
      }
      return {
        revoke: (grant, signal) => revokeGrant(grant, { ...base, signal: signal ?? new AbortController().signal }),
        close: async () => {
          await connector.close?.();
        },
      };
    },
  };
}
