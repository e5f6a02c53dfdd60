/**
 * The one place connector types register. The config loader validates each system's
 * `connector:` settings with the schema of its type from here; sync creates connectors
 * from the parsed settings.
 */
import type { z } from 'zod';
import type { ConnectorType } from './connector.js';
import { batonConnectorType } from './baton/baton-connector.js';
import { csvConnectorType } from './csv/csv-connector.js';
import { csvIdentitiesConnectorType } from './csv/csv-identities-connector.js';
import { entraIdConnectorType } from './entra-id/entra-id-connector.js';
import { fireblocksConnectorType } from './fireblocks/fireblocks-connector.js';
import { vaultConnectorType } from './vault/vault-connector.js';

/** A registered type: its settings were validated by its own schema before `create` sees them. */
export type AnyConnectorType = ConnectorType<never>;

/** Erases a type's settings type for the heterogeneous registry list. */
export function registered<S>(type: ConnectorType<S>): AnyConnectorType {
  return type as unknown as AnyConnectorType;
}

export const BUILT_IN_TYPES: readonly AnyConnectorType[] = [
  registered(batonConnectorType),
  registered(csvConnectorType),
  registered(csvIdentitiesConnectorType),
  registered(entraIdConnectorType),
  registered(fireblocksConnectorType),
  registered(vaultConnectorType),
];

export class ConnectorRegistry {
  private readonly types = new Map<string, AnyConnectorType>();

  constructor(types: readonly AnyConnectorType[] = BUILT_IN_TYPES) {
    for (const t of types) {
      if (this.types.has(t.type)) throw new Error(`connector type "${t.type}" registered twice`);
      this.types.set(t.type, t);
    }
  }

  get(type: string): AnyConnectorType | undefined {
    return this.types.get(type);
  }

  settingsSchemaFor = (type: string): z.ZodType | undefined => this.types.get(type)?.settingsSchema;

  names(): string[] {
    return [...this.types.keys()].sort();
  }
}
