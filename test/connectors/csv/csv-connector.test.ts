import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { Connector, ConnectorContext, GrantRecord, Page } from '../../../src/connectors/connector.js';
import { csvConnectorType } from '../../../src/connectors/csv/csv-connector.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/csv');

function makeCtx(configDir: string) {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const ctx: ConnectorContext = {
    systemId: 'trading',
    configDir,
    env: () => undefined,
    signal: new AbortController().signal,
    log: { debug: () => {}, info: () => {}, warn: (msg, fields) => warnings.push({ msg, fields }) },
    now: () => new Date('2026-07-01T00:00:00Z'),
  };
  return { ctx, warnings };
}

function connect(settings: Record<string, unknown>, configDir = FIXTURES) {
  const { ctx, warnings } = makeCtx(configDir);
  const connector = csvConnectorType.create(csvConnectorType.settingsSchema.parse(settings), ctx);
  return { connector, ctx, warnings };
}

async function drain(connector: Connector, ctx: ConnectorContext) {
  const pages: Page<GrantRecord>[] = [];
  let token: string | null = null;
  do {
    const page: Page<GrantRecord> = await connector.listGrants!(token, ctx);
    pages.push(page);
    token = page.nextToken;
  } while (token !== null);
  return { pages, items: pages.flatMap((p) => p.items), problems: pages.flatMap((p) => p.problems ?? []) };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'csv-connector-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('csv connector: trading.csv', () => {
  it('maps every column, normalises values and keeps literals literal', async () => {
    const { connector, ctx } = connect({ path: 'trading.csv' });
    const { items } = await drain(connector, ctx);
    expect(items).toEqual([
      { accountId: 'T-1001', role: 'trader', scope: 'spot:BTC-EUR', identityRef: 'anna.muster@example.li', accountDisplayName: 'Anna Muster', accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-05-01T00:00:00.000Z' },
      { accountId: 'T-1001', role: 'trader', scope: 'spot:ETH-EUR', identityRef: 'anna.muster@example.li', accountDisplayName: 'Anna Muster', accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-05-02T12:30:00.000Z' },
      // A directory id keeps its case; empty account_type defaults to human.
      { accountId: 'T-1002', role: 'limit-editor', scope: '', identityRef: '3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b', accountDisplayName: 'Risk Desk Lead', accountType: 'human', accountStatus: 'disabled', lastActivityAt: null },
      // Unowned service account; empty status defaults to active.
      { accountId: 'svc-mm-bot', role: 'market-maker', scope: 'spot:*', identityRef: null, accountDisplayName: 'Market maker bot', accountType: 'service', accountStatus: 'active', lastActivityAt: '2026-06-30T23:59:59.000Z' },
      // Stored literally, never interpreted; enum values are case-insensitive.
      { accountId: 'T-1003', role: 'viewer', scope: '', identityRef: '{"$ne":null}', accountDisplayName: '{"$ne":null}', accountType: 'human', accountStatus: 'locked', lastActivityAt: null },
      { accountId: 'T-1004', role: 'trader', scope: '', identityRef: 'bob@example.li', accountDisplayName: 'Bob\n(night desk)', accountType: 'human', accountStatus: 'active', lastActivityAt: null },
      // Values are trimmed.
      { accountId: 'T-1011', role: 'trader', scope: 'spot:BTC-EUR', identityRef: 'jack@example.li', accountDisplayName: 'Jack', accountType: 'human', accountStatus: 'active', lastActivityAt: null },
    ]);
  });

  it('reports each malformed row as file:line (after a multi-line record) and skips it', async () => {
    const { connector, ctx } = connect({ path: 'trading.csv' });
    const { problems } = await drain(connector, ctx);
    expect(problems).toEqual([
      'trading.csv:9: status "suspended" is not one of active, disabled, locked',
      'trading.csv:10: last_activity_at "yesterday" is not an ISO 8601 date or date-time',
      'trading.csv:11: account_type "robot" is not one of human, service',
      'trading.csv:12: expected 9 columns, found 5',
      'trading.csv:13: account_id is empty',
      'trading.csv:14: role is empty',
      'trading.csv:15: last_activity_at "2026-02-30" is not an ISO 8601 date or date-time',
    ]);
  });

  it('warns once about unknown columns', async () => {
    const { connector, ctx, warnings } = connect({ path: 'trading.csv' });
    await drain(connector, ctx);
    expect(warnings).toEqual([{ msg: 'trading.csv: ignoring unknown columns desk_notes', fields: { systemId: 'trading', columns: ['desk_notes'] } }]);
  });

  it('matches header names case-insensitively and trimmed, after a BOM', async () => {
    const { connector, ctx } = connect({ path: 'header-case-bom.csv' });
    const { items, problems } = await drain(connector, ctx);
    expect(problems).toEqual([]);
    expect(items).toEqual([
      { accountId: 'A-1', role: 'admin', scope: '', identityRef: 'ops@example.li', accountDisplayName: null, accountType: 'human', accountStatus: 'active', lastActivityAt: '2026-01-15T08:00:00.500Z' },
    ]);
  });

  it('fails the run when a required column is missing, naming file and column', async () => {
    const { connector, ctx } = connect({ path: 'missing-role.csv' });
    const err = await connector.listGrants!(null, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).transient).toBe(false);
    expect((err as Error).message).toBe('missing-role.csv: missing required column "role" (header: account_id, identity, scope)');
  });

  it('fails on an empty file and on a file that does not exist', async () => {
    await writeFile(path.join(tmp, 'empty.csv'), '');
    const empty = connect({ path: 'empty.csv' }, tmp);
    await expect(empty.connector.listGrants!(null, empty.ctx)).rejects.toThrow('empty.csv: missing required columns "account_id", "role" (the file is empty)');
    const missing = connect({ path: path.join(tmp, 'nope.csv') });
    await expect(missing.connector.listGrants!(null, missing.ctx)).rejects.toThrow(/nope\.csv: cannot open .*nope\.csv \(ENOENT\)/);
  });

  it('reads a header-only file as zero grants and no problems', async () => {
    const { connector, ctx } = connect({ path: 'header-only.csv' });
    const { pages } = await drain(connector, ctx);
    expect(pages).toEqual([{ items: [], nextToken: null }]);
  });

  it('rejects duplicated known columns', async () => {
    await writeFile(path.join(tmp, 'dup-col.csv'), 'account_id,role,Role\nA-1,admin,viewer\n');
    const { connector, ctx } = connect({ path: 'dup-col.csv' }, tmp);
    await expect(connector.listGrants!(null, ctx)).rejects.toThrow('dup-col.csv: column "role" appear more than once');
  });
});

