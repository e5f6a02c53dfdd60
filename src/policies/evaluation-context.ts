/**
 * What a policy evaluation reads: the configured systems and their policies, the
 * separation-of-duties rules, the global rules, the current identities, each system's last
 * certification and the time. Everything is plain data, so the evaluation is pure.
 */
import type { GlobalPolicy, SodRule, SystemPolicy } from '../config/policy-config.js';
import type { Criticality, SystemKind } from '../config/system-config.js';
import type { Finding, Grant, Identity } from '../domain/index.js';

export interface EvaluationSystem {
  id: string;
  criticality: Criticality;
  kind: SystemKind;
}

/** A system's policy file; `file` names it in reasons and evidence. */
export type EvaluationPolicy = Pick<SystemPolicy, 'system' | 'dormantAfterDays' | 'unknownRoles' | 'roles'> & { file?: string };

/** The last closed review of a system: grants it approved, and when it froze its scope. */
export interface Certification {
  campaignId: string;
  /** When the campaign opened and froze the grants in scope. */
  openedAt: string;
  /** When it closed. */
  certifiedAt: string;
  approvedGrantIds: Iterable<string>;
}

export interface EvaluationContext {
  systems: readonly EvaluationSystem[];
  policies: readonly EvaluationPolicy[];
  sodRules: readonly SodRule[];
  global: Pick<GlobalPolicy, 'dormantAfterDays' | 'leaverGraceDays'>;
  identities: readonly Identity[];
  /** systemId -> its last certification; a system missing here was never certified. */
  certifications?: ReadonlyMap<string, Certification>;
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
