import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, fitMrkdwn, relativeDue, relativePast, truncateText } from '../../../src/slack/blocks/mrkdwn.js';

describe('mrkdwn helpers', () => {
  it('escapes the three control characters', () => {
    expect(escapeMrkdwn('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  });

  it('truncates free text with an ellipsis, collapsing whitespace and keeping surrogate pairs whole', () => {
    expect(truncateText('a   b\n\nc', 10)).toBe('a b c');
    expect(truncateText('abcdefghij', 5)).toBe('abcd…');
    const emoji = 'ab😀cd';
    expect(truncateText(emoji, 4)).toBe('ab…');
    expect(truncateText('x'.repeat(100), 10)).toHaveLength(10);
  });

  it('cuts escaped mrkdwn without splitting an entity or a <...> token', () => {
    expect(fitMrkdwn('abc &amp; def', 7)).toBe('abc …');
    expect(fitMrkdwn('see <!date^1^{date}|2026-01-01> now', 12)).toBe('see …');
    expect(fitMrkdwn('short', 10)).toBe('short');
    for (let max = 2; max < 40; max += 1) expect(fitMrkdwn('a &amp; <@U1> &lt; b c d e f g h i j k', max).length).toBeLessThanOrEqual(max);
  });

  it('describes past and due dates relative to now', () => {
    const now = '2026-10-12T09:00:00.000Z';
    expect(relativePast('2026-10-12T01:00:00.000Z', now)).toBe('today');
    expect(relativePast('2026-10-11T08:00:00.000Z', now)).toBe('yesterday');
    expect(relativePast('2026-09-20T00:00:00.000Z', now)).toBe('22 days ago');
    expect(relativePast('2025-01-01T00:00:00.000Z', now)).toBe('over a year ago');
    expect(relativeDue('2026-10-15T09:00:00.000Z', now)).toBe('in 3 days');
    expect(relativeDue('2026-10-13T08:00:00.000Z', now)).toBe('today');
    expect(relativeDue('2026-10-12T08:00:00.000Z', now)).toBe('overdue');
    expect(relativeDue('2026-10-10T08:00:00.000Z', now)).toBe('2 days overdue');
  });
});
