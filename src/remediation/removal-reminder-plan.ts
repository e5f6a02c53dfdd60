/**
 * Which removals the owner of a `manual` system is reminded of, and when (pure). A removal is
 * reminded once, when `reminderAtShare` of its deadline has passed: `(1 - share) * slaHours`
 * before its due time (default 0.75: 6 hours before a 24-hour deadline, 18 hours before 72).
 * Only a removal the owner was asked for and has not claimed (`requested`) and that is not due
 * yet: past its due time it is overdue and escalated instead (removal-escalations.ts). A removal
 * first asked for after its reminder time (its owner had no Slack account until then, say) is
 * not reminded: the request itself is recent.
 */
import type { GlobalPolicy } from '../config/policy-config.js';
import type { SystemConfig } from '../config/system-config.js';
import type { Remediation } from '../domain/index.js';
import { slaHoursFor } from '../domain/index.js';

/** The time of a removal's reminder: `(1 - share) * slaHours` before its due time. */
export function reminderAt(dueAt: string, slaHours: number, share: number): string {
  return new Date(Date.parse(dueAt) - Math.round((1 - share) * slaHours * 3_600_000)).toISOString();
}

/** A system's reminder share (its own, else policies/global.yaml's), or null when it sends none (not manual, or `false`). */
export function reminderShareOf(system: Pick<SystemConfig, 'remediation'>, global: Pick<GlobalPolicy, 'remediation'>): number | null {
  if ((system.remediation?.mode ?? 'manual') !== 'manual') return null;
  const share = system.remediation?.reminderAtShare ?? global.remediation.reminderAtShare;
  return share === false ? null : share;
}

/** The removals of `system` due their reminder at `now`, with its time, in due order. */
export function removalsToRemind(
  system: Pick<SystemConfig, 'criticality' | 'remediation'>,
  global: Pick<GlobalPolicy, 'remediation'>,
  remediations: readonly Remediation[],
  now: Date,
): Array<{ remediation: Remediation; remindAt: string }> {
  const share = reminderShareOf(system, global);
  if (share === null) return [];
  const sla = slaHoursFor(system.criticality, system.remediation?.slaHours, global.remediation.slaHours);
  const at = now.toISOString();
  return remediations
    .filter((r) => r.state === 'requested' && at < r.dueAt)
    .map((r) => ({ remediation: r, remindAt: reminderAt(r.dueAt, sla, share) }))
    .filter(({ remediation: r, remindAt }) => remindAt <= at && (r.requestedAt === null || r.requestedAt <= remindAt))
    .sort((a, b) => a.remediation.dueAt.localeCompare(b.remediation.dueAt) || a.remediation.id.localeCompare(b.remediation.id));
}
