/**
 * Pure mapping of CSV rows (arrays of raw fields) to connector records, with validation.
 * A mapper returns the record, or a string saying why the row cannot be read; the caller
 * turns that into a `file:line: message` problem. No exceptions on the hot path: a 1M-row
 * export goes through here, so lookups are Maps and switches, and the only regex is the
 * precompiled date check, run once per non-empty date cell.
 */
import type { GrantRecord, IdentityRecord } from '../connector.js';
import type { AccountStatus, AccountType, EmploymentType, GrantDetail, IdentityStatus } from '../../domain/index.js';

/** Columns of a grants export (one row = one role of one account). */
export const GRANT_COLUMNS = ['account_id', 'role', 'identity', 'scope', 'status', 'last_activity_at', 'display_name', 'account_type', 'detail'] as const;
export type GrantColumn = (typeof GRANT_COLUMNS)[number];
export const REQUIRED_GRANT_COLUMNS: readonly GrantColumn[] = ['account_id', 'role'];

/** Columns of an HR export (one row = one person). */
export const IDENTITY_COLUMNS = ['id', 'email', 'display_name', 'department', 'job_title', 'manager', 'status', 'employment_type', 'contract_end', 'groups'] as const;
export type IdentityColumn = (typeof IDENTITY_COLUMNS)[number];
/**
 * id keys the identity; email is how most systems name their account owners (without the
 * column nothing correlates); display_name is what reviewers read; status drives leaver
 * detection, so a file without it would silently report every leaver as active.
 */
export const REQUIRED_IDENTITY_COLUMNS: readonly IdentityColumn[] = ['id', 'email', 'display_name', 'status'];

/** Where each known column sits in a file (-1 when absent), from its header row. */
export interface HeaderLayout<C extends string> {
  index: Record<C, number>;
  /** Number of header cells: every data row must have exactly this many fields. */
  width: number;
  /** Named header cells that are not known columns (ignored, reported once). */
  unknown: string[];
  missing: C[];
  /** Known columns that appear more than once (ambiguous: the file is rejected). */
  duplicated: C[];
}

/** Matches header cells to known columns: trimmed, case-insensitive. */
export function resolveHeader<C extends string>(header: readonly string[], known: readonly C[], required: readonly C[]): HeaderLayout<C> {
  const index = Object.fromEntries(known.map((c) => [c, -1])) as Record<C, number>;
  const knownSet = new Set<string>(known);
  const unknown: string[] = [];
  const duplicated: C[] = [];
  header.forEach((cell, i) => {
    const name = cell.trim().toLowerCase();
    if (!knownSet.has(name)) {
      if (name !== '') unknown.push(cell.trim());
      return;
    }
    const column = name as C;
    if (index[column] === -1) index[column] = i;
    else if (!duplicated.includes(column)) duplicated.push(column);
  });
  const missing = required.filter((c) => index[c] === -1);
  return { index, width: header.length, unknown, missing, duplicated };
}

/** One trimmed cell; '' for a column the file does not have. */
function cell(fields: readonly string[], i: number): string {
  return i < 0 ? '' : (fields[i] as string).trim();
}

/** Case-insensitive lookup of an enumerated value; the exact (lower-case) spelling hits first. */
function lookup<T>(table: ReadonlyMap<string, T>, value: string): T | undefined {
  return table.get(value) ?? table.get(value.toLowerCase());
}

const ACCOUNT_STATUS = new Map<string, AccountStatus>([['', 'active'], ['active', 'active'], ['disabled', 'disabled'], ['locked', 'locked']]);
const ACCOUNT_TYPE = new Map<string, AccountType>([['', 'human'], ['human', 'human'], ['service', 'service']]);
const IDENTITY_STATUS = new Map<string, IdentityStatus>([['active', 'active'], ['disabled', 'disabled'], ['terminated', 'terminated']]);
const EMPLOYMENT_TYPE = new Map<string, EmploymentType>([['', 'employee'], ['employee', 'employee'], ['contractor', 'contractor'], ['third-party', 'third-party']]);

