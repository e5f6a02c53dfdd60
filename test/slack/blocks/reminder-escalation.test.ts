import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS, slackMessageBlocksChars as messageBlocksChars } from '../../fakes/slack-block-kit-limits.js';
import { escalationMessage } from '../../../src/slack/blocks/escalation-message.js';
import { reminderMessage } from '../../../src/slack/blocks/reminder-message.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateBlocks } from '../../fakes/fake-slack-blocks.js';
import { campaign, NOW } from './review-fixtures.js';

const overdueCampaign = { ...campaign, dueAt: '2026-10-10T09:00:00.000Z' };

describe('reminderMessage', () => {
  it('batches all pending items of a reviewer into one message', () => {
    const msg = reminderMessage({
      reviewer: { name: 'Maria' },
      now: NOW,
      campaigns: [
        { campaign, pending: 7, withFindings: 3 },
        { campaign: { id: 'x', name: 'Yearly review', dueAt: '2026-12-01T09:00:00.000Z' }, pending: 1, withFindings: 0 },
      ],
    });
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    expect(msg.text).toBe('Reminder: 8 access-review items waiting for your decision, the first due in 3 days');
    const preview = textPreview(msg.blocks);
    expect(preview).toContain('• *Quarterly review of privileged access*: 7 pending, 3 with findings · due 2026-10-15 (in 3 days)');
    expect(preview).toContain('• *Yearly review*: 1 pending · due 2026-12-01');
  });

  it('stays within limits for hundreds of campaigns, counting the rest', () => {
    const campaigns = Array.from({ length: 500 }, (_, i) => ({ campaign: { id: `c${i}`, name: `Campaign ${'&'.repeat(200)} ${i}`, dueAt: campaign.dueAt }, pending: 1, withFindings: 0 }));
    const msg = reminderMessage({ reviewer: { name: 'M' }, now: NOW, campaigns });
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    expect(messageBlocksChars(msg.blocks)).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBlocksChars);
    const shown = (JSON.stringify(msg.blocks).match(/• \*Campaign/g) ?? []).length;
    const rest = Number(/…and (\d+) more campaigns/.exec(JSON.stringify(msg.blocks))?.[1]);
    expect(shown + rest).toBe(500);
  });
});

describe('escalationMessage', () => {
  const overdue = [
    { reviewerName: 'Ann', reviewerSlackId: 'U00000001', pending: 2, withFindings: 1 },
    { reviewerName: 'Bob', reviewerSlackId: '<!channel>', pending: 5, withFindings: 0 },
    { reviewerName: 'Cy', reviewerSlackId: null, pending: 1, withFindings: 0 },
  ];

  it('lists every overdue reviewer of a campaign in one channel message, mentioning valid ids only', () => {
    const msg = escalationMessage({ campaign: overdueCampaign, now: NOW, audience: { kind: 'channel' }, overdue });
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('3 reviewers still have 8 items to decide');
    expect(text).toContain('(2 days overdue)');
    expect(text).toContain('• *Bob*: 5 pending\\n• <@U00000001>: 2 pending, 1 with findings\\n• *Cy*: 1 pending');
    expect(text).not.toContain('<!channel>');
    expect(msg.text).toBe('Overdue access review: Quarterly review of privileged access: 8 items pending (3 reviewers)');
  });

  it('writes to a manager about their reports', () => {
    const msg = escalationMessage({ campaign: overdueCampaign, now: NOW, audience: { kind: 'manager', managerName: 'Mia' }, overdue: overdue.slice(0, 1) });
    expect(textPreview(msg.blocks)).toContain('Hi Mia, people who report to you have not finished *Quarterly review of privileged access*');
  });

  it('stays within limits for 2,000 overdue reviewers, counting the rest', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => ({ reviewerName: `Reviewer ${i}`, reviewerSlackId: `U${String(i).padStart(8, '0')}`, pending: 1, withFindings: 0 }));
    const msg = escalationMessage({ campaign: overdueCampaign, now: NOW, audience: { kind: 'channel' }, overdue: many });
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    const shown = (JSON.stringify(msg.blocks).match(/• <@U/g) ?? []).length;
    const rest = Number(/…and (\d+) more reviewers/.exec(JSON.stringify(msg.blocks))?.[1]);
    expect(shown + rest).toBe(2_000);
  });
});
