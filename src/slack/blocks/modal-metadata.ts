import { z } from 'zod';
import type { DecisionOutcome } from '../../domain/campaign.js';
import { DECISION_OUTCOMES } from '../../domain/campaign.js';
import { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
import { BlockKitLimitError } from './review-actions.js';

/**
 * What a review modal carries in `private_metadata` (ids only): the item, the outcome asked for,
 * and the message the click came from (to update it in place after the submission), null when the
 * click came from the App Home. Slack returns it unchanged, but a listener still treats it as
 * untrusted input: it re-reads the item and authorises the submitting user on server-side state.
 */
export interface ModalMetadata {
  itemId: string;
  outcome: DecisionOutcome | null;
  origin: { channelId: string; messageTs: string } | null;
}

const wire = z.strictObject({
  i: z.string().min(1),
  o: z.enum(DECISION_OUTCOMES).nullable(),
  c: z.string().min(1).nullable(),
  t: z.string().min(1).nullable(),
});

export function encodeModalMetadata(meta: ModalMetadata): string {
  const text = JSON.stringify({ i: meta.itemId, o: meta.outcome, c: meta.origin?.channelId ?? null, t: meta.origin?.messageTs ?? null });
  if (text.length > BLOCK_KIT_LIMITS.privateMetadata) throw new BlockKitLimitError('private_metadata', text, BLOCK_KIT_LIMITS.privateMetadata);
  return text;
}

/** Null when the text is not metadata written by `encodeModalMetadata`. */
export function parseModalMetadata(text: string): ModalMetadata | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = wire.safeParse(raw);
  if (!parsed.success) return null;
  const { i, o, c, t } = parsed.data;
  return { itemId: i, outcome: o, origin: c !== null && t !== null ? { channelId: c, messageTs: t } : null };
}
