/**
 * HTTP access to the Vault API (https://developer.hashicorp.com/vault/api-docs): token and
 * namespace headers, LIST, read and write (POST), and the mapping of Vault's answers to ConnectorErrors.
 * It knows nothing about entities or grants.
 */
import { ConnectorError, parseRetryAfter } from '../connector.js';

export interface VaultClientOptions {
  /** Base address without `/v1`, e.g. `https://vault.example.com:8200`. */
  address: string;
  token: string;
  /** Vault Enterprise / HCP namespace (sent as X-Vault-Namespace), null for the root. */
  namespace: string | null;
  timeoutMs: number;
  now?: () => Date;
}

/** The least a read-only token needs, quoted in permission errors. */
const POLICY_HINT =
  'a read-only policy needs "list" on identity/entity/id and identity/group/id, "read" on identity/entity/id/*, identity/group/id/*, ' +
  'sys/auth and sys/policies/acl/*, and "list" and "read" on the roles/users/groups of each auth mount (docs/connectors.md)';

/** Paths read as themselves, not as one item of a collection (the 403 hint names them exactly). */
const SINGLE_READS = new Set(['sys/auth']);

export class VaultClient {
  private readonly base: string;

  constructor(private readonly opts: VaultClientOptions) {
    this.base = opts.address.replace(/\/+$/, '');
  }

  /**
   * LIST `path` (sent as `GET ?list=true`, which proxies pass through more reliably than
   * the non-standard LIST method). Vault answers an empty list with 404 `{"errors":[]}`:
   * that is an empty result, not an error.
   */
  async list(path: string, signal: AbortSignal): Promise<string[]> {
    const body = await this.request('LIST', path, signal, this.opts.namespace);
    if (body === null) return [];
    const keys = (body as { data?: { keys?: unknown } }).data?.keys;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
      throw new ConnectorError(`vault: LIST ${path}: response has no data.keys list`);
    }
    return keys;
  }

  /**
   * Reads `path`; returns its `data` object, or null when Vault answers 404 (not there).
   * `namespace` overrides the configured namespace for this read (members of other namespaces).
   */
  async read(path: string, signal: AbortSignal, namespace: string | null = this.opts.namespace): Promise<unknown> {
    const body = await this.request('GET', path, signal, namespace);
    return body === null ? null : ((body as { data?: unknown }).data ?? null);
  }

  /**
   * Writes `body` to `path` (POST; Vault's create/update). Answers 200 with a body or 204
   * without: returns the body's `data` or null. Only auto remediation writes (vault-revoker.ts).
   * A 403 is a ConnectorError with status 403 naming the `update` capability on the path.
   */
  async write(path: string, body: Record<string, unknown>, signal: AbortSignal, namespace: string | null = this.opts.namespace): Promise<unknown> {
    const answer = await this.request('POST', path, signal, namespace, body);
    return answer === null ? null : ((answer as { data?: unknown }).data ?? null);
  }

  private async request(op: 'LIST' | 'GET' | 'POST', path: string, signal: AbortSignal, namespace: string | null, body?: Record<string, unknown>): Promise<unknown> {
    const url = `${this.base}/v1/${path}${op === 'LIST' ? '?list=true' : ''}`;
    const headers: Record<string, string> = { 'X-Vault-Token': this.opts.token, 'X-Vault-Request': 'true', Accept: 'application/json' };
    if (namespace !== null) headers['X-Vault-Namespace'] = namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method: op === 'POST' ? 'POST' : 'GET',
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const why = timedOut ? `no answer within ${this.opts.timeoutMs / 1000}s` : describeFetchError(err);
      throw new ConnectorError(`vault: ${op} ${path}: ${why}`, { transient: true, cause: err });
    }
    const text = await res.text();
    if (res.ok) return res.status === 204 || text === '' ? null : parseJson(text, op, path);
    const errors = vaultErrors(text);
    if (res.status === 404 && errors !== null && errors.length === 0) return null;
    const detail = errors && errors.length > 0 ? errors.join('; ') : text.slice(0, 200) || res.statusText;
    if (res.status === 403 && op === 'POST') {
      const where = namespace === null ? '' : ` in namespace ${namespace}`;
      throw new ConnectorError(`vault: POST ${path}: permission denied (403)${where}: the token needs "update" on ${path} (docs/connectors.md, Vault: Remediation (auto))`, { status: 403 });
    }
    if (res.status === 403) {
      const capability = op === 'LIST' ? `"list" on ${path}` : SINGLE_READS.has(path) ? `"read" on ${path}` : `"read" on ${path.slice(0, path.lastIndexOf('/'))}/*`;
      const where = namespace === null ? '' : ` in namespace ${namespace}`;
      throw new ConnectorError(
        `vault: ${op} ${path}: permission denied (403)${where}: the token needs ${capability} ` +
          `(${POLICY_HINT}); also check that the token is valid and belongs to this namespace`,
        { status: 403 },
      );
    }
    // 429: rate-limit quota; 5xx incl. 503 sealed or standby; 412: an Enterprise
    // performance standby that has not caught up yet. All pass with time.
    const transient = res.status === 429 || res.status === 412 || res.status >= 500;
    throw new ConnectorError(`vault: ${op} ${path}: HTTP ${res.status}: ${detail}`, {
      transient,
      status: res.status,
      retryAfterMs: transient ? parseRetryAfter(res.headers.get('retry-after'), this.opts.now?.()) : null,
    });
  }
}

function parseJson(text: string, op: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConnectorError(`vault: ${op} ${path}: response is not JSON`, { cause: err });
  }
}

/** Vault's error body `{"errors": [...]}`, or null when the body is something else. */
function vaultErrors(text: string): string[] | null {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors;
    return Array.isArray(errors) ? errors.map(String) : null;
  } catch {
    return null;
  }
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? err.message;
}
