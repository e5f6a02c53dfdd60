/**
 * The policy engine: grants x identities x policies -> findings, in one pass.
 *
 * Policies are compiled once (role tables, matchers, SoD references, dormancy thresholds);
 * grants then stream through `add()` in batches and are not kept, except the few that
 * feed a cross-grant rule (roles named by a separation-of-duties rule, roles with
 * `maxHolders`), which `finish()` settles. Pure: no I/O, the time is an input.
 *
 * Rules (one finding per grant unless said otherwise; key = type | rule id | grant id):
 * - Only live access is judged: grants of `disabled` or `locked` accounts raise nothing
 *   (they are still reviewed in campaigns) and do not count as holders.
 * - `orphaned-account`: no current identity owns the account (no reference, a reference
 *   that matches no identity, or an owner no longer in the identity source). A service
 *   account needs an owner like anyone else: `accountType: service` roles are judged on
 *   their owner. `not-allowed` needs an identity to judge, so an unowned account raises
 *   `orphaned-account` instead (one finding, not two).
 * - `not-allowed`: the role is in the policy, the account has an owner, and no
 *   `allowedFor` matcher matches the owner; or the role names an `accountType` and the
 *   account is of the other type.
 * - `unknown-role`: the role is not in the system's policy and the policy says
 *   `unknownRoles: flag`. A system with no policy file at all raises ONE `unknown-role`
 *   per distinct role (no grant; rule `policy:<system>:no-policy`) plus a warning: the
 *   gap is visible and fails `--fail-on`, without one finding per grant.
 * - `sod-conflict`: a holder (identity, or an unowned account) holds every role of a rule,
 *   across systems; one finding per grant taking part.
 * - `max-holders-exceeded`: more distinct holders (identities; an unowned account counts
 *   as its own holder) of a role, over all scopes, than `maxHolders`; one finding per
 *   holder grant, so each reviewer sees it on the grant they decide.
 * - `dormant`: last activity older than `dormantAfterDays` (system policy, else global);
 *   never used (no last activity) counts from when iam-review first saw the grant.
 * - `leaver-access`: the owner is `disabled` or `terminated`. The grace period
 *   (`leaverGraceDays`) runs from the day after `contract_end`, the only leave date an
 *   identity source gives; without one there is nothing to count from and the finding is
 *   raised at once.
 * - `contract-ended`: a contractor or third-party owner still `active` in the identity
 *   source, whose `contract_end` (end of that day, UTC) plus the grace period has passed.
 *   A disabled/terminated owner raises `leaver-access` instead.
 * - `new-since-last-review`: the system was certified (a closed campaign) and the grant was
 *   first seen after that campaign froze its scope, and was not approved in it. A system
 *   never certified raises none: every grant would be "new", which says nothing; the
 *   review cadence (DORA: 6/12 months) is the control for systems never reviewed.
 */
import type { RolePolicy } from '../config/policy-config.js';
import type { Finding, FindingType, Grant, Identity, Severity } from '../domain/index.js';
import { findingKey, IdentityIndex, identityLabel } from '../domain/index.js';
import type { Certification, EvaluationContext, EvaluationPolicy, EvaluationResult } from './evaluation-context.js';
import { compareFindings } from './finding-order.js';
import type { CompiledMatchers, IdentityProfile } from './identity-matcher.js';
import { compileMatchers, identityProfile } from './identity-matcher.js';
import { DAY_MS, daysBetween, Instant } from './instant.js';
import { severityFor } from './severity.js';
import { SodTracker } from './sod-tracker.js';

interface RoleInfo {
  /** The role as the policy writes it, or as the grant has it when unknown. */
  name: string;
  policy: RolePolicy | undefined;
  allowed: CompiledMatchers | null;
  privileged: boolean;
  sodRef: number;
  /** holder -> grants, for roles with maxHolders. */
  holders: Map<string, Grant[]> | null;
}

