import { describe, expect, it } from 'vitest';
import type { Remediation } from '../../../src/domain/index.js';
import { APP_HOME_MAX_BLOCKS, appHome } from '../../../src/slack/blocks/app-home.js';
import { REMEDIATION_ACTION_IDS, removalEscalationMessage, removalMessage, REMOVALS_PER_PAGE } from '../../../src/slack/blocks/index.js';
import type { RemovalView } from '../../../src/slack/blocks/index.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateBlocks, validateView } from '../../fakes/fake-slack-blocks.js';
import { SLACK_BLOCK_KIT_LIMITS as LIMITS, slackMessageBlocksChars } from '../../fakes/slack-block-kit-limits.js';

const NOW = '2026-11-24T09:00:00.000Z';
const system = { id: 'trading', name: 'Trading platform' };

/** Worst cases: long, hostile names and the longest status line. */
function removal(i: number, over: Partial<Remediation> = {}): RemovalView {
  return {
    id: `rem:semiannual:2026-H2/${'g'.repeat(40)}${String(i).padStart(4, '0')}`,
    systemId: 'trading',
    accountId: `<!channel> account ${'x'.repeat(200)} ${i}`,
    role: `ROLE_${'R'.repeat(120)}`,
    scope: `book & ${'s'.repeat(120)}`,
    dueAt: new Date(Date.parse(NOW) + (i % 7) * 3_600_000).toISOString(),
    state: 'requested',
    requestedBy: `${'reviewer'.repeat(20)}@example.com`,
    claimedBy: null,
    claimedAt: null,
    verifiedAt: null,
    verifiedSnapshotId: null,
    ...over,
  };
}

const buttons = (blocks: unknown) => (JSON.stringify(blocks).match(new RegExp(`"${REMEDIATION_ACTION_IDS.markRemoved}"`, 'g')) ?? []).length;

describe('removalMessage', () => {
  it('pages many removals within Block Kit limits; every removal on exactly one page, due first', () => {
    const removals = Array.from({ length: 3 * REMOVALS_PER_PAGE + 1 }, (_, i) => removal(i));
    const pages = removalMessage({ system, owner: { name: 'Head of Trading' }, removals, now: NOW });
    expect(pages).toHaveLength(4);
    for (const page of pages) {
      expect(validateBlocks(page.blocks, 'message')).toEqual([]);
      expect(page.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      expect(slackMessageBlocksChars(page.blocks)).toBeLessThan(LIMITS.messageBlocksChars);
      expect(buttons(page.blocks)).toBe(page.remediationIds.length);
      expect(page.pageCount).toBe(4);
    }
    const ids = pages.flatMap((p) => p.remediationIds);
    expect(new Set(ids).size).toBe(removals.length);
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3, 4]);
    const dues = ids.map((id) => removals.find((r) => r.id === id)!.dueAt);
    expect(dues).toEqual([...dues].sort());
    // User text is escaped: no mention reaches Slack.
    expect(JSON.stringify(pages[0]!.blocks)).not.toContain('<!channel>');
    expect(pages[0]!.text).toMatch(/page 1 of 4/);
  });

  it('a claimed page still fits and shows the claim instead of the button', () => {
    const removals = Array.from({ length: REMOVALS_PER_PAGE }, (_, i) => removal(i, { state: 'claimed', claimedBy: `${'owner'.repeat(30)}@example.com`, claimedAt: NOW }));
    const [page, ...more] = removalMessage({ system, owner: { name: 'Head' }, removals, now: NOW, asPage: { page: 2, pageCount: 3 } });
    expect(more).toEqual([]);
    expect(validateBlocks(page!.blocks, 'message')).toEqual([]);
    expect(slackMessageBlocksChars(page!.blocks)).toBeLessThan(LIMITS.messageBlocksChars);
    expect(buttons(page!.blocks)).toBe(0);
    expect(textPreview(page!.blocks)).toContain('verified when a sync no longer shows it');
    expect(page!.text).toMatch(/page 2 of 3/);
  });
});

describe('removal parts of the App Home and the escalation', () => {
  it('the App Home lists an owner’s removals within its block budget, counting what it does not show', () => {
    const removals = Array.from({ length: 60 }, (_, i) => removal(i));
    const view = appHome({ user: { name: 'Head' }, now: NOW, pending: [], progress: null, removals: [{ system, removals }] });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(APP_HOME_MAX_BLOCKS);
    const shown = buttons(view.blocks);
    expect(shown).toBeGreaterThan(10);
    expect(textPreview(view.blocks)).toContain(`…and ${60 - shown} more removals`);
    expect(textPreview(view.blocks)).not.toContain('Nothing is waiting for you');
  });

  it('the escalation lists every overdue removal or counts the rest', () => {
    const overdue = Array.from({ length: 500 }, (_, i) => removal(i));
    const message = removalEscalationMessage({ system: { ...system, owner: 'head@example.com' }, audience: 'channel', ownerSlackId: 'U0HEAD001', overdue, now: NOW });
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(slackMessageBlocksChars(message.blocks)).toBeLessThan(LIMITS.messageBlocksChars);
    expect(JSON.stringify(message.blocks)).toContain('<@U0HEAD001>');
    expect(textPreview(message.blocks)).toMatch(/…and \d+ more removals: `iam-review remediation list --state overdue --system trading`/);
  });
});
