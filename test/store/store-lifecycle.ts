import type { Store } from '../../src/store/ports.js';

/**
 * The store of the running test, for the contract suites' hooks: `open` in beforeEach, `close`
 * in afterEach. close() closes only a store that opened in this test, once: when open fails
 * (no server, a wrong URI) vitest still runs afterEach, which then closes nothing instead of
 * failing on an undefined store (hiding the open's error) or closing the previous test's store
 * a second time.
 */
export class StoreLifecycle<S extends Pick<Store, 'close'> = Store> {
  private current: S | null = null;

  async open(open: () => Promise<S>): Promise<S> {
    this.current = null;
    const store = await open();
    this.current = store;
    return store;
  }

  async close(): Promise<void> {
    const store = this.current;
    this.current = null;
    await store?.close();
  }
}
