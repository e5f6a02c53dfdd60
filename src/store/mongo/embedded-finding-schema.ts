import mongoose from 'mongoose';
import { findingOf, SEVERITIES } from '../../domain/index.js';
import type { Finding } from '../../domain/index.js';
import { embeddedOptions, json, nullableString, oneOf, presentString, requiredString } from './schema-fields.js';

/** The fields of a finding, shared by the `findings` collection and the findings embedded in items and decisions. */
export const findingFields = {
  key: requiredString,
  // The rule registry names the types; the store keeps whatever type a rule raised.
  type: requiredString,
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

/** Drops what MongoDB adds (e.g. a subdocument `_id`): the domain finding only. */
export const toFinding = findingOf;
