/**
 * The registry of finding rules: one line per finding type, in the order findings of equal
 * severity are reported. It is the one list of finding types (FINDING_TYPES below). The Slack badges, the simulated reviewer, the compliance mapping and the evaluator
 * all read this list.
 */
import { changedSinceLastReview } from './changed-since-last-review.js';
import { contractEnded } from './contract-ended.js';
import { dormant } from './dormant.js';
import type { FindingRule } from './finding-rule.js';
import { leaverAccess } from './leaver-access.js';
import { maxHoldersExceeded } from './max-holders-exceeded.js';
import { newSinceLastReview } from './new-since-last-review.js';
import { notAllowed } from './not-allowed.js';
import { orphanedAccount } from './orphaned-account.js';
import { revokedAccessReturned } from './revoked-access-returned.js';
import { reviewOverdue } from './review-overdue.js';
import { sodConflict } from './sod-conflict.js';
import { tapSelfApproval } from './tap-self-approval.js';
import { tapSoleApprover } from './tap-sole-approver.js';
import { unknownRole } from './unknown-role.js';

export const FINDING_RULES: readonly FindingRule[] = [
  notAllowed,
  unknownRole,
  sodConflict,
  tapSelfApproval,
  tapSoleApprover,
  maxHoldersExceeded,
  dormant,
  orphanedAccount,
  leaverAccess,
  revokedAccessReturned,
  reviewOverdue,
  contractEnded,
  changedSinceLastReview,
  newSinceLastReview,
];

/** Every finding type, in registry order: the order findings of equal severity are reported in. */
export const FINDING_TYPES: readonly string[] = FINDING_RULES.map((rule) => rule.type);
