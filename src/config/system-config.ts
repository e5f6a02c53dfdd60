import { z } from 'zod';
import { REMEDIATION_MODES, reminderAtShareSchema, slaHoursSchema } from './remediation-config.js';
import { emailSchema, idSchema, scheduleSchema } from './schedule-schema.js';
import { ticketConfigSchema } from './ticket-config.js';

/**
 * One file per system in connectors/. This shape is a public interface (firms keep these
 * files in their own repositories): change it only compatibly.
 */
export const SYSTEM_KINDS = ['wallet', 'trading', 'kms', 'directory', 'other'] as const;
export const CRITICALITIES = ['critical', 'important', 'standard'] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];
export type Criticality = (typeof CRITICALITIES)[number];

export const systemConfigSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  kind: z.enum(SYSTEM_KINDS),
  criticality: z.enum(CRITICALITIES),
  owner: emailSchema,
  description: z.string().optional(),
  schedule: scheduleSchema.optional(),
  /** Snapshot safety valve, written in the config itself (cloud-custodian's max-resources). */
  sync: z
    .strictObject({
      /** Share of current grants a single pull may remove before it is quarantined (0..1). */
      maxRemovalShare: z.number().min(0).max(1).optional(),
      timeoutSeconds: z.number().int().positive().max(86_400).optional(),
      /**
       * `serve`'s readiness fails when the system's current snapshot is older than this
       * (default: three times the longest gap between its scheduled syncs, 24 h without a schedule).
       */
      staleAfterHours: z.number().positive().max(24 * 400).optional(),
    })
    .optional(),
  /**
   * How revoked grants of this system are removed (manual: the owner is asked and claims;
   * ticket: a ticket per removal; auto: the connector removes it) and within how many hours
   * (default: policies/global.yaml's `remediation.slaHours` for the system's criticality).
   */
  remediation: z
    .strictObject({
      mode: z.enum(REMEDIATION_MODES).default('manual'),
      slaHours: slaHoursSchema.optional(),
      /** mode manual: when the owner is reminded (default: policies/global.yaml's `remediation.reminderAtShare`). */
      reminderAtShare: reminderAtShareSchema.optional(),
      /** mode ticket: a signed webhook or Jira Cloud (ticket-config.ts). */
      ticket: ticketConfigSchema.optional(),
    })
    .superRefine((r, ctx) => {
      if (r.mode === 'ticket' && !r.ticket) ctx.addIssue({ code: 'custom', path: ['mode'], message: 'mode ticket needs a ticket block: ticket: { webhook: { url, secretEnv } } or ticket: { jira: { ... } }' });
      if (r.mode !== 'ticket' && r.ticket) ctx.addIssue({ code: 'custom', path: ['ticket'], message: `ticket is only read in mode ticket (this system's mode is ${r.mode})` });
    })
    .optional(),
  /** Validated against the connector type's own settings schema by the loader. */
  connector: z.looseObject({ type: z.string().min(1) }),
});

export type SystemConfigRaw = z.infer<typeof systemConfigSchema>;

export interface SystemConfig extends Omit<SystemConfigRaw, 'connector'> {
  connector: { type: string; settings: unknown };
  /** The file it came from, relative to the config dir. */
  file: string;
}
