/**
 * Figures for the evidence report, accumulated record by record while the pack streams:
 * memory grows with the number of reviewers, systems, finding types and days, never with
 * the number of items.
 */
import type { Campaign } from '../domain/index.js';
import type { DecisionRecord } from './evidence-record.js';
import type { ReportItemContext, ReportItems } from './report-items.js';
import { dayIn } from './report-time.js';
import { addReportItem, emptyReportItems, personLabel } from './report-items.js';

export interface ReviewerStats {
  reviewer: string;
  email: string | null;
  done: number;
  pending: number;
  expired: number;
  revoked: number;
}

export interface CampaignStats {
  campaign: Campaign;
  /** The firm's zone (IAM_REVIEW_TIMEZONE): decisions are counted by its days. */
  timeZone: string;
  total: number;
  approved: number;
  revoked: number;
  pending: number;
  expired: number;
  /** Decided after the due date. */
  decidedLate: number;
  /** Still pending while the campaign is past its due date. */
  overdue: number;
  withFindings: number;
  revokedWithFindings: number;
  simulated: number;
  delegated: number;
  reviewers: Map<string, ReviewerStats>;
  /** Decisions per day (YYYY-MM-DD in timeZone), for completion over time. */
  decisionsByDay: Map<string, number>;
  findingsByType: Map<string, number>;
  findingsBySystem: Map<string, number>;
  systems: Map<string, { criticality: string; items: number; revoked: number }>;
  /** Expired, overdue and late-decided items, the first EXCEPTIONS_SHOWN of them (the count is in expired/overdue/decidedLate). */
  exceptions: ExceptionItem[];
  /** The people whose access was reviewed (identity ids, as the pack shows them): one entry per person, not per item. */
  people: Set<string>;
  /** Items of accounts no person owns. */
  unowned: number;
  /** The report's item-level lists (report-items.ts), filled by addReportItem. */
  items: ReportItems;
}

export interface ExceptionItem {
  item: string;
  system: string;
  account: string | null;
  role: string;
  reviewer: string | null;
  state: string;
  /** 'expired' (never decided), 'overdue' (pending past due), 'late' (decided after due). */
  kind: 'expired' | 'overdue' | 'late';
  decidedAt: string | null;
}

export const EXCEPTIONS_SHOWN = 200;

export function emptyStats(campaign: Campaign, timeZone = 'UTC'): CampaignStats {
  return {
    campaign, timeZone, total: 0, approved: 0, revoked: 0, pending: 0, expired: 0, decidedLate: 0, overdue: 0, withFindings: 0,
    revokedWithFindings: 0, simulated: 0, delegated: 0, reviewers: new Map(), decisionsByDay: new Map(),
    findingsByType: new Map(), findingsBySystem: new Map(), systems: new Map(), exceptions: [],
    people: new Set(), unowned: 0, items: emptyReportItems(),
  };
}

const bump = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

/** Adds one item's record; with `ctx` also to the report's item-level lists, reviewers named "Name <email>". */
export function addRecord(s: CampaignStats, r: DecisionRecord, now: Date, ctx?: ReportItemContext): void {
  s.total++;
  if (r.state === 'approved') s.approved++;
  else if (r.state === 'revoked') s.revoked++;
  else if (r.state === 'expired') s.expired++;
  else s.pending++;
  const overdue = r.state === 'pending' && now.getTime() > Date.parse(s.campaign.dueAt);
  if (overdue) s.overdue++;
  if (r.decidedLate) s.decidedLate++;
  const kind = r.state === 'expired' ? 'expired' : overdue ? 'overdue' : r.decidedLate ? 'late' : null;
  if (kind && s.exceptions.length < EXCEPTIONS_SHOWN) {
    s.exceptions.push({ item: r.item, system: r.system, account: r.account, role: r.role, reviewer: ctx ? personLabel(r.reviewer ? ctx.person(r.reviewer) : null, r.reviewerEmail, r.reviewer) : (r.reviewerEmail ?? r.reviewer), state: r.state, kind, decidedAt: r.decidedAt });
  }
  if (ctx) addReportItem(s.items, r, ctx);
  if (r.identity) s.people.add(r.identity);
  else s.unowned++;
  if (r.simulated) s.simulated++;
  if (r.delegation.length > 0) s.delegated++;
  if (r.findings.length > 0) {
    s.withFindings++;
    if (r.state === 'revoked') s.revokedWithFindings++;
  }
  const key = r.reviewer ?? '(none)';
  const rev = s.reviewers.get(key) ?? { reviewer: key, email: r.reviewerEmail, done: 0, pending: 0, expired: 0, revoked: 0 };
  if (r.state === 'pending') rev.pending++;
  else if (r.state === 'expired') rev.expired++;
  else rev.done++;
  if (r.state === 'revoked') rev.revoked++;
  s.reviewers.set(key, rev);
  if (r.decidedAt) bump(s.decisionsByDay, dayIn(s.timeZone, r.decidedAt));
  for (const f of r.findings) {
    bump(s.findingsByType, f.type);
    bump(s.findingsBySystem, r.system);
  }
  const sys = s.systems.get(r.system) ?? { criticality: r.criticality, items: 0, revoked: 0 };
  sys.items++;
  if (r.state === 'revoked') sys.revoked++;
  s.systems.set(r.system, sys);
}

/** Share of decided items that were revoked, 0..1 (0 when nothing was decided). */
export function revocationRate(s: CampaignStats): number {
  const decided = s.approved + s.revoked;
  return decided === 0 ? 0 : s.revoked / decided;
}

/** Share of items decided, 0..1. */
export function completion(s: CampaignStats): number {
  return s.total === 0 ? 1 : (s.approved + s.revoked) / s.total;
}
