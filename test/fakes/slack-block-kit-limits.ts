/**
 * Slack's Block Kit limits as the fake Slack Web API enforces them: the fake's own copy of the
 * documented numbers, written down from Slack's reference and not taken from the product
 * (src/slack/blocks/block-kit-limits.ts), so that a wrong number in the product is caught by the
 * fake rejecting what Slack would reject, and by test/fakes/slack-documented-limits.test.ts.
 *
 * Sources (docs.slack.dev, "Block Kit" reference):
 * - reference/block-kit/blocks: 50 blocks per message, 100 per modal or Home tab; section text
 *   3,000 chars, at most 10 fields of 2,000; header text 150; context at most 10 elements;
 *   actions at most 25 elements; block_id 255.
 * - reference/block-kit/block-elements: button text 75, value 2,000, url 3,000; action_id 255;
 *   overflow 2 to 5 options; plain-text input min/max length 0 to 3,000; placeholder 150.
 * - reference/block-kit/composition-objects: option text 75, value 150; confirmation dialog
 *   title 100, text 300, confirm/deny 30; text objects 3,000.
 * - reference/surfaces/modals and reference/views: title, submit and close 24 chars;
 *   callback_id 255; private_metadata 3,000; a view's JSON at most 250 kB.
 * - reference/methods/chat.postMessage: a message's top-level text is truncated beyond 40,000
 *   characters (`msg_too_long`).
 * - Input block label and hint: 2,000 chars (reference/block-kit/blocks#input).
 */
export const SLACK_BLOCK_KIT_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  viewBytes: 250_000,
  messageText: 40_000,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  contextText: 3_000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  buttonUrl: 3_000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  overflowOptionsMin: 2,
  overflowOptionsMax: 5,
  optionText: 75,
  optionValue: 150,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2_000,
  inputHint: 2_000,
  placeholder: 150,
  plainTextInputLength: 3_000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3_000,
  /**
   * Not documented: the cumulative size behind `msg_blocks_too_long`. A Slack maintainer put it
   * at about 12,000 text characters "with a buffer for block containers" (slackapi/bolt-js#2509);
   * users saw rejections from ~11,300 text characters in messages with many blocks (bolt-js#2867)
   * to ~13,300 in messages with few (bolt-js#2509). The fake counts every `text` string in the
   * blocks plus 50 per top-level block, against 13,000 (see slackMessageBlocksChars).
   */
  messageBlocksChars: 13_000,
  messageBlockOverheadChars: 50,
} as const;

/** The fake's measure for `msg_blocks_too_long` (see SLACK_BLOCK_KIT_LIMITS.messageBlocksChars). */
export function slackMessageBlocksChars(blocks: readonly unknown[]): number {
  return blocks.length * SLACK_BLOCK_KIT_LIMITS.messageBlockOverheadChars + textChars(blocks);
}

function textChars(node: unknown): number {
  if (Array.isArray(node)) return node.reduce<number>((sum, child) => sum + textChars(child), 0);
  if (node === null || typeof node !== 'object') return 0;
  let sum = 0;
  for (const [key, value] of Object.entries(node)) sum += key === 'text' && typeof value === 'string' ? value.length : textChars(value);
  return sum;
}
