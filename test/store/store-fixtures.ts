/**
 * Builders of valid domain values for the store contract suite: each takes the fields a
 * test cares about and fills the rest with plausible defaults.
 */
import { expect } from 'vitest';
import type {
  Campaign,
  Decision,
  DecisionOutcome,
  Evaluation,
  Finding,
  FindingType,
  Grant,
  GrantChange,
  Identity,
  ReviewItem,
  Snapshot,
} from '../../src/domain/index.js';
import { campaignId, EMPTY_COUNTS, findingKey, grantId, reviewItemId } from '../../src/domain/index.js';
import type { Delivery, SlackUser, SnapshotFinish, Store } from '../../src/store/ports.js';
import type { GrantRows } from '../../src/store/grant-rows.js';
import { GRANT_ROW_FIELDS } from '../../src/store/grant-rows.js';

export const T0 = '2026-01-05T08:00:00.000Z';

/** An ISO timestamp `minutes` after T0. */
export function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * 60_000).toISOString();
}

export function snapshot(id: string, systemId: string, startedAt: string, overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    systemId,
    status: 'running',
    startedAt,
    finishedAt: null,
    durationMs: null,
    counts: { ...EMPTY_COUNTS },
    problems: [],
    contentHash: null,
    previousSnapshotId: null,
    acceptedBy: null,
    ...overrides,
  };
}

export function finish(status: SnapshotFinish['status'], overrides: Partial<SnapshotFinish> = {}): SnapshotFinish {
  return {
    status,
    finishedAt: at(1),
    durationMs: 60_000,
    counts: { ...EMPTY_COUNTS },
    problems: status === 'complete' ? [] : [`${status} for a test`],
    contentHash: 'c'.repeat(64),
    previousSnapshotId: null,
    ...overrides,
  };
}

export function grant(systemId: string, accountId: string, role: string, overrides: Partial<Grant> = {}): Grant {
  const scope = overrides.scope ?? '';
  return {
    id: grantId(systemId, accountId, role, scope),
    systemId,
    accountId,
    role,
    scope,
    identityId: null,
    identityRef: `${accountId}@example.li`,
    accountDisplayName: accountId,
    accountType: 'human',
    accountStatus: 'active',
    lastActivityAt: null,
    firstSeenAt: T0,
    ...overrides,
  };
}

/** `count` grants of one system, accounts numbered from `from`. */
export function grants(systemId: string, count: number, from = 0): Grant[] {
  return Array.from({ length: count }, (_, i) => grant(systemId, `acct-${from + i}`, 'viewer'));
}

export function identity(id: string, email: string | null, sourceSystemId: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id,
    email,
    displayName: `Person ${id}`,
    department: 'Operations',
    jobTitle: 'Analyst',
    managerId: null,
    groups: ['all-staff'],
    aliases: [],
    status: 'active',
    employmentType: 'employee',
    contractEnd: null,
    lastSignInAt: null,
    sourceSystemId,
    ...overrides,
  };
}

export function change(snapshotId: string, g: Grant, kind: GrantChange['kind']): GrantChange {
  return {
    snapshotId,
    grantId: g.id,
    kind,
    systemId: g.systemId,
    accountId: g.accountId,
    role: g.role,
    scope: g.scope,
    before: kind === 'added' ? null : 'before',
    after: kind === 'removed' ? null : 'after',
  };
}

/** Creates, fills, finishes (complete) and promotes a snapshot. */
export async function currentSnapshot(
  store: Store,
  s: Snapshot,
  data: { grants?: readonly Grant[]; identities?: readonly Identity[] } = {},
): Promise<void> {
  await store.snapshots.create(s);
  await store.snapshots.appendGrants(s.id, data.grants ?? []);
  await store.snapshots.appendIdentities(s.id, data.identities ?? []);
  expect(await store.snapshots.finish(s.id, finish('complete'), () => [])).toBe(true);
  await store.snapshots.promote(s.id, null, () => []);
}