/** An owner reference: emails are lower-cased for matching, directory ids kept as written. */
function ownerRef(value: string): string | null {
  if (value === '') return null;
  return value.includes('@') ? value.toLowerCase() : value;
}

/** The number written by `n` ASCII digits of `s` at `from`, or -1 when any is not a digit. */
function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48; // NaN past the end
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True when `s` starts with a real calendar date `YYYY-MM-DD`. */
function startsWithDate(s: string): boolean {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * Normalises an ISO 8601 date or date-time to a full UTC timestamp
 * (`2026-05-01` -> `2026-05-01T00:00:00.000Z`). Accepted: `YYYY-MM-DD`, optionally followed
 * by `T` (or a space) `HH:MM`, optional `:SS`, optional fraction, optional `Z` or `±HH[:]MM`.
 * A date-time without an offset is read as UTC (exports should carry one). Returns null
 * for anything else, including impossible dates. Hand-parsed rather than a regex plus
 * `Date`: this runs for every row of large exports, and UTC values (the common case) are
 * rebuilt from their own digits without a Date object.
 */
export function normalizeTimestamp(s: string): string | null {
  if (!startsWithDate(s)) return null;
  const len = s.length;
  if (len === 10) return s + 'T00:00:00.000Z';
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 116 && sep !== 32) || s.charCodeAt(13) !== 58) return null; // T t ' ' / ':'
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  let pos = 16;
  let seconds = '00';
  let millis = '000';
  if (pos < len && s.charCodeAt(pos) === 58) {
    const second = digitsAt(s, pos + 1, 2);
    if (second < 0 || second > 59) return null;
    seconds = s.slice(pos + 1, pos + 3);
    pos += 3;
    const mark = s.charCodeAt(pos);
    if (pos < len && (mark === 46 || mark === 44)) {
      const from = ++pos;
      while (pos < len && pos - from < 9 && digitsAt(s, pos, 1) >= 0) pos++;
      if (pos === from) return null;
      millis = s.slice(from, Math.min(pos, from + 3)).padEnd(3, '0');
    }
  }
  let offsetMinutes = 0;
  if (pos < len) {
    const sign = s.charCodeAt(pos);
    if (sign === 90 || sign === 122) {
      if (pos + 1 !== len) return null; // Z z
    } else if (sign === 43 || sign === 45) {
      const oh = digitsAt(s, pos + 1, 2);
      const rest = len - (pos + 3);
      const colon = rest === 3 && s.charCodeAt(pos + 3) === 58 ? 1 : 0;
      const om = rest === 0 ? 0 : rest === 2 || colon === 1 ? digitsAt(s, pos + 3 + colon, 2) : -1;
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
      offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return null;
    }
  }
  if (offsetMinutes === 0 && sep === 84 && s.charCodeAt(len - 1) === 90) {
    // The usual spellings (T and Z), valid as checked above: already the result, or one
    // concatenation from it, where the general case below builds it from eight pieces a row.
    if (len === 24 && pos === 23 && s.charCodeAt(19) === 46) return s;
    if (len === 20 && pos === 19) return s.slice(0, 19) + '.000Z';
  }
  const time = `${s.slice(11, 13)}:${s.slice(14, 16)}:${seconds}.${millis}Z`;
  if (offsetMinutes === 0) return `${s.slice(0, 10)}T${time}`;
  return new Date(Date.parse(`${s.slice(0, 10)}T${time}`) - offsetMinutes * 60_000).toISOString();
}

/** A calendar date `YYYY-MM-DD`, returned as written; null when it is not a real date. */
export function normalizeDate(value: string): string | null {
  return value.length === 10 && startsWithDate(value) ? value : null;
}

export type GrantLayout = HeaderLayout<GrantColumn>;

