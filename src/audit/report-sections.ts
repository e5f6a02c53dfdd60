/**
 * The per-campaign parts of report.html beyond the figures: the scope in words, the
 * configuration fingerprint, the sign-off, and the item-level lists (revocations, approvals of
 * items with findings, expired items, delegations). Every text is escaped; tables carry
 * `data-table` and their rows `data-item`, so the page is checked by machine as well as read.
 */
import type { CampaignStats } from './evidence-stats.js';
import type { CampaignContext, ReportStage } from './report-context.js';
import type { ReportItemList, ReportItemRow } from './report-items.js';
import type { TimeText } from './report-time.js';
import { timeHtml } from './report-time.js';
import { esc } from './svg-charts.js';

const REVIEWER_WORDS: Record<string, string> = { manager: "the person's manager", systemOwner: "the system's owner", securityTeam: 'the security team' };

/** "Custody wallet (custody-wallet)", or the id alone when the name is not known. */
export function systemText(id: string, names: ReadonlyMap<string, string>): string {
  const name = names.get(id);
  return name && name !== id ? `${name} (${id})` : id;
}

/** The campaign's scope as sentences: which systems, which grants, how many people, who reviewed, when due. */
export function scopeLines(s: CampaignStats, ctx: CampaignContext | null, names: ReadonlyMap<string, string>, time: TimeText): string[] {
  const lines: string[] = [];
  const systems = ctx?.systems ?? [...s.systems.keys()].sort();
  const def = ctx?.scope ?? null;
  const selectors: string[] = [];
  if (def?.systems?.length) selectors.push(`named: ${def.systems.join(', ')}`);
  if (def?.criticality?.length) selectors.push(`of criticality ${def.criticality.join(' or ')}`);
  if (def?.kinds?.length) selectors.push(`of kind ${def.kinds.join(' or ')}`);
  lines.push(`Systems (${systems.length}): ${systems.map((id) => systemText(id, names)).join(', ') || 'none'}${selectors.length ? `; the review covers the systems ${selectors.join('; or ')}` : ''}.`);
  if (ctx && ctx.systemsWithoutState.length > 0) lines.push(`Not reviewed (no complete snapshot when the campaign opened): ${ctx.systemsWithoutState.map((id) => systemText(id, names)).join(', ')}.`);
  if (def) {
    lines.push(def.privilegedOnly
      ? `Access: the roles the policies mark privileged${def.includeFindings ? ', and any other grant with an open finding' : ' only'}.`
      : 'Access: every grant (account, role and scope) on these systems.');
  }
  const people = `${s.people.size} ${s.people.size === 1 ? 'person' : 'people'}`;
  lines.push(`People: ${people}${s.unowned > 0 ? ` and ${s.unowned} unowned account${s.unowned === 1 ? '' : 's'}` : ''}, ${s.total} grant${s.total === 1 ? '' : 's'} reviewed.`);
  if (ctx?.stages?.length) {
    lines.push(`Stages (${ctx.stages.length}; ${ctx.outcome === 'any-revoke' ? 'a revoke at any stage is final at once' : 'the last stage an item reached decides it'}): ${ctx.stages.map((st) => stageWords(st)).join('; ')}. A later stage's reviewer never decided an earlier stage of the item; decisions.csv lists every stage's decision (stage, earlier_stages).`);
  } else if (ctx?.reviewers?.length) {
    lines.push(`Reviewers: each item went to ${ctx.reviewers.map((r) => REVIEWER_WORDS[r] ?? r).join(', else ')}, else the fallback reviewer; never to the person whose access it is.`);
  }
  const due = ctx?.dueInDays ? `${ctx.dueInDays} days after opening, ` : '';
  lines.push(`Due: ${due}${time(s.campaign.dueAt)}.`);
  if (ctx?.definitionFile) {
    lines.push(`Definition: ${ctx.definitionFile}${ctx.definitionSource === 'current-config' ? ' (as configured now: the opening did not record its scope)' : ' (as in force when the campaign opened)'}.`);
  }
  return lines;
}

export function fingerprintHtml(ctx: CampaignContext | null): string {
  const f = ctx?.config ?? null;
  if (!f) return '<p data-field="config-fingerprint">No configuration fingerprint: the ledger holds no record of the configuration in force when this campaign opened.</p>';
  const source = f.source === 'opening'
    ? 'recorded by the campaign\'s opening (campaign.opened)'
    : 'the last configuration recorded before the opening (this campaign\'s opening predates fingerprints)';
  const loaded = f.loadedSeq !== null ? `; its files are listed by the config.loaded event at ledger seq ${f.loadedSeq}` : '';
  const files = f.files.length === 0 ? '' : `<details><summary>${f.files.length} configuration files</summary><table data-table="config-files"><thead><tr><th>File</th><th>SHA-256</th></tr></thead><tbody>
${f.files.map((x) => `<tr><td>${esc(x.file)}</td><td class="mono">${esc(x.sha256)}</td></tr>`).join('\n')}
</tbody></table></details>`;
  return `<p>Configuration in force when the campaign opened (connectors, policies, reviews): SHA-256 <span class="mono" data-field="config-fingerprint">${esc(f.hash)}</span>, ${source}${loaded}. It is the SHA-256 of one line <span class="mono">&lt;path&gt; &lt;sha256&gt;</span> per configuration file, in path order.</p>
${files}`;
}

