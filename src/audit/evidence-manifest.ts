import { z } from 'zod';

/**
 * manifest.json of an evidence pack: the SHA-256 of every other file, the ledger slice the pack
 * covers and the chain head when it was made, the tool and who exported it when. The manifest's
 * own SHA-256 is ledgered in the `export.performed` event, so the manifest cannot be rewritten
 * to match altered files without the ledger showing it.
 */
export const MANIFEST_FORMAT = 'iam-review-evidence-pack/1';
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
});

export type EvidenceManifest = z.infer<typeof manifestSchema>;
