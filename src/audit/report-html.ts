/**
 * report.html of an evidence pack: one self-contained page (inline CSS and SVG, no scripts, no
 * external assets) an auditor can open offline, or print (A4: each campaign and each closing
 * part on a new page, no chart or figure cut across pages; `export --format pdf` prints it
 * with Chromium). Per campaign: the scope in words, the configuration fingerprint, the
 * sign-off, the figures and charts, and the item-level lists (report-sections.ts). Times are
 * in the firm's zone, figures rounded. Summary figures carry `data-figure` attributes, charts
 * `data-chart` and tables `data-table`, so the page is checked by machine as well as read.
 */
import type { CampaignStats } from './evidence-stats.js';
import { completion, revocationRate } from './evidence-stats.js';
import { complianceMapping } from './compliance-mapping.js';
import type { RemediationStats } from './evidence-remediation-stats.js';
import type { CampaignContext } from './report-context.js';
import type { ReportCoverage } from './report-coverage.js';
import { coverageSection } from './report-coverage.js';
import { personLabel } from './report-items.js';
import { remediationSection } from './report-remediation.js';
import { reviewQualityHtml } from './report-review-quality.js';
import type { ReviewQuality } from '../domain/index.js';
import { fingerprintHtml, itemSections, scopeLines, signOffHtml, systemText } from './report-sections.js';
import type { TimeText } from './report-time.js';
import { dayIn, timeHtml, timeText } from './report-time.js';
import type { BarRow } from './svg-charts.js';
import { barChart, COLORS, esc, lineChart } from './svg-charts.js';

export interface ReportInput {
  generatedAt: string;
  exportedBy: string;
  tool: { name: string; version: string };
  scope: string;
  pseudonymized: boolean;
  campaigns: readonly CampaignStats[];
  ledger: { fromSeq: number; toSeq: number; toHash: string | null; headSeq: number; headHash: string | null; events: number };
  /** The removals of the revoked items; absent: the report has no Remediation section. */
  remediation?: RemediationStats;
  /** The pack's files (the mapping cites only these); default: what every pack holds. */
  files?: ReadonlySet<string>;
  /** The firm's zone (IAM_REVIEW_TIMEZONE) for every time shown; default UTC. */
  timeZone?: string;
  /** Per campaign id: scope, configuration fingerprint and sign-off (report-context.ts). */
  contexts?: ReadonlyMap<string, CampaignContext>;
  /** System id -> display name (connectors config). */
  systemNames?: ReadonlyMap<string, string>;
  /** Email -> person, to name signers "Name <email>". */
  personByEmail?(email: string): { name: string | null; email: string | null } | null;
  /** DORA review cadence of every system as of the export (report-coverage.ts); absent: no coverage calendar. */
  coverage?: ReportCoverage;
  /** Per campaign id: rubber-stamp detection ("Review quality"); a campaign missing here has no such part. */
  reviewQuality?: ReadonlyMap<string, ReviewQuality>;
  /** A reviewer's identity id as the report names them (default: the id). */
  reviewerLabel?(reviewerId: string): string;
}

interface View {
  time: TimeText;
  contexts: ReadonlyMap<string, CampaignContext>;
  names: ReadonlyMap<string, string>;
  person(email: string): string;
  quality: ReadonlyMap<string, ReviewQuality>;
  reviewer(reviewerId: string): string;
}

