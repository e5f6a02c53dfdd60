/**
 * The recommendation of a review item (src/domain/recommendation.ts) for every finding type of
 * the registry at every severity, alone and mixed, for a type no rule knows, and the last
 * activity in words.
 */
import { describe, expect, it } from 'vitest';
import type { Finding, FindingType, Severity } from '../../src/domain/index.js';
import { activityWords, recommend, recommendationText, recommendedAction, SEVERITIES } from '../../src/domain/index.js';
import { adviceOf, badgeWords } from '../../src/policies/rules/finding-advice.js';
import { FINDING_RULES } from '../../src/policies/rules/index.js';

const NOW = '2026-12-05T12:00:00.000Z';

function finding(type: FindingType, severity: Severity, evidence: Record<string, unknown> = {}): Finding {
  return { key: `${type}|r|g-${severity}`, type, severity, systemId: 'desk', grantId: 'g', accountId: 'a', identityId: 'i', role: 'USER', scope: null, ruleId: 'r', reason: `${type} found`, evidence };
}

const item = (findings: Finding[], lastActivityAt: string | null = '2026-12-02T08:00:00.000Z') => ({ findings, lastActivityAt, activityKnown: true });

describe('recommend', () => {
  it('keeps an item without findings, saying how recently it was used', () => {
    expect(recommendationText(recommend(item([]), adviceOf, NOW))).toBe('keep: no findings, used 3 days ago');
    expect(recommendationText(recommend(item([], null), adviceOf, NOW))).toBe('keep: no findings, never used');
    expect(recommendationText(recommend({ findings: [], lastActivityAt: null, activityKnown: false }, adviceOf, NOW))).toBe('keep: no findings, no activity data');
  });

  it('for every finding type at every severity: revoke when its rule says revoke or the finding is high, else keep if still needed', () => {
    for (const rule of FINDING_RULES) {
      for (const severity of SEVERITIES) {
        const where = `${rule.type} (${severity})`;
        const r = recommend(item([finding(rule.type, severity)]), adviceOf, NOW);
        const revoke = rule.recommendation.decision === 'revoke' || severity === 'high';
        expect(r.action, where).toBe(revoke ? 'revoke' : 'keep-if-needed');
        expect(recommendedAction([finding(rule.type, severity)], adviceOf), where).toBe(r.action);
        // Without evidence a rule's words fall back to its badge's.
        expect(r.reasons, where).toEqual([rule.words?.(finding(rule.type, severity)) || badgeWords(rule.badge)]);
        expect(r.reasons[0], where).not.toMatch(/undefined|null|^$/);
      }
    }
  });

  it('names the leaver\'s leave date, and the other rules\' evidence where they give words', () => {
    const leaver = finding('leaver-access', 'high', { identityStatus: 'terminated', contractEnd: '2026-11-02' });
    expect(recommendationText(recommend(item([leaver]), adviceOf, NOW))).toBe('revoke: leaver since 2026-11-02');
    expect(recommend(item([finding('leaver-access', 'high', { identityStatus: 'disabled', contractEnd: null })]), adviceOf, NOW).reasons).toEqual(['leaver (disabled)']);
    expect(recommend(item([finding('contract-ended', 'high', { contractEnd: '2026-06-30' })]), adviceOf, NOW).reasons).toEqual(['contract ended 2026-06-30']);
    expect(recommend(item([finding('sod-conflict', 'medium', { rule: 'SOD-TRADE-LIMITS' })]), adviceOf, NOW).reasons).toEqual(['SoD conflict SOD-TRADE-LIMITS']);
    expect(recommendationText(recommend(item([finding('dormant', 'low', { lastActivityAt: '2025-01-01', daysInactive: 431 })]), adviceOf, NOW))).toBe('keep if still needed: unused for 431 days');
    expect(recommend(item([finding('dormant', 'low', { lastActivityAt: null, daysInactive: 120 })]), adviceOf, NOW).reasons).toEqual(['never used for 120 days']);
  });

  it('mixed: one finding that must go makes it a revoke for the findings that must go only, highest severity first, each named once', () => {
    const types = FINDING_RULES.map((r) => r.type);
    const keepTypes = FINDING_RULES.filter((r) => r.recommendation.decision === 'approve').map((r) => r.type);
    const revokeTypes = types.filter((t) => !keepTypes.includes(t));
    expect(keepTypes.length).toBeGreaterThan(0);
    expect(revokeTypes.length).toBeGreaterThan(0);
    for (const keep of keepTypes) {
      for (const gone of revokeTypes) {
        const r = recommend(item([finding(keep, 'medium'), finding(gone, 'low'), finding(gone, 'low')]), adviceOf, NOW);
        expect(r, `${keep} + ${gone}`).toEqual({ action: 'revoke', reasons: [adviceOf(finding(gone, 'low'))!.words] });
      }
      // Two keep-type findings: keep if still needed, both named, the higher first.
      const other = keepTypes.find((t) => t !== keep)!;
      const r = recommend(item([finding(other, 'low'), finding(keep, 'medium')]), adviceOf, NOW);
      expect(r).toEqual({ action: 'keep-if-needed', reasons: [adviceOf(finding(keep, 'medium'))!.words, adviceOf(finding(other, 'low'))!.words] });
      // A high finding of a keep type is a revoke, cited before a medium one that must go.
      const high = recommend(item([finding(revokeTypes[0]!, 'medium'), finding(keep, 'high')]), adviceOf, NOW);
      expect(high.action).toBe('revoke');
      expect(high.reasons[0]).toBe(adviceOf(finding(keep, 'high'))!.words);
    }
  });

  it('counts a finding of a type no rule knows by its severity alone, named by its type', () => {
    expect(recommend(item([finding('retired-type', 'high')]), adviceOf, NOW)).toEqual({ action: 'revoke', reasons: ['retired-type'] });
    for (const severity of ['low', 'medium'] as const) {
      expect(recommend(item([finding('retired-type', severity)]), adviceOf, NOW)).toEqual({ action: 'keep-if-needed', reasons: ['retired-type'] });
    }
  });
});

describe('activityWords', () => {
  it('says how long ago, never used, or no activity data', () => {
    const cases: Array<[string | null, boolean, string]> = [
      ['2026-12-05T01:00:00.000Z', true, 'used today'],
      ['2026-12-04T11:00:00.000Z', true, 'used yesterday'],
      // Less than 24 hours ago, but on the day before: yesterday, as the date beside it says.
      ['2026-12-04T22:10:00.000Z', true, 'used yesterday'],
      ['2026-12-05T11:59:00.000Z', true, 'used today'],
      ['2026-12-02T08:00:00.000Z', true, 'used 3 days ago'],
      ['2026-10-01T12:00:00.000Z', true, 'used 2 months ago'],
      ['2025-10-01T12:00:00.000Z', true, 'used over a year ago'],
      ['2023-10-01T12:00:00.000Z', true, 'used over 3 years ago'],
      [null, true, 'never used'],
      [null, false, 'no activity data'],
      ['not a time', true, 'no activity data'],
    ];
    for (const [at, known, words] of cases) expect(activityWords(at, known, NOW), String(at)).toBe(words);
  });
});
