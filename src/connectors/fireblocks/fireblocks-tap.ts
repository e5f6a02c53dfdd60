/**
 * The Fireblocks transaction authorization policy (TAP), parsed into plain data. Pure: no I/O.
 *
 * Read from `GET /v1/policy/active_policy?policyType=...` (Policy Editor V2, fireblocks/ts-sdk
 * docs/apis/PolicyEditorV2Api.md: "Endpoint Permissions: Owner, Admin, Non-Signing Admin"),
 * which answers PolicyAndValidationResponse `{ policy: { rules: PolicyRule[], metadata }, validation }`.
 * Why V2 and not the legacy `GET /v1/tap/active_policy` (LegacyPolicyRule, also not deprecated):
 * a V2 rule has a required `id` and `name` (a legacy rule has no id, only an optional
 * `externalDescriptor`), and a grant needs a stable scope so that a revoke can be verified
 * by a later snapshot; V2 also states `canInitiatorApprove` and the approval groups with
 * their `threshold` explicitly, and its permission is documented.
 *
 * PolicyRule fields read (docs/models/PolicyRule.md and the models it links):
 *   id, name, type (PolicyType), index
 *   initiator    InitiatorConfigPattern { users?: string[], groups?: string[], services?, fbAdminGroups?, exchange?, operator?: 'INCLUDES' }
 *   verdict      VerdictConfig { action: ALLOW | BLOCK | 2-TIER | ..., approvers?: ApproversConfig, designatedSigners?: DesignatedSignersConfig }
 *     approvers          { canInitiatorApprove, operator?: 'AND' | 'OR', allowOperatorAsAuthorizer?, approvalGroups?: [{ threshold, users?, groups? }] }
 *     designatedSigners  { type: SINGLE | MULTIPLE | INITIATOR, users?, groups? }
 *   source / destination   { operator, type?: AccountType2[], subType?, ids?: AccountIdentifier[] { type, id?, subType?, address? }, tags?, addressType (destination) }
 *   asset        AssetConfig { nftTransfer, assetTypes?: string[], operator? }
 *   amount       AmountConfig { range: { min: string, max?: string }, currency?: NATIVE | USD | EUR }
 *   amountOverTime AmountOverTimeConfig { range, currency, timePeriod: { seconds } }
 *
 * What cannot be read safely is a problem of the rule (it is then left out, and the
 * snapshot is partial): a rule without id, an initiator or approver list with an operator
 * other than INCLUDES (its members would be everyone but the listed ones), a malformed list.
 * A user or group id `*` means any user.
 */

export interface TapParties {
  /** User ids listed directly. */
  users: string[];
  /** User group ids listed. */
  groups: string[];
  /** `*`: every user of the workspace. */
  anyone: boolean;
}

export interface TapApprovalGroup extends TapParties {
  /** Approvals needed from this group's members. */
  threshold: number;
}

export interface TapApprovers {
  canInitiatorApprove: boolean;
  /** How the groups combine: AND every group's threshold, OR any one's. */
  operator: 'AND' | 'OR';
  groups: TapApprovalGroup[];
}

export interface TapSigners extends TapParties {
  /** SINGLE | MULTIPLE | INITIATOR (the initiator signs). */
  type: string;
}

export interface TapAccounts {
  /** Readable terms, e.g. `VAULT 0`, `any EXCHANGE`; empty = any. */
  terms: string[];
}

export interface TapAmount {
  min: string | null;
  max: string | null;
  currency: string | null;
  /** Set for an amount accumulated over time (amountOverTime). */
  periodSeconds: string | null;
}

export interface TapRule {
  id: string;
  name: string;
  /** PolicyType: TRANSFER, CONTRACT_CALL, RAW, ... */
  type: string;
  /** The verdict: ALLOW, BLOCK, 2-TIER, ... */
  action: string;
  initiators: TapParties;
  approvers: TapApprovers | null;
  designatedSigners: TapSigners | null;
  assets: string[];
  source: TapAccounts;
  destination: TapAccounts & { addressType: string | null };
  amount: TapAmount | null;
}

export interface ParsedTap {
  rules: TapRule[];
  problems: string[];
}

/** The `policy.rules` of a PolicyAndValidationResponse, or null when the answer has another shape. */
export function tapRulesOf(body: unknown): unknown[] | null {
  if (isRecord(body) && isRecord(body.policy) && Array.isArray(body.policy.rules)) return body.policy.rules;
  return null;
}

export function parseTapRules(rules: readonly unknown[]): ParsedTap {
  const parsed: TapRule[] = [];
  const problems: string[] = [];
  rules.forEach((raw, index) => {
    const result = parseTapRule(raw, index);
    if ('problem' in result) problems.push(result.problem);
    else parsed.push(result.rule);
  });
  return { rules: parsed, problems };
}

