import mongoose from 'mongoose';
import { FINDING_TYPES, SEVERITIES } from '../../domain/index.js';
import type { Finding } from '../../domain/index.js';
import { embeddedOptions, json, nullableString, oneOf, presentString, requiredString } from './schema-fields.js';

/** The fields of a finding, shared by the `findings` collection and the findings embedded in items and decisions. */
export const findingFields = {
  key: requiredString,
  type: oneOf(FINDING_TYPES),
  severity: oneOf(SEVERITIES),
  systemId: requiredString,
  grantId: nullableString,
  accountId: nullableString,
  identityId: nullableString,
  role: nullableString,
  scope: nullableString,
  ruleId: requiredString,
  reason: presentString('reason'),
  evidence: json,
};

/** A finding as a review item's recommendation or a decision's record of what the reviewer saw. */
export const embeddedFindingSchema = new mongoose.Schema<Finding>(findingFields, embeddedOptions);

export function toFinding(f: Finding): Finding {
  return {
    key: f.key,
    type: f.type,
    severity: f.severity,
    systemId: f.systemId,
    grantId: f.grantId,
    accountId: f.accountId,
    identityId: f.identityId,
    role: f.role,
    scope: f.scope,
    ruleId: f.ruleId,
    reason: f.reason,
    evidence: f.evidence,
  };
}
