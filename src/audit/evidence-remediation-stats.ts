/**
 * Remediation figures for the evidence report, accumulated revoke by revoke while the pack
 * streams: counts by state (a revoke without a remediation counts as `not-opened`), time to
 * verified removal per criticality against the due time, and the removals past due with the
 * system owner who is to remove them. Memory: one number per verified removal (for the
 * median) and the first OVERDUE_SHOWN overdue removals.
 */
import type { RemediationRecord } from './evidence-remediation-record.js';
import { NOT_OPENED } from './evidence-remediation-record.js';

export interface CriticalityRemediation {
  criticality: string;
  revokes: number;
  /** Distinct due times (hours from the decision) of its remediations. */
  dueHours: Set<number>;
  verified: number;
  withinDue: number;
  afterDue: number;
  /** Hours to verified removal, one per verified (or since reappeared) removal. */
  hours: number[];
  /** Not verified, not past due. */
  open: number;
  /** Not verified and past due (marked overdue or not yet). */
  overdue: number;
  reappeared: number;
  notOpened: number;
}

export interface OverdueRemediation {
  id: string;
  system: string;
  owner: string | null;
  account: string | null;
  role: string;
  state: string;
  dueAt: string;
  hoursPastDue: number;
}

export interface RemediationStats {
  revokes: number;
  /** Removals a finding opened (remediation.findings) that no revoke joined: counted by state, not as revokes. */
  findings: number;
  /** Remediation rows (revokes with a remediation). */
  remediations: number;
  byState: Map<string, number>;
  byCriticality: Map<string, CriticalityRemediation>;
  overdueCount: number;
  /** The first OVERDUE_SHOWN past-due removals (overdueCount has them all). */
  overdue: OverdueRemediation[];
}

export const OVERDUE_SHOWN = 200;
const VERIFIED_STATES = new Set(['verified', 'reappeared']);

export function emptyRemediationStats(): RemediationStats {
  return { revokes: 0, findings: 0, remediations: 0, byState: new Map(), byCriticality: new Map(), overdueCount: 0, overdue: [] };
}

function level(s: RemediationStats, criticality: string): CriticalityRemediation {
  let c = s.byCriticality.get(criticality);
  if (!c) {
    c = { criticality, revokes: 0, dueHours: new Set(), verified: 0, withinDue: 0, afterDue: 0, hours: [], open: 0, overdue: 0, reappeared: 0, notOpened: 0 };
    s.byCriticality.set(criticality, c);
  }
  return c;
}

/** A per-criticality record that no table shows (a finding's removal still counts in the totals and the past-due list). */
function scratch(criticality: string): CriticalityRemediation {
  return { criticality, revokes: 0, dueHours: new Set(), verified: 0, withinDue: 0, afterDue: 0, hours: [], open: 0, overdue: 0, reappeared: 0, notOpened: 0 };
}

/** A revoke that has no remediation yet. */
export function addNotOpened(s: RemediationStats, criticality: string): void {
  s.revokes++;
  s.byState.set(NOT_OPENED, (s.byState.get(NOT_OPENED) ?? 0) + 1);
  const c = level(s, criticality);
  c.revokes++;
  c.notOpened++;
}

/**
 * A remediation of a revoke (or, `finding`, one a finding opened that no revoke joined: it
 * counts by state and past due, not as a revoke nor in the table by criticality), as of `now`
 * for what is past due.
 */
export function addRemediation(s: RemediationStats, r: RemediationRecord, now: Date, of: 'revoke' | 'finding' = 'revoke'): void {
  if (of === 'revoke') s.revokes++;
  else s.findings++;
  s.remediations++;
  s.byState.set(r.state, (s.byState.get(r.state) ?? 0) + 1);
  // The table by criticality follows the revokes: a finding's removal has no decision to count from.
  const c = of === 'revoke' ? level(s, r.criticality) : scratch(r.criticality);
  c.revokes++;
  if (r.slaHours !== null) c.dueHours.add(r.slaHours);
  if (r.state === 'reappeared') c.reappeared++;
  if (VERIFIED_STATES.has(r.state) && r.verifiedAt !== null) {
    c.verified++;
    if (r.removedWithinDue) c.withinDue++;
    else c.afterDue++;
    if (r.hoursToRemoval !== null) c.hours.push(r.hoursToRemoval);
    return;
  }
  const pastDue = Date.parse(r.dueAt) <= now.getTime();
  if (!pastDue && r.state !== 'overdue') {
    c.open++;
    return;
  }
  c.overdue++;
  s.overdueCount++;
  if (s.overdue.length < OVERDUE_SHOWN) {
    s.overdue.push({ id: r.id, system: r.system, owner: r.owner, account: r.account, role: r.role, state: r.state, dueAt: r.dueAt, hoursPastDue: Math.max(0, Math.round((now.getTime() - Date.parse(r.dueAt)) / 360_000) / 10) });
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 10) / 10;
}
