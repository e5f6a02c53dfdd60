/**
 * The MongoDB adapter's count aggregations, checked without a server: each groups on the
 * server (one `$group` per combination, nothing loaded to be counted), its `$match` is on the
 * indexed fields, caller values must be strings, and the answers flatten to the port's rows.
 */
import { describe, expect, it } from 'vitest';
import { countRows, itemStateCounts, openFindingCounts, remediationStateCounts, snapshotStatusCounts } from '../../src/store/mongo/count-queries.js';

describe('mongo count aggregations', () => {
  it('snapshots by system and status, open findings by type and severity, remediations by state', () => {
    expect(snapshotStatusCounts()).toEqual([{ $group: { _id: { systemId: '$systemId', status: '$status' }, count: { $sum: 1 } } }, { $sort: { '_id.systemId': 1, '_id.status': 1 } }]);
    expect(openFindingCounts()).toEqual([
      { $match: { resolvedAt: null } },
      { $group: { _id: { type: '$type', severity: '$severity' }, count: { $sum: 1 } } },
      { $sort: { '_id.type': 1, '_id.severity': 1 } },
    ]);
    expect(remediationStateCounts()).toEqual([{ $group: { _id: { state: '$state' }, count: { $sum: 1 } } }, { $sort: { '_id.state': 1 } }]);
  });

  it('items by state of one campaign, or of several; an object as a campaign id is refused', () => {
    const group = [{ $group: { _id: { state: '$state' }, count: { $sum: 1 } } }, { $sort: { '_id.state': 1 } }];
    expect(itemStateCounts('q:2026-Q1')).toEqual([{ $match: { campaignId: 'q:2026-Q1' } }, ...group]);
    expect(itemStateCounts(['q:2026-Q1', 'y:2026'])).toEqual([{ $match: { campaignId: { $in: ['q:2026-Q1', 'y:2026'] } } }, ...group]);
    expect(() => itemStateCounts({ $ne: null } as unknown as string)).toThrow(/must be an array of strings|must be a string/);
    expect(() => itemStateCounts([{ $ne: null }] as unknown as string[])).toThrow(/campaignIds\[0\] must be a string/);
  });

  it('answers flatten to { ...fields, count }', () => {
    expect(countRows([{ _id: { state: 'open' }, count: 2 }, { _id: { state: 'requested' }, count: 1 }])).toEqual([{ state: 'open', count: 2 }, { state: 'requested', count: 1 }]);
  });
});
