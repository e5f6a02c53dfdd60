/** The shipped example of a Fireblocks system: valid settings, and the API user role it asks for. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fireblocksConnectorType } from '../../../src/connectors/fireblocks/fireblocks-connector.js';
import { FIREBLOCKS_ROLES } from '../../../src/connectors/fireblocks/fireblocks-mappers.js';

const EXAMPLE = fileURLToPath(new URL('../../../connectors/examples/fireblocks.yaml.example', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/connectors.md', import.meta.url));

describe('connectors/examples/fireblocks.yaml.example', () => {
  const text = readFileSync(EXAMPLE, 'utf8');

  it('parses with the connector settings, naming the TAP and audit-log reads', () => {
    const { type, ...settings } = (parse(text) as { connector: Record<string, unknown> }).connector;
    expect(type).toBe('fireblocks');
    expect(fireblocksConnectorType.settingsSchema.parse(settings)).toMatchObject({ readTap: true, tapPolicyTypes: ['TRANSFER'], lastActivityFromAuditLogs: true });
  });

  it('asks for an API user with Non-Signing Admin (or Admin), never a Viewer or Auditor', () => {
    expect(text).toContain('Non-Signing Admin (or Admin)');
    expect(text).toContain('401 code -8');
    expect(text).not.toMatch(/role VIEWER or AUDITOR/);
  });
});

describe('Fireblocks roles', () => {
  it('include SECURITY_ADMIN and SECURITY_AUDITOR (ts-sdk UserRole), in the list and in the docs', () => {
    expect(FIREBLOCKS_ROLES).toEqual(expect.arrayContaining(['SECURITY_ADMIN', 'SECURITY_AUDITOR']));
    const docs = readFileSync(DOCS, 'utf8');
    const start = docs.indexOf('\n## Fireblocks');
    const section = docs.slice(start, docs.indexOf('\n## ', start + 1));
    for (const role of FIREBLOCKS_ROLES) expect(section, role).toContain(role);
  });
});
