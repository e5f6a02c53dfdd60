/**
 * The opaque page tokens of the entra-id connector: a phase marker plus the Graph link to
 * resume from, as base64url JSON. Decoding validates, so a foreign or corrupted token fails
 * with a clear error rather than a strange request.
 */
import { z } from 'zod';
import { ConnectorError } from '../connector.js';

const pendingGroup = z.strictObject({ id: z.string(), name: z.string(), role: z.string(), scope: z.string() });

export const identityCursor = z.strictObject({ phase: z.literal('users'), link: z.string() });
export type IdentityCursor = z.infer<typeof identityCursor>;

/** A page of one of the source's assignment collections (index into its list). */
const collectionLink = z.strictObject({ collection: z.number().int().min(0), link: z.string() });
export type CollectionLink = z.infer<typeof collectionLink>;

/**
 * Grants are read in two phases. `assignments` pages over a collection of role assignments
 * (a source may have several, read one after the other: active, then eligible); a page's
 * assignments to groups are queued and `members` then pages over each queued group's
 * direct members (head of the queue first) before resuming the assignments at `next`.
 */
export const grantCursor = z.discriminatedUnion('phase', [
  z.strictObject({ phase: z.literal('assignments'), collection: z.number().int().min(0), link: z.string() }),
  z.strictObject({
    phase: z.literal('members'),
    groups: z.array(pendingGroup).min(1),
    /** Next page of the head group's members; null: its first page. */
    link: z.string().nullable(),
    /** Where the assignments resume once the queue is empty; null: nothing left. */
    next: collectionLink.nullable(),
  }),
]);
export type GrantCursor = z.infer<typeof grantCursor>;

export function encodePageToken(cursor: IdentityCursor | GrantCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodePageToken<T>(token: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConnectorError('entra-id: page token not understood (not issued by this connector type?)');
  return parsed.data;
}