interface SystemState {
  id: string;
  critical: boolean;
  report: boolean;
  policy: EvaluationPolicy | null;
  policyFile: string;
  roles: Map<string, RoleInfo>;
  rolesLower: Map<string, RoleInfo>;
  capped: RoleInfo[];
  dormantDays: number;
  dormantRuleId: string;
  dormantBefore: Instant;
  cert: { campaignId: string; openedAt: Instant; certifiedAt: string; approved: Set<string> } | null;
  /** Roles seen on a system without a policy file: role -> grants and a few accounts. */
  noPolicyRoles: Map<string, { grants: number; accounts: string[] }> | null;
}

interface IdentityInfo {
  identity: Identity;
  profile: IdentityProfile;
  label: string;
  leaver: boolean;
  contractEnded: boolean;
}

const ORPHAN_RULE = 'global:orphaned-account';
const LEAVER_RULE = 'global:leaver-access';
const CONTRACT_RULE = 'global:contract-ended';
const DRIFT_RULE = 'global:new-since-last-review';
const SAMPLE_ACCOUNTS = 5;
const HOLDER_LABELS = 20;

export class PolicyEvaluator {
  private readonly systems = new Map<string, SystemState>();
  private readonly identities = new Map<string, IdentityInfo>();
  private readonly index: IdentityIndex;
  private readonly sod: SodTracker;
  private readonly findings: Finding[] = [];
  private readonly warnings: string[] = [];
  private readonly unknownSystems = new Set<string>();
  private readonly nowMs: number;
  private readonly graceDays: number;
  private last: SystemState | null = null;
  private count = 0;
  private finished = false;

  constructor(private readonly ctx: EvaluationContext) {
    this.nowMs = ctx.now.getTime();
    this.graceDays = ctx.global.leaverGraceDays;
    this.sod = new SodTracker(ctx.sodRules);
    this.index = new IdentityIndex(ctx.identities);
    for (const identity of ctx.identities) this.identities.set(identity.id, this.identityInfo(identity));
    const policies = new Map(ctx.policies.map((p) => [p.system, p]));
    for (const system of ctx.systems) {
      this.systems.set(system.id, this.compileSystem(system.id, system.criticality === 'critical', policies.get(system.id) ?? null, ctx.certifications?.get(system.id) ?? null));
    }
  }

  /** Reads one batch of grants. */
  add(grants: readonly Grant[]): void {
    if (this.finished) throw new Error('PolicyEvaluator: add() after finish()');
    for (const g of grants) this.evaluateGrant(g);
  }

  /** Settles the cross-grant rules and returns every finding, ordered. */
  finish(): EvaluationResult {
    if (this.finished) throw new Error('PolicyEvaluator: finish() called twice');
    this.finished = true;
    for (const st of this.systems.values()) {
      if (!st.report) continue;
      for (const role of st.capped) this.maxHolderFindings(st, role);
      if (st.noPolicyRoles) this.noPolicyFindings(st);
    }
    for (const conflict of this.sod.conflicts()) {
      conflict.grants.sort(compareGrants);
      for (const g of conflict.grants) {
        if (!this.systems.get(g.systemId)!.report) continue;
        const owner = this.ownerOf(g);
        const others = conflict.grants.filter((o) => o.systemId !== g.systemId || o.role !== g.role).map((o) => `${o.systemId}:${o.role}`);
        this.push('sod-conflict', conflict.rule.severity, conflict.rule.id, g, owner, `${owner?.label ?? `unowned account ${g.accountId}`} holds ${g.systemId}:${g.role} and also ${[...new Set(others)].join(', ')}: ${conflict.rule.description} (${conflict.rule.id})`, {
          rule: conflict.rule.id,
          description: conflict.rule.description,
          roles: conflict.rule.roles,
          conflictingGrants: conflict.grants.map((o) => ({ grantId: o.id, systemId: o.systemId, accountId: o.accountId, role: o.role, scope: o.scope })),
        });
      }
    }
    for (const s of this.unknownSystems) this.warnings.push(`grants of system "${s}" were skipped: no file in connectors/ configures it`);
    this.findings.sort(compareFindings);
    return { findings: this.findings, warnings: this.warnings, grants: this.count };
  }

