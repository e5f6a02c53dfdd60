import { z } from 'zod';
import { signatureSchema } from './detached-signature.js';

/**
 * manifest.json of an evidence pack: the SHA-256 of every other file, the ledger slice the pack
 * covers and the chain head when it was made, the tool and who exported it when, and its seal
 * (manifest-seal.ts: the SHA-256 of its own canonical body, and an Ed25519 signature of that
 * body or the word "unsigned"). The file is the manifest's canonical JSON and a newline, so
 * every byte of it is covered. The file's SHA-256 is ledgered in the `export.performed` event,
 * so the manifest cannot be rewritten to match altered files without the ledger showing it.
 * docs/evidence.md describes every field.
 */
export const MANIFEST_FORMAT = 'iam-review-evidence-pack/2';
export const MANIFEST_FILE = 'manifest.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  exportedBy: z.string(),
  exportedAt: z.string(),
  scope: z.strictObject({ campaigns: z.array(z.string()), from: z.string().nullable(), to: z.string().nullable() }),
  pseudonymized: z.boolean(),
  ledger: z.strictObject({
    fromSeq: z.number().int().nonnegative(),
    toSeq: z.number().int().nonnegative(),
    toHash: sha256.nullable(),
    events: z.number().int().nonnegative(),
    headSeq: z.number().int().nonnegative(),
    headHash: sha256.nullable(),
    /** Rows of events.csv written in full (the pack's own events); the others are link-only rows. */
    fullEvents: z.number().int().nonnegative(),
  }),
  files: z.array(
    z.strictObject({
      // A plain file name: a manifest must not point outside its folder.
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
      sha256,
      bytes: z.number().int().nonnegative(),
      rows: z.number().int().nonnegative().nullable(),
    }),
  ),
  /** The exported campaigns' sign-offs (`campaign sign-off`), each with its campaign.signed-off event; absent in packs made before sign-offs existed. */
  signOffs: z
    .array(
      z.strictObject({
        campaignId: z.string(),
        signedBy: z.string(),
        statement: z.string(),
        signedAt: z.string(),
        seq: z.number().int().positive().nullable(),
        hash: sha256.nullable(),
      }),
    )
    .optional(),
  seal: z.strictObject({
    /** SHA-256 (hex) of the manifest's body: its canonical JSON without `seal`. */
    bodySha256: sha256,
    signature: z.union([z.literal('unsigned'), signatureSchema]),
  }),
});

export type EvidenceManifest = z.infer<typeof manifestSchema>;
export type ManifestBody = Omit<EvidenceManifest, 'seal'>;
