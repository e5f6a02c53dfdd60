import { z } from 'zod';
import { DEFAULT_REMEDIATION_SLA_HOURS } from '../domain/index.js';

/** How a system's revoked grants are removed (connectors/<system>.yaml `remediation.mode`). */
export const REMEDIATION_MODES = ['manual', 'ticket', 'auto'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/** Modes whose dispatcher this version does not have yet: `validate` warns, and removals stay on the `remediation list`. */
export const PENDING_REMEDIATION_MODES: readonly RemediationMode[] = [];

/** A deadline in hours: more than nothing, at most a year. */
export const slaHoursSchema = z.number().positive().max(8_760);

/** policies/global.yaml `remediation`: the default deadlines by criticality. */
export const remediationPolicySchema = z
  .strictObject({
    slaHours: z
      .strictObject({
        critical: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.critical),
        important: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.important),
        standard: slaHoursSchema.default(DEFAULT_REMEDIATION_SLA_HOURS.standard),
      })
      .prefault({}),
  })
  .prefault({});
export type RemediationPolicy = z.infer<typeof remediationPolicySchema>;
