/**
 * Worker module for start-worker.test.ts: TypeScript importing a source module by its .js
 * name, as the store's threads do. Replies to each message (rows) with encodeRows of them.
 */
import { parentPort } from 'node:worker_threads';
import type { Cell } from '../../src/store/sqlite/encode-rows.js';
import { encodeRows } from '../../src/store/sqlite/encode-rows.js';

const port = parentPort!;
port.on('message', (rows: Cell[][]) => {
  port.postMessage(encodeRows(rows, 0, rows[0]?.length ?? 0, 2));
  port.close();
});
