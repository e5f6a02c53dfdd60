/**
 * The reviewer context on review items (person's job, system name and criticality, role
 * description, activity, recommendation) and the Details modal stay within Block Kit limits
 * with pathological texts: the recommendation is never cut, the modal shows a long finding in
 * full over several sections and counts what does not fit.
 */
import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as LIMITS, slackMessageBlocksChars } from '../../fakes/slack-block-kit-limits.js';
import { validateBlocks } from '../../fakes/fake-slack-blocks.js';
import type { ReviewEntry } from '../../../src/slack/blocks/review-item-blocks.js';
import { itemSectionText } from '../../../src/slack/blocks/review-item-blocks.js';
import { appHome, chunks, detailsModal, REVIEW_PAGE_BUDGET_CHARS, reviewMessage } from '../../../src/slack/blocks/index.js';
import { FINDING_RULES } from '../../../src/policies/rules/index.js';
import { campaign, entry, finding, NOW } from './review-fixtures.js';

const huge = (c: string, n = 5_000) => c.repeat(n);

function withContext(e: ReviewEntry, over: Partial<ReviewEntry> = {}): ReviewEntry {
  return { ...e, subject: { name: 'Ada Lovelace', email: 'ada@firm.example', jobTitle: 'Head of Custody', department: 'Operations' }, system: { name: 'Custody wallet', criticality: 'critical' }, roleDescription: 'Approves withdrawals from the hot vault.', ...over };
}

describe('reviewer context on an item', () => {
  it('shows the job, the system by name with its criticality, the role description and the recommendation', () => {
    const text = itemSectionText(withContext(entry(3)), NOW);
    expect(text.split('\n')).toEqual([
      '*Ada Lovelace* · Head of Custody, Operations · ada@firm.example',
      '*Custody wallet* (critical) · role `key-admin`',
      'Role: Approves withdrawals from the hot vault.',
      'Last activity: 21 days ago (2026-09-20)',
      ':warning: SoD conflict (high)',
      '> Withdrawal initiator and approver on the same vault',
      '*Recommended:* revoke: SoD conflict',
    ]);
  });

  it('says "no activity data" where the system reports none, "never used" where it does', () => {
    const never = entry(5);
    expect(never.item.lastActivityAt).toBeNull();
    expect(itemSectionText(withContext(never, { activityKnown: false }), NOW)).toContain('Last activity: no activity data\n*Recommended:* keep: no findings, no activity data');
    expect(itemSectionText(withContext(never, { activityKnown: true }), NOW)).toContain('Last activity: never used\n*Recommended:* keep: no findings, never used');
  });

  it('stays within limits with pathological context, every finding type and a leaver, the recommendation whole', () => {
    const findings = [{ ...finding('leaver-access', 'high'), evidence: { contractEnd: '2026-11-02' } }, ...FINDING_RULES.map((r) => finding(r.type, 'high', huge('x')))];
    const items = Array.from({ length: 60 }, (_, i) =>
      withContext(entry(i, { findings, detail: { summary: huge('€') } }), {
        subject: { name: huge('N'), email: huge('e'), jobTitle: huge('&'), department: huge('<') },
        system: { name: huge('S'), criticality: huge('c') },
        roleDescription: huge('`'),
      }),
    );
    for (const e of items) {
      const text = itemSectionText(e, NOW);
      expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      expect(text.split('\n').at(-1)).toMatch(/^\*Recommended:\* revoke: leaver since 2026-11-02; /);
    }
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'M' }, items, now: NOW });
    expect(pages.flatMap((p) => p.itemIds)).toHaveLength(60);
    for (const page of pages) {
      expect(validateBlocks(page.blocks, 'message')).toEqual([]);
      expect(page.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      expect(slackMessageBlocksChars(page.blocks)).toBeLessThanOrEqual(REVIEW_PAGE_BUDGET_CHARS);
    }
    const home = appHome({ user: { name: 'M' }, now: NOW, pending: [{ campaign, items }], progress: null });
    expect(validateBlocks(home.blocks, 'home')).toEqual([]);
    expect(home.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
  });
});

describe('the Details modal', () => {
  it('shows a long finding reason and its evidence in full, over several sections, within limits', () => {
    const reason = 'R'.repeat(4_000) + ' & <tail> ' + 'S'.repeat(4_000) + ' END';
    const e = withContext(entry(3, { findings: [{ ...finding('sod-conflict', 'high', reason), evidence: { rule: 'SOD-1', list: Array.from({ length: 300 }, (_, i) => `grant-${i}`) } }] }));
    const view = detailsModal(e, NOW);
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    const texts = view.blocks.map((b) => ('text' in b && b.text ? b.text.text : ''));
    expect(texts.join('')).toContain(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(texts.join('')).toContain('"grant-299"');
    expect(texts.some((t) => t === '*Recommended:* revoke: SoD conflict SOD-1')).toBe(true);
    expect(JSON.stringify(view).length).toBeLessThan(LIMITS.viewBytes);
  });

  it('counts the findings that do not fit Slack\'s view limits (100 blocks, 250 kB)', () => {
    const many = Array.from({ length: 80 }, (_, i) => ({ ...finding('dormant', 'low', `reason ${i} ` + 'r'.repeat(2_500)), evidence: { big: 'é'.repeat(2_800) } }));
    const view = detailsModal(withContext(entry(1, { findings: many })), NOW);
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThanOrEqual(LIMITS.viewBytes);
    const last = view.blocks.at(-1)!;
    const shown = view.blocks.filter((b) => b.type === 'divider').length;
    expect(last).toMatchObject({ type: 'context', elements: [{ text: `…${80 - shown} more findings not shown here: \`iam-review campaign items ${campaign.id} --json\` lists them all.` }] });
    expect(shown).toBeGreaterThan(10);
  });

  it('chunks text at line breaks, never inside an entity', () => {
    expect(chunks('a'.repeat(8) + '&amp;bc', 10)).toEqual(['aaaaaaaa', '&amp;bc']);
    expect(chunks('abcde\nfghij', 8)).toEqual(['abcde', 'fghij']);
    expect(chunks('abc\ndefghij', 8)).toEqual(['abc\ndefg', 'hij']);
    expect(chunks('short')).toEqual(['short']);
  });
});