describe('csv connector: line numbers and parser-level problems', () => {
  it('counts CRLF files and CRLF inside quoted fields correctly, and reports a multi-line record at its first line', async () => {
    const text = [
      'account_id,role,status,display_name',
      'A-1,admin,bogus,"multi', 'line', 'name"',
      'A-2,viewer,active,"two', 'lines"',
      '',
      'A-3,viewer',
      'A-4,viewer,weird,x',
      '',
    ].join('\r\n');
    await writeFile(path.join(tmp, 'crlf.csv'), text);
    const { connector, ctx } = connect({ path: 'crlf.csv' }, tmp);
    const { items, problems } = await drain(connector, ctx);
    expect(items.map((g) => [g.accountId, g.accountDisplayName])).toEqual([['A-2', 'two\r\nlines']]);
    expect(problems).toEqual([
      'crlf.csv:2: status "bogus" is not one of active, disabled, locked',
      'crlf.csv:8: expected 4 columns, found 2',
      'crlf.csv:9: status "weird" is not one of active, disabled, locked',
    ]);
  });

  it('reports a broken quote as a problem with its line and reads on', async () => {
    await writeFile(path.join(tmp, 'quote.csv'), 'account_id,role\nA-1,adm"in\nA-2,viewer\n,,\n');
    const { connector, ctx } = connect({ path: 'quote.csv' }, tmp);
    const { items, problems } = await drain(connector, ctx);
    expect(items.map((g) => g.accountId)).toEqual(['A-2']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^quote\.csv:2: Invalid Opening Quote/);
  });

  it('honours the delimiter and encoding settings', async () => {
    await writeFile(path.join(tmp, 'latin1.csv'), Buffer.from('account_id;role;display_name\nA-1;admin;Jürg Bühler\n', 'latin1'));
    const { connector, ctx } = connect({ path: 'latin1.csv', delimiter: ';', encoding: 'latin1' }, tmp);
    const { items } = await drain(connector, ctx);
    expect(items.map((g) => [g.accountId, g.role, g.accountDisplayName])).toEqual([['A-1', 'admin', 'Jürg Bühler']]);
  });
});

