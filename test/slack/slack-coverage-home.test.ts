/**
 * The security team's App Home shows every system's review cadence (DORA coverage), through
 * the real Bolt receiver and the fake Slack: the trading system (critical, first applied
 * 2026-11-01, never reviewed) is due 2027-05-01 and then overdue; other users do not see it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Block } from '../../src/slack/blocks/block-types.js';
import { textPreview } from '../../src/slack/blocks/text-preview.js';
import { appHomeOpenedEvent, eventCallbackBody } from '../fakes/slack-requests.js';
import type { Person } from './slack-harness.js';
import { PEOPLE, SlackHarness } from './slack-harness.js';

describe('App Home: review cadence for the security team', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
  });
  afterEach(() => h.close());

  async function home(who: Person): Promise<string> {
    await h.post(eventCallbackBody({ event: appHomeOpenedEvent(PEOPLE[who]) }));
    await h.settled();
    return textPreview(h.fake.homeOf(PEOPLE[who])!.view.blocks as Block[]);
  }
  const cadence = (text: string) => text.slice(text.indexOf('== Review cadence (security team) =='));

  it('next due while in time, overdue once past it; only the security team sees it', async () => {
    const before = await home('sec');
    expect(before).toContain('== Review cadence (security team) ==');
    expect(cadence(before)).toContain('All 1 system reviewed within cadence.');
    expect(cadence(before)).toContain('• :large_green_circle: *Trading platform* (critical): next review due 2027-05-01 (in 157 days) · never reviewed');

    h.clock = new Date('2027-05-11T09:00:00Z');
    const after = cadence(await home('sec'));
    expect(after).toContain(':red_circle: 1 system overdue of 1.');
    expect(after).toContain('• :red_circle: *Trading platform* (critical): *review overdue* since 2027-05-01 (10 days overdue) · never reviewed');

    expect(await home('boss')).not.toContain('Review cadence');
  });
});
