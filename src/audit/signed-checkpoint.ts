/**
 * A signed checkpoint of the ledger (`audit head --sign`): the head's seq and hash and when it
 * was read, signed with IAM_REVIEW_SIGNING_KEY over the canonical JSON of `checkpoint`. Published
 * or handed to an auditor, it shows later that the ledger held this head then: `audit verify
 * --checkpoint SEQ:HASH` checks the ledger still holds it (a truncated or rewritten tail fails).
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../domain/index.js';
import type { DetachedSignature } from './detached-signature.js';
import { checkDetached, signatureSchema, signDetached } from './detached-signature.js';
import type { SigningKey } from './signing-key.js';

export const CHECKPOINT_FORMAT = 'iam-review-checkpoint/1';

export interface SignedCheckpoint {
  checkpoint: { format: typeof CHECKPOINT_FORMAT; seq: number; hash: string; at: string };
  signature: DetachedSignature;
}

export function signCheckpoint(key: SigningKey, head: { seq: number; hash: string }, at: string): SignedCheckpoint {
  const checkpoint = { format: CHECKPOINT_FORMAT, seq: head.seq, hash: head.hash, at } as const;
  return { checkpoint, signature: signDetached(key, canonicalJson(checkpoint)) };
}

export type CheckpointCheck = { ok: true; seq: number; hash: string; at: string; keyId: string } | { ok: false; problem: string };

/** Checks a signed checkpoint's shape and its signature against the trusted `publicKey`. */
export function checkSignedCheckpoint(value: SignedCheckpoint, publicKey: KeyObject): CheckpointCheck {
  const c = (value as Partial<SignedCheckpoint> | null)?.checkpoint;
  if (!c || c.format !== CHECKPOINT_FORMAT || !Number.isInteger(c.seq) || typeof c.hash !== 'string' || typeof c.at !== 'string') return { ok: false, problem: `not an ${CHECKPOINT_FORMAT} checkpoint` };
  const sig = signatureSchema.safeParse(value.signature);
  if (!sig.success) return { ok: false, problem: 'no valid signature' };
  const problem = checkDetached(sig.data, canonicalJson(c), publicKey);
  return problem ? { ok: false, problem } : { ok: true, seq: c.seq, hash: c.hash, at: c.at, keyId: sig.data.keyId };
}
