/**
 * The item-level lists of report.html, gathered record by record while the pack streams:
 * revocations (every one: an auditor checks each revoke and its justification, so none is
 * left out), approvals of items that carried findings, expired (never reviewed) items and
 * delegations. The last three keep their first ITEMS_SHOWN rows and count the rest, and the
 * report says so and points to decisions.csv; memory grows with the number of revokes only
 * (one small row each), never with the number of items.
 */
import type { DecisionRecord, PersonRef } from './evidence-record.js';

/** Rows kept per capped list (approvals with findings, expired, delegations). */
export const ITEMS_SHOWN = 500;

export interface ReportItemRow {
  item: string;
  /** The person whose access it is: "Name <email>", or the account for an unowned one. */
  person: string;
  /** Whether a person owns the account (else `person` names the unowned account). */
  owned: boolean;
  account: string | null;
  /** The system's display name, and its id. */
  system: string;
  systemId: string;
  role: string;
  scope: string;
  /** The reviewer who decided (or was assigned): "Name <email>", and who entered the decision on their behalf (`decide --operator`), if anyone did. */
  reviewer: string;
  decidedAt: string | null;
  justification: string | null;
  /** The findings the item carried at review time ("type (severity): reason"). */
  findings: string[];
  state: string;
  /** Reassignments, oldest first, people as "Name <email>". */
  delegations: { from: string; to: string; by: string; at: string; reason: string | null }[];
}

export interface ReportItemList {
  rows: ReportItemRow[];
  /** Every item of the kind (rows holds the first ITEMS_SHOWN of them, or all for revocations). */
  count: number;
}

export interface ReportItems {
  revoked: ReportItemList;
  approvedWithFindings: ReportItemList;
  expired: ReportItemList;
  delegated: ReportItemList;
}

/** Lookups the rows need: a system's display name, a person by identity id (null when pseudonymized). */
export interface ReportItemContext {
  systemName(systemId: string): string;
  person(identityId: string): PersonRef | null;
}

export function emptyReportItems(): ReportItems {
  return { revoked: { rows: [], count: 0 }, approvedWithFindings: { rows: [], count: 0 }, expired: { rows: [], count: 0 }, delegated: { rows: [], count: 0 } };
}

/** "Name <email>", the email alone, or the id: how a person is named in the report. */
export function personLabel(ref: PersonRef | null, email: string | null, id: string | null): string {
  const mail = ref?.email ?? email;
  if (ref?.name && mail) return `${ref.name} <${mail}>`;
  return ref?.name ?? mail ?? id ?? '—';
}

/** Adds one item's record to the lists it belongs to. */
export function addReportItem(items: ReportItems, r: DecisionRecord, ctx: ReportItemContext): void {
  const revoked = r.state === 'revoked';
  const approvedWithFindings = r.state === 'approved' && r.findings.length > 0;
  const expired = r.state === 'expired';
  const delegated = r.delegation.length > 0;
  if (!revoked && !approvedWithFindings && !expired && !delegated) return;
  const row = reportRow(r, ctx);
  if (revoked) add(items.revoked, row, Number.POSITIVE_INFINITY);
  if (approvedWithFindings) add(items.approvedWithFindings, row, ITEMS_SHOWN);
  if (expired) add(items.expired, row, ITEMS_SHOWN);
  if (delegated) add(items.delegated, row, ITEMS_SHOWN);
}

function add(list: ReportItemList, row: ReportItemRow, cap: number): void {
  list.count++;
  if (list.rows.length < cap) list.rows.push(row);
}

function reportRow(r: DecisionRecord, ctx: ReportItemContext): ReportItemRow {
  const named = (id: string) => personLabel(ctx.person(id), id.includes('@') ? id : null, id);
  const subject = r.identity ? personLabel(ctx.person(r.identity) ?? { name: r.identityName, email: r.identityEmail }, r.identityEmail, r.identity) : null;
  return {
    item: r.item,
    person: subject ?? `unowned account ${r.account ?? '—'}`,
    owned: subject !== null,
    account: r.account,
    system: ctx.systemName(r.system),
    systemId: r.system,
    role: r.role,
    scope: r.scope,
    reviewer: personLabel(r.reviewer ? ctx.person(r.reviewer) : null, r.reviewerEmail, r.reviewer) + (r.operator && r.operator !== r.reviewerEmail ? ` (entered by ${r.operator})` : ''),
    decidedAt: r.decidedAt,
    justification: r.justification,
    findings: r.findings.map((f) => `${f.type} (${f.severity})${f.reason ? `: ${f.reason}` : ''}`),
    state: r.state,
    delegations: r.delegation.map((d) => ({ from: named(d.from), to: named(d.to), by: named(d.by), at: d.at, reason: d.reason })),
  };
}
