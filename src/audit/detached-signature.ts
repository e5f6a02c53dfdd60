/**
 * A detached Ed25519 signature of a text (an evidence pack's manifest body, a ledger
 * checkpoint): the signature of its UTF-8 bytes, the signer's key id and public key. The
 * public key is carried so a signature can be checked as made by that key with nothing else;
 * who owns the key is what `--public-key` (a key the auditor got from the firm) establishes.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { SigningKey } from './signing-key.js';
import { keyIdOf, publicKeyFromDer, signText, verifyText } from './signing-key.js';

export const signatureSchema = z.strictObject({
  algorithm: z.literal('Ed25519'),
  /** SHA-256 (hex) of the public key's SPKI DER. */
  keyId: z.string().regex(/^[0-9a-f]{64}$/),
  /** The public key, base64 SPKI DER. */
  publicKey: z.string(),
  /** The signature, base64 (64 bytes). */
  value: z.string(),
});

export type DetachedSignature = z.infer<typeof signatureSchema>;

export function signDetached(key: SigningKey, text: string): DetachedSignature {
  return { algorithm: 'Ed25519', keyId: key.keyId, publicKey: key.publicKeyDer, value: signText(key, text) };
}

/**
 * Checks a signature of `text`: its public key has its key id, the signature verifies under it,
 * and, with `expected` (the key the verifier trusts), that key is the signer's. Returns the
 * problem, or null when it holds.
 */
export function checkDetached(sig: DetachedSignature, text: string, expected?: KeyObject): string | null {
  const embedded = publicKeyFromDer(sig.publicKey);
  if (!embedded) return 'its public key is not an Ed25519 key';
  if (keyIdOf(embedded) !== sig.keyId) return `its key id ${sig.keyId} is not the SHA-256 of its public key`;
  if (!verifyText(embedded, text, sig.value)) return `the signature does not verify under key ${sig.keyId} (the signed content was changed)`;
  if (expected && keyIdOf(expected) !== sig.keyId) return `signed with key ${sig.keyId}, not with the given public key ${keyIdOf(expected)}`;
  return null;
}
