/**
 * The count methods' aggregations (SnapshotStore.countByStatus, FindingStore.countOpen,
 * CampaignStore.countItemsByState, RemediationStore.countByState): each groups on the server
 * and returns one document per combination, so no row is loaded to be counted. Each `$match`
 * leads with the fields of an index (findings: { resolvedAt, key }; review items:
 * { campaignId, state, _id }). Pipelines are not sanitized like query filters (sanitizeFilter):
 * every value a caller supplies is checked to be a string here.
 */
import type { PipelineStage } from 'mongoose';
import { asString, asStrings } from './filter-value.js';

/** `{ $group }` on the named fields (output field -> document field), counted, sorted by them. */
export function countPipeline(match: Record<string, unknown> | null, fields: Record<string, string>): PipelineStage[] {
  const key = Object.fromEntries(Object.entries(fields).map(([out, field]) => [out, `$${field}`]));
  const sort = Object.fromEntries(Object.keys(fields).map((out) => [`_id.${out}`, 1 as const]));
  return [...(match ? [{ $match: match }] : []), { $group: { _id: key, count: { $sum: 1 } } }, { $sort: sort }];
}

/** The documents countPipeline answers, flattened: `{ ...fields, count }`. */
export function countRows<V extends Record<string, string>>(docs: ReadonlyArray<{ _id: V; count: number }>): Array<V & { count: number }> {
  return docs.map((d) => ({ ...d._id, count: d.count }));
}

export const snapshotStatusCounts = () => countPipeline(null, { systemId: 'systemId', status: 'status' });

export const openFindingCounts = () => countPipeline({ resolvedAt: null }, { type: 'type', severity: 'severity' });

export const remediationStateCounts = () => countPipeline(null, { state: 'state' });

/** Items by state of one campaign, or of several (the campaigns in a state, read first: there are few). */
export function itemStateCounts(campaignIds: string | readonly string[]): PipelineStage[] {
  const campaignId = typeof campaignIds === 'string' ? asString(campaignIds, 'campaignId') : { $in: asStrings(campaignIds, 'campaignIds') };
  return countPipeline({ campaignId }, { state: 'state' });
}
