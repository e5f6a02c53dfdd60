/**
 * Turns a failed Fireblocks call into a ConnectorError the sync core understands, naming
 * what was being read and what to fix. Codes are Fireblocks' documented 401 codes
 * (developers.fireblocks.com, "API responses and error codes").
 */
import { ConnectorError } from '../connector.js';
import { FireblocksApiError } from './fireblocks-client.js';

/** Both user-management list endpoints: "Endpoint Permission: Admin, Non-Signing Admin". */
export const REQUIRED_ROLE = 'an API user with the Non-Signing Admin (or Admin) role';

/** GET /v1/policy/active_policy: "Endpoint Permissions: Owner, Admin, Non-Signing Admin" (PolicyEditorV2Api.md). */
export const TAP_REQUIRED_ROLE = 'an API user with the Owner, Admin or Non-Signing Admin role';

const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The answer says this read is not allowed for this API user or workspace: 403, 401 with
 * code -8 (insufficient permissions), or 404 (the endpoint is not enabled for the workspace,
 * as with beta endpoints). Not transient: a retry gets the same answer.
 */
export function isReadRefused(err: unknown): err is FireblocksApiError {
  return err instanceof FireblocksApiError && (err.status === 403 || err.status === 404 || (err.status === 401 && String(err.code) === '-8'));
}

/** Transient failures (throttling, outages, no answer): the sync core retries them. */
export function isTransient(err: unknown): boolean {
  return err instanceof FireblocksApiError && (err.status === -1 || TRANSIENT.has(err.status) || err.status >= 500);
}

export function toConnectorError(err: unknown, what: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof FireblocksApiError)) {
    return new ConnectorError(`fireblocks: reading ${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const ref = err.requestId ? ` [request id ${err.requestId}]` : '';
  const detail = `${err.message}${ref}`;
  const status = err.status > 0 ? err.status : null;
  if (err.status === -1 || TRANSIENT.has(err.status) || err.status >= 500) {
    return new ConnectorError(`fireblocks: could not read ${what} (${detail})`, { transient: true, retryAfterMs: err.retryAfterMs, status, cause: err });
  }
  if (err.status === 403 || (err.status === 401 && String(err.code) === '-8')) {
    return new ConnectorError(`fireblocks: the API user may not read ${what} (${detail}); it needs ${REQUIRED_ROLE}`, { status, cause: err });
  }
  if (err.status === 401) {
    return new ConnectorError(`fireblocks: ${authHint(err.code)} while reading ${what} (${detail})`, { status, cause: err });
  }
  if (err.status >= 300 && err.status < 400) {
    return new ConnectorError(`fireblocks: the API redirected while reading ${what} (${detail}); check baseUrl`, { status, cause: err });
  }
  return new ConnectorError(`fireblocks: refused reading ${what} (${detail})`, { status, cause: err });
}

function authHint(code: number | string | null): string {
  switch (String(code)) {
    case '-1':
      return 'the request signature was rejected: privateKey is not the key of this API user (its CSR)';
    case '-10':
    case '-12':
      return "the request token was rejected as expired or issued in the future: check this host's clock (NTP)";
    case '-5':
      return "the request token was rejected as malformed (Fireblocks also answers this when the API user's certificate expired)";
    case '-2':
    case '-6':
    case '-7':
      return 'the API key or its token was not accepted: check apiKey, that the API user is enabled, and baseUrl (sandbox and EU workspaces have their own host)';
    default:
      return `the API key or request signature was rejected, or the API user lacks the permission (it needs ${REQUIRED_ROLE})`;
  }
}
