/**
 * The Remediation section of report.html: did every revoke end in the access removed, and in
 * time? Counts by state (a revoke without a remediation is `not-opened`), time to verified
 * removal per criticality against the due time, and the removals past due with the system
 * owner who is to make them (times in the firm's zone). Figures carry `data-figure`, tables `data-table`.
 */
import { REMEDIATION_STATES } from '../domain/index.js';
import { NOT_OPENED } from './evidence-remediation-record.js';
import type { RemediationStats } from './evidence-remediation-stats.js';
import { median } from './evidence-remediation-stats.js';
import type { BarRow } from './svg-charts.js';
import { barChart, COLORS, esc, fmtNumber } from './svg-charts.js';
import type { TimeText } from './report-time.js';
import { timeHtml, timeText } from './report-time.js';

const CRITICALITY_ORDER = ['critical', 'important', 'standard'];

export function remediationSection(s: RemediationStats, time: TimeText = timeText('UTC')): string {
  if (s.revokes === 0 && s.findings === 0) {
    return `<section class="remediation" data-section="remediation">
<h2>Remediation</h2>
<p>No revoke in scope: nothing to remove.</p>
</section>`;
  }
  const states = [...REMEDIATION_STATES, NOT_OPENED];
  const figures = [['revokes', 'Revokes', s.revokes] as const, ['finding-removals', 'Leaver removals (findings)', s.findings] as const, ...states.map((st) => [`remediation-${st}`, st, s.byState.get(st) ?? 0] as const)];
  const levels = [...s.byCriticality.values()].sort((a, b) => rank(a.criticality) - rank(b.criticality) || a.criticality.localeCompare(b.criticality));
  const hours = (h: number | null) => (h === null ? '—' : `${fmtNumber(h)} h`);
  const rows = levels
    .map((c) => {
      const due = [...c.dueHours].sort((a, b) => a - b).map((h) => `${h} h`).join(', ') || '—';
      const longest = c.hours.length === 0 ? null : Math.max(...c.hours);
      return `<tr data-criticality="${esc(c.criticality)}"><td>${esc(c.criticality)}</td><td>${esc(due)}</td><td>${c.revokes}</td><td>${c.verified}</td><td>${c.withinDue}</td><td>${c.afterDue}</td><td>${esc(hours(median(c.hours)))}</td><td>${esc(hours(longest))}</td><td>${c.open}</td><td>${c.overdue}</td><td>${c.reappeared}</td><td>${c.notOpened}</td></tr>`;
    })
    .join('\n');
  const chart: BarRow[] = levels.map((c) => ({
    label: c.criticality,
    segments: [
      { name: 'verified within due', value: c.withinDue, color: COLORS.approved },
      { name: 'verified after due', value: c.afterDue, color: COLORS.late },
      { name: 'open, not yet due', value: c.open, color: COLORS.pending },
      { name: 'past due', value: c.overdue, color: COLORS.revoked },
      { name: 'not opened', value: c.notOpened, color: COLORS.none },
    ],
  }));
  const overdue = s.overdueCount === 0
    ? '<p>None: no removal is past its due time.</p>'
    : `<table data-table="overdue-removals"><thead><tr><th>Remediation</th><th>System</th><th>Owner</th><th>Account</th><th>Role</th><th>State</th><th>Due</th><th>Past due</th></tr></thead><tbody>
${s.overdue.map((o) => `<tr><td class="mono">${esc(o.id)}</td><td>${esc(o.system)}</td><td>${esc(o.owner ?? '—')}</td><td>${esc(o.account)}</td><td>${esc(o.role)}</td><td>${esc(o.state)}</td><td>${timeHtml(time, o.dueAt)}</td><td>${esc(hours(o.hoursPastDue))}</td></tr>`).join('\n')}
</tbody></table>${s.overdueCount > s.overdue.length ? `<p class="muted">First ${s.overdue.length} of ${s.overdueCount} shown; remediations.csv lists all.</p>` : ''}`;
  return `<section class="remediation" data-section="remediation">
<h2>Remediation</h2>
<p>Each revoke opens a remediation, due a number of hours after the decision set by the system's criticality (or its own <span class="mono">remediation.slaHours</span>); a leaver or ended-contract finding listed in <span class="mono">remediation.findings</span> opens one too, due after the finding was first raised (a revoke of the same grant joins it); those no revoke joined count by state and in the past-due list, not in the table by criticality, which follows the revokes. Only a complete, applied snapshot without the grant verifies the removal; an owner's claim does not. <i>reappeared</i>: verified removed, then back in a later snapshot.</p>
<div class="figures">${figures.map(([k, label, v]) => `<div class="figure"><b data-figure="${esc(k)}">${esc(v)}</b>${esc(label)}</div>`).join('')}</div>
<h3>Time to verified removal, by criticality</h3>
<table data-table="removal-time"><thead><tr><th>Criticality</th><th>Due within</th><th>Revokes</th><th>Verified</th><th>Within due</th><th>After due</th><th>Median time to removal</th><th>Longest</th><th>Open, not yet due</th><th>Past due</th><th>Reappeared</th><th>Not opened</th></tr></thead><tbody>
${rows}
</tbody></table>
${barChart('removal-by-criticality', 'Revokes by criticality: removal against the due time', chart)}
<h3>Removals past due</h3>
${overdue}
</section>`;
}

function rank(criticality: string): number {
  const i = CRITICALITY_ORDER.indexOf(criticality);
  return i < 0 ? CRITICALITY_ORDER.length : i;
}
