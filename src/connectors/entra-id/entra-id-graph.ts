/**
 * The vendor-free half of the Graph client (entra-id-client.ts): its settings, answers, errors and
 * the GraphApi the readers and revokers call. Nothing here imports MSAL or the Graph SDK, so
 * loading the connector registry (every command does) does not load them: the client module is
 * imported by `lazyGraphApi` on the first call, by a sync or revoke of an `entra-id` system.
 */
export type EntraCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; thumbprintSha256: string; privateKey: string };

export interface EntraIdClientConfig {
  tenantId: string;
  clientId: string;
  credential: EntraCredential;
  /** e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com */
  graphHost: string;
}

export interface EntraIdClientOptions {
  /** Sends every HTTP request (Graph and token endpoint). Default: the global fetch. */
  fetch?: typeof fetch;
  /** Waits before re-sending throttled `$batch` sub-requests. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Retries of a throttled/unavailable request by the SDK's RetryHandler (0..10). Default 3. */
  maxRetries?: number;
  /** Rounds of re-sending throttled `$batch` sub-requests before giving up. Default 5. */
  maxBatchRounds?: number;
}

export interface GraphPage<T> {
  value: T[];
  nextLink: string | null;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface BatchGet {
  /** Unique within one call; the answer is keyed by it. */
  id: string;
  /** Relative to the version root: `/users/{id}/...`. */
  url: string;
  headers?: Record<string, string>;
}

export interface BatchAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Graph answered with an error status (or, status -1, did not answer at all). */
export class GraphCallError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly retryAfterMs: number | null;

  constructor(status: number, code: string | null, message: string, retryAfterMs: number | null = null, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'GraphCallError';
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * OData casts on membership lists (`.../transitiveMemberOf/microsoft.graph.group`) are
 * advanced queries: they need this header and `$count=true`, and read an index that may lag
 * recent changes by moments. In `$batch` the header goes on each sub-request.
 */
export const ADVANCED_QUERY: Readonly<Record<string, string>> = { ConsistencyLevel: 'eventual' };

/** Graph's documented maximum number of requests in one `$batch`. */
export const MAX_BATCH_SIZE = 20;

/** A `$batch` sub-response error as a GraphCallError (Graph's `{ error: { code, message } }`). */
export function batchAnswerError(answer: BatchAnswer): GraphCallError {
  const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
  return new GraphCallError(answer.status, error?.code ?? null, error?.message ?? `HTTP ${answer.status}`);
}

/**
 * The first page that has items, or the last page: empty pages that still carry a
 * nextLink are skipped, so a caller never hands out an empty page that is not the end.
 */
export async function firstNonEmptyPage<T>(pages: AsyncIterable<GraphPage<T>>): Promise<GraphPage<T>> {
  let last: GraphPage<T> = { value: [], nextLink: null };
  for await (const page of pages) {
    last = page;
    if (page.value.length > 0) break;
  }
  return last;
}

/** What the readers and revokers call on Microsoft Graph (EntraIdClient implements it). */
export interface GraphApi {
  get<T>(pathOrLink: string, options?: RequestOptions): Promise<T>;
  delete(path: string, options?: RequestOptions): Promise<void>;
  post<T>(path: string, body: unknown, options?: RequestOptions): Promise<T>;
  pages<T>(pathOrLink: string, options?: RequestOptions): AsyncGenerator<GraphPage<T>>;
  items<T>(pathOrLink: string, options?: RequestOptions): AsyncGenerator<T>;
  batchGet(requests: readonly BatchGet[], signal?: AbortSignal): Promise<Map<string, BatchAnswer>>;
}

/** A GraphApi whose client is built on its first call (once: one MSAL application, one token cache). */
export function lazyGraphApi(build: () => Promise<GraphApi>): GraphApi {
  let client: Promise<GraphApi> | null = null;
  const get = () => (client ??= build());
  return {
    get: async (pathOrLink, options) => (await get()).get(pathOrLink, options),
    delete: async (path, options) => (await get()).delete(path, options),
    post: async (path, body, options) => (await get()).post(path, body, options),
    async *pages(pathOrLink, options) {
      yield* (await get()).pages(pathOrLink, options);
    },
    async *items(pathOrLink, options) {
      yield* (await get()).items(pathOrLink, options);
    },
    batchGet: async (requests, signal) => (await get()).batchGet(requests, signal),
  };
}
