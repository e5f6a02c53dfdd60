import { z } from 'zod';
import { DEFAULT_REMEDIATION_SLA_HOURS } from '../domain/index.js';

/** How a system's revoked grants are removed (connectors/<system>.yaml `remediation.mode`). */
export const REMEDIATION_MODES = ['manual', 'ticket', 'auto'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/** Modes whose dispatcher this version does not have yet: `validate` warns, and removals stay on the `remediation list`. */
export const PENDING_REMEDIATION_MODES: readonly RemediationMode[] = [];

/** A deadline in hours: more than nothing, at most a year. */
export const slaHoursSchema = z.number().positive().max(8_760);

/**
 * When the owner of a `manual` system gets their one reminder of a removal not yet done: once
 * this share of its deadline (slaHours) has passed, i.e. `(1 - share) * slaHours` before its due
 * time; `false`: no reminders.
 */
export const reminderAtShareSchema = z.union([z.number().gt(0).lt(1), z.literal(false)], { error: 'expected a share of the deadline between 0 and 1 (e.g. 0.75), or false for no reminders' });
export const DEFAULT_REMINDER_AT_SHARE = 0.75;

/**
 * Finding types whose open findings may each open a remediation of their own, without a review
 * (policies/global.yaml `remediation.findings`): those whose recommendation is a removal that
 * needs no one's judgement, the owner having left or their contract having ended.
 */
export const REMEDIABLE_FINDING_TYPES = ['leaver-access', 'contract-ended'] as const;
export type RemediableFindingType = (typeof REMEDIABLE_FINDING_TYPES)[number];

/**
 * policies/global.yaml `remediation`: the default deadlines by criticality, when owners are
 * reminded, and the finding types that open a remediation as soon as they are raised (none
 * unless listed: a removal started from HR data alone is a policy the firm writes down, reviewed
 * like any other).
 */
export const remediationPolicySchema = z
  .strictObject({
    findings: z.array(z.enum(REMEDIABLE_FINDING_TYPES)).default([]),
    slaHours: z
      .strictObject({
        critical: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.critical),
        important: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.important),
        standard: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.standard),
      })
      .prefault({}),
    reminderAtShare: reminderAtShareSchema.default(DEFAULT_REMINDER_AT_SHARE),
  })
  .prefault({});
export type RemediationPolicy = z.infer<typeof remediationPolicySchema>;
