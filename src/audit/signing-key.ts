/**
 * The Ed25519 key evidence packs and checkpoints are signed with (IAM_REVIEW_SIGNING_KEY), and
 * the public keys they are checked with. A key is named by its id: the SHA-256 (hex) of its
 * public key's SubjectPublicKeyInfo DER, which `openssl pkey -pubin -outform DER | sha256sum`
 * also prints.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const SIGNING_KEY_ENV = 'IAM_REVIEW_SIGNING_KEY';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  /** The public key as base64 SPKI DER (what a signature carries, so a verifier can name it). */
  publicKeyDer: string;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** SHA-256 (hex) of a public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * The signing key from IAM_REVIEW_SIGNING_KEY's value: the PEM text itself (a value containing
 * `-----BEGIN`; `\n` written as the two characters backslash-n is accepted, as .env files hold
 * one line), else the path of a PEM file (relative to `cwd`). Unset or empty: null (unsigned).
 * Anything but an Ed25519 private key is an error that does not echo the value.
 */
export function loadSigningKey(value: string | undefined, cwd = process.cwd()): SigningKey | null {
  if (value === undefined || value.trim() === '') return null;
  let pem: string;
  if (value.includes('-----BEGIN')) pem = value.replaceAll('\\n', '\n');
  else {
    try {
      pem = readFileSync(resolve(cwd, value.trim()), 'utf8');
    } catch (error) {
      throw new SigningKeyError(`${SIGNING_KEY_ENV}: cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`${SIGNING_KEY_ENV} is not a PEM private key (expected an Ed25519 key: openssl genpkey -algorithm ed25519)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${SIGNING_KEY_ENV} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; packs are signed with Ed25519 (openssl genpkey -algorithm ed25519)`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/** A public key from a PEM file (a public key, or a private key whose public half is taken). Throws SigningKeyError. */
export function readPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SigningKeyError(`cannot read the public key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new SigningKeyError(`${file} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${file} is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

/** An Ed25519 signature (base64) of the UTF-8 bytes of `text`. */
export function signText(key: SigningKey, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64');
}

/** Whether `signature` (base64) is the key's Ed25519 signature of the UTF-8 bytes of `text`. */
export function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A public key from the base64 SPKI DER a signature carries; null when it is not an Ed25519 key. */
export function publicKeyFromDer(der: string): KeyObject | null {
  try {
    const key = createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}
