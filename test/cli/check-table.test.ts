/**
 * The `check` table formatter on a very large result: 600,000 findings (the crash was seen at
 * 429k, when every row was spread into Math.max). Lines come one by one, widths are capped at 40.
 */
import { describe, expect, it } from 'vitest';
import { checkTable, checkTableLines } from '../../src/cli/check-command.js';
import type { Finding } from '../../src/domain/index.js';
import type { CheckResult } from '../../src/policies/run-check.js';

function result(findings: Finding[]): CheckResult {
  return {
    evaluation: { id: 'e', at: '2026-12-01T00:00:00.000Z', systemIds: ['trading'], policyHash: 'x', counts: {} },
    findings,
    summary: { 'not-allowed': findings.length } as CheckResult['summary'],
    warnings: [],
    identityLabels: new Map(),
    changes: { opened: findings.length, refreshed: 0, resolved: 0 },
  };
}

function finding(i: number, accountId = `acc-${i}`): Finding {
  return { key: `k${i}`, type: 'not-allowed', severity: i % 2 ? 'high' : 'low', systemId: 'trading', grantId: `g${i}`, accountId, identityId: null, role: 'TRADER', scope: '', ruleId: 'trading.TRADER', reason: 'not allowed', evidence: {} };
}

describe('check table', () => {
  it('formats 600,000 findings without overflowing the stack', () => {
    const n = 600_000;
    const findings = Array.from({ length: n }, (_, i) => finding(i));
    let lines = 0;
    let last = '';
    for (const l of checkTableLines(result(findings))) {
      lines++;
      last = l;
    }
    expect(lines).toBe(1 + 2 * n + 3);
    expect(last).toMatch(/^Evaluated trading at /);
  }, 60_000);

  it('pads columns to the widest cell, at most 40 characters', () => {
    const text = checkTable(result([finding(1, 'a'), finding(2, 'x'.repeat(60))]));
    const [header, first] = text.split('\n');
    expect(header).toBe(`SEVERITY  TYPE         SYSTEM   ${'ACCOUNT'.padEnd(40)}  IDENTITY  ROLE    RULE`);
    expect(first).toBe(`high      not-allowed  trading  ${'a'.padEnd(40)}  -         TRADER  trading.TRADER`);
    expect(text).toMatch(/2 finding\(s\): 1 high, 0 medium, 1 low/);
  });
});
