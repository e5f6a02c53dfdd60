/** The contract suites' store hooks (store-lifecycle.ts), with stores that only count their closes. */
import { describe, expect, it } from 'vitest';
import { StoreLifecycle } from './store-lifecycle.js';

class CountingStore {
  closes = 0;
  async close(): Promise<void> {
    this.closes++;
  }
}

describe('StoreLifecycle', () => {
  it('closes the store the test opened, once', async () => {
    const lifecycle = new StoreLifecycle<CountingStore>();
    const store = await lifecycle.open(async () => new CountingStore());
    await lifecycle.close();
    await lifecycle.close();
    expect(store.closes).toBe(1);
  });

  it('a store that failed to open is not closed, nor is the previous test’s store closed again', async () => {
    const lifecycle = new StoreLifecycle<CountingStore>();
    const first = await lifecycle.open(async () => new CountingStore());
    await lifecycle.close();
    await expect(lifecycle.open(() => Promise.reject(new Error('cannot reach MongoDB at db:27017: connection refused')))).rejects.toThrow('connection refused');
    await expect(lifecycle.close()).resolves.toBeUndefined();
    expect(first.closes).toBe(1);
  });

  it('a failed open before any store (the first test): close does nothing and does not throw', async () => {
    const lifecycle = new StoreLifecycle<CountingStore>();
    await expect(lifecycle.open(() => Promise.reject(new Error('no server')))).rejects.toThrow('no server');
    await expect(lifecycle.close()).resolves.toBeUndefined();
  });

  it('a failed open forgets the store of an earlier open that was never closed: close does not reach it', async () => {
    const lifecycle = new StoreLifecycle<CountingStore>();
    const first = await lifecycle.open(async () => new CountingStore());
    await expect(lifecycle.open(() => Promise.reject(new Error('no server')))).rejects.toThrow('no server');
    await lifecycle.close();
    expect(first.closes).toBe(0);
  });
});
