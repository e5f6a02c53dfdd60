/**
 * The ledger events of the findings one store transaction of `check` opened and resolved
 * (FindingStore.saveEvaluation).
 *
 * Volume: when the whole evaluation is one transaction (always on SQLite) with up to
 * LEDGER_DETAIL_LIMIT opened+resolved findings, one event per finding. Above that (a first
 * check of a large estate, a policy change that flips thousands), one summary event per
 * direction carries the counts and a SHA-256 over the sorted keys of its findings, and only
 * high-severity findings get their own event; the full detail is in the stored evaluation.
 *
 * An evaluation saved in several transactions (MongoDB, FindingChanges.part) ledgers every
 * transaction in summaries, each with its `part` and a key set sum (keySetSum: the sums of the
 * parts add up to the sum of all the evaluation's keys), so `audit verify` checks the rows of
 * the whole evaluation against the parts together (audit/finding-ledger.ts). Details per
 * transaction would not do: one part could detail its 300 findings and the next summarise its
 * 2,000, and no row says which part raised it.
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { EVENT } from '../audit/event-types.js';
import type { Finding, FindingType, LedgerEventInput, Severity } from '../domain/index.js';
import { findingOf, keySetSum } from '../domain/index.js';
import type { FindingChanges } from '../store/ports.js';

export const LEDGER_DETAIL_LIMIT = 500;

/**
 * The events, one at a time: the store chains them in chunks, so the events of 150k findings
 * are never all built at once. Each direction's summary comes before its detailed events.
 */
export function* findingLedgerEvents(audit: AuditLog, actor: string, evaluationId: string, changed: FindingChanges): Generator<LedgerEventInput> {
  const { opened, resolved, part } = changed;
  const detailAll = part === undefined && opened.length + resolved.length <= LEDGER_DETAIL_LIMIT;
  for (const [type, list] of [[EVENT.findingOpened, opened], [EVENT.findingResolved, resolved]] as const) {
    if (!detailAll && list.length > 0) {
      const detailed = list.reduce((n, f) => (f.severity === 'high' ? n + 1 : n), 0);
      yield audit.event(type, actor, `evaluation:${evaluationId}`, summaryData(evaluationId, list, detailed, part));
    }
    for (const f of list) if (detailAll || f.severity === 'high') yield audit.event(type, actor, f.key, findingData(evaluationId, f));
  }
}

function findingData(evaluationId: string, f: Finding): Record<string, unknown> {
  const { evidence: _evidence, ...finding } = findingOf(f);
  return { evaluationId, ...finding };
}

function summaryData(evaluationId: string, findings: readonly Finding[], detailed: number, part: number | undefined): Record<string, unknown> {
  const bySeverity: Partial<Record<Severity, number>> = {};
  const byType: Partial<Record<FindingType, number>> = {};
  for (const f of findings) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    byType[f.type] = (byType[f.type] ?? 0) + 1;
  }
  const keys = findings.map((f) => f.key).sort();
  return {
    evaluationId,
    summary: true,
    count: findings.length,
    bySeverity,
    byType,
    keysSha256: createHash('sha256').update(keys.join('\n')).digest('hex'),
    detailedEvents: detailed,
    ...(part === undefined ? {} : { part, keysSum: keySetSum(keys) }),
  };
}
