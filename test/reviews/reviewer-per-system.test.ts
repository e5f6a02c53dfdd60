import { afterEach, describe, expect, it } from 'vitest';
import { openCampaign } from '../../src/reviews/open-campaign.js';
import { grant, seedGrants } from '../helpers/seed-state.js';
import type { ReviewFixture } from './review-fixture.js';
import { reviewFixture } from './review-fixture.js';

/** A second critical system with its own owner, who is not in the directory. */
const CUSTODY = {
  'connectors/custody.yaml': `id: custody
name: Custody wallet
kind: trading
criticality: critical
owner: custody-lead@example.com
connector:
  type: csv
  path: sample-data/custody.csv
`,
};

describe('campaign open: reviewers', () => {
  let fx: ReviewFixture;
  afterEach(() => fx.close());

  // open-campaign resolves a reviewer once per subject and system: the same subject's grants in
  // two systems still go to each system's own owner when the owner is the reviewer.
  it("assigns the same subject's grants in two systems to each system's owner, and the manager in both", async () => {
    fx = await reviewFixture(undefined, CUSTODY);
    await seedGrants(fx.store, 'custody', [grant('custody', 'boss-wallet', 'SIGNER', 'boss'), grant('custody', 'bob-wallet', 'SIGNER', 'bob')]);
    const { campaign } = await openCampaign(fx.deps, 'semiannual', { period: '2027-H1', actor: 'sec@example.com' });
    const items = await fx.store.campaigns.items(campaign.id);
    const reviewerOf = (accountId: string) => items.find((i) => i.accountId === accountId)?.reviewerId;
    // boss has no manager: the system owner of each system reviews his grants.
    expect([reviewerOf('boss-acc'), reviewerOf('boss-wallet')]).toEqual(['head-of-trading', 'custody-lead@example.com']);
    expect(items.find((i) => i.accountId === 'boss-wallet')?.reviewerSource).toBe('systemOwner');
    // bob's manager reviews his grants in both systems.
    expect([reviewerOf('bob-acc'), reviewerOf('bob-wallet')]).toEqual(['boss', 'boss']);
  });
});
