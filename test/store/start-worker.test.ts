/**
 * startWorker starts a worker module from the TypeScript sources (here, under vitest) and
 * from dist/ (its built .js, as is): workerEntry picks which. dist-workers.test.ts runs the
 * built side for real.
 */
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker, workerEntry } from '../../src/store/sqlite/start-worker.js';

describe('workerEntry', () => {
  const built = new URL('file:///app/dist/store/sqlite/x-thread.js');

  it('from dist/ starts the built .js module as is, with the parent\'s options', () => {
    expect(workerEntry(built, 'file:///app/dist/store/sqlite/start-worker.js')).toEqual({ url: built, execArgv: undefined });
  });

  it('from the sources starts the .ts module beside it, with tsx preloaded into the thread', () => {
    const self = 'file:///app/src/store/sqlite/start-worker.ts';
    expect(workerEntry(built, self)).toEqual({ url: new URL('file:///app/dist/store/sqlite/x-thread.ts'), execArgv: ['--import', 'file:///app/src/store/sqlite/register-tsx.mjs'] });
    // The preload named for this very module exists.
    const { execArgv } = workerEntry(built);
    expect(existsSync(fileURLToPath(execArgv![1]!))).toBe(true);
  });

  it('refuses a module not named by its built .js URL', () => {
    expect(() => workerEntry(new URL('file:///app/src/x-thread.ts'), 'file:///app/src/start-worker.ts')).toThrow(/built \.js URL/);
  });
});

describe('startWorker', () => {
  it('runs a TypeScript worker module from the sources, its imports of source modules included', async () => {
    const worker = startWorker(new URL('./echo-thread.js', import.meta.url), { name: 'echo' });
    const replied = once(worker, 'message');
    worker.postMessage([['a', 1, null], ['bc', 'd', 'e'], ['f', null, 'g']]);
    const [reply] = (await replied) as [{ texts: string[]; lengths: Int32Array }];
    expect(reply.texts).toEqual(['a1bcde', 'fg']);
    expect([...reply.lengths]).toEqual([1, 1, -1, 2, 1, 1, 1, -1, 1]);
    await once(worker, 'exit');
  });
});
