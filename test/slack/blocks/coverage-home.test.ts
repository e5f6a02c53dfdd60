import { describe, expect, it } from 'vitest';
import { APP_HOME_MAX_BLOCKS, appHome } from '../../../src/slack/blocks/app-home.js';
import type { CoverageLine } from '../../../src/slack/blocks/coverage-home.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { validateView } from '../../fakes/fake-slack-blocks.js';
import { campaign, entries, NOW } from './review-fixtures.js';

const line = (system: string, over: Partial<CoverageLine> = {}): CoverageLine => ({ system, name: system, criticality: 'critical', lastReviewedAt: null, nextDueAt: '2027-01-01T00:00:00.000Z', overdue: false, ...over });

describe('the security team’s review cadence on the App Home', () => {
  it('one compact line per system: overdue first (longest first), then by next due, never synced last', () => {
    const coverage = [
      line('vault', { criticality: 'important', nextDueAt: '2027-03-01T00:00:00.000Z', lastReviewedAt: '2026-03-01T10:00:00.000Z' }),
      line('never', { criticality: 'standard', nextDueAt: null }),
      line('trading', { name: 'Trading <!here>', nextDueAt: '2026-10-02T00:00:00.000Z', overdue: true }),
      line('custody', { nextDueAt: '2026-09-01T00:00:00.000Z', overdue: true, lastReviewedAt: '2026-03-01T00:00:00.000Z' }),
    ];
    const view = appHome({ user: { name: 'Sec' }, now: NOW, pending: [], progress: [], coverage });
    expect(validateView(view)).toEqual([]);
    const preview = textPreview(view.blocks);
    expect(preview).toContain('== Review cadence (security team) ==');
    const part = preview.slice(preview.indexOf('Review cadence'));
    expect(part.split('\n').filter((l) => l.startsWith('•'))).toEqual([
      '• :red_circle: *custody* (critical): *review overdue* since 2026-09-01 (41 days overdue) · last reviewed 2026-03-01',
      '• :red_circle: *Trading <!here>* (critical): *review overdue* since 2026-10-02 (10 days overdue) · never reviewed',
      '• :large_green_circle: *vault* (important): next review due 2027-03-01 (in 139 days) · last reviewed 2026-03-01',
      '• :white_circle: *never* (standard): never synced, no review due',
    ]);
    expect(part).toContain(':red_circle: 2 systems overdue of 4.');
    // The preview unescapes: the block itself carries the name escaped (no mention).
    expect(JSON.stringify(view.blocks)).toContain('*Trading &lt;!here&gt;*');
  });

  it('not shown without coverage (not the security team); any number of systems stays within the block budget', () => {
    expect(JSON.stringify(appHome({ user: { name: 'Boss' }, now: NOW, pending: [], progress: null }).blocks)).not.toContain('Review cadence');
    const coverage = Array.from({ length: 500 }, (_, i) => line(`system-with-a-long-name-${i}`, { overdue: i % 3 === 0 }));
    const view = appHome({ user: { name: 'Sec' }, now: NOW, pending: [{ campaign, items: entries(150) }], progress: [], coverage });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(APP_HOME_MAX_BLOCKS);
    expect(textPreview(view.blocks)).toMatch(/…and \d+ more systems: `iam-review coverage`/);
  });
});
