import { z } from 'zod';
import { PERIOD_KINDS } from '../domain/index.js';
import { emailSchema, idSchema, scheduleSchema } from './schedule-schema.js';
import { CRITICALITIES, SYSTEM_KINDS } from './system-config.js';

export const REVIEWER_SOURCES = ['manager', 'systemOwner', 'securityTeam'] as const;
export const JUSTIFICATION_CASES = ['revoke', 'approve', 'approve-with-findings'] as const;

/**
 * Which decisions of the stage before go on to a stage (`when:` of stages 2+): `all`, `approve`,
 * `revoke`, `approve-with-findings` (an approval of an item that has findings),
 * `flagged-approval` (an approval of an item with findings by a reviewer whom rubber-stamp
 * detection flags in the campaign, on their decisions so far and this one).
 */
export const STAGE_ENTRY_CASES = ['all', 'approve', 'revoke', 'approve-with-findings', 'flagged-approval'] as const;
/**
 * How a multi-stage item's outcome is decided: `last-stage` (the decision of the last stage the
 * item reached decides; a later stage may overturn an earlier revoke) or `any-revoke` (a revoke
 * at any stage is final at once; only approvals go on).
 */
export const STAGE_OUTCOME_RULES = ['last-stage', 'any-revoke'] as const;
export const MAX_STAGES = 5;

const reviewersSchema = z.array(z.enum(REVIEWER_SOURCES)).min(1);
const dueInDaysSchema = z.number().int().positive().max(366);
const justificationSchema = z.array(z.enum(JUSTIFICATION_CASES));

const stageSchema = z.strictObject({
  name: z.string().min(1).max(80).optional(),
  reviewers: reviewersSchema,
  dueInDays: dueInDaysSchema,
  when: z.array(z.enum(STAGE_ENTRY_CASES)).min(1).optional(),
  requireJustification: justificationSchema.default(['revoke']),
});

/** One stage of a review definition, normalized: a definition without `stages:` is one stage. */
export interface ReviewStage {
  /** 1-based. */
  number: number;
  name: string;
  reviewers: Array<(typeof REVIEWER_SOURCES)[number]>;
  /** Days an item has in this stage from when it reached it (stage 1: from the opening). */
  dueInDays: number;
  /** Which decisions of the stage before come here; stage 1 takes every item (['all']). */
  when: Array<(typeof STAGE_ENTRY_CASES)[number]>;
  requireJustification: Array<(typeof JUSTIFICATION_CASES)[number]>;
}

/**
 * reviews/<id>.yaml: one review definition; each run of it is a campaign for one period.
 * Either one stage, given at the top (`reviewers`, `dueInDays`, `requireJustification`), or
 * `stages:` (2 to MAX_STAGES, each with its reviewers, due days and justification rules, stage
 * 2+ with `when`) and an `outcome` rule. Parsed into the same shape either way: `stages` (one
 * for a single-stage definition, named "Review"), `outcome`, and `dueInDays` = the campaign's
 * (with stages: the sum of theirs, the latest an item can be due).
 */
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
    reviewers: reviewersSchema.optional(),
    dueInDays: dueInDaysSchema.optional(),
    reminders: z.strictObject({ everyDays: z.number().int().positive() }).optional(),
    escalation: z
      .strictObject({
        channel: z.string().regex(/^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{6,})$/, 'a channel name like "#access-reviews" or a channel id'),
        afterDueDays: z.number().int().min(0).default(0),
      })
      .optional(),
    requireJustification: justificationSchema.optional(),
    stages: z.array(stageSchema).min(2, { message: 'give at least two stages (one stage is the top-level reviewers and dueInDays)' }).max(MAX_STAGES).optional(),
    outcome: z.enum(STAGE_OUTCOME_RULES).optional(),
  })
  .superRefine((d, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!d.stages) {
      if (!d.reviewers) issue(['reviewers'], 'missing required key "reviewers" (array), or give "stages"');
      if (d.dueInDays === undefined) issue(['dueInDays'], 'missing required key "dueInDays" (number), or give "stages"');
      if (d.outcome !== undefined) issue(['outcome'], '"outcome" decides between stages: give "stages" or leave it out');
      return;
    }
    for (const key of ['reviewers', 'dueInDays', 'requireJustification'] as const) {
      if (d[key] !== undefined) issue([key], `"${key}" belongs to each stage when "stages" is given: move it into the stages`);
    }
    if (d.stages[0]?.when) issue(['stages', 0, 'when'], 'the first stage reviews every item: "when" is for the later stages');
    const names = new Map<string, number>();
    d.stages.forEach((s, i) => {
      const name = s.name ?? `Stage ${i + 1}`;
      if (names.has(name)) issue(['stages', i, 'name'], `stage name "${name}" is also stage ${names.get(name)! + 1}'s`);
      names.set(name, i);
      if (i > 0 && (d.outcome ?? 'last-stage') === 'any-revoke' && s.when && s.when.every((w) => w === 'revoke')) {
        issue(['stages', i, 'when'], 'with outcome any-revoke a revoke is final at once, so no revoke reaches this stage: take "revoke" out, or use outcome last-stage');
      }
    });
  })
  .transform((d) => {
    const { reviewers, dueInDays, requireJustification, stages, outcome, ...rest } = d;
    const normalized: ReviewStage[] = stages
      ? stages.map((s, i) => ({ number: i + 1, name: s.name ?? `Stage ${i + 1}`, reviewers: s.reviewers, dueInDays: s.dueInDays, when: s.when ?? ['all'], requireJustification: s.requireJustification }))
      : [{ number: 1, name: 'Review', reviewers: reviewers!, dueInDays: dueInDays!, when: ['all'], requireJustification: requireJustification ?? ['revoke'] }];
    return {
      ...rest,
      dueInDays: normalized.reduce((sum, s) => sum + s.dueInDays, 0),
      stages: normalized,
      outcome: outcome ?? ('last-stage' as const),
    };
  });
export type ReviewDefinition = z.output<typeof reviewDefinitionSchema> & { file: string };

/** reviews/roles.yaml: who holds the bot's own roles. */
export const botRolesSchema = z.strictObject({
  securityTeam: z.array(emailSchema).min(1, { message: 'name at least one security-team member' }),
  auditors: z.array(emailSchema).default([]),
  fallbackReviewer: emailSchema,
});
export type BotRoles = z.infer<typeof botRolesSchema>;
