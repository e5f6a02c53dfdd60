import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';

/**
 * The contract between the block builders and the Bolt listeners: action ids, block ids and
 * values. They carry ids only; a listener re-reads the item from the store and authorises the
 * clicking user on server-side state, never on anything in the payload.
 */
export const REVIEW_ACTION_IDS = {
  /** Button value: the item id. */
  approve: 'review_approve',
  /** Button value: the item id. */
  revoke: 'review_revoke',
  /** Overflow menu; the selected option's value is `overflowValue(choice, itemId)`. */
  more: 'review_more',
  /** Button value: the campaign id; the reviewer is the clicking user. */
  approveAll: 'review_approve_all',
  /** Button value: the item id; opens the details modal (full finding text and evidence). */
  details: 'review_details',
} as const;

/** Overflow choices: delegate the item to someone else; approve it with a comment. */
export const OVERFLOW_CHOICES = ['delegate', 'comment'] as const;
export type OverflowChoice = (typeof OVERFLOW_CHOICES)[number];

/** Thrown when an id would exceed a Block Kit limit: ids are never truncated (it would misroute). */
export class BlockKitLimitError extends Error {
  constructor(what: string, value: string, max: number) {
    super(`${what} is ${value.length} characters, over Slack's limit of ${max}: ${value.slice(0, 80)}…`);
    this.name = 'BlockKitLimitError';
  }
}

function within(what: string, value: string, max: number): string {
  if (value.length > max) throw new BlockKitLimitError(what, value, max);
  return value;
}

/** block_id of an item's section. */
export function itemBlockId(itemId: string): string {
  return within('block_id', `item:${itemId}`, BLOCK_KIT_LIMITS.blockId);
}

/** block_id of an item's actions (or status) block. */
export function itemActionsBlockId(itemId: string): string {
  return within('block_id', `act:${itemId}`, BLOCK_KIT_LIMITS.blockId);
}

/** A button value carrying an id. */
export function buttonValue(id: string): string {
  return within('button value', id, BLOCK_KIT_LIMITS.buttonValue);
}

export function overflowValue(choice: OverflowChoice, itemId: string): string {
  return within('overflow option value', `${choice}:${itemId}`, BLOCK_KIT_LIMITS.optionValue);
}

/** Parses an overflow option value; null when it is not one of ours. */
export function parseOverflowValue(value: string): { choice: OverflowChoice; itemId: string } | null {
  const sep = value.indexOf(':');
  if (sep === -1) return null;
  const choice = value.slice(0, sep);
  const itemId = value.slice(sep + 1);
  if (!itemId || !(OVERFLOW_CHOICES as readonly string[]).includes(choice)) return null;
  return { choice: choice as OverflowChoice, itemId };
}
