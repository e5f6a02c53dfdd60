/**
 * report.html of an evidence pack: one self-contained page (inline CSS and SVG, no scripts, no
 * external assets) an auditor can open offline. Summary figures carry `data-figure` attributes
 * and charts `data-chart`, so the page is checked by machine as well as read.
 */
import type { CampaignStats } from './evidence-stats.js';
import { completion, revocationRate } from './evidence-stats.js';
import { complianceMapping } from './compliance-mapping.js';
import type { RemediationStats } from './evidence-remediation-stats.js';
import { remediationSection } from './report-remediation.js';
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
}

const ALWAYS = new Set(['report.html', 'events.csv', 'manifest.json']);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderReport(input: ReportInput): string {
  const sections = input.campaigns.map(campaignSection).join('\n');
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
@media print{body{max-width:none}h2{break-before:auto}}
</style>
</head>
<body>
<h1>Access review evidence pack</h1>
<p class="muted">Scope: <span data-field="scope">${esc(input.scope)}</span> · generated <span data-field="generated-at">${esc(input.generatedAt)}</span> by <span data-field="exported-by">${esc(input.exportedBy)}</span> · ${esc(input.tool.name)} ${esc(input.tool.version)}${input.pseudonymized ? ' · <b>personal data pseudonymized</b> (keyed hashes)' : ''}</p>
${sections || '<p>No campaign in scope.</p>'}
${input.remediation ? remediationSection(input.remediation) : ''}
<h2>Regulatory mapping</h2>
<table data-table="mapping"><thead><tr><th>Framework</th><th>Reference</th><th>Requirement</th><th>Evidenced by</th></tr></thead><tbody>
${mapping.map((m) => `<tr><td>${esc(m.framework)}</td><td>${esc(m.reference)}</td><td>${esc(m.requirement)}</td><td>${esc(m.evidence)}</td></tr>`).join('\n')}
</tbody></table>
<h2>Audit ledger</h2>
<table data-table="ledger"><tbody>
<tr><th>Events in this pack (events.csv)</th><td>seq <span data-field="ledger-from">${input.ledger.fromSeq}</span> to <span data-field="ledger-to">${input.ledger.toSeq}</span> (${input.ledger.events} events)</td></tr>
<tr><th>Hash at seq ${input.ledger.toSeq}</th><td class="mono">${esc(input.ledger.toHash ?? '—')}</td></tr>
<tr><th>Chain head at export</th><td>seq <span data-field="head-seq">${input.ledger.headSeq}</span>, hash <span class="mono" data-field="head-hash">${esc(input.ledger.headHash ?? '—')}</span></td></tr>
</tbody></table>
<p>Each event's hash is SHA-256 over its canonical JSON and the previous event's hash, so changing, removing or reordering any event breaks every hash after it. To check this pack: <span class="mono">iam-review audit verify-export &lt;this folder&gt;</span> (file hashes against manifest.json, manifest against the ledger) and <span class="mono">iam-review audit verify</span> (the whole chain). Compare the head above with a checkpoint written down earlier (<span class="mono">iam-review audit head</span>).</p>
</body>
</html>
`;
}

function campaignSection(s: CampaignStats): string {
  const c = s.campaign;
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
    .map(([id, v]) => ({ label: `${id} (${v.criticality})`, segments: [{ name: 'revoked share', value: v.items === 0 ? 0 : v.revoked / v.items, color: COLORS.revoked }] }));
  const exceptions = s.exceptions.length === 0
    ? '<p>None: every item was decided by the due date.</p>'
    : `<table data-table="exceptions"><thead><tr><th>Kind</th><th>Item</th><th>System</th><th>Account</th><th>Role</th><th>Reviewer</th><th>Decided</th></tr></thead><tbody>
${s.exceptions.map((e) => `<tr><td>${esc(e.kind)}</td><td class="mono">${esc(e.item)}</td><td>${esc(e.system)}</td><td>${esc(e.account)}</td><td>${esc(e.role)}</td><td>${esc(e.reviewer)}</td><td>${esc(e.decidedAt ?? '—')}</td></tr>`).join('\n')}
</tbody></table>${s.expired + s.overdue + s.decidedLate > s.exceptions.length ? `<p class="muted">First ${s.exceptions.length} shown; decisions.csv lists all.</p>` : ''}`;
  return `<section class="campaign" data-campaign="${esc(c.id)}">
<h2>${esc(c.name)}</h2>
<p class="muted"><span class="mono">${esc(c.id)}</span> · period ${esc(c.period)} · ${esc(c.state)} · opened ${esc(c.openedAt)} by ${esc(c.openedBy)} · due ${esc(c.dueAt)}${c.closedAt ? ` · closed ${esc(c.closedAt)}` : ''}</p>
${s.simulated > 0 ? `<p class="warn">${s.simulated} decisions were recorded by the demo's simulated reviewers, not by people.</p>` : ''}
<h3>Summary</h3>
<div class="figures">${figures.map(([k, label, v]) => `<div class="figure"><b data-figure="${k}">${esc(v)}</b>${esc(label)}</div>`).join('')}</div>
${barChart('outcome', 'Outcome of all items', outcome)}
<h3>Completion</h3>
${lineChart('completion-over-time', 'Share of items decided, by day', overTime, 1, { marker: { x: c.dueAt.slice(0, 10), label: 'due' }, yLabel: (y) => `${Math.round(y * 100)}%` })}
${barChart('completion-by-reviewer', 'Items by reviewer', reviewers)}
<h3>Revocations</h3>
${barChart('revocation-by-system', 'Share of items revoked, by system', revocationBySystem, { percent: true })}
<h3>Overdue and expired items</h3>
${exceptions}
<h3>Findings at review time</h3>
${barChart('findings-by-type', 'Findings by type', byCount(s.findingsByType, COLORS.bar))}
${barChart('findings-by-system', 'Findings by system', byCount(s.findingsBySystem, COLORS.bar))}
</section>`;
}
