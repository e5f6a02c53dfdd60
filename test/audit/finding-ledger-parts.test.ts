/**
 * An evaluation saved in several transactions (MongoDB above FINDING_CHUNK findings) ledgers one
 * summary per transaction and direction: `audit verify` adds the parts up. No MongoDB server
 * exists here, so the store's side is its pure decision (onlyTransaction) and the events are the
 * real ones of findingLedgerEvents, part by part, as MongoFindingStore.saveEvaluation asks for them.
 */
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { FindingLedger } from '../../src/audit/finding-ledger.js';
import { DifferenceList } from '../../src/audit/ledger-difference.js';
import type { Evaluation, Finding, LedgerEvent, StoredFinding } from '../../src/domain/index.js';
import { findingLedgerEvents, LEDGER_DETAIL_LIMIT } from '../../src/policies/finding-ledger-events.js';
import type { FindingChanges } from '../../src/store/ports.js';
import { FINDING_CHUNK, onlyTransaction } from '../../src/store/mongo/mongo-finding-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const E: Evaluation = { id: 'evaluation@1', at: '2026-10-01T00:00:00.000Z', systemIds: ['kms'], policyHash: 'p', counts: {} };
const audit = new AuditLog(openSqliteStore({ memory: true }).ledger, () => new Date(E.at));

function finding(i: number, severity: Finding['severity'] = 'medium'): Finding {
  return {
    key: `dormant:kms:a${i}`, type: 'dormant', severity, systemId: 'kms', grantId: `g_${i}`, accountId: `a${i}`, identityId: null,
    role: null, scope: null, ruleId: 'dormant-90d', reason: 'inactive', evidence: {},
  } as Finding;
}

function row(f: Finding): StoredFinding {
  return { ...f, evaluationId: E.id, firstSeenAt: E.at, lastSeenAt: E.at, resolvedAt: null } as StoredFinding;
}

let seq = 0;
function eventsOf(parts: FindingChanges[]): LedgerEvent[] {
  return parts.flatMap((changed) => [...findingLedgerEvents(audit, 'test', E.id, changed)].map((e) => ({ ...e, seq: ++seq, at: E.at, prevHash: '', hash: '' })));
}

function differences(events: LedgerEvent[], rows: StoredFinding[]): string[] {
  const out = new DifferenceList(100);
  const ledger = new FindingLedger(out);
  for (const e of events) ledger.event(e);
  ledger.evaluations([E]);
  for (const r of rows) ledger.row(r);
  ledger.finish();
  return out.first.map((d) => d.message);
}

/** Split as MongoFindingStore does: raising chunks of FINDING_CHUNK, numbered when there is more than one. */
function partsOf(opened: Finding[], chunk: number): FindingChanges[] {
  const chunks = Math.max(1, Math.ceil(opened.length / chunk));
  return Array.from({ length: chunks }, (_, c) => ({ opened: opened.slice(c * chunk, (c + 1) * chunk), resolved: [], ...(onlyTransaction(c, chunks, 0) ? {} : { part: c + 1 }) }));
}

describe('an evaluation saved in several transactions', () => {
  const opened = Array.from({ length: 700 }, (_, i) => finding(i, i % 100 === 0 ? 'high' : 'medium'));

  it('each part is a summary with its number and key set sum, even a part small enough to detail', () => {
    const parts = partsOf(opened, 650);
    expect(parts.map((p) => p.part)).toEqual([1, 2]);
    const events = eventsOf(parts);
    const summaries = events.filter((e) => e.data.summary === true);
    expect(summaries.map((s) => [s.data.part, s.data.count])).toEqual([[1, 650], [2, 50]]);
    expect(summaries.every((s) => /^[0-9a-f]{64}$/.test(String(s.data.keysSum)))).toBe(true);
    // Only the high-severity findings of the small part have their own event, as in the big one.
    expect(events.filter((e) => e.data.summary !== true)).toHaveLength(7);
  });

  it('audit verify adds the parts up: the rows agree; a lost row, a swapped row, a repeated part do not', () => {
    const events = eventsOf(partsOf(opened, 650));
    const rows = opened.map(row);
    expect(differences(events, rows)).toEqual([]);
    const last = events.filter((e) => e.data.summary === true).at(-1)!;
    expect(differences(events, rows.filter((_, i) => i !== 1))).toEqual([
      `ledger seq ${last.seq} finding.opened says with its 2 parts, count 650 + 50: 699 findings rows were opened by evaluation "${E.id}"`,
    ]);
    const swapped = [...rows.filter((_, i) => i !== 1), row(finding(9999))];
    expect(differences(events, swapped)[0]).toMatch(new RegExp(`^ledger seq ${last.seq} finding.opened says with its 2 parts, keysSum [0-9a-f"]+: the keys of the findings rows opened by evaluation "${E.id}" sum to [0-9a-f]{64}$`));
    const again = eventsOf([{ opened: opened.slice(0, 3), resolved: [], part: 2 }])[0]!;
    expect(differences([...events, again], rows)).toContain(
      `ledger seq ${again.seq} finding.opened says a second opened summary of part 2 of evaluation "${E.id}" (first at seq ${last.seq}): one summary per part, evaluation and direction`,
    );
  });

  it('a single part\'s key set sum is checked too', () => {
    const [only] = eventsOf([{ opened: opened.slice(0, 600), resolved: [], part: 1 }]).filter((e) => e.data.summary === true);
    const rows = opened.slice(0, 600).map(row);
    expect(differences([only!], rows)).toEqual([]);
    const edited = { ...only!, data: { ...only!.data, keysSum: '0'.repeat(64) } };
    expect(differences([edited], rows)).toEqual([
      `ledger seq ${only!.seq} finding.opened says keysSum "${'0'.repeat(64)}": the keys of the findings rows opened by evaluation "${E.id}" sum to ${only!.data.keysSum}`,
    ]);
  });

  it('one transaction is not a part: up to the detail limit every finding has its event, as on SQLite', () => {
    const few = opened.slice(0, LEDGER_DETAIL_LIMIT);
    const [only] = partsOf(few, FINDING_CHUNK);
    expect(only!.part).toBeUndefined();
    const events = eventsOf([only!]);
    expect(events).toHaveLength(LEDGER_DETAIL_LIMIT);
    expect(differences(events, few.map(row))).toEqual([]);
  });

  it('the store numbers a transaction when another follows or came before', () => {
    expect(onlyTransaction(0, 1, FINDING_CHUNK - 1)).toBe(true);
    // A full chunk of resolved findings: the next transaction resolves more.
    expect(onlyTransaction(0, 1, FINDING_CHUNK)).toBe(false);
    expect(onlyTransaction(0, 2, 0)).toBe(false);
    expect(onlyTransaction(1, 1, 0)).toBe(false);
  });
});
