/**
 * Microsoft Graph over HTTP, with app-only auth: nothing here knows what the data means.
 *
 * - One MSAL ConfidentialClientApplication per client instance, so its in-memory token cache
 *   serves every request of the instance (a token lives about an hour).
 * - The Graph SDK client runs its own AuthenticationHandler and RetryHandler (429/503/504,
 *   honouring Retry-After, `maxRetries` times) and then our FetchHandler, which sends with
 *   an injectable `fetch` instead of the global one. MSAL sends through the same `fetch`,
 *   so one HTTP stack serves both, and tests can route both to a local fake while the base
 *   URLs stay https (the SDK only attaches tokens to https Graph hosts).
 * - Collections are async generators that follow `@odata.nextLink` whole until it is absent,
 *   including empty pages that still carry a link.
 * - `$batch` re-sends sub-requests answered 429/503/504 after their Retry-After: the SDK's
 *   RetryHandler sees only the outer 200.
 *
 * Failures: HTTP answers become GraphCallError (status -1 when no answer came); token and
 * configuration failures become ConnectorError. Secrets never enter a message.
 */
import { AuthError, ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import type { Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { AuthenticationHandler, Client, GraphError, RetryHandler, RetryHandlerOptions, TelemetryHandler } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { ConnectorError, parseRetryAfter } from '../connector.js';
import { GraphCallError, MAX_BATCH_SIZE } from './entra-id-graph.js';
import type { BatchAnswer, BatchGet, EntraIdClientConfig, EntraIdClientOptions, GraphApi, GraphPage, RequestOptions } from './entra-id-graph.js';

// The vendor-free part (types, errors, helpers) lives in entra-id-graph.ts, which the readers use
// without loading MSAL or the Graph SDK; re-exported here for callers of the client.
export type { BatchAnswer, BatchGet, EntraCredential, EntraIdClientConfig, EntraIdClientOptions, GraphApi, GraphPage, RequestOptions } from './entra-id-graph.js';
export { ADVANCED_QUERY, GraphCallError, MAX_BATCH_SIZE, batchAnswerError, firstNonEmptyPage } from './entra-id-graph.js';

const RETRYABLE = new Set([429, 503, 504]);
/** Wait for a throttled sub-response that names no Retry-After. */
const DEFAULT_SUB_RETRY_MS = 2_000;
const GRAPH_VERSION = 'v1.0';
/** The SDK's defaults: wait 3 s when no Retry-After is given, retry 3 times. */
const RETRY_DELAY_SECONDS = 3;
const DEFAULT_MAX_RETRIES = 3;

export class EntraIdClient implements GraphApi {
  private readonly msal: ConfidentialClientApplication;
  private readonly graph: Client;
  private readonly scope: string;
  private readonly root: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxBatchRounds: number;

  constructor(
    private readonly config: EntraIdClientConfig,
    options: EntraIdClientOptions = {},
  ) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxBatchRounds = options.maxBatchRounds ?? 5;
    this.scope = `${config.graphHost}/.default`;
    this.root = `${config.graphHost}/${GRAPH_VERSION}/`;
    this.msal = new ConfidentialClientApplication(msalConfiguration(config, fetchImpl));
    const authProvider = { getAccessToken: () => this.token() };
    this.graph = Client.initWithMiddleware({
      baseUrl: config.graphHost,
      defaultVersion: GRAPH_VERSION,
      // Overridden hosts are not in the SDK's list of Graph hosts: without this the SDK
      // would send them no Authorization header.
      customHosts: new Set([new URL(config.graphHost).host]),
      middleware: [
        new AuthenticationHandler(authProvider),
        new RetryHandler(new RetryHandlerOptions(RETRY_DELAY_SECONDS, options.maxRetries ?? DEFAULT_MAX_RETRIES)),
        new TelemetryHandler(),
        new FetchHandler(fetchImpl),
      ],
    });
  }

  /** An app-only access token for Graph (from MSAL's cache while valid). */
  async token(): Promise<string> {
    let accessToken: string | undefined;
    try {
      accessToken = (await this.msal.acquireTokenByClientCredential({ scopes: [this.scope] }))?.accessToken;
    } catch (err) {
      throw tokenError(err, this.config);
    }
    if (!accessToken) throw new ConnectorError(`Entra ID returned no access token for app ${this.config.clientId}`, { transient: true });
    return accessToken;
  }

  /** GETs one resource (a path relative to the version root, or an absolute Graph link). */
  async get<T>(pathOrLink: string, options: RequestOptions = {}): Promise<T> {
    return this.send<T>(pathOrLink, options, (req) => req.get());
  }

  /**
   * DELETEs one resource (Graph answers 204 No Content). Like every call it passes the
   * RetryHandler, which re-sends a DELETE answered 429/503/504 after its Retry-After.
   */
  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.send<unknown>(path, options, (req) => req.delete());
  }

  /**
   * POSTs a JSON body and returns Graph's answer (e.g. 201 Created with the new object). Like
   * every call it passes the RetryHandler: a POST answered 429/503/504 is re-sent after its
   * Retry-After, so the caller must be able to tell a repeat that Graph already carried out.
   */
  async post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.send<T>(path, options, (req) => req.post(body));
  }

  /** Pages of a collection, following `@odata.nextLink` until it is absent. */
  async *pages<T>(pathOrLink: string, options: RequestOptions = {}): AsyncGenerator<GraphPage<T>> {
    let link: string | null = pathOrLink;
    while (link !== null) {
      const body: { value?: T[]; '@odata.nextLink'?: string } = await this.get(link, options);
      link = body['@odata.nextLink'] ?? null;
      yield { value: body.value ?? [], nextLink: link };
    }
  }

  /** Every item of a collection, across its pages. */
  async *items<T>(pathOrLink: string, options: RequestOptions = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(pathOrLink, options)) yield* page.value;
  }

  /**
   * GETs many resources through `$batch`, 20 per request. Sub-requests answered 429/503/504
   * are sent again after the longest Retry-After among them; after `maxBatchRounds` rounds
   * the call fails with a transient ConnectorError. Other answers (including errors) are
   * returned for the caller to judge.
   */
  async batchGet(requests: readonly BatchGet[], signal?: AbortSignal): Promise<Map<string, BatchAnswer>> {
    const answers = new Map<string, BatchAnswer>();
    let pending = [...requests];
    for (let round = 1; pending.length > 0; round++) {
      const again: BatchGet[] = [];
      let waitMs = 0;
      for (let i = 0; i < pending.length; i += MAX_BATCH_SIZE) {
        const chunk = pending.slice(i, i + MAX_BATCH_SIZE);
        const body = { requests: chunk.map((r) => ({ id: r.id, method: 'GET', url: r.url, ...(r.headers ? { headers: r.headers } : {}) })) };
        const result: { responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] } = await this.send('/$batch', { signal }, (req) => req.post(body));
        const unanswered = new Map(chunk.map((r) => [r.id, r]));
        for (const res of result.responses ?? []) {
          const req = unanswered.get(res.id);
          if (!req) continue;
          unanswered.delete(res.id);
          const headers = res.headers ?? {};
          if (RETRYABLE.has(res.status)) {
            again.push(req);
            waitMs = Math.max(waitMs, parseRetryAfter(headerValue(headers, 'retry-after')) ?? DEFAULT_SUB_RETRY_MS);
          } else {
            answers.set(res.id, { status: res.status, headers, body: res.body ?? null });
          }
        }
        // Graph answers every sub-request; one it left out is asked again rather than lost.
        again.push(...unanswered.values());
      }
      if (again.length === 0) break;
      if (round >= this.maxBatchRounds) {
        throw new ConnectorError(`Graph still throttled ${again.length} $batch sub-request(s) after ${round} rounds`, { transient: true, retryAfterMs: waitMs, status: 429 });
      }
      await this.sleep(waitMs);
      pending = again;
    }
    return answers;
  }

  private async send<T>(pathOrLink: string, options: RequestOptions, call: (req: ReturnType<Client['api']>) => Promise<T>): Promise<T> {
    if (/^https?:\/\//i.test(pathOrLink) && !pathOrLink.startsWith(this.root)) {
      throw new ConnectorError(`refusing to follow a link outside ${this.root}: ${pathOrLink.slice(0, 120)}`);
    }
    // Token first, so that auth failures surface as themselves and not wrapped by the SDK;
    // the AuthenticationHandler's own call is then served from MSAL's cache.
    await this.token();
    const req = this.graph.api(pathOrLink);
    for (const [k, v] of Object.entries(options.headers ?? {})) req.header(k, v);
    if (options.signal) req.option('signal', options.signal);
    try {
      return await call(req);
    } catch (err) {
      throw graphCallError(err);
    }
  }
}

