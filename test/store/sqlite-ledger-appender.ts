/**
 * Child process for the SQLite multi-process test: opens the store file given as argv[2]
 * and appends argv[3] events one by one (each its own transaction), racing its siblings.
 */
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const [file, count, writer] = process.argv.slice(2);
if (!file || !count || !writer) throw new Error('usage: sqlite-ledger-appender <file> <count> <writer>');
const store = openSqliteStore({ file });
for (let n = 0; n < Number(count); n++) {
  await store.ledger.append([{ type: 'test.race', actor: writer, subject: `${writer}-${n}`, data: { n } }]);
}
await store.close();