describe('csv connector: paging', () => {
  const ROWS = 12_001;
  beforeAll(async () => {
    let text = 'account_id,role,identity\n';
    for (let i = 0; i < ROWS; i++) text += i === 7000 ? `A-${i},,x@example.li\n` : `A-${i},trader,user${i}@example.li\n`;
    await writeFile(path.join(tmp, 'big.csv'), text);
  });

  it('serves pages of 5000 records with advancing tokens and true line numbers', async () => {
    const { connector, ctx } = connect({ path: 'big.csv' }, tmp);
    const { pages, items } = await drain(connector, ctx);
    expect(pages.map((p) => [p.items.length, p.nextToken])).toEqual([
      [5000, '5000'],
      [4999, '10000'],
      [2001, null],
    ]);
    expect(pages[1]!.problems).toEqual(['big.csv:7002: role is empty']);
    expect(items).toHaveLength(ROWS - 1);
    expect(items.at(-1)!.accountId).toBe(`A-${ROWS - 1}`);
  });

  it('restarts on a null token and refuses a token that does not continue the read', async () => {
    const { connector, ctx } = connect({ path: 'big.csv' }, tmp);
    const first = await connector.listGrants!(null, ctx);
    await connector.listGrants!(first.nextToken, ctx);
    await expect(connector.listGrants!(first.nextToken, ctx)).rejects.toThrow('big.csv: page token "5000" does not continue the current read (at record 10000)');
    const again = await connector.listGrants!(null, ctx);
    expect(again.items[0]!.accountId).toBe('A-0');
    expect(again.nextToken).toBe('5000');
    await connector.close!();
    await expect(connector.listGrants!('5000', ctx)).rejects.toThrow(ConnectorError);
  });
});

describe('csv connector: settings', () => {
  it('is strict and fills defaults', () => {
    expect(csvConnectorType.settingsSchema.parse({ path: 'sample-data/trading.csv' })).toEqual({ path: 'sample-data/trading.csv', delimiter: ',', encoding: 'utf8' });
    expect(csvConnectorType.settingsSchema.safeParse({ path: 'a.csv', sheet: 1 }).success).toBe(false);
    expect(csvConnectorType.settingsSchema.safeParse({ path: 'a.csv', delimiter: ';;' }).success).toBe(false);
    expect(csvConnectorType.settingsSchema.safeParse({ path: '' }).success).toBe(false);
  });
});

describe('csv connector: manifest (rows / sha256 control file)', () => {
  const rows = Array.from({ length: 12 }, (_, i) => `A-${i},trader\n`);
  const full = `account_id,role\n${rows.join('')}`;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  async function pull(csv: string, manifest: string | null, name: string) {
    await writeFile(path.join(tmp, `${name}.csv`), csv);
    if (manifest !== null) await writeFile(path.join(tmp, `${name}.manifest`), manifest);
    const { connector, ctx } = connect({ path: path.join(tmp, `${name}.csv`), manifest: path.join(tmp, `${name}.manifest`) });
    return drain(connector, ctx);
  }

  it('a file that matches its manifest reads without problems', async () => {
    const r = await pull(full, `# written by the exporter\nrows: 12\nsha256: ${sha(full).toUpperCase()}\n`, 'ok');
    expect(r.problems).toEqual([]);
    expect(r.items).toHaveLength(12);
  });

  it('a file cut at a line break (rows missing, still well-formed) is a problem naming both files', async () => {
    const cut = `account_id,role\n${rows.slice(0, 9).join('')}`;
    const r = await pull(cut, 'rows: 12\n', 'cut');
    expect(r.problems).toEqual([expect.stringMatching(/cut\.csv: has 9 data rows, its manifest .*cut\.manifest declares 12: the export is incomplete/)]);
  });

  it('a file whose bytes differ from the declared sha256 is a problem', async () => {
    const changed = full.replace('A-3,trader', 'A-3,admin');
    const r = await pull(changed, `rows: 12\nsha256: ${sha(full)}\n`, 'changed');
    expect(r.problems).toEqual([expect.stringMatching(/changed\.csv: its SHA-256 does not match/)]);
  });

  it('a declared manifest that is missing, or malformed, is a problem naming file and line', async () => {
    expect((await pull(full, null, 'nomanifest')).problems).toEqual([expect.stringMatching(/nomanifest\.manifest: cannot read the manifest of .*nomanifest\.csv \(ENOENT\): the export may not be finished/)]);
    expect((await pull(full, 'rows: 12\nsha256: nope\n', 'badsha')).problems).toEqual([expect.stringMatching(/badsha\.manifest:2: sha256 must be 64 hex digits/)]);
    expect((await pull(full, 'rows: twelve\n', 'badrows')).problems).toEqual([expect.stringMatching(/badrows\.manifest:1: rows must be a whole number/)]);
    expect((await pull(full, 'lines: 12\n', 'badkey')).problems).toEqual([expect.stringMatching(/badkey\.manifest:1: unknown key "lines"/)]);
    expect((await pull(full, '# nothing\n', 'empty')).problems).toEqual([expect.stringMatching(/empty\.manifest: declares neither rows nor sha256/)]);
  });

  it('rows counts records the parser could not read too (they are already problems of their own)', async () => {
    const broken = `account_id,role\nA-1,adm"in\nA-2,viewer\n`;
    const r = await pull(broken, 'rows: 2\n', 'broken');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/broken\.csv:2:/);
  });
});