const ALWAYS = new Set(['report.html', 'events.csv', 'manifest.json']);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderReport(input: ReportInput): string {
  const time = timeText(input.timeZone ?? 'UTC');
  const view: View = {
    time,
    contexts: input.contexts ?? new Map(),
    names: input.systemNames ?? new Map(),
    person: (email) => personLabel(input.personByEmail?.(email) ?? null, email, email),
    quality: input.reviewQuality ?? new Map(),
    reviewer: input.reviewerLabel ?? ((id) => id),
  };
  const sections = input.campaigns.map((s) => campaignSection(s, view)).join('\n');
  const mapping = complianceMapping({ files: input.files ?? ALWAYS, remediations: (input.remediation?.remediations ?? 0) > 0 });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access review evidence: ${esc(input.scope)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0 auto;max-width:1000px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:2px solid #1565c0;padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f6fa}
.figures{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.figure{border:1px solid #ccc;border-radius:6px;padding:8px 12px;min-width:110px}
.figure b{display:block;font-size:20px}.muted{color:#666}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.chart{display:block;margin:8px 0;max-width:100%;height:auto;font:12px system-ui,sans-serif}.chart .t{font-weight:bold;font-size:13px}
.warn{background:#fff3e0;border:1px solid #ffb74d;padding:6px 10px;border-radius:4px}
section.items table{font-size:13px}.items h3 .muted{font-weight:normal}
table.calendar{font-size:12px}table.calendar td[data-month],table.calendar th[data-month]{text-align:center;padding:2px;width:26px;font-weight:bold}
.cal-reviewed{background:#c8e6c9}.cal-due{background:#fff3e0}.cal-overdue{background:#ffcdd2;color:#b71c1c}.cal-none{background:#eee}
table.calendar td,table.calendar th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;padding:0;font-size:10pt}h1{font-size:18pt}
section.campaign,section.remediation,section.closing{break-before:page}
h2,h3{break-after:avoid}.chart,.figures,.figure,table[data-table="sign-off"],ul.scope{break-inside:avoid}
.chart{max-width:100%;height:auto}tr{break-inside:avoid}thead{display:table-header-group}
section.items table{font-size:8.5pt}th,td{padding:2px 4px}table.calendar{font-size:7pt}table.calendar th,table.calendar td{padding:1px 2px}.mono{font-size:8pt}}
</style>
</head>
<body>
<h1>Access review evidence pack</h1>
<p class="muted">Scope: <span data-field="scope">${esc(input.scope)}</span> · generated <span data-field="generated-at">${timeHtml(time, input.generatedAt)}</span> (times in ${esc(input.timeZone ?? 'UTC')}) by <span data-field="exported-by">${esc(input.exportedBy)}</span> · ${esc(input.tool.name)} ${esc(input.tool.version)}${input.pseudonymized ? ' · <b>personal data pseudonymized</b> (keyed hashes)' : ''}</p>
${sections || '<p>No campaign in scope.</p>'}
${input.remediation ? remediationSection(input.remediation, time) : ''}
${input.coverage ? coverageSection(input.coverage, view.names, input.timeZone ?? 'UTC') : ''}
<section class="closing" data-section="mapping">
<h2>Regulatory mapping</h2>
<table data-table="mapping"><thead><tr><th>Framework</th><th>Reference</th><th>Requirement</th><th>Evidenced by</th></tr></thead><tbody>
${mapping.map((m) => `<tr><td>${esc(m.framework)}</td><td>${esc(m.reference)}</td><td>${esc(m.requirement)}</td><td>${esc(m.evidence)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section class="closing" data-section="ledger">
<h2>Audit ledger</h2>
<table data-table="ledger"><tbody>
<tr><th>Events in this pack (events.csv)</th><td>seq <span data-field="ledger-from">${input.ledger.fromSeq}</span> to <span data-field="ledger-to">${input.ledger.toSeq}</span> (${input.ledger.events} events)</td></tr>
<tr><th>Hash at seq ${input.ledger.toSeq}</th><td class="mono">${esc(input.ledger.toHash ?? '—')}</td></tr>
<tr><th>Chain head at export</th><td>seq <span data-field="head-seq">${input.ledger.headSeq}</span>, hash <span class="mono" data-field="head-hash">${esc(input.ledger.headHash ?? '—')}</span></td></tr>
</tbody></table>
<p>Each event's hash is SHA-256 over its canonical JSON and the previous event's hash, so changing, removing or reordering any event breaks every hash after it. To check this pack: <span class="mono">iam-review audit verify-export &lt;this folder&gt;</span> (file hashes against manifest.json, manifest against the ledger) and <span class="mono">iam-review audit verify</span> (the whole chain). Compare the head above with a checkpoint written down earlier (<span class="mono">iam-review audit head</span>).</p>
</section>
</body>
</html>
`;
}

function campaignSection(s: CampaignStats, view: View): string {
  const c = s.campaign;
  const { time } = view;
  const ctx = view.contexts.get(c.id) ?? null;
  const figures: [string, string, string | number][] = [
    ['total', 'Items in scope', s.total],
    ['approved', 'Approved', s.approved],
    ['revoked', 'Revoked', s.revoked],
    ['expired', 'Expired (not reviewed)', s.expired],
    ['pending', 'Pending', s.pending],
    ['overdue', 'Overdue', s.overdue],
    ['decided-late', 'Decided after due date', s.decidedLate],
    ['completion', 'Completion', pct(completion(s))],
    ['revocation-rate', 'Revocation rate', pct(revocationRate(s))],
    ['with-findings', 'Items with findings', s.withFindings],
    ['delegated', 'Delegated items', s.delegated],
  ];
  const outcome: BarRow[] = [{
    label: 'All items',
    segments: [
      { name: 'approved', value: s.approved, color: COLORS.approved },
      { name: 'revoked', value: s.revoked, color: COLORS.revoked },
      { name: 'expired', value: s.expired, color: COLORS.expired },
      { name: 'pending', value: s.pending, color: COLORS.pending },
    ],
  }];
  const days = [...s.decisionsByDay.keys()].sort();
  let cumulative = 0;
  const overTime = days.map((d) => ({ x: d, y: (cumulative += s.decisionsByDay.get(d)!) / Math.max(1, s.total) }));
  const reviewers: BarRow[] = [...s.reviewers.values()]
    .sort((a, b) => b.done + b.pending + b.expired - (a.done + a.pending + a.expired) || a.reviewer.localeCompare(b.reviewer))
    .map((r) => ({
      label: r.email ?? r.reviewer,
      segments: [
        { name: 'decided', value: r.done, color: COLORS.approved },
        { name: 'pending', value: r.pending, color: COLORS.pending },
        { name: 'expired', value: r.expired, color: COLORS.expired },
      ],
    }));
  const byCount = (m: Map<string, number>, color: string): BarRow[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([label, value]) => ({ label, segments: [{ name: label, value, color }] }));
  const revocationBySystem: BarRow[] = [...s.systems.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, v]) => ({ label: `${view.names.get(id) ?? id} (${v.criticality})`, segments: [{ name: `${v.revoked} of ${v.items} revoked`, value: v.items === 0 ? 0 : v.revoked / v.items, color: COLORS.revoked }] }));
  const exceptions = s.exceptions.length === 0
    ? '<p>None: every item was decided by the due date.</p>'
    : `<table data-table="exceptions"><thead><tr><th>Kind</th><th>Item</th><th>System</th><th>Account</th><th>Role</th><th>Reviewer</th><th>Decided</th></tr></thead><tbody>
${s.exceptions.map((e) => `<tr><td>${esc(e.kind)}</td><td class="mono">${esc(e.item)}</td><td>${esc(systemText(e.system, view.names))}</td><td>${esc(e.account)}</td><td>${esc(e.role)}</td><td>${esc(e.reviewer)}</td><td>${timeHtml(time, e.decidedAt)}</td></tr>`).join('\n')}
</tbody></table>${s.expired + s.overdue + s.decidedLate > s.exceptions.length ? `<p class="muted">First ${s.exceptions.length} shown; decisions.csv lists all.</p>` : ''}`;
  return `<section class="campaign" data-campaign="${esc(c.id)}">
<h2>${esc(c.name)}</h2>
<p class="muted"><span class="mono">${esc(c.id)}</span> · period ${esc(c.period)} · ${esc(c.state)} · opened ${timeHtml(time, c.openedAt)} by ${esc(c.openedBy)} · due ${timeHtml(time, c.dueAt)}${c.closedAt ? ` · closed ${timeHtml(time, c.closedAt)}` : ''}</p>
${s.simulated > 0 ? `<p class="warn">${s.simulated} decisions were recorded by the demo's simulated reviewers, not by people.</p>` : ''}
<h3>Scope</h3>
<ul class="scope" data-field="campaign-scope">${scopeLines(s, ctx, view.names, time).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
<h3>Configuration in force</h3>
${fingerprintHtml(ctx)}
<h3>Sign-off</h3>
${signOffHtml(s, ctx, time, view.person)}
<h3>Summary</h3>
<div class="figures">${figures.map(([k, label, v]) => `<div class="figure"><b data-figure="${k}">${esc(v)}</b>${esc(label)}</div>`).join('')}</div>
${barChart('outcome', 'Outcome of all items', outcome)}
<h3>Completion</h3>
${lineChart('completion-over-time', 'Share of items decided, by day', overTime, 1, { marker: { x: dayIn(s.timeZone, c.dueAt), label: 'due' }, yLabel: (y) => `${Math.round(y * 100)}%` })}
${barChart('completion-by-reviewer', 'Items by reviewer', reviewers)}
${reviewQualityHtml(view.quality.get(c.id), view.reviewer)}
<h3>Revocations</h3>
${barChart('revocation-by-system', 'Share of items revoked, by system', revocationBySystem, { percent: true })}
<h3>Overdue and expired items</h3>
${exceptions}
<h3>Findings at review time</h3>
${barChart('findings-by-type', 'Findings by type', byCount(s.findingsByType, COLORS.bar))}
${barChart('findings-by-system', 'Findings by system', byCount(new Map([...s.findingsBySystem].map(([id, n]) => [view.names.get(id) ?? id, n])), COLORS.bar))}
${itemSections(s, time)}
</section>`;
}
