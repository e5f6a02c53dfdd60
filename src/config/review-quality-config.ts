import { z } from 'zod';
import { DEFAULT_APPROVED_EVERYTHING, DEFAULT_FAST_DECISIONS, DEFAULT_REVIEW_QUALITY, SEVERITIES } from '../domain/index.js';

const defaults = { approvedEverything: DEFAULT_APPROVED_EVERYTHING, fastDecisions: DEFAULT_FAST_DECISIONS, approveAllWithFindings: DEFAULT_REVIEW_QUALITY.approveAllWithFindings };

/**
 * policies/global.yaml `reviewQuality`: the thresholds of rubber-stamp detection
 * (domain/review-quality.ts). Every key is optional (the defaults below); a pattern set to
 * `false` is not looked for.
 */
export const reviewQualitySchema = z
  .strictObject({
    approvedEverything: z
      .union([
        z.strictObject({
          minItems: z.number().int().positive().default(defaults.approvedEverything.minItems),
          minApprovalShare: z.number().gt(0).max(1, { error: 'expected a share of the decisions between 0 and 1 (e.g. 1: all approved)' }).default(defaults.approvedEverything.minApprovalShare),
          findingSeverity: z.enum(SEVERITIES).default(defaults.approvedEverything.findingSeverity),
        }),
        z.literal(false),
      ])
      .prefault({}),
    fastDecisions: z
      .union([
        z.strictObject({
          minItems: z.number().int().min(2).default(defaults.fastDecisions.minItems),
          medianGapSeconds: z.number().positive().default(defaults.fastDecisions.medianGapSeconds),
        }),
        z.literal(false),
      ])
      .prefault({}),
    approveAllWithFindings: z.boolean().default(defaults.approveAllWithFindings),
  })
  .prefault({});