export function signOffHtml(s: CampaignStats, ctx: CampaignContext | null, time: TimeText, person: (email: string) => string): string {
  const so = ctx?.signOff ?? null;
  if (!so) {
    const how = s.campaign.state === 'closed' ? `<span class="mono">iam-review campaign sign-off ${esc(s.campaign.id)} --as EMAIL --statement TEXT</span> (security team)` : 'a security-team member once the campaign is closed';
    return `<p data-field="sign-off">Not signed off. Sign-off: ${how}.</p>`;
  }
  return `<table data-table="sign-off"><tbody>
<tr><th>Signed off by</th><td data-field="signed-by">${esc(person(so.signedBy))}</td></tr>
<tr><th>At</th><td>${timeHtml(time, so.signedAt)}</td></tr>
<tr><th>Statement</th><td data-field="sign-off-statement">${esc(so.statement)}</td></tr>
<tr><th>Ledger</th><td>${so.seq !== null ? `campaign.signed-off at seq ${so.seq}, hash <span class="mono">${esc(so.hash)}</span>` : '—'}</td></tr>
</tbody></table>`;
}

/** The four item-level lists of a campaign. */
export function itemSections(s: CampaignStats, time: TimeText): string {
  const i = s.items;
  return [
    list('revocations', 'Revoked items', 'Every revoked item, with the reviewer\'s justification.', i.revoked, time, { findings: true }),
    list('approvals-with-findings', 'Approved items with findings', 'Items the reviewer kept although they carried findings at review time, with the justification.', i.approvedWithFindings, time, { findings: true }),
    list('expired', 'Expired items (not reviewed)', 'Items nobody decided before the campaign closed: their access was neither confirmed nor removed by this review.', i.expired, time, { expired: true }),
    list('delegations', 'Delegated items', 'Items reassigned to another reviewer: who passed them to whom, when and why, and how they ended.', i.delegated, time, { delegations: true }),
  ].join('\n');
}

interface Columns {
  findings?: boolean;
  expired?: boolean;
  delegations?: boolean;
}

function list(name: string, title: string, intro: string, l: ReportItemList, time: TimeText, cols: Columns): string {
  if (l.count === 0) return `<section class="items" data-section="${name}"><h3>${esc(title)}</h3><p>None.</p></section>`;
  const head = ['Person', 'System', 'Role', 'Scope', cols.expired ? 'Reviewer (assigned)' : 'Reviewer', ...(cols.delegations ? ['Delegation'] : []), ...(cols.expired ? [] : ['Decided', 'Justification']), ...(cols.findings ? ['Findings at review'] : [])];
  const rows = l.rows.map((r) => row(r, time, cols)).join('\n');
  const capped = l.count > l.rows.length ? `<p class="muted" data-field="${name}-capped">First ${l.rows.length} of ${l.count} shown; decisions.csv lists every item (state and delegation_chain columns).</p>` : '';
  return `<section class="items" data-section="${name}">
<h3>${esc(title)} <span class="muted">(${l.count})</span></h3>
<p class="muted">${esc(intro)}</p>
<table data-table="${name}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>${capped}
</section>`;
}

function row(r: ReportItemRow, time: TimeText, cols: Columns): string {
  const person = `${esc(r.person)}${r.owned && r.account ? `<br><span class="muted">account ${esc(r.account)}</span>` : ''}`;
  const cells = [person, esc(r.system), esc(r.role), r.scope ? esc(r.scope) : '<span class="muted">—</span>', esc(r.reviewer)];
  if (cols.delegations) {
    cells.push(r.delegations.map((d) => `${esc(d.from)} → ${esc(d.to)}, by ${esc(d.by)}, ${timeHtml(time, d.at)}${d.reason ? `: “${esc(d.reason)}”` : ''}`).join('<br>') + `<br><span class="muted">ended ${esc(r.state)}</span>`);
  }
  if (!cols.expired) cells.push(timeHtml(time, r.decidedAt), r.justification ? esc(r.justification) : '<span class="muted">none given</span>');
  if (cols.findings) cells.push(r.findings.map(esc).join('<br>') || '—');
  return `<tr data-item="${esc(r.item)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

/** "stage 2, Owner confirmation: revokes and approvals with findings of the stage before, to the system owner, 7 days" */
function stageWords(st: ReportStage): string {
  const who = st.reviewers.map((r) => REVIEWER_WORDS[r] ?? r).join(', else ');
  const which = st.number === 1 || st.when.includes('all') ? 'every item' : st.when.map((w) => STAGE_ENTRY_WORDS[w] ?? w).join(' and ') + ' of the stage before';
  return `stage ${st.number}, ${st.name}: ${which}, to ${who}, ${st.dueInDays} days`;
}

const STAGE_ENTRY_WORDS: Record<string, string> = { revoke: 'revokes', approve: 'approvals', 'approve-with-findings': 'approvals with findings', 'flagged-approval': 'approvals with findings by a reviewer flagged for rubber-stamping' };
