/**
 * Who runs a state-changing command: the **operator** the ledger names for every CLI write
 * (`sync`, `check`, `campaign open|close`, `decide`, `remediation claim|verify`, `remediate
 * --apply`, `export`). In order: the command's flag (`--as`; `--operator` on `decide` and
 * `remediation claim`, whose `--as` names the reviewer or claimer), else IAM_REVIEW_OPERATOR,
 * else the OS user and host (`alice@bastion-1`), so a write is never attributed to nobody.
 * An email is lower-cased like reviewers' emails; anything else is kept as written.
 */
import { hostname, userInfo } from 'node:os';
import { usageError } from './cli-error.js';

/** The longest operator name accepted: a name, not a document. */
const MAX_LENGTH = 200;

export function resolveOperator(flag: string | undefined, fromEnv: string | undefined, osUser: () => string = osUserAtHost): string {
  if (flag !== undefined) return operatorName(flag, 'the operator (--as / --operator)');
  if (fromEnv !== undefined) return operatorName(fromEnv, 'IAM_REVIEW_OPERATOR');
  return operatorName(osUser(), 'the OS user');
}

function operatorName(raw: string, source: string): string {
  const name = raw.trim();
  if (name === '') throw usageError(`${source} is empty: name who runs the command (an email, e.g. --as alice@firm.example)`);
  // Control characters would forge lines in `audit log` and in CSV exports.
  if (/\p{Cc}/u.test(name)) throw usageError(`${source} contains control characters`);
  if (name.length > MAX_LENGTH) throw usageError(`${source} is longer than ${MAX_LENGTH} characters`);
  return /^[^\s@]+@[^\s@]+$/.test(name) ? name.toLowerCase() : name;
}

/**
 * `user@host`. userInfo() throws when the uid has no passwd entry (containers run as an
 * arbitrary uid): then $USER or $LOGNAME, else `uid-<n>`.
 */
export function osUserAtHost(): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.LOGNAME ?? (typeof process.getuid === 'function' ? `uid-${process.getuid()}` : undefined);
  }
  return `${user || 'unknown'}@${hostname()}`;
}
