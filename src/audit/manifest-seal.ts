/**
 * The seal of an evidence pack's manifest: `bodySha256`, the SHA-256 of the manifest's body (its
 * canonical JSON without `seal`), and either an Ed25519 signature of that body
 * (IAM_REVIEW_SIGNING_KEY) or the word "unsigned". manifest.json is the canonical JSON of the
 * sealed manifest and a newline.
 *
 * What the seal shows: without a signature, only that the manifest is whole as written (anyone
 * can recompute the hash of a rewritten manifest; the ledgered export event is what catches that,
 * online). With a signature and the firm's public key, that the firm's key made this manifest.
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/index.js';
import { checkDetached, signDetached } from './detached-signature.js';
import type { EvidenceManifest, ManifestBody } from './evidence-manifest.js';
import type { SigningKey } from './signing-key.js';

export function manifestBodyText(manifest: ManifestBody | EvidenceManifest): string {
  const { seal: _seal, ...body } = manifest as EvidenceManifest;
  return canonicalJson(body);
}

/** The sealed manifest and the exact text of manifest.json. */
export function sealManifest(body: ManifestBody, key: SigningKey | null): { manifest: EvidenceManifest; text: string } {
  const bodyText = manifestBodyText(body);
  const manifest: EvidenceManifest = {
    ...body,
    seal: { bodySha256: createHash('sha256').update(bodyText, 'utf8').digest('hex'), signature: key ? signDetached(key, bodyText) : 'unsigned' },
  };
  return { manifest, text: manifestText(manifest) };
}

export function manifestText(manifest: EvidenceManifest): string {
  return canonicalJson(manifest) + '\n';
}

export interface SealCheck {
  /** What held ('manifest.json: ...'). */
  passed: string[];
  problems: string[];
  /** 'unsigned', or the key id that signed it. */
  signedBy: string;
}

/** Checks the manifest's form, its body hash and its signature (against `publicKey` when given). */
export function checkSeal(manifest: EvidenceManifest, text: string, publicKey?: KeyObject): SealCheck {
  const passed: string[] = [];
  const problems: string[] = [];
  if (text !== manifestText(manifest)) problems.push('manifest.json: not the canonical JSON iam-review writes (modified after the export)');
  const bodyText = manifestBodyText(manifest);
  const sha = createHash('sha256').update(bodyText, 'utf8').digest('hex');
  if (sha !== manifest.seal.bodySha256) problems.push(`manifest.json: modified (its body's SHA-256 is ${sha}, its seal says ${manifest.seal.bodySha256})`);
  else passed.push(`manifest.json: body SHA-256 ${sha} matches its seal`);
  const sig = manifest.seal.signature;
  if (sig === 'unsigned') {
    if (publicKey) problems.push('manifest.json: unsigned, but a public key was given: the pack was exported without IAM_REVIEW_SIGNING_KEY (or its signature was removed)');
    else passed.push('manifest.json: unsigned (exported without IAM_REVIEW_SIGNING_KEY): nothing shows who made this pack');
    return { passed, problems, signedBy: 'unsigned' };
  }
  const problem = checkDetached(sig, bodyText, publicKey);
  if (problem) problems.push(`manifest.json: signature: ${problem}`);
  else if (publicKey) passed.push(`manifest.json: signed with the given public key (key id ${sig.keyId})`);
  else passed.push(`manifest.json: signature valid under the key it names (key id ${sig.keyId}); pass --public-key to check that key is the firm's`);
  return { passed, problems, signedBy: sig.keyId };
}