/** Terminal middleware: sends the request with the injected fetch. */
class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: typeof fetch) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request, context.options);
  }
}

function msalConfiguration(config: EntraIdClientConfig, fetchImpl: typeof fetch): Configuration {
  const credential =
    config.credential.kind === 'secret'
      ? { clientSecret: config.credential.clientSecret }
      : { clientCertificate: { thumbprintSha256: config.credential.thumbprintSha256, privateKey: config.credential.privateKey } };
  return {
    auth: {
      clientId: config.clientId,
      authority: `${config.authorityHost}/${config.tenantId}`,
      // Trust the configured host as is: national clouds and explicit overrides then need
      // no instance discovery against the global cloud.
      knownAuthorities: [new URL(config.authorityHost).host],
      ...credential,
    },
    system: { networkClient: fetchNetworkModule(fetchImpl) },
  };
}

/** MSAL's network interface over fetch (what MSAL's own HttpClient does, with our fetch). */
function fetchNetworkModule(fetchImpl: typeof fetch): INetworkModule {
  async function send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> {
    const res = await fetchImpl(url, {
      method,
      headers: options?.headers,
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { headers, body: (await res.json()) as T, status: res.status };
  }
  return {
    sendGetRequestAsync: (url, options, timeout) => send(url, 'GET', options, timeout),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}

function graphCallError(err: unknown): Error {
  if (err instanceof ConnectorError || err instanceof GraphCallError) return err;
  if (err instanceof GraphError) {
    const status = err.statusCode > 0 ? err.statusCode : -1;
    const retryAfterMs = parseRetryAfter(err.headers?.get('retry-after'));
    const message = err.message || (status > 0 ? `HTTP ${status}` : 'no response');
    return new GraphCallError(status, status > 0 ? err.code : null, message, retryAfterMs, err);
  }
  return new GraphCallError(-1, null, err instanceof Error ? err.message : String(err), null, err);
}

/**
 * Token failures: a rejected credential or unknown tenant/app is configuration (not
 * transient); network trouble and 5xx/429 from the token endpoint are transient. MSAL's
 * messages carry AADSTS codes and never the secret.
 */
function tokenError(err: unknown, config: EntraIdClientConfig): ConnectorError {
  const who = `app ${config.clientId} in tenant ${config.tenantId} (${config.authorityHost})`;
  if (err instanceof ServerError) {
    const transient = err.status !== undefined && (err.status >= 500 || err.status === 429);
    // MSAL composes "Error(s): ... - Description: AADSTS...: text - Correlation ID: ...".
    const raw = err.errorMessage || err.message;
    const detail = /Description: (.*?)(?: - Correlation ID:| - Trace ID:|$)/s.exec(raw)?.[1] ?? raw;
    return new ConnectorError(`Entra ID refused a token for ${who}: ${err.errorCode}: ${detail}`, { transient, status: err.status ?? null, cause: err });
  }
  if (err instanceof AuthError && err.errorCode !== 'network_error') {
    return new ConnectorError(`could not get a token for ${who}: ${err.errorCode}: ${err.errorMessage || err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ConnectorError(`could not reach Entra ID for a token for ${who}: ${message}`, { transient: true, cause: err });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