  private compileSystem(id: string, critical: boolean, policy: EvaluationPolicy | null, cert: Certification | null): SystemState {
    const policyFile = policy?.file ?? `policies/${id}.yaml`;
    const dormantDays = policy?.dormantAfterDays ?? this.ctx.global.dormantAfterDays;
    const st: SystemState = {
      id,
      critical,
      report: this.ctx.reportSystems ? this.ctx.reportSystems.has(id) : true,
      policy,
      policyFile,
      roles: new Map(),
      rolesLower: new Map(),
      capped: [],
      dormantDays,
      dormantRuleId: policy?.dormantAfterDays !== undefined ? `policy:${id}:dormant` : 'global:dormant',
      dormantBefore: new Instant(this.nowMs - dormantDays * DAY_MS),
      cert: cert && { campaignId: cert.campaignId, openedAt: Instant.of(cert.openedAt), certifiedAt: cert.certifiedAt, approved: new Set(cert.approvedGrantIds) },
      noPolicyRoles: policy ? null : new Map(),
    };
    for (const [name, rp] of Object.entries(policy?.roles ?? {})) {
      const info: RoleInfo = {
        name,
        policy: rp,
        allowed: compileMatchers(rp.allowedFor),
        privileged: rp.privileged,
        sodRef: this.sod.refOf(id, name),
        holders: rp.maxHolders !== undefined ? new Map() : null,
      };
      st.roles.set(name, info);
      if (!st.rolesLower.has(name.toLowerCase())) st.rolesLower.set(name.toLowerCase(), info);
      if (info.holders) st.capped.push(info);
    }
    return st;
  }

  /** The role's compiled entry: exact name, else case-insensitive, else an unknown role (memoised). */
  private roleInfo(st: SystemState, role: string): RoleInfo {
    let info = st.roles.get(role);
    if (info) return info;
    info = st.rolesLower.get(role.toLowerCase()) ?? { name: role, policy: undefined, allowed: null, privileged: false, sodRef: this.sod.refOf(st.id, role), holders: null };
    st.roles.set(role, info);
    return info;
  }

  private identityInfo(identity: Identity): IdentityInfo {
    const graceMs = this.graceDays * DAY_MS;
    // The contract ends at the end of its last day (UTC).
    const endMs = identity.contractEnd ? Date.parse(`${identity.contractEnd}T00:00:00.000Z`) + DAY_MS : null;
    const inGrace = endMs !== null && endMs <= this.nowMs && this.nowMs < endMs + graceMs;
    return {
      identity,
      profile: identityProfile(identity),
      label: identityLabel(identity)!,
      leaver: identity.status !== 'active' && !inGrace,
      contractEnded: identity.status === 'active' && identity.employmentType !== 'employee' && endMs !== null && this.nowMs >= endMs + graceMs,
    };
  }

  /** The current identity owning a grant's account: by correlated id, else by its raw reference. */
  private ownerOf(g: Grant): IdentityInfo | null {
    if (g.identityId !== null) {
      const info = this.identities.get(g.identityId);
      if (info) return info;
    }
    if (g.identityRef !== null) {
      const found = this.index.resolve(g.identityRef);
      if (found) return this.identities.get(found.id) ?? null;
    }
    return null;
  }

