/**
 * The one place connector types register. The config loader validates each system's
 * `connector:` settings with the schema of its type from here.
 */
import type { z } from 'zod';
import type { ConnectorType } from './connector.js';
import { fireblocksConnectorType } from './fireblocks/fireblocks-connector.js';

const TYPES = [fireblocksConnectorType] as unknown as readonly ConnectorType<never>[];

export class ConnectorRegistry {
  private readonly types = new Map<string, ConnectorType<never>>();

  constructor(types: readonly ConnectorType<never>[] = TYPES) {
    for (const t of types) {
      if (this.types.has(t.type)) throw new Error(`connector type "${t.type}" registered twice`);
      this.types.set(t.type, t);
    }
  }

  get(type: string): ConnectorType<never> | undefined {
    return this.types.get(type);
  }

  settingsSchemaFor = (type: string): z.ZodType | undefined => this.types.get(type)?.settingsSchema;

  names(): string[] {
    return [...this.types.keys()].sort();
  }
}
