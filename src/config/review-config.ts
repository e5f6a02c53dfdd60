import { z } from 'zod';
import { PERIOD_KINDS } from '../domain/index.js';
import { emailSchema, idSchema, scheduleSchema } from './schedule-schema.js';
import { CRITICALITIES, SYSTEM_KINDS } from './system-config.js';

export const REVIEWER_SOURCES = ['manager', 'systemOwner', 'securityTeam'] as const;
export const JUSTIFICATION_CASES = ['revoke', 'approve', 'approve-with-findings'] as const;

/** reviews/<id>.yaml: one review definition; each run of it is a campaign for one period. */
export const reviewDefinitionSchema = z
  .strictObject({
    id: idSchema,
    name: z.string().min(1),
    description: z.string().optional(),
    schedule: scheduleSchema,
    period: z.enum(PERIOD_KINDS),
    scope: z
      .strictObject({
        systems: z.array(idSchema).min(1).optional(),
        criticality: z.array(z.enum(CRITICALITIES)).min(1).optional(),
        kinds: z.array(z.enum(SYSTEM_KINDS)).min(1).optional(),
        privilegedOnly: z.boolean().default(false),
        includeFindings: z.boolean().default(false),
      })
      .refine((s) => s.systems || s.criticality || s.kinds, { message: 'scope selects nothing: give systems, criticality or kinds' }),
    reviewers: z.array(z.enum(REVIEWER_SOURCES)).min(1),
    dueInDays: z.number().int().positive().max(366),
    reminders: z.strictObject({ everyDays: z.number().int().positive() }).optional(),
    escalation: z
      .strictObject({
        channel: z.string().regex(/^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{6,})$/, 'a channel name like "#access-reviews" or a channel id'),
        afterDueDays: z.number().int().min(0).default(0),
      })
      .optional(),
    requireJustification: z.array(z.enum(JUSTIFICATION_CASES)).default(['revoke']),
  });
export type ReviewDefinition = z.infer<typeof reviewDefinitionSchema> & { file: string };

/** reviews/roles.yaml: who holds the bot's own roles. */
export const botRolesSchema = z.strictObject({
  securityTeam: z.array(emailSchema).min(1, { message: 'name at least one security-team member' }),
  auditors: z.array(emailSchema).default([]),
  fallbackReviewer: emailSchema,
});
export type BotRoles = z.infer<typeof botRolesSchema>;