/** Maps one row of a grants export; returns the reason when the row breaks the format. */
export function mapGrantRow(fields: readonly string[], layout: GrantLayout): GrantRecord | string {
  if (fields.length !== layout.width) return `expected ${layout.width} columns, found ${fields.length}`;
  const c = layout.index;
  const accountId = cell(fields, c.account_id);
  if (accountId === '') return 'account_id is empty';
  const role = cell(fields, c.role);
  if (role === '') return 'role is empty';
  const statusCell = cell(fields, c.status);
  const accountStatus = lookup(ACCOUNT_STATUS, statusCell);
  if (accountStatus === undefined) return `status "${statusCell}" is not one of active, disabled, locked`;
  const typeCell = cell(fields, c.account_type);
  const accountType = lookup(ACCOUNT_TYPE, typeCell);
  if (accountType === undefined) return `account_type "${typeCell}" is not one of human, service`;
  const activityCell = cell(fields, c.last_activity_at);
  let lastActivityAt: string | null = null;
  if (activityCell !== '') {
    lastActivityAt = normalizeTimestamp(activityCell);
    if (lastActivityAt === null) return `last_activity_at "${activityCell}" is not an ISO 8601 date or date-time`;
  }
  const displayName = cell(fields, c.display_name);
  const record: GrantRecord = {
    accountId,
    role,
    scope: cell(fields, c.scope),
    identityRef: ownerRef(cell(fields, c.identity)),
    accountDisplayName: displayName === '' ? null : displayName,
    accountType,
    accountStatus,
    lastActivityAt,
  };
  // detail: the grant's structured detail (GrantDetail) as one JSON object, e.g. an export of
  // custody-policy grants; empty = none.
  const detailCell = cell(fields, c.detail);
  if (detailCell !== '') {
    const detail = jsonObject(detailCell);
    if (detail === null) return 'detail is not a JSON object';
    record.detail = detail;
  }
  return record;
}

function jsonObject(text: string): GrantDetail | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as GrantDetail) : null;
  } catch {
    return null;
  }
}

export type IdentityLayout = HeaderLayout<IdentityColumn>;

/** Maps one row of an HR export; returns the reason when the row breaks the format. */
export function mapIdentityRow(fields: readonly string[], layout: IdentityLayout): IdentityRecord | string {
  if (fields.length !== layout.width) return `expected ${layout.width} columns, found ${fields.length}`;
  const c = layout.index;
  const id = cell(fields, c.id);
  if (id === '') return 'id is empty';
  const emailCell = cell(fields, c.email);
  if (emailCell !== '' && emailCell.indexOf('@') < 1) return `email "${emailCell}" is not an email address`;
  const email = emailCell === '' ? null : emailCell.toLowerCase();
  const statusCell = cell(fields, c.status);
  const status = lookup(IDENTITY_STATUS, statusCell);
  if (status === undefined) {
    return statusCell === '' ? 'status is empty (one of active, disabled, terminated)' : `status "${statusCell}" is not one of active, disabled, terminated`;
  }
  const typeCell = cell(fields, c.employment_type);
  const employmentType = lookup(EMPLOYMENT_TYPE, typeCell);
  if (employmentType === undefined) return `employment_type "${typeCell}" is not one of employee, contractor, third-party`;
  const contractCell = cell(fields, c.contract_end);
  let contractEnd: string | null = null;
  if (contractCell !== '') {
    contractEnd = normalizeDate(contractCell);
    if (contractEnd === null) return `contract_end "${contractCell}" is not a date (YYYY-MM-DD)`;
  }
  const displayName = cell(fields, c.display_name);
  const optional = (i: number): string | null => {
    const v = cell(fields, i);
    return v === '' ? null : v;
  };
  return {
    id,
    email,
    // A person without a name in HR is still reviewable: show the email, else the id.
    displayName: displayName === '' ? (email ?? id) : displayName,
    department: optional(c.department),
    jobTitle: optional(c.job_title),
    managerRef: ownerRef(cell(fields, c.manager)),
    groups: splitGroups(cell(fields, c.groups)),
    aliases: [],
    status,
    employmentType,
    contractEnd,
    lastSignInAt: null,
  };
}

/** `a; b;;a` -> ['a', 'b']: trimmed, empties dropped, duplicates removed, order kept. */
export function splitGroups(value: string): string[] {
  if (value === '') return [];
  return [...new Set(value.split(';').map((g) => g.trim()).filter((g) => g !== ''))];
}
