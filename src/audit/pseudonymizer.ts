import { createHmac } from 'node:crypto';

/**
 * Replaces personal data (emails, names, person and account ids) with stable keyed hashes:
 * HMAC-SHA256 under the operator's key, so one person gets the same pseudonym in every file
 * and every export made with that key, and nobody without the key can test a guess.
 * Free text (justifications, finding reasons) keeps its words; only emails inside it are
 * replaced, so names typed by hand in a justification are not caught.
 */
export interface Pseudonymizer {
  /** A whole value that identifies a person or an account; null and '' stay as they are. */
  value(v: string | null): string | null;
  /** Free text: every email inside is replaced. */
  text(v: string | null): string | null;
  /** A JSON value (event data): values of personal keys and emails inside strings are replaced. */
  json(v: unknown): unknown;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Keys of ledger event data and finding evidence that hold a person or account reference. */
const PERSONAL_KEYS = new Set([
  'accountId', 'identityId', 'reviewerId', 'reviewerEmail', 'reviewerSlackId', 'slackId', 'from', 'to', 'toEmail', 'email',
  'userId', 'user', 'recipient', 'holderLabels', 'displayName', 'name', 'managerId', 'requester',
]);

export const PSEUDONYM_KEY_ENV = 'IAM_REVIEW_PSEUDONYM_KEY';

export function pseudonymizer(key: string): Pseudonymizer {
  const cache = new Map<string, string>();
  const hash = (v: string): string => {
    let p = cache.get(v);
    if (p === undefined) {
      p = 'anon-' + createHmac('sha256', key).update(v).digest('hex').slice(0, 20);
      // Bounded: a 1M-row export reuses few distinct reviewers but may see many accounts.
      if (cache.size > 100_000) cache.clear();
      cache.set(v, p);
    }
    return p;
  };
  const text = (v: string): string => v.replace(EMAIL, (m) => hash(m.toLowerCase()));
  const json = (v: unknown, personal: boolean): unknown => {
    if (typeof v === 'string') return personal && v !== '' ? hash(v) : text(v);
    if (Array.isArray(v)) return v.map((x) => json(x, personal));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x, personal || PERSONAL_KEYS.has(k))]));
    }
    return v;
  };
  return {
    value: (v) => (v === null || v === '' ? v : v.includes('@') ? hash(v.toLowerCase()) : hash(v)),
    text: (v) => (v === null ? v : text(v)),
    json: (v) => json(v, false),
  };
}

/** The identity transform: exports keep personal data (the default, for internal audit). */
export const keepPersonalData: Pseudonymizer = { value: (v) => v, text: (v) => v, json: (v) => v };
