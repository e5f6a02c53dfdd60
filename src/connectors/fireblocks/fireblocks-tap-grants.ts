/**
 * TAP rules -> grants held by user accounts. Pure: no I/O.
 *
 * Each rule that does not BLOCK gives, per user account:
 *   tap:initiator  the account may initiate what the rule covers (initiator users, members of initiator groups)
 *   tap:approver   the account's approval counts toward one of the rule's approval groups
 *   tap:signer     the account is a designated signer (type INITIATOR: the initiators sign)
 * A user reached several ways (directly and through groups) holds one grant per role and
 * rule; `via` lists every path (`user`, `group <name>`, `any user`).
 *
 * Scope: `TAP rule <rule id>`, nothing else. The grant id is derived from the scope, and a
 * revoke is verified when a later snapshot no longer holds that id: were the name, amount,
 * assets or thresholds part of the scope, editing any of them would make the grant vanish
 * and verify a removal that never happened (the person still approves). Everything a
 * reviewer reads ("can approve TRANSFER over 1000000 EUR from VAULT 0 ...") and everything a
 * finding rule needs is in the grant's detail, which may change without changing the grant.
 *
 * User groups come from GET /v1/management/user_groups: `[{ id, name, status, memberIds }]`
 * (UserGroupsResponse). A rule naming a user or group that the lists do not hold is a
 * problem (the snapshot is then partial), never a silently missing grant.
 */
import type { GrantRecord } from '../connector.js';
import type { JsonValue } from '../../domain/index.js';
import type { TapAmount, TapApprovers, TapParties, TapRule } from './fireblocks-tap.js';

export const TAP_ROLES = { initiator: 'tap:initiator', approver: 'tap:approver', signer: 'tap:signer' } as const;

/** A user group as GET /v1/management/user_groups answers it. */
export interface TapUserGroup {
  id: string;
  name: string;
  memberIds: string[];
}

/** What the user lists say about an account; the TAP grants carry it unchanged. */
export type TapAccount = Pick<GrantRecord, 'accountId' | 'identityRef' | 'accountDisplayName' | 'accountType' | 'accountStatus' | 'lastActivityAt'>;

/** The rule a TAP grant comes from. (Type aliases, not interfaces: they must be JSON values.) */
export type TapRuleRef = {
  id: string;
  name: string;
  type: string;
  action: string;
};

/** One approval group of the rule, seen from the holder: `via` is empty when they are not in it. */
export type TapApprovalGroupFacts = {
  threshold: number;
  /** Distinct users whose approval counts in this group. */
  members: number;
  via: string[];
};

/**
 * The structured facts of a TAP grant: its GrantDetail. The crypto separation-of-duties
 * rules (src/policies/rules/tap-*.ts) read these keys; renaming one breaks them.
 */
export type TapGrantDetail = {
  [key: string]: JsonValue | undefined;
  /** What a reviewer reads: "can approve TRANSFER over 1000000 EUR from VAULT 0 to any destination under TAP rule ...". */
  summary: string;
  tapRule: TapRuleRef;
  /** What the grant lets the holder do under the rule. */
  duty: 'initiate' | 'approve' | 'sign';
  /** How the holder gets the role under this rule: `user`, `group <name>`, `any user`. */
  via: string[];
  /** Approver and initiator grants: whether the rule lets the initiator approve their own transaction. */
  canInitiatorApprove?: boolean;
  /** Approver grants: how the approval groups combine, and the holder's place in each. */
  approvals?: { operator: 'AND' | 'OR'; groups: TapApprovalGroupFacts[] };
};

export function tapScope(ruleId: string): string {
  return `TAP rule ${ruleId}`;
}

export function userGroupsOf(body: unknown): { groups: TapUserGroup[]; problems: string[] } | null {
  if (!Array.isArray(body)) return null;
  const groups: TapUserGroup[] = [];
  const problems: string[] = [];
  body.forEach((raw: unknown, index) => {
    const g = isRecord(raw) ? raw : null;
    const id = typeof g?.id === 'string' && g.id !== '' ? g.id : null;
    if (g === null || id === null) {
      problems.push(`user group #${index}: missing id; not read`);
      return;
    }
    const memberIds = Array.isArray(g.memberIds) ? g.memberIds.filter((m): m is string => typeof m === 'string') : [];
    groups.push({ id, name: typeof g.name === 'string' && g.name !== '' ? g.name : id, memberIds });
  });
  return { groups, problems };
}

/**
 * Maps the rules to grants of the known accounts. `accounts` holds every console and API
 * user (TAP grants of API users are reported whatever includeApiUsers says: automated
 * initiators are what a custody review must see).
 */
