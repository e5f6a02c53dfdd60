import { describe, expect, it } from 'vitest';
import { checkJson, checkJsonLines } from '../../src/cli/check-command.js';
import type { Finding, FindingType } from '../../src/domain/index.js';
import type { CheckResult } from '../../src/policies/run-check.js';

function finding(n: number, over: Partial<Finding> = {}): Finding {
  return {
    key: `dormant:trading:g${n}`, type: 'dormant', severity: 'medium', systemId: 'trading', grantId: `g${n}`, accountId: `acc-${n}`,
    identityId: `id-${n}`, role: 'TRADER', scope: '', ruleId: 'dormantAfterDays', reason: `unused for ${n} days`, evidence: { days: n }, ...over,
  };
}

function result(findings: Finding[], summary: Partial<Record<FindingType, number>>): CheckResult {
  return {
    evaluation: { id: 'ev', at: '2026-11-24T09:00:00.000Z', systemIds: ['trading'], policyHash: 'h', counts: {} },
    findings,
    summary: summary as Record<FindingType, number>,
    warnings: [],
    identityLabels: new Map([['id-1', 'alice@example.com']]),
    changes: { opened: findings.length, refreshed: 0, resolved: 0 },
  };
}

describe('check --format json, written line by line', () => {
  it('is exactly the text of JSON.stringify(checkJson(result), null, 2)', () => {
    const cases = [
      result([], {}),
      result([], { dormant: 0, 'sod-conflict': 0 }),
      result([finding(1)], { dormant: 1 }),
      result(
        [finding(1, { scope: 'spot' }), finding(2, { accountId: null, identityId: null, role: null, reason: 'a "quoted"\nline, ünïcode \u2028 and \\ back' }), finding(3, { type: 'sod-conflict', severity: 'high' })],
        { dormant: 2, 'sod-conflict': 1, 'not-allowed': 0 },
      ),
    ];
    for (const r of cases) expect([...checkJsonLines(r)].join('\n')).toBe(JSON.stringify(checkJson(r), null, 2));
  });
});
