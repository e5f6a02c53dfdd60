/**
 * The error openMongoStore throws when it cannot connect: it names the servers it tried
 * (host:port, never the URI, which holds credentials) and why each failed in words an operator
 * acts on ("cannot reach MongoDB at db:27017: connection refused"), instead of the driver's
 * bare "connect ECONNREFUSED 127.0.0.1:1". The driver's error stays reachable as `cause`.
 */

/** Node's and the driver's error codes, in an operator's words. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by the server',
  /** MongoServerError AuthenticationFailed. */
  '18': 'authentication failed',
};

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  /** MongoServerSelectionError: the topology as the driver last saw it. */
  reason?: { servers?: Map<string, { error?: unknown }> };
}

function asErrorLike(value: unknown): ErrorLike | null {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : null;
}

/** A mongodb:// or mongodb+srv:// URI inside a message, credentials and all. */
const URI_IN_TEXT = /mongodb(?:\+srv)?:\/\/\S*/g;

/** Why one connection attempt failed: a known code (its own, or its cause's) in words, else its message without any URI. */
export function connectionCause(error: unknown): string {
  for (let e = asErrorLike(error), depth = 0; e && depth < 5; e = asErrorLike(e.cause), depth++) {
    const phrase = e.code === undefined ? undefined : CAUSES[String(e.code)];
    if (phrase) return phrase;
    if (typeof e.message === 'string' && /\bTLS\b|certificate|SSL/i.test(e.message)) return `TLS: ${e.message.replace(URI_IN_TEXT, '<uri>')}`;
  }
  const message = asErrorLike(error)?.message;
  return typeof message === 'string' && message !== '' ? message.replace(URI_IN_TEXT, '<uri>') : 'unknown error';
}

/**
 * The hosts a URI names (`h1:27017,h2`), without scheme, credentials, database or options.
 * Credentials end at an '@': everything up to the URI's last '@' is dropped, so even a
 * password with an unescaped '/' or '?' never shows; what is left must look like a host list.
 */
export function uriHosts(uri: string): string {
  const rest = uri.replace(/^mongodb(?:\+srv)?:\/\//, '');
  const hosts = rest.slice(rest.lastIndexOf('@') + 1).split(/[/?]/)[0] ?? '';
  return /^[\w.\-:,[\]%]+$/.test(hosts) ? hosts : 'the configured server';
}

/**
 * "cannot reach MongoDB at a:27017: connection refused": each server the driver tried with
 * why it failed; when it has no per-server error (a DNS SRV lookup, or no server answered in
 * time), the URI's hosts and the error's own cause.
 */
export function unreachableMessage(uri: string, error: unknown): string {
  const servers = asErrorLike(error)?.reason?.servers;
  const failed = servers instanceof Map ? [...servers].filter(([, server]) => server.error !== undefined && server.error !== null) : [];
  if (failed.length === 0) return `cannot reach MongoDB at ${uriHosts(uri)}: ${connectionCause(error)}`;
  return `cannot reach MongoDB at ${failed.map(([host, server]) => `${host}: ${connectionCause(server.error)}`).join('; at ')}`;
}

/** The error to throw: the message above, the driver's error as `cause`. */
export function unreachableError(uri: string, error: unknown): Error {
  return new Error(unreachableMessage(uri, error), { cause: error });
}
