import { z } from 'zod';
import { EMPLOYMENT_TYPES, SEVERITIES } from '../domain/index.js';
import { remediationPolicySchema } from './remediation-config.js';
import { reviewQualitySchema } from './review-quality-config.js';
import { idSchema } from './schedule-schema.js';

/** A value or a list of values; matched case-insensitively and exactly. */
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * Holding a role is allowed if ANY matcher matches the identity; the keys inside one
 * matcher must ALL match.
 */
export const matcherSchema = z
  .strictObject({
    department: oneOrMany.optional(),
    jobTitle: oneOrMany.optional(),
    group: oneOrMany.optional(),
    identity: oneOrMany.optional(),
    employmentType: z
      .union([z.enum(EMPLOYMENT_TYPES), z.array(z.enum(EMPLOYMENT_TYPES)).min(1)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    anyone: z.literal(true).optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'an empty matcher matches nothing: give at least one of department, jobTitle, group, identity, employmentType, anyone' });
export type Matcher = z.infer<typeof matcherSchema>;

/** Hours a break-glass review is due in (policies/global.yaml `breakGlass`, or the role's own). */
const reviewDueHours = z.number().int().positive().max(24 * 31);

/**
 * `breakGlass`: an emergency role, normally unused. Every new grant of it and every use
 * (its last activity moved) opens an ad-hoc review of that grant (src/reviews/open-break-glass-reviews.ts).
 * `true`, or `{ reviewDueHours }` to override policies/global.yaml `breakGlass.reviewDueHours` for this role.
 */
export const breakGlassRoleSchema = z.union([z.boolean(), z.strictObject({ reviewDueHours })], { error: 'true, false or { reviewDueHours: N } (hours the review is due in)' }).optional();

export const rolePolicySchema = z.strictObject({
  description: z.string().optional(),
  privileged: z.boolean().default(false),
  breakGlass: breakGlassRoleSchema,
  maxHolders: z.number().int().min(0).optional(),
  accountType: z.enum(['human', 'service']).optional(),
  allowedFor: z.array(matcherSchema).min(1, { message: 'allowedFor is empty: nothing could ever be allowed to hold this role (use `- anyone: true` to allow everyone)' }),
});
export type RolePolicy = z.infer<typeof rolePolicySchema>;

/**
 * The crypto separation-of-duties findings raised inside a custody policy (a Fireblocks TAP
 * rule's grants): `severity` replaces the default (medium, raised for a privileged role and a
 * critical system); `exempt` lists custody-policy rules (by rule id) the finding does not
 * apply to, each with the written reason the exemption was granted for.
 */
export const custodyPolicyFindingSchema = z.strictObject({
  severity: z.enum(SEVERITIES).optional(),
  exempt: z
    .array(
      z.strictObject({
        rule: z.string().min(1),
        reason: z.string({ error: 'an exemption needs a written reason' }).trim().min(1, { error: 'an exemption needs a written reason' }),
      }),
    )
    .default([]),
});
export type CustodyPolicyFinding = z.infer<typeof custodyPolicyFindingSchema>;

/** The finding types tunable under `custodyPolicyFindings` (src/policies/rules/tap-*.ts). */
export const CUSTODY_POLICY_FINDING_TYPES = ['tap-self-approval', 'tap-sole-approver'] as const;

/** policies/<system>.yaml: the roles one system knows and who may hold them. */
export const systemPolicySchema = z.strictObject({
  system: idSchema,
  dormantAfterDays: z.number().int().positive().optional(),
  unknownRoles: z.enum(['flag', 'ignore']).default('flag'),
  roles: z.record(z.string().min(1), rolePolicySchema),
  custodyPolicyFindings: z.partialRecord(z.enum(CUSTODY_POLICY_FINDING_TYPES), custodyPolicyFindingSchema).optional(),
});
export type SystemPolicy = z.infer<typeof systemPolicySchema> & { file: string };

/** `system:ROLE` — the system id is everything before the first colon. */
const roleRef = z.string().regex(/^[a-z0-9][a-z0-9-]*:.+$/, 'a role reference "system-id:ROLE"');

/** policies/separation-of-duties.yaml */
export const sodSchema = z.strictObject({
  rules: z.array(
    z.strictObject({
      id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a rule id (letters, digits, - _ .)'),
      description: z.string().min(1),
      severity: z.enum(SEVERITIES),
      roles: z.array(roleRef).min(2, { message: 'a separation-of-duties rule needs at least two roles' }),
    }),
  ),
});
export type SodRule = z.infer<typeof sodSchema>['rules'][number];

export function parseRoleRef(ref: string): { systemId: string; role: string } {
  const i = ref.indexOf(':');
  return { systemId: ref.slice(0, i), role: ref.slice(i + 1) };
}

/** policies/global.yaml */
export const globalPolicySchema = z.strictObject({
  dormantAfterDays: z.number().int().positive().default(90),
  /** Days a disabled/terminated identity may keep active access before it is a finding. */
  leaverGraceDays: z.number().int().min(0).default(0),
  /** Maximum months between two reviews of a system, by criticality (DORA RTS Art. 21). */
  reviewCadenceMonths: z
    .strictObject({
      critical: z.number().int().positive().default(6),
      important: z.number().int().positive().default(12),
      standard: z.number().int().positive().default(12),
    })
    .prefault({}),
  /** Default snapshot safety valve; a system's `sync.maxRemovalShare` overrides it. */
  maxRemovalShare: z.number().min(0).max(1).default(0.1),
  /** Hours to remove a revoked grant, by criticality; a system's `remediation.slaHours` overrides it. */
  remediation: remediationPolicySchema,
  /** Rubber-stamp detection thresholds (review-quality observations). */
  reviewQuality: reviewQualitySchema,
  /** Break-glass reviews (roles with `breakGlass`): due this many hours after they open (a role's own value wins). */
  breakGlass: z.strictObject({ reviewDueHours: reviewDueHours.default(24) }).prefault({}),
});
export type GlobalPolicy = z.infer<typeof globalPolicySchema>;
