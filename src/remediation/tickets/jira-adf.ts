/**
 * Atlassian Document Format, the rich-text JSON that Jira Cloud's REST API v3 requires for an
 * issue description and a comment body (a plain string is refused with a 400:
 * https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/). Only the nodes
 * used here: doc, paragraph, bulletList/listItem, text (with the code mark). Pure.
 */
import { reasonText } from '../reason-text.js';
import type { SystemConfig } from '../../config/system-config.js';
import type { Remediation } from '../../domain/index.js';

export interface AdfText {
  type: 'text';
  text: string;
  marks?: { type: 'code' | 'strong' }[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: { type: 'listItem'; content: AdfParagraph[] }[];
}
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: (AdfParagraph | AdfBulletList)[];
}

/** ADF refuses empty text nodes: an empty string becomes a dash. */
const text = (t: string, code = false): AdfText => ({ type: 'text', text: t === '' ? '-' : t, ...(code ? { marks: [{ type: 'code' as const }] } : {}) });
export const paragraph = (...parts: (string | AdfText)[]): AdfParagraph => ({ type: 'paragraph', content: parts.map((p) => (typeof p === 'string' ? text(p) : p)) });
const bullets = (items: AdfParagraph[]): AdfBulletList => ({ type: 'bulletList', content: items.map((p) => ({ type: 'listItem', content: [p] })) });
export const doc = (...content: (AdfParagraph | AdfBulletList)[]): AdfDoc => ({ type: 'doc', version: 1, content });

/** The description of a removal ticket: what to remove, why, by when, and how it will be checked. */
export function removalDescription(system: SystemConfig, r: Remediation): AdfDoc {
  const why = r.reason.kind === 'decision' ? `revoked in an access review (item ${r.reason.ref})` : `flagged without a review, ${reasonText(r)}`;
  return doc(
    paragraph(`Please remove this access from ${system.name}: it was ${why}.`),
    bullets([
      paragraph('System: ', text(`${system.name} (${system.id})`)),
      paragraph('Account: ', text(r.accountId, true)),
      paragraph('Role: ', text(r.role, true)),
      paragraph('Scope: ', text(r.scope, true)),
      paragraph('Requested by: ', text(r.requestedBy)),
      paragraph('Due: ', text(r.dueAt)),
      paragraph('Remediation: ', text(r.id, true)),
    ]),
    paragraph(`The removal counts as done only when a complete sync of ${system.id} no longer shows the grant; iam-review then comments here.`),
  );
}

/** The comment added once a complete snapshot shows the grant gone. */
export function verifiedComment(r: Remediation): AdfDoc {
  return doc(
    paragraph(`Removal verified by iam-review at ${r.verifiedAt ?? 'the last sync'}: the complete snapshot `, text(r.verifiedSnapshotId ?? '-', true), ' no longer holds the grant.'),
    paragraph('Snapshot content hash: ', text(r.verifiedSnapshotHash ?? '-', true)),
  );
}
