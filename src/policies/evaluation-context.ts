/**
 * What a policy evaluation reads: the configured systems and their policies, the
 * separation-of-duties rules, the global rules, the current identities, each system's last
 * certification, the grants that came back after a verified removal and the time. Everything is plain data, so the evaluation is pure.
 */
import type { GlobalPolicy, SodRule, SystemPolicy } from '../config/policy-config.js';
import type { Criticality, SystemKind } from '../config/system-config.js';
import type { Finding, Grant, Identity, SystemCoverage } from '../domain/index.js';

export interface EvaluationSystem {
  id: string;
  criticality: Criticality;
  kind: SystemKind;
}

/** A system's policy file; `file` names it in reasons and evidence. */
export type EvaluationPolicy = Pick<SystemPolicy, 'system' | 'dormantAfterDays' | 'unknownRoles' | 'roles'> & Partial<Pick<SystemPolicy, 'custodyPolicyFindings'>> & { file?: string };

/**
 * A grant whose removal was verified by a snapshot and that a later snapshot shows again
 * (its remediation is `reappeared`): what the `revoked-access-returned` rule reports.
 */
export interface ReturnedGrant {
  remediationId: string;
  /** The revoked review item and its campaign (null for a finding's remediation). */
  itemId: string | null;
  campaignId: string | null;
  /** When, and by which snapshot, the removal was verified. */
  verifiedAt: string | null;
  verifiedSnapshotId: string | null;
  /** When, and in which snapshot, the grant was seen again. */
  reappearedAt: string | null;
  reappearedSnapshotId: string | null;
}

/** The last closed review of a system: grants it approved, and when it froze its scope. */
export interface Certification {
  campaignId: string;
  /** When the campaign opened and froze the grants in scope. */
  openedAt: string;
  /** When it closed. */
  certifiedAt: string;
  approvedGrantIds: Iterable<string>;
  /** Approved grants that had a detail -> that detail as certified (canonical JSON); missing: none. */
  approvedDetails?: Readonly<Record<string, string>>;
}

export interface EvaluationContext {
  systems: readonly EvaluationSystem[];
  policies: readonly EvaluationPolicy[];
  sodRules: readonly SodRule[];
  global: Pick<GlobalPolicy, 'dormantAfterDays' | 'leaverGraceDays'>;
  identities: readonly Identity[];
  /** systemId -> its last certification; a system missing here was never certified. */
  certifications?: ReadonlyMap<string, Certification>;
  /** grantId -> the remediation that verified its removal before it came back; missing: none returned. */
  returnedGrants?: ReadonlyMap<string, ReturnedGrant>;
  /** systemId -> its DORA review cadence coverage (`review-overdue`); missing: not checked. */
  reviewCoverage?: ReadonlyMap<string, SystemCoverage>;
  now: Date;
  /**
   * Systems whose findings are reported (default: every system). Grants of the other
   * systems are still read for separation of duties, which spans systems.
   */
  reportSystems?: ReadonlySet<string>;
}

export interface EvaluationInput extends EvaluationContext {
  /** Every current grant, in batches, any order; each batch is read once. */
  grants: Iterable<readonly Grant[]>;
}

export interface EvaluationResult {
  /** Ordered: severity (high first), type, system, account, role, scope, rule. */
  findings: Finding[];
  /** Config gaps the evaluation noticed (a system without a policy file, ...). */
  warnings: string[];
  /** Grants read. */
  grants: number;
}