export function finding(type: FindingType, systemId: string, subject: string, overrides: Partial<Finding> = {}): Finding {
  const ruleId = overrides.ruleId ?? 'rule-1';
  return {
    key: findingKey(type, ruleId, subject),
    type,
    severity: 'medium',
    systemId,
    grantId: subject,
    accountId: null,
    identityId: null,
    role: null,
    scope: null,
    ruleId,
    reason: `${type} on ${subject}`,
    evidence: { subject },
    ...overrides,
  };
}

export function evaluation(id: string, when: string, systemIds: string[]): Evaluation {
  return { id, at: when, systemIds, policyHash: 'p'.repeat(64), counts: {} };
}

export function campaign(reviewId: string, period: string, overrides: Partial<Campaign> = {}): Campaign {
  return {
    id: campaignId(reviewId, period),
    reviewId,
    period,
    name: `${reviewId} ${period}`,
    state: 'open',
    openedAt: T0,
    dueAt: at(60 * 24 * 14),
    closedAt: null,
    openedBy: 'scheduler',
    ...overrides,
  };
}

export function item(c: Campaign, g: Grant, reviewerId: string, overrides: Partial<ReviewItem> = {}): ReviewItem {
  return {
    id: reviewItemId(c.id, g.id),
    campaignId: c.id,
    grantId: g.id,
    systemId: g.systemId,
    accountId: g.accountId,
    role: g.role,
    scope: g.scope,
    identityId: g.identityId,
    reviewerId,
    reviewerSource: 'manager',
    state: 'pending',
    findings: [],
    lastActivityAt: null,
    decisionId: null,
    updatedAt: T0,
    ...overrides,
  };
}

export function decision(i: ReviewItem, outcome: DecisionOutcome, overrides: Partial<Decision> = {}): Decision {
  return {
    id: i.id,
    itemId: i.id,
    campaignId: i.campaignId,
    outcome,
    reviewerId: i.reviewerId,
    reviewerEmail: `${i.reviewerId}@example.li`,
    reviewerSlackId: 'U0REVIEWER',
    channel: 'slack',
    justification: outcome === 'revoke' ? 'no longer needed' : null,
    decidedAt: at(30),
    findingsAtDecision: i.findings,
    operator: null,
    simulated: false,
    ...overrides,
  };
}

export function delivery(campaignIdValue: string, recipient: string, key: string, overrides: Partial<Delivery> = {}): Delivery {
  const kind = overrides.kind ?? 'review';
  return {
    id: `${campaignIdValue}|${recipient}|${kind}|${key}`,
    campaignId: campaignIdValue,
    recipient,
    kind,
    key,
    state: 'claimed',
    channel: null,
    ts: null,
    attempts: 0,
    error: null,
    updatedAt: T0,
    payload: { page: key },
    ...overrides,
  };
}

export function slackUser(id: string, email: string | null, overrides: Partial<SlackUser> = {}): SlackUser {
  return { id, teamId: 'T0FIRM', email, name: id.toLowerCase(), deleted: false, isBot: false, updatedAt: T0, ...overrides };
}

/** Drains a paged reader, keeping the batches. */
export async function batchesOf<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The rows of GrantRows batches, each as its fields (the form grantRowFields gives a Grant). */
export async function rowFieldsOf(batches: AsyncIterable<GrantRows>, maxBatch: number): Promise<(string | null)[][]> {
  const out: (string | null)[][] = [];
  for await (const rows of batches) {
    expect(rows.count).toBeGreaterThan(0);
    expect(rows.count).toBeLessThanOrEqual(maxBatch);
    expect(rows.lengths.length).toBe(rows.count * GRANT_ROW_FIELDS);
    expect(rows.texts.length).toBe(Math.ceil(rows.count / rows.rowsPerText));
    let k = 0;
    for (let t = 0; t < rows.texts.length; t++) {
      const text = rows.texts[t]!;
      let at = 0;
      for (let r = t * rows.rowsPerText; r < Math.min(rows.count, (t + 1) * rows.rowsPerText); r++) {
        const fields: (string | null)[] = [];
        for (let f = 0; f < GRANT_ROW_FIELDS; f++) {
          const n = rows.lengths[k++]!;
          fields.push(n < 0 ? null : text.slice(at, (at += n)));
        }
        out.push(fields);
      }
      expect(at, 'a text holds its rows and nothing else').toBe(text.length);
    }
  }
  return out;
}
