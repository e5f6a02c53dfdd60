/**
 * One-pass diff of a pull against the current state. The previous state is held as a
 * compact map (grant id -> one flat string per grant: fingerprint, first-seen time, account,
 * role, scope), so a pull streams through once, carrying each grant's first-seen time
 * forward; grants never seen in the pull are the removals. A grant seen in the pull keeps
 * only its fingerprint, so that a second row for the same grant can be told apart: an
 * identical repeat or one that contradicts the first.
 *
 * Entries are built with join() on purpose: a template literal makes a tree of string
 * fragments that keeps every fragment alive (about twice the memory for 1M grants).
 */
import type { Grant, GrantChange } from '../domain/index.js';
import { grantFingerprint } from '../domain/index.js';

/** Entry tags (first character). */
const PREVIOUS = 'p';
const SEEN = 's';
/** A previous grant with a field too long for the one-character lengths: JSON. */
const PREVIOUS_WIDE = 'w';
const PREVIOUS_CODE = PREVIOUS.charCodeAt(0);
const SEEN_CODE = SEEN.charCodeAt(0);
/** PREVIOUS, then the lengths of fingerprint, first-seen, account and role as characters. */
const HEADER = 5;
const MAX_LENGTH = 0xffff;

/**
 * `duplicate`: the grant was already pulled with the same fingerprint; `conflict`: already
 * pulled with another owner, status, type or display name. Neither is stored again.
 */
export type ClassifyResult = 'added' | 'changed' | 'unchanged' | 'duplicate' | 'conflict';

export interface Classification {
  result: ClassifyResult;
  /** The previous fingerprint, for `changed`. */
  before: string | null;
}

const ADDED: Classification = Object.freeze({ result: 'added', before: null });
const UNCHANGED: Classification = Object.freeze({ result: 'unchanged', before: null });
const DUPLICATE: Classification = Object.freeze({ result: 'duplicate', before: null });
const CONFLICT: Classification = Object.freeze({ result: 'conflict', before: null });

interface PreviousGrant {
  fingerprint: string;
  firstSeenAt: string;
  accountId: string;
  role: string;
  scope: string;
}

export class GrantDiff {
  private readonly entries = new Map<string, string>();
  private prevCount = 0;

  /** Loads one batch of the current state's grants. */
  addPrevious(grants: readonly Grant[]): void {
    for (const g of grants) {
      const fingerprint = grantFingerprint(g);
      const firstSeenAt = g.firstSeenAt ?? '';
      const compact = fingerprint.length <= MAX_LENGTH && firstSeenAt.length <= MAX_LENGTH && g.accountId.length <= MAX_LENGTH && g.role.length <= MAX_LENGTH;
      this.entries.set(
        g.id,
        compact
          ? [PREVIOUS, String.fromCharCode(fingerprint.length, firstSeenAt.length, g.accountId.length, g.role.length), fingerprint, firstSeenAt, g.accountId, g.role, g.scope].join('')
          : PREVIOUS_WIDE + JSON.stringify([fingerprint, firstSeenAt, g.accountId, g.role, g.scope]),
      );
      this.prevCount++;
    }
  }

  get previousCount(): number {
    return this.prevCount;
  }

  /**
   * Classifies a pulled grant whose fingerprint is `fingerprint` (grantFingerprint(grant)) and
   * fills in its firstSeenAt (carried from the previous state, or `now` when new).
   */
  classify(grant: Grant, fingerprint: string, now: string): Classification {
    const entry = this.entries.get(grant.id);
    if (entry === undefined) {
      this.markSeen(grant.id, fingerprint);
      grant.firstSeenAt = now;
      return ADDED;
    }
    const tag = entry.charCodeAt(0);
    if (tag === SEEN_CODE) {
      return entry.length === fingerprint.length + 1 && entry.endsWith(fingerprint) ? DUPLICATE : CONFLICT;
    }
    this.markSeen(grant.id, fingerprint);
    let before: string;
    let firstSeenAt: string;
    if (tag === PREVIOUS_CODE) {
      const fpLength = entry.charCodeAt(1);
      if (fpLength === fingerprint.length && entry.startsWith(fingerprint, HEADER)) {
        before = fingerprint;
      } else {
        before = entry.slice(HEADER, HEADER + fpLength);
      }
      firstSeenAt = entry.slice(HEADER + fpLength, HEADER + fpLength + entry.charCodeAt(2));
    } else {
      ({ fingerprint: before, firstSeenAt } = parseWide(entry));
    }
    grant.firstSeenAt = firstSeenAt === '' ? now : firstSeenAt;
    return before === fingerprint ? UNCHANGED : { result: 'changed', before };
  }

  /** The previous grants not seen in the pull, as `removed` changes. Call once, after the pull. */
  *removals(snapshotId: string, systemId: string): Generator<GrantChange> {
    for (const [grantId, entry] of this.entries) {
      if (entry.charCodeAt(0) === SEEN_CODE) continue;
      const { fingerprint, accountId, role, scope } = entry.charCodeAt(0) === PREVIOUS_CODE ? parseCompact(entry) : parseWide(entry);
      yield { snapshotId, grantId, kind: 'removed', systemId, accountId, role, scope, before: fingerprint, after: null };
    }
  }

  private markSeen(id: string, fingerprint: string): void {
    this.entries.set(id, [SEEN, fingerprint].join(''));
  }
}

function parseCompact(entry: string): PreviousGrant {
  let at = HEADER;
  const take = (length: number): string => entry.slice(at, (at += length));
  const fingerprint = take(entry.charCodeAt(1));
  const firstSeenAt = take(entry.charCodeAt(2));
  const accountId = take(entry.charCodeAt(3));
  const role = take(entry.charCodeAt(4));
  return { fingerprint, firstSeenAt, accountId, role, scope: entry.slice(at) };
}

function parseWide(entry: string): PreviousGrant {
  const [fingerprint, firstSeenAt, accountId, role, scope] = JSON.parse(entry.slice(1)) as [string, string, string, string, string];
  return { fingerprint, firstSeenAt, accountId, role, scope };
}
