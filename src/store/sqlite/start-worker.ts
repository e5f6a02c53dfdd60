import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Where and how to start the worker module `built` (its URL in the build, e.g.
 * `new URL('./x-thread.js', import.meta.url)`), when this module runs from `self`.
 *
 * From dist/ (`self` ends in .js) the worker is that .js file, started as is. From the
 * TypeScript sources (tsx, vitest: `self` ends in .ts) it is the .ts file beside it, and the
 * thread needs a TypeScript loader of its own: `register-tsx.mjs` is preloaded into it. (A
 * thread does not get its parent's loader, and on Node 20 `--import tsx` registers tsx on
 * the main thread only.)
 */
export function workerEntry(built: URL, self: string = import.meta.url): { url: URL; execArgv: string[] | undefined } {
  if (!built.pathname.endsWith('.js')) throw new Error(`a worker module is named by its built .js URL, got ${built.href}`);
  if (!self.endsWith('.ts')) return { url: built, execArgv: undefined };
  const url = new URL(built);
  url.pathname = url.pathname.replace(/\.js$/, '.ts');
  return { url, execArgv: ['--import', new URL('./register-tsx.mjs', self).href] };
}

/** A worker thread running the module `built` (see workerEntry), from dist/ and from the sources alike. */
export function startWorker(built: URL, options: WorkerOptions): Worker {
  const { url, execArgv } = workerEntry(built);
  return new Worker(url, execArgv ? { ...options, execArgv } : options);
}
