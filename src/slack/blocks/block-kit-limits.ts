/**
 * Slack Block Kit limits, shared by the block builders (which must stay within them) and by the
 * fake Slack Web API in test/ (which rejects what Slack rejects). Numbers are from Slack's Block Kit
 * reference; the one undocumented rule (the cumulative size behind `msg_blocks_too_long`) is
 * modelled by `messageBlocksChars` below.
 */
export const BLOCK_KIT_LIMITS = {
  /** Blocks in one message (chat.postMessage / chat.update / chat.postEphemeral). */
  messageBlocks: 50,
  /** Blocks in a modal or a Home tab view. */
  viewBlocks: 100,
  /** Serialized view size (views.open / views.publish / views.update), in bytes. */
  viewBytes: 250_000,
  /** Top-level `text` of a message. */
  messageText: 40_000,
  /**
   * Cumulative size of a message's blocks, measured by `messageBlocksChars`. Over this, Slack
   * answers `msg_blocks_too_long`.
   */
  messageBlocksChars: 13_000,
  /** Per-block container allowance counted by `messageBlocksChars`. */
  messageBlockOverheadChars: 50,
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
} as const;

export type BlockKitLimits = typeof BLOCK_KIT_LIMITS;

/**
 * The cumulative size Slack checks for `msg_blocks_too_long`. Slack does not publish the rule: a
 * maintainer described it as about 12,000 text characters "with a buffer for block containers"
 * (slackapi/bolt-js#2509), and users saw rejections from ~11,300 text characters in messages with
 * many blocks (bolt-js#2867) to ~13,300 in messages with few (bolt-js#2509). This model matches
 * those reports: every `text` string in the blocks, plus `messageBlockOverheadChars` per top-level
 * block, must not exceed `messageBlocksChars`. The builders keep a margin below it.
 */
export function messageBlocksChars(blocks: readonly unknown[]): number {
  return blocks.length * BLOCK_KIT_LIMITS.messageBlockOverheadChars + textChars(blocks);
}

function textChars(node: unknown): number {
  if (Array.isArray(node)) return node.reduce<number>((sum, child) => sum + textChars(child), 0);
  if (node === null || typeof node !== 'object') return 0;
  let sum = 0;
  for (const [key, value] of Object.entries(node)) {
    sum += key === 'text' && typeof value === 'string' ? value.length : textChars(value);
  }
  return sum;
}
