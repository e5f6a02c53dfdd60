/** Shared set-up of the baton connector tests: a context, a connector from settings, draining. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connector, ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { batonConnectorType } from '../../../src/connectors/baton/baton-connector.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/baton');
export const STUB = path.join(FIXTURES, 'baton-stub.mjs');

/** The parts of a fixture entry (a GrantOutput) that tests edit. */
export interface FixtureResource {
  id: { resourceType: string; resource: string };
  displayName?: string;
  status?: { status: string };
  annotations: Record<string, unknown>[];
}
export interface FixtureEntry {
  grant: {
    id: string;
    principal?: { id: FixtureResource['id'] };
    sources?: { sources: Record<string, { isDirect?: boolean }> };
    annotations: Record<string, unknown>[];
  };
  principal: FixtureResource;
}

/** The fixture as parsed JSON (a fresh copy each call, for tests that edit it). */
export function fixture(): { grants: FixtureEntry[] } {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'okta-grants.json'), 'utf8')) as { grants: FixtureEntry[] };
}

/** The fixture entry whose grant has this id. */
export function entry(doc: { grants: FixtureEntry[] }, grantId: string): FixtureEntry {
  const e = doc.grants.find((g) => g.grant.id === grantId);
  if (!e) throw new Error(`no grant ${grantId} in the fixture`);
  return e;
}

export function makeCtx(configDir: string, env: Record<string, string> = {}, signal = new AbortController().signal): ConnectorContext {
  return {
    systemId: 'okta',
    configDir,
    env: (name) => env[name],
    signal,
    log: { debug: () => {}, info: () => {}, warn: () => {} },
    now: () => new Date('2026-12-01T00:00:00Z'),
  };
}

export function connect(settings: Record<string, unknown>, ctx: ConnectorContext): Connector {
  return batonConnectorType.create(batonConnectorType.settingsSchema.parse(settings), ctx);
}

export async function drain(connector: Connector, ctx: ConnectorContext): Promise<{ pages: Page<GrantRecord>[]; items: GrantRecord[]; problems: string[] }> {
  const pages: Page<GrantRecord>[] = [];
  let token: string | null = null;
  do {
    const page: Page<GrantRecord> = await connector.listGrants!(token, ctx);
    pages.push(page);
    token = page.nextToken;
  } while (token !== null);
  return { pages, items: pages.flatMap((p) => p.items), problems: pages.flatMap((p) => p.problems ?? []) };
}