  private evaluateGrant(g: Grant): void {
    let st = this.last;
    if (st === null || st.id !== g.systemId) {
      st = this.systems.get(g.systemId) ?? null;
      if (st === null) {
        this.unknownSystems.add(g.systemId);
        return;
      }
      this.last = st;
    }
    this.count++;
    if (g.accountStatus !== 'active') return;
    const owner = this.ownerOf(g);
    const role = this.roleInfo(st, g.role);
    const holderKey = owner ? owner.identity.id : `\u0000${g.systemId}\u0000${g.accountId}`;
    if (role.sodRef >= 0) this.sod.hold(holderKey, role.sodRef, g);
    if (!st.report) return;
    if (role.holders) {
      const held = role.holders.get(holderKey);
      if (held) held.push(g);
      else role.holders.set(holderKey, [g]);
    }

    const critical = st.critical;
    const privileged = role.privileged;

    if (owner === null) {
      const why =
        g.identityId !== null
          ? `its owner "${g.identityId}" is no longer in the identity source`
          : g.identityRef !== null
            ? `its owner reference "${g.identityRef}" matches no identity`
            : 'no owner identity is recorded for it';
      const what = g.accountType === 'service' ? 'service account' : 'account';
      this.push('orphaned-account', severityFor('orphaned-account', privileged, critical), ORPHAN_RULE, g, null, `${what} ${g.accountId} on ${g.systemId} holds ${g.role} but ${why}${g.accountType === 'service' ? ' (a service account must have an owner to be allowed)' : ''}`, {
        identityRef: g.identityRef,
        staleIdentityId: g.identityId,
        accountType: g.accountType,
        accountDisplayName: g.accountDisplayName,
      });
    }

    if (st.policy === null) {
      const seen = st.noPolicyRoles!.get(g.role);
      if (seen) {
        seen.grants++;
        if (seen.accounts.length < SAMPLE_ACCOUNTS && !seen.accounts.includes(g.accountId)) seen.accounts.push(g.accountId);
      } else {
        st.noPolicyRoles!.set(g.role, { grants: 1, accounts: [g.accountId] });
      }
    } else if (role.policy === undefined) {
      if (st.policy.unknownRoles === 'flag') {
        this.push('unknown-role', severityFor('unknown-role', false, critical), `policy:${st.id}:unknown-role`, g, owner, `${owner?.label ?? `account ${g.accountId}`} holds ${g.role} on ${g.systemId}, a role ${st.policyFile} does not list (unknownRoles: flag)`, {
          policyFile: st.policyFile,
        });
      }
    } else if (owner !== null) {
      const wanted = role.policy.accountType;
      if (wanted !== undefined && wanted !== g.accountType) {
        this.push('not-allowed', severityFor('not-allowed', privileged, critical), `policy:${st.id}:${role.name}`, g, owner, `${g.role} on ${g.systemId} is for ${wanted} accounts; ${g.accountId} (owner ${owner.label}) is a ${g.accountType} account`, {
          policyFile: st.policyFile,
          requiredAccountType: wanted,
          accountType: g.accountType,
        });
      } else if (!role.allowed!(owner.profile)) {
        const i = owner.identity;
        this.push('not-allowed', severityFor('not-allowed', privileged, critical), `policy:${st.id}:${role.name}`, g, owner, `${owner.label} (${i.department ?? 'no department'}, ${i.jobTitle ?? 'no job title'}) holds ${g.role} on ${g.systemId}${g.accountType === 'service' ? ` through service account ${g.accountId}` : ''}, but no allowedFor matcher of ${st.policyFile} matches`, {
          policyFile: st.policyFile,
          department: i.department,
          jobTitle: i.jobTitle,
          groups: i.groups,
          employmentType: i.employmentType,
        });
      }
    }

    if (owner !== null) {
      const i = owner.identity;
      if (owner.leaver) {
        this.push('leaver-access', severityFor('leaver-access', privileged, critical), LEAVER_RULE, g, owner, `${owner.label} is ${i.status} in the identity source but ${g.accountType === 'service' ? `owns active service account ${g.accountId}` : `account ${g.accountId} is still active`} with ${g.role} on ${g.systemId}`, {
          identityStatus: i.status,
          contractEnd: i.contractEnd,
          leaverGraceDays: this.graceDays,
        });
      } else if (owner.contractEnded) {
        this.push('contract-ended', severityFor('contract-ended', privileged, critical), CONTRACT_RULE, g, owner, `${owner.label} (${i.employmentType}) had a contract ending ${i.contractEnd} but still holds ${g.role} on ${g.systemId}`, {
          employmentType: i.employmentType,
          contractEnd: i.contractEnd,
          leaverGraceDays: this.graceDays,
        });
      }
    }

    const since = g.lastActivityAt ?? g.firstSeenAt;
    if (since !== null && st.dormantBefore.isAfter(since)) {
      const days = daysBetween(since, this.nowMs);
      this.push('dormant', severityFor('dormant', privileged, critical), st.dormantRuleId, g, owner, g.lastActivityAt !== null ? `account ${g.accountId} on ${g.systemId} holds ${g.role} but was last active ${days} days ago (allowed: ${st.dormantDays})` : `account ${g.accountId} on ${g.systemId} holds ${g.role} and has never been used in the ${days} days since it was first seen (allowed: ${st.dormantDays})`, {
        lastActivityAt: g.lastActivityAt,
        firstSeenAt: g.firstSeenAt,
        dormantAfterDays: st.dormantDays,
        daysInactive: days,
      });
    }

    const cert = st.cert;
    if (cert !== null && g.firstSeenAt !== null && cert.openedAt.isBefore(g.firstSeenAt) && !cert.approved.has(g.id)) {
      this.push('new-since-last-review', severityFor('new-since-last-review', privileged, critical), DRIFT_RULE, g, owner, `${g.role} on ${g.systemId} for ${owner?.label ?? `account ${g.accountId}`} was first seen ${g.firstSeenAt}, after the last certification (${cert.campaignId}) froze its scope: not yet reviewed`, {
        campaignId: cert.campaignId,
        campaignOpenedAt: cert.openedAt.iso,
        certifiedAt: cert.certifiedAt,
        firstSeenAt: g.firstSeenAt,
      });
    }
  }