export function mapTapGrants(rules: readonly TapRule[], groups: readonly TapUserGroup[], accounts: ReadonlyMap<string, TapAccount>): { grants: GrantRecord[]; problems: string[] } {
  const groupById = new Map(groups.map((g) => [g.id, g]));
  const problems: string[] = [];
  const grants: GrantRecord[] = [];
  for (const rule of rules) {
    if (rule.action === 'BLOCK') continue;
    const where = `TAP rule ${rule.id} ("${rule.name}")`;
    const resolve = (p: TapParties, what: string) => resolveParties(p, groupById, accounts, (msg) => problems.push(`${where}: ${what}: ${msg}; its grants are missing`));
    const ref: TapRuleRef = { id: rule.id, name: rule.name, type: rule.type, action: rule.action };
    const coverage = coverageText(rule);
    const ruleText = `under TAP rule "${rule.name}" (${rule.id})`;
    const initiators = resolve(rule.initiators, 'initiator');
    const approverGroups = (rule.approvers?.groups ?? []).map((g, i) => ({ threshold: g.threshold, holders: resolve(g, `approval group ${i + 1}`) }));
    const approvalText = rule.approvers ? approvalsText(rule.approvers, approverGroups.map((g) => g.holders.size)) : '';

    for (const [accountId, via] of initiators) {
      const noApproval = rule.approvers === null || approverGroups.every((g) => g.threshold === 0);
      grants.push(grant(accounts, accountId, TAP_ROLES.initiator, rule.id, {
        summary: `can initiate ${coverage} ${ruleText}${noApproval ? ', without approval' : `; ${approvalText}`}`,
        tapRule: ref,
        duty: 'initiate',
        via,
        canInitiatorApprove: rule.approvers?.canInitiatorApprove ?? false,
      }));
    }

    const approvers = new Map<string, string[]>();
    for (const g of approverGroups) for (const [accountId, via] of g.holders) approvers.set(accountId, [...new Set([...(approvers.get(accountId) ?? []), ...via])]);
    for (const [accountId, via] of approvers) {
      grants.push(grant(accounts, accountId, TAP_ROLES.approver, rule.id, {
        summary: `can approve ${coverage} ${ruleText}; ${approvalText}`,
        tapRule: ref,
        duty: 'approve',
        via,
        canInitiatorApprove: rule.approvers!.canInitiatorApprove,
        approvals: { operator: rule.approvers!.operator, groups: approverGroups.map((g) => ({ threshold: g.threshold, members: g.holders.size, via: g.holders.get(accountId) ?? [] })) },
      }));
    }

    const signers = rule.designatedSigners;
    if (signers) {
      const holders = signers.type === 'INITIATOR' ? new Map([...initiators].map(([id]) => [id, ['initiator signs']])) : resolve(signers, 'designated signers');
      for (const [accountId, via] of holders) {
        grants.push(grant(accounts, accountId, TAP_ROLES.signer, rule.id, { summary: `signs ${coverage} ${ruleText}`, tapRule: ref, duty: 'sign', via }));
      }
    }
  }
  return { grants, problems };
}

function grant(accounts: ReadonlyMap<string, TapAccount>, accountId: string, role: string, ruleId: string, detail: TapGrantDetail): GrantRecord {
  const a = accounts.get(accountId)!;
  return { accountId, role, scope: tapScope(ruleId), identityRef: a.identityRef, accountDisplayName: a.accountDisplayName, accountType: a.accountType, accountStatus: a.accountStatus, lastActivityAt: a.lastActivityAt, detail };
}

/** accountId -> its paths, in the order the policy lists them. */
function resolveParties(p: TapParties, groups: ReadonlyMap<string, TapUserGroup>, accounts: ReadonlyMap<string, TapAccount>, problem: (msg: string) => void): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (id: string, via: string) => {
    const paths = out.get(id);
    if (!paths) out.set(id, [via]);
    else if (!paths.includes(via)) paths.push(via);
  };
  if (p.anyone) for (const id of accounts.keys()) add(id, 'any user');
  for (const id of p.users) {
    if (accounts.has(id)) add(id, 'user');
    else problem(`user ${id} is not in the workspace's user lists`);
  }
  for (const groupId of p.groups) {
    const group = groups.get(groupId);
    if (!group) {
      problem(`user group ${groupId} is not in GET /v1/management/user_groups`);
      continue;
    }
    for (const member of group.memberIds) {
      if (accounts.has(member)) add(member, `group ${group.name}`);
      else problem(`member ${member} of user group "${group.name}" is not in the workspace's user lists`);
    }
  }
  return out;
}

/** "TRANSFER of any asset over 1000000 EUR from VAULT 0 to any destination". */
export function coverageText(rule: TapRule): string {
  const assets = rule.assets.length === 0 ? 'any asset' : rule.assets.join(', ');
  const amount = rule.amount ? ` ${amountText(rule.amount)}` : '';
  const from = rule.source.terms.length === 0 ? 'any source' : rule.source.terms.join(' or ');
  const to = rule.destination.terms.length === 0 ? 'any destination' : rule.destination.terms.join(' or ');
  const addressType = rule.destination.addressType === 'WHITELISTED' ? ' (whitelisted addresses only)' : rule.destination.addressType === 'ONE_TIME' ? ' (one-time addresses)' : '';
  return `${rule.type} of ${assets}${amount} from ${from} to ${to}${addressType}`;
}

function amountText(a: TapAmount): string {
  const currency = a.currency ? ` ${a.currency}` : '';
  const min = a.min !== null && Number(a.min) !== 0 ? a.min : null;
  const range = min !== null && a.max !== null ? `between ${min} and ${a.max}${currency}` : min !== null ? `over ${min}${currency}` : a.max !== null ? `up to ${a.max}${currency}` : `of any amount`;
  return a.periodSeconds !== null ? `${range} accumulated over ${a.periodSeconds} s` : range;
}

/** "needs 2 of 3 approvers in group 1 AND 1 of 2 in group 2; the initiator may approve". */
function approvalsText(a: TapApprovers, members: number[]): string {
  const parts = a.groups.map((g, i) => `${g.threshold} of ${members[i]} in approval group ${i + 1}`);
  const needs = parts.length === 0 ? 'needs no approval' : `needs ${parts.join(` ${a.operator} `)}`;
  return `${needs}; the initiator ${a.canInitiatorApprove ? 'may' : 'may not'} approve`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
