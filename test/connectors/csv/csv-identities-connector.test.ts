import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { Connector, ConnectorContext, IdentityRecord, Page } from '../../../src/connectors/connector.js';
import { csvIdentitiesConnectorType } from '../../../src/connectors/csv/csv-identities-connector.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/csv');

function connect(settings: Record<string, unknown>, configDir = FIXTURES) {
  const warnings: string[] = [];
  const ctx: ConnectorContext = {
    systemId: 'hr',
    configDir,
    env: () => undefined,
    signal: new AbortController().signal,
    log: { debug: () => {}, info: () => {}, warn: (msg) => warnings.push(msg) },
    now: () => new Date('2026-07-01T00:00:00Z'),
  };
  const connector = csvIdentitiesConnectorType.create(csvIdentitiesConnectorType.settingsSchema.parse(settings), ctx);
  return { connector, ctx, warnings };
}

async function drain(connector: Connector, ctx: ConnectorContext) {
  const pages: Page<IdentityRecord>[] = [];
  let token: string | null = null;
  do {
    const page: Page<IdentityRecord> = await connector.listIdentities!(token, ctx);
    pages.push(page);
    token = page.nextToken;
  } while (token !== null);
  return { pages, items: pages.flatMap((p) => p.items), problems: pages.flatMap((p) => p.problems ?? []) };
}

const person = (over: Partial<IdentityRecord>): IdentityRecord => ({
  id: '',
  email: null,
  displayName: '',
  department: null,
  jobTitle: null,
  managerRef: null,
  groups: [],
  aliases: [],
  status: 'active',
  employmentType: 'employee',
  contractEnd: null,
  lastSignInAt: null,
  ...over,
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'csv-identities-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('csv-identities connector: hr.csv', () => {
  it('maps every column to identity records', async () => {
    const { connector, ctx } = connect({ path: 'hr.csv' });
    const { items } = await drain(connector, ctx);
    expect(items).toEqual([
      person({ id: 'E001', email: 'anna.muster@example.li', displayName: 'Anna Muster', department: 'Trading', jobTitle: 'Head of Trading', groups: ['Trading', 'Managers'] }),
      // Empty employment_type defaults to employee; the manager reference is kept (lower-cased email).
      person({ id: 'E002', email: 'bob@example.li', displayName: 'Bob Example', department: 'Trading', jobTitle: 'Trader', managerRef: 'anna.muster@example.li', groups: ['Trading'] }),
      person({ id: 'C100', email: 'carol@contractor.example', displayName: 'Carol Contractor', department: 'Risk', jobTitle: 'Risk Analyst', managerRef: 'E001', groups: ['Risk'], employmentType: 'contractor', contractEnd: '2026-09-30' }),
      // No display name: the email stands in.
      person({ id: 'X200', email: 'dave@vendor.example', displayName: 'dave@vendor.example', department: 'Custody', jobTitle: 'Key ceremony witness', managerRef: 'E001', employmentType: 'third-party', contractEnd: '2026-12-31' }),
      person({ id: 'E003', email: 'erin@example.li', displayName: 'Erin Leaver', department: 'Ops', jobTitle: 'Ops Analyst', managerRef: 'E001', status: 'terminated' }),
      person({ id: 'E004', email: null, displayName: 'No Mail Person', department: 'Ops', managerRef: 'E001', status: 'disabled' }),
    ]);
  });

  it('reports bad rows and duplicate ids as file:line problems', async () => {
    const { connector, ctx } = connect({ path: 'hr.csv' });
    const { problems } = await drain(connector, ctx);
    expect(problems).toEqual([
      'hr.csv:8: duplicate id "e001" (first at line 2)',
      'hr.csv:9: status "on-leave" is not one of active, disabled, terminated',
      'hr.csv:10: employment_type "intern" is not one of employee, contractor, third-party',
      'hr.csv:11: contract_end "2026-02-30" is not a date (YYYY-MM-DD)',
      'hr.csv:12: email "not-an-email" is not an email address',
      'hr.csv:13: status is empty (one of active, disabled, terminated)',
      'hr.csv:14: id is empty',
    ]);
  });

  it('warns about unknown columns', async () => {
    const { connector, ctx, warnings } = connect({ path: 'hr.csv' });
    await drain(connector, ctx);
    expect(warnings).toEqual(['hr.csv: ignoring unknown columns cost_center']);
  });

  it('fails when a required column is missing, naming file and column', async () => {
    const { connector, ctx } = connect({ path: 'hr-missing-status.csv' });
    const err = await connector.listIdentities!(null, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toBe('hr-missing-status.csv: missing required column "status" (header: ID, Email, Display_Name, Department)');
  });

  it('reads a header-only file as no identities and no problems', async () => {
    await writeFile(path.join(tmp, 'hr-empty.csv'), '\ufeffid,email,display_name,status\n');
    const { connector, ctx } = connect({ path: 'hr-empty.csv' }, tmp);
    const { pages } = await drain(connector, ctx);
    expect(pages).toEqual([{ items: [], nextToken: null }]);
  });

  it('keeps detecting duplicates across pages and restarts the check on a new run', async () => {
    let text = 'id,email,display_name,status,groups\n';
    for (let i = 0; i < 6000; i++) text += `E${i},e${i}@example.li,Person ${i},active,"a;b"\n`;
    text += 'E10,again@example.li,Again,active,\n';
    await writeFile(path.join(tmp, 'hr-big.csv'), text);
    const { connector, ctx } = connect({ path: 'hr-big.csv' }, tmp);
    for (let run = 0; run < 2; run++) {
      const { pages, items, problems } = await drain(connector, ctx);
      expect(pages.map((p) => p.nextToken)).toEqual(['5000', null]);
      expect(items).toHaveLength(6000);
      expect(items[0]!.groups).toEqual(['a', 'b']);
      expect(problems).toEqual(['hr-big.csv:6002: duplicate id "E10" (first at line 12)']);
    }
  });
});
