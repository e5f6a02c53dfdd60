/** An error as it crosses from a worker thread to its owner (an Error does not keep its code across). */
export interface WorkerError {
  message: string;
  code: string | null;
}

/** On the worker thread: what made a request fail. */
export function toWorkerError(err: unknown): WorkerError {
  const e = err as { message?: unknown; code?: unknown } | null | undefined;
  return { message: e && e.message ? String(e.message) : String(err), code: e && e.code ? String(e.code) : null };
}

/** On the owner's side: the Error to reject the request with, its code kept. */
export function fromWorkerError(error: WorkerError): Error {
  return Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
}
