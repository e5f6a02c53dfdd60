import { z } from 'zod';
import { DEFAULT_APPROVED_EVERYTHING, DEFAULT_FAST_DECISIONS, DEFAULT_REVIEW_QUALITY, SEVERITIES } from '../domain/index.js';
import type { ApprovedEverythingThresholds, FastDecisionsThresholds } from '../domain/index.js';

const shareError = { error: 'expected a share of the decisions between 0 and 1 (e.g. 1: all approved)' };

/**
 * Each pattern's thresholds carry `enabled` (default true): `enabled: false` reads as `false`,
 * the pattern not looked for. Not a union with `false`: zod reports a union's inner problems as
 * one "Invalid input" at the pattern, and the file, line and key of the bad value would be lost.
 */
const approvedEverythingSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    minItems: z.number().int().positive().default(DEFAULT_APPROVED_EVERYTHING.minItems),
    minApprovalShare: z.number().gt(0, shareError).max(1, shareError).default(DEFAULT_APPROVED_EVERYTHING.minApprovalShare),
    findingSeverity: z.enum(SEVERITIES).default(DEFAULT_APPROVED_EVERYTHING.findingSeverity),
  })
  .transform(({ enabled, ...t }): ApprovedEverythingThresholds | false => (enabled ? t : false));

const fastDecisionsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    minItems: z.number().int().min(2).default(DEFAULT_FAST_DECISIONS.minItems),
    medianGapSeconds: z.number().positive().default(DEFAULT_FAST_DECISIONS.medianGapSeconds),
  })
  .transform(({ enabled, ...t }): FastDecisionsThresholds | false => (enabled ? t : false));

/**
 * policies/global.yaml `reviewQuality`: the thresholds of rubber-stamp detection
 * (domain/review-quality.ts). Every key is optional (the defaults there).
 */
export const reviewQualitySchema = z
  .strictObject({
    approvedEverything: approvedEverythingSchema.prefault({}),
    fastDecisions: fastDecisionsSchema.prefault({}),
    approveAllWithFindings: z.boolean().default(DEFAULT_REVIEW_QUALITY.approveAllWithFindings),
  })
  .prefault({});
