/**
 * report.html's coverage calendar (DORA review cadence, domain/review-coverage.ts): one row per
 * system, one column per month for the 18 months up to the export (months in the firm's zone),
 * each cell marking a completed review (✓), a review falling due (D) and overdue time (!), with
 * each system's last review and next due date beside it. Coverage is as of the export, over
 * every system the config lists (not only the pack's campaigns): a supervisor asks whether
 * every system was reviewed in time, not only the ones a campaign covered. Marks are letters
 * as well as colours, so the calendar reads the same printed in black and white.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { CalendarMark, CalendarRow, SystemCoverage } from '../domain/index.js';
import { coverageCalendar, monthsUpTo, reviewCoverage } from '../domain/index.js';
import { readCoverageInputs } from '../policies/read-review-coverage.js';
import type { Store } from '../store/ports.js';
import { dayIn } from './report-time.js';
import { esc } from './svg-charts.js';

/** Months the calendar shows, ending with the export's month. */
export const CALENDAR_MONTHS = 18;

export interface ReportCoverage {
  systems: readonly SystemCoverage[];
  months: readonly string[];
  calendar: readonly CalendarRow[];
}

export async function readReportCoverage(store: Store, config: Pick<LoadedConfig, 'systems' | 'policies' | 'reviews' | 'global'>, now: Date, timeZone: string): Promise<ReportCoverage> {
  const { systems, campaigns } = await readCoverageInputs({ store, config });
  const monthOf = (iso: string) => dayIn(timeZone, iso).slice(0, 7);
  const months = monthsUpTo(monthOf(now.toISOString()), CALENDAR_MONTHS);
  return { systems: reviewCoverage(systems, campaigns, now), months, calendar: coverageCalendar(systems, campaigns, months, now, monthOf) };
}

const SYMBOL: Record<CalendarMark, string> = { reviewed: '✓', due: 'D', overdue: '!' };
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function coverageSection(coverage: ReportCoverage, names: ReadonlyMap<string, string>, timeZone: string): string {
  // Days, not minutes: the table stays within the page; the instant is in `datetime`.
  const day = (iso: string | null) => (iso ? `<time datetime="${esc(iso)}">${esc(dayIn(timeZone, iso))}</time>` : '—');
  const bySystem = new Map(coverage.systems.map((c) => [c.system, c]));
  const overdue = coverage.systems.filter((c) => c.overdue).length;
  const head = coverage.months.map((m) => `<th data-month="${esc(m)}">${MONTH_NAMES[Number(m.slice(5)) - 1]}<br>${esc(m.slice(2, 4))}</th>`).join('');
  const rows = coverage.calendar.map((row) => {
    const c = bySystem.get(row.system)!;
    const cells = row.months.map((m) => {
      const state = m.marks.includes('overdue') ? 'overdue' : m.marks.includes('reviewed') ? 'reviewed' : m.marks.includes('due') ? 'due' : m.tracked ? 'ok' : 'none';
      const title = m.marks.length > 0 ? m.marks.join(', ') : m.tracked ? 'within cadence' : 'not synced yet';
      return `<td class="cal-${state}" data-month="${esc(m.month)}" data-marks="${esc(m.marks.join(' '))}" title="${esc(title)}">${m.marks.map((k) => SYMBOL[k]).join('')}</td>`;
    }).join('');
    const name = names.get(row.system) ?? row.system;
    const status = c.nextDueAt === null ? 'never synced' : c.overdue ? '<b>OVERDUE</b>' : 'in time';
    return `<tr data-system="${esc(row.system)}" data-overdue="${c.overdue}"><th>${esc(name)}<br><span class="muted">${esc(c.criticality)} · every ${c.cadenceMonths} months</span></th>${cells}<td>${day(c.lastReviewedAt)}${c.campaign ? `<br><span class="mono">${esc(c.campaign)}</span>` : ''}</td><td>${day(c.nextDueAt)}<br>${status}</td></tr>`;
  }).join('\n');
  return `<section class="closing" data-section="coverage">
<h2>Review cadence coverage</h2>
<p>Every system's access must be completely reviewed within its cadence (policies/global.yaml <span class="mono">reviewCadenceMonths</span> by criticality; DORA RTS Art. 21). A system counts as reviewed when a campaign that covered every grant of it closed with none of its items expired; a system never reviewed counts from its first applied snapshot. As of this export: <b data-figure="coverage-overdue">${overdue}</b> of ${coverage.systems.length} systems overdue.</p>
<p class="muted">✓ reviewed (a complete campaign closed) · D a review fell due · ! overdue at some time in the month · empty cell: within cadence · grey: not synced yet. Months in the firm's zone.</p>
<table data-table="coverage-calendar" class="calendar"><thead><tr><th>System</th>${head}<th>Last reviewed</th><th>Next due</th></tr></thead><tbody>
${rows || `<tr><td colspan="${coverage.months.length + 3}">No systems to review.</td></tr>`}
</tbody></table>
</section>`;
}
