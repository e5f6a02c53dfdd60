/**
 * The shipped sample firm (connectors/, policies/, reviews/ at the repository root) is what
 * the demo runs on and what a firm copies: it must load with no problems and no warnings,
 * and the commented connector examples must stay valid for their connector types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { systemConfigSchema } from '../../src/config/system-config.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the sample firm', () => {
  const registry = new ConnectorRegistry();

  it('loads with no problems and no warnings', () => {
    const config = loadConfig(ROOT, registry.settingsSchemaFor);
    expect(config.warnings).toEqual([]);
    expect(config.systems.map((s) => [s.id, s.kind, s.criticality, s.connector.type])).toEqual([
      ['custody-wallet', 'wallet', 'critical', 'csv'],
      ['hr', 'directory', 'important', 'csv-identities'],
      ['kms', 'kms', 'critical', 'csv'],
      ['trading', 'trading', 'critical', 'csv'],
    ]);
    expect(config.policies.map((p) => p.system).sort()).toEqual(['custody-wallet', 'kms', 'trading']);
    expect(config.sodRules.length).toBeGreaterThanOrEqual(8);
    expect(config.reviews.map((r) => [r.id, r.period])).toEqual([
      ['half-yearly-critical', 'half-year'],
      ['quarterly-privileged', 'quarter'],
      ['yearly-all', 'year'],
    ]);
    expect(config.roles.fallbackReviewer).toBe('martin.kaiser@example.com');
  });

  it('names people of the HR export in its system owners and bot roles', () => {
    const config = loadConfig(ROOT, registry.settingsSchemaFor);
    const hr = readFileSync(join(ROOT, 'connectors/sample-data/hr-identities.csv'), 'utf8');
    const emails = new Set(hr.split('\n').slice(1).map((l) => l.split(',')[1]).filter(Boolean));
    const named = [...config.systems.map((s) => s.owner), ...config.roles.securityTeam, ...config.roles.auditors, config.roles.fallbackReviewer];
    expect(named.filter((e) => !emails.has(e))).toEqual([]);
  });

  it('ships connector examples that are valid for their connector types (and that the loader ignores)', () => {
    const dir = join(ROOT, 'connectors/examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml.example'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const types = new Set<string>();
    for (const file of files) {
      const raw = parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      const system = systemConfigSchema.parse(raw);
      const { type, ...settings } = system.connector;
      types.add(type);
      const schema = registry.settingsSchemaFor(type);
      expect(schema, `${file}: connector type ${type}`).toBeDefined();
      const parsed = schema!.safeParse(settings);
      expect(parsed.success, `${file}: ${parsed.error?.message}`).toBe(true);
    }
    expect([...types].sort()).toEqual(['baton', 'entra-id', 'fireblocks', 'vault']);
  });
});
