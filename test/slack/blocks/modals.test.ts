import { describe, expect, it } from 'vitest';
import { SLACK_BLOCK_KIT_LIMITS as BLOCK_KIT_LIMITS } from '../../fakes/slack-block-kit-limits.js';
import { DELEGATE_VIEW, delegateModal } from '../../../src/slack/blocks/delegate-modal.js';
import { JUSTIFICATION_VIEW, justificationModal } from '../../../src/slack/blocks/justification-modal.js';
import { encodeModalMetadata, parseModalMetadata } from '../../../src/slack/blocks/modal-metadata.js';
import { BlockKitLimitError } from '../../../src/slack/blocks/review-actions.js';
import { validateView } from '../../fakes/fake-slack-blocks.js';
import { entry, NOW } from './review-fixtures.js';

const origin = { channelId: 'D00000001', messageTs: '1700000000.000100' };

describe('justificationModal', () => {
  it.each([
    ['revoke', entry(1), 'Revoke access', 'Revoke'],
    ['approve', entry(3), 'Approve with findings', 'Approve'],
    ['approve', entry(1), 'Approve with comment', 'Approve'],
  ] as const)('asks why for %s with a title within 24 characters', (outcome, e, title, submit) => {
    const view = justificationModal({ entry: e, outcome, origin, minLength: 20, now: NOW });
    expect(view.title.text).toBe(title);
    expect(view.title.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.modalTitle);
    expect(view.submit?.text).toBe(submit);
    expect(view.callback_id).toBe(JUSTIFICATION_VIEW.callbackId);
    expect(validateView(view)).toEqual([]);
    const input = view.blocks.find((b) => b.type === 'input');
    expect(input).toMatchObject({ block_id: JUSTIFICATION_VIEW.blockId, element: { type: 'plain_text_input', action_id: JUSTIFICATION_VIEW.actionId, multiline: true }, hint: { text: expect.stringContaining('At least 20 characters') } });
    expect(parseModalMetadata(view.private_metadata)).toEqual({ itemId: e.item.id, outcome, origin });
  });

  it('carries no origin when opened from the App Home, and keeps what was typed', () => {
    const view = justificationModal({ entry: entry(2), outcome: 'revoke', origin: null, minLength: 10, now: NOW, initialValue: 'too short' });
    expect(parseModalMetadata(view.private_metadata)).toEqual({ itemId: entry(2).item.id, outcome: 'revoke', origin: null });
    expect(JSON.stringify(view.blocks)).toContain('"initial_value":"too short"');
  });

  it('refuses metadata over 3,000 characters instead of truncating it', () => {
    const long = entry(1, { id: 'x'.repeat(3_000) });
    expect(() => justificationModal({ entry: long, outcome: 'revoke', origin, minLength: 10, now: NOW })).toThrow(BlockKitLimitError);
  });
});

describe('modal metadata', () => {
  it('round-trips and rejects anything else', () => {
    const meta = { itemId: 'c:2026-Q4/g_1', outcome: null, origin };
    expect(parseModalMetadata(encodeModalMetadata(meta))).toEqual(meta);
    for (const bad of ['', 'not json', '[]', '{"i":"x"}', '{"i":"x","o":"delete","c":null,"t":null}', '{"i":"x","o":null,"c":null,"t":null,"extra":1}', '{"i":{"$gt":""},"o":null,"c":null,"t":null}']) {
      expect(parseModalMetadata(bad)).toBeNull();
    }
  });
});

describe('delegateModal', () => {
  it('asks for a person with a users_select, within view limits', () => {
    const view = delegateModal({ entry: entry(4), origin, now: NOW });
    expect(validateView(view)).toEqual([]);
    expect(view.title.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.modalTitle);
    expect(view.callback_id).toBe(DELEGATE_VIEW.callbackId);
    expect(view.blocks.find((b) => b.block_id === DELEGATE_VIEW.userBlockId)).toMatchObject({ element: { type: 'users_select', action_id: DELEGATE_VIEW.userActionId } });
    expect(parseModalMetadata(view.private_metadata)).toEqual({ itemId: entry(4).item.id, outcome: null, origin });
  });
});