export function parseTapRule(raw: unknown, index: number): { rule: TapRule } | { problem: string } {
  if (!isRecord(raw)) return { problem: `TAP rule #${index}: not an object; not read` };
  const id = text(raw.id);
  const where = `TAP rule #${index}${id !== null ? ` (id ${id})` : ''}`;
  if (id === null) return { problem: `${where}: missing id; not read` };
  const fail = (what: string) => ({ problem: `${where}: ${what}; not read` });
  const verdict = isRecord(raw.verdict) ? raw.verdict : null;
  const action = text(verdict?.action);
  if (action === null) return fail('missing verdict.action');

  const initiators = parties(raw.initiator ?? {}, 'initiator');
  if ('problem' in initiators) return fail(initiators.problem);

  let approvers: TapApprovers | null = null;
  if (verdict?.approvers !== undefined && verdict.approvers !== null) {
    const a = verdict.approvers;
    if (!isRecord(a)) return fail('verdict.approvers is not an object');
    const operator = a.operator === undefined || a.operator === null ? 'AND' : a.operator;
    if (operator !== 'AND' && operator !== 'OR') return fail(`verdict.approvers.operator ${JSON.stringify(operator)} not understood`);
    const groups: TapApprovalGroup[] = [];
    const list = a.approvalGroups ?? [];
    if (!Array.isArray(list)) return fail('verdict.approvers.approvalGroups is not a list');
    for (const [i, g] of list.entries()) {
      const p = parties(g, `approvalGroups[${i}]`);
      if ('problem' in p) return fail(p.problem);
      const threshold = (g as Record<string, unknown>).threshold;
      if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0) return fail(`approvalGroups[${i}].threshold is not a whole number`);
      groups.push({ ...p, threshold });
    }
    // canInitiatorApprove is required by the model; the older allowOperatorAsAuthorizer says the same.
    const canInitiatorApprove = a.canInitiatorApprove === true || (a.canInitiatorApprove === undefined && a.allowOperatorAsAuthorizer === true);
    approvers = { canInitiatorApprove, operator, groups };
  }

  let designatedSigners: TapSigners | null = null;
  if (verdict?.designatedSigners !== undefined && verdict.designatedSigners !== null) {
    const p = parties(verdict.designatedSigners, 'designatedSigners');
    if ('problem' in p) return fail(p.problem);
    designatedSigners = { ...p, type: text((verdict.designatedSigners as Record<string, unknown>).type) ?? 'MULTIPLE' };
  }

  const destination = isRecord(raw.destination) ? raw.destination : null;
  return {
    rule: {
      id,
      name: text(raw.name) ?? id,
      type: text(raw.type) ?? 'TRANSFER',
      action,
      initiators,
      approvers,
      designatedSigners,
      assets: isRecord(raw.asset) ? strings(raw.asset.assetTypes) : [],
      source: { terms: accountTerms(raw.source) },
      destination: { terms: accountTerms(destination), addressType: text(destination?.addressType) },
      amount: amountOf(raw.amount, raw.amountOverTime),
    },
  };
}

/** users/groups lists of an initiator, approval group or designated signers object. */
function parties(raw: unknown, what: string): TapParties | { problem: string } {
  if (!isRecord(raw)) return { problem: `${what} is not an object` };
  if (raw.operator !== undefined && raw.operator !== null && raw.operator !== 'INCLUDES') {
    return { problem: `${what}.operator ${JSON.stringify(raw.operator)} not understood (only INCLUDES is read)` };
  }
  for (const key of ['users', 'groups'] as const) {
    const v = raw[key];
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) return { problem: `${what}.${key} is not a list of ids` };
  }
  const users = strings(raw.users);
  const groups = strings(raw.groups);
  const anyone = users.includes('*') || groups.includes('*');
  return { users: users.filter((u) => u !== '*'), groups: groups.filter((g) => g !== '*'), anyone };
}

function accountTerms(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const terms: string[] = [];
  if (Array.isArray(raw.ids)) {
    for (const id of raw.ids) {
      if (!isRecord(id)) continue;
      const type = text(id.type) ?? 'account';
      const ref = text(id.id) ?? text(id.address);
      terms.push(ref === null ? `any ${type}` : `${type} ${ref}`);
    }
  }
  for (const type of strings(raw.type)) if (type !== '*' && type !== 'ANY') terms.push(`any ${type}`);
  return terms;
}

function amountOf(amount: unknown, overTime: unknown): TapAmount | null {
  const a = isRecord(amount) ? amount : isRecord(overTime) ? overTime : null;
  if (a === null) return null;
  const range = isRecord(a.range) ? a.range : {};
  const period = isRecord(a.timePeriod) ? numberText(a.timePeriod.seconds) : null;
  return { min: numberText(range.min), max: numberText(range.max), currency: text(a.currency), periodSeconds: a === overTime ? period : null };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

function numberText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return text(v);
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
