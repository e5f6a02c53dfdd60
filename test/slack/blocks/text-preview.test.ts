import { describe, expect, it } from 'vitest';
import { reviewMessage } from '../../../src/slack/blocks/review-message.js';
import { textPreview } from '../../../src/slack/blocks/text-preview.js';
import { justificationModal } from '../../../src/slack/blocks/justification-modal.js';
import { campaign, decided, entry, NOW } from './review-fixtures.js';

describe('textPreview', () => {
  it('renders a review message readably: dates, buttons, unescaped text, no markup tokens', () => {
    const items = [entry(3), decided(entry(2), 'revoke', { justification: 'Moved to <sales> & left custody' }), entry(4, {}, { name: 'Zoë <!channel> & Co', email: null })];
    const { pages } = reviewMessage({ campaign, reviewer: { name: 'Maria' }, items, now: NOW });
    const preview = textPreview(pages[0]!.blocks);
    expect(preview).toContain('== Access review: Quarterly review of privileged access ==');
    expect(preview).toContain('*Due:* 2026-10-15 (in 3 days)');
    expect(preview).toContain('[Approve…] [Revoke…] [⋯ Delegate to someone else… | Approve with a comment…]');
    expect(preview).toContain('[Approve all 1 item without findings]');
    expect(preview).toContain(':no_entry: *Revoked* by Maria Manager · 2026-10-12 08:30 UTC — “Moved to <sales> & left custody”');
    expect(preview).toContain('*Zoë <!channel> & Co*');
    expect(preview).not.toMatch(/&amp;|&lt;|<!date/);
    const lines = preview.split('\n');
    expect(lines.indexOf('*Person 3* · person3@firm.example')).toBeGreaterThan(0);
  });

  it('renders modal inputs', () => {
    const view = justificationModal({ entry: entry(1), outcome: 'revoke', origin: null, minLength: 20, now: NOW });
    expect(textPreview(view.blocks)).toContain('Why should this access be removed?: [...]\n  At least 20 characters.');
  });
});