  private maxHolderFindings(st: SystemState, role: RoleInfo): void {
    const max = role.policy!.maxHolders!;
    const holders = role.holders!;
    if (holders.size <= max) return;
    // Sorted, so the evidence does not depend on the order grants arrived in.
    const labels = [...holders.values()].map((grants) => this.ownerOf(grants[0]!)?.label ?? `account ${grants[0]!.accountId}`).sort().slice(0, HOLDER_LABELS);
    for (const grants of holders.values()) {
      for (const g of grants) {
        const owner = this.ownerOf(g);
        this.push('max-holders-exceeded', severityFor('max-holders-exceeded', role.privileged, st.critical), `policy:${st.id}:${role.name}:maxHolders`, g, owner, `${role.name} on ${st.id} has ${holders.size} holders, more than maxHolders ${max} (${st.policyFile}); ${owner?.label ?? `account ${g.accountId}`} is one of them`, {
          maxHolders: max,
          holders: holders.size,
          holderLabels: labels,
        });
      }
    }
  }

  private noPolicyFindings(st: SystemState): void {
    if (st.noPolicyRoles!.size > 0) {
      this.warnings.push(`system "${st.id}" has no policy file (${st.policyFile}): its roles are not checked; each role it grants is reported once as unknown-role`);
    }
    for (const [role, seen] of st.noPolicyRoles!) {
      const ruleId = `policy:${st.id}:no-policy`;
      this.findings.push({
        key: findingKey('unknown-role', ruleId, `${st.id}:${role}`),
        type: 'unknown-role',
        severity: severityFor('unknown-role', false, st.critical),
        systemId: st.id,
        grantId: null,
        accountId: null,
        identityId: null,
        role,
        scope: null,
        ruleId,
        reason: `${st.id} has no policy file (${st.policyFile}): role ${role}, held through ${seen.grants} grant(s), is allowed for no one`,
        evidence: { policyFile: st.policyFile, grants: seen.grants, sampleAccounts: seen.accounts },
      });
    }
  }

  private push(type: FindingType, severity: Severity, ruleId: string, g: Grant, owner: IdentityInfo | null, reason: string, evidence: Record<string, unknown>): void {
    this.findings.push({
      key: findingKey(type, ruleId, g.id),
      type,
      severity,
      systemId: g.systemId,
      grantId: g.id,
      accountId: g.accountId,
      identityId: owner?.identity.id ?? null,
      role: g.role,
      scope: g.scope,
      ruleId,
      reason,
      evidence,
    });
  }
}

function compareGrants(a: Grant, b: Grant): number {
  return a.systemId < b.systemId ? -1 : a.systemId > b.systemId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
