import { describe, expect, it } from 'vitest';
import { APP_HOME_MAX_BLOCKS, appHome } from '../../../src/slack/blocks/app-home.js';
import type { SectionBlock } from '../../../src/slack/blocks/block-types.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateView } from '../../fakes/fake-slack-blocks.js';
import { campaign, entries, entry, NOW } from './review-fixtures.js';

const other = { id: 'half-year-all:2026-H2', name: 'Half-yearly review', dueAt: '2026-10-01T09:00:00.000Z' };

describe('appHome', () => {
  it('lists the user\'s pending items per campaign with buttons', () => {
    const view = appHome({ user: { name: 'Maria' }, now: NOW, pending: [{ campaign, items: entries(3) }], progress: null });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.filter((b) => b.type === 'actions')).toHaveLength(3);
    expect(JSON.stringify(view.blocks)).toContain('*Quarterly review of privileged access* · due');
    expect(JSON.stringify(view.blocks)).not.toContain('security team');
  });

  it('says so when nothing is pending', () => {
    const view = appHome({ user: { name: 'Maria & Co' }, now: NOW, pending: [{ campaign, items: [] }], progress: null });
    expect(textPreview(view.blocks)).toContain('Nothing is waiting for you, Maria & Co.');
  });

  it('stays within its block budget and counts what it does not show', () => {
    const pending = [
      { campaign, items: entries(150) },
      { campaign: other, items: Array.from({ length: 50 }, (_, i) => entry(1000 + i)) },
    ];
    const reviewers = Array.from({ length: 2_000 }, (_, i) => ({ name: `Reviewer ${i}`, done: i % 7, pending: i % 4 }));
    const progress = Array.from({ length: 12 }, (_, i) => ({ campaign: { ...campaign, id: `c${i}`, name: `Campaign ${i}` }, reviewers }));
    const view = appHome({ user: { name: 'Sec' }, now: NOW, pending, progress });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(APP_HOME_MAX_BLOCKS);
    const shown = view.blocks.filter((b) => b.type === 'section' && b.block_id?.startsWith('item:')).length;
    const more = /…and (\d+) more pending items/.exec(JSON.stringify(view.blocks));
    expect(shown).toBeGreaterThan(20);
    expect(shown + Number(more?.[1])).toBe(200);
    const preview = textPreview(view.blocks);
    expect(preview).toContain('== Open campaigns (security team) ==');
    expect(preview).toMatch(/…and \d+ more reviewers: `\/access-review status c0`/);
    expect(preview).toContain('…and 2 more open campaigns');
  });

  it('shows done / pending / overdue per reviewer to the security team', () => {
    const progress = [
      { campaign: other, reviewers: [{ name: 'Ann', done: 5, pending: 0 }, { name: 'Bob <!here>', done: 1, pending: 3 }] },
      { campaign, reviewers: [{ name: 'Cy', done: 2, pending: 2 }] },
    ];
    const view = appHome({ user: { name: 'Sec' }, now: NOW, pending: [], progress });
    const sections = view.blocks.filter((b): b is SectionBlock => b.type === 'section').map((s) => s.text?.text ?? '');
    expect(sections.find((s) => s.startsWith('*Half-yearly review*'))).toContain('6/9 decided · 3 pending · :red_circle: 1 reviewer overdue');
    expect(sections).toContain('• Bob &lt;!here&gt;: 1 done · 3 pending · *3 overdue*\n• Ann: 5 done · 0 pending');
    // Not yet due: no overdue counts.
    expect(sections).toContain('• Cy: 2 done · 2 pending');
  });
});
