/**
 * The contract of a finding rule: one module per finding type (`rules/<type>.ts`), listed once
 * in the registry (`rules/index.ts`). Everything said about a type elsewhere (Slack badges,
 * the simulated reviewer, severities, the evidence pack's compliance mapping) is read from its
 * rule, so a new type is one new file plus one registry line.
 *
 * Evaluation is streamed (see PolicyEvaluator): a rule is started once per evaluation with
 * `evaluate(ctx)`, gives a check per (system, role) that runs on each live grant of that
 * role, and may report more findings once every grant has been read (`finish`). Rules are
 * pure: no I/O, the time is `ctx.now`; what they find goes to `ctx.report` / `ctx.warn`.
 */
import type { RolePolicy } from '../../config/policy-config.js';
import type { DecisionOutcome, Finding, FindingType, Grant, Identity, Severity } from '../../domain/index.js';
import type { EvaluationContext, EvaluationPolicy } from '../evaluation-context.js';
import type { IdentityProfile } from '../identity-matcher.js';
import type { ComplianceReference } from './compliance-references.js';

export interface FindingRule {
  type: FindingType;
  /**
   * Base severity, raised one level for a privileged role and one for a critical system
   * (`severityFor`); `as-configured` when each configured rule states its own (separation of duties).
   */
  severity: Severity | 'as-configured';
  /** Slack badge of the type on a review item: an emoji and a few words. */
  badge: string;
  /** What a careful reviewer does with an item carrying this finding (the demo's simulated reviewer follows it). */
  recommendation: Recommendation;
  /**
   * A few words naming one finding in a review item's recommendation ("leaver since 2026-11-02"),
   * from its evidence. Without it, the badge's words are used ("too many holders").
   */
  words?(finding: Finding): string;
  /** Requirements this type's findings evidence (the evidence pack's compliance mapping lists them). */
  compliance: readonly ComplianceReference[];
  /** Starts the rule for one evaluation. */
  evaluate(ctx: RuleContext): RuleRun;
}

export interface Recommendation {
  /** `revoke`: the access must go whatever its severity; `approve`: keep it unless a finding is high. */
  decision: DecisionOutcome;
  why: string;
}

/** What a rule reads: the evaluation's inputs, the owner lookup, and where its output goes. */
export interface RuleContext extends EvaluationContext {
  /** The current identity owning a grant's account (the same owner its checks were given), or null. */
  ownerOf(grant: Grant): Owner | null;
  /** Adds a finding; one of a system whose findings are not reported is dropped. */
  report(finding: Finding): void;
  /** Adds a config gap the rule noticed (printed by `check`). */
  warn(text: string): void;
}

export interface RuleRun {
  /**
   * True when the rule needs the grants of systems whose findings are not reported
   * (separation of duties spans systems); otherwise `checkFor` sees reported systems only.
   */
  readsAllSystems?: boolean;
  /**
   * The check run on each live (active account) grant of `role` on `system`, or null when
   * the rule has nothing to check there. Called once per (system, role) before its first
   * grant: each role of the system's policy in policy order, then each role the policy
   * does not know, in the order grants bring them.
   */
  checkFor(system: SystemFacts, role: RoleFacts): GrantCheck | null;
  /** Reports what needs every grant (cross-grant rules); called once, after the last grant. */
  finish?(): void;
}

/** A rule's check of one grant; `owner` is the current identity owning its account, or null. */
export type GrantCheck = (grant: Grant, owner: Owner | null) => void;

/** A configured system, as the rules see it. */
export interface SystemFacts {
  id: string;
  /** Criticality `critical`: severities are raised one level. */
  critical: boolean;
  /** False when this system's findings are not reported (its grants still count for separation of duties). */
  report: boolean;
  /** Its policy file, or null when it has none. */
  policy: EvaluationPolicy | null;
  /** The policy file's path, as reasons and evidence name it (even when the file is missing). */
  policyFile: string;
}

/** A role of a system: the policy's entry, or a role the policy does not list. */
export interface RoleFacts {
  /** The role as the policy writes it, or as the grant has it when unknown. */
  name: string;
  policy: RolePolicy | undefined;
  privileged: boolean;
}

/** The identity owning an account. */
export interface Owner {
  identity: Identity;
  /** Its matchable attributes (allowedFor). */
  profile: IdentityProfile;
  /** How reasons name it (email, else id). */
  label: string;
}
