/**
 * The source of the SQLite write worker (see SqliteWriteWorker), run with `new Worker(source,
 * { eval: true })`: plain CommonJS, so the same code runs from the TypeScript sources (tsx,
 * vitest) and from the build, without a loader in the worker thread.
 *
 * Protocol (main -> worker), in order:
 *   { type: 'grants' | 'changes', seq, snapshotId, count, text, lengths }  rows to insert
 *   { type: 'close' }                                                       close and exit
 * Rows are encoded compactly (structured clone of objects is slow): `lengths` holds, row after
 * row, the length of each field (-1 for null) and `text` their concatenation.
 * Replies (worker -> main), in seq order: { seq, error: null } once the rows are committed, or
 * { seq, error: { message, code } } when they were not written at all.
 *
 * Writes that are queued when a transaction starts are committed together (group commit: one
 * WAL write of the dirty pages for several batches); each still gets its own reply, and when
 * a group fails its batches are retried one by one, so one bad batch fails only itself.
 */
export const WRITE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const Database = require(workerData.driverPath);

const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const selectHandle = db.prepare('SELECT key, status FROM snapshots WHERE id = ?');
const insertGrant = db.prepare(workerData.insertGrantSql);
const insertChange = db.prepare(workerData.insertChangeSql);
const GRANT_FIELDS = workerData.grantFields;
const CHANGE_FIELDS = workerData.changeFields;

/** Inserts the rows of one message; params[0 .. first - 1] are bound as set by the caller. */
function insertRows(msg, statement, params, first, width) {
  const { text, lengths } = msg;
  let pos = 0;
  for (let i = 0; i < lengths.length; i += width) {
    for (let f = 0; f < width; f++) {
      const n = lengths[i + f];
      if (n < 0) {
        params[first + f] = null;
      } else {
        params[first + f] = text.slice(pos, pos + n);
        pos += n;
      }
    }
    statement.run(params);
  }
}

/** Same checks and messages as the main connection's appendGrants. */
function apply(msg) {
  if (msg.type === 'grants') {
    const handle = selectHandle.get(msg.snapshotId);
    if (!handle) throw new Error('snapshot ' + msg.snapshotId + ' does not exist');
    if (handle.status !== 'running') throw new Error('snapshot ' + msg.snapshotId + ' is ' + handle.status + ': only a running snapshot takes data');
    const params = new Array(1 + GRANT_FIELDS);
    params[0] = handle.key;
    insertRows(msg, insertGrant, params, 1, GRANT_FIELDS);
  } else {
    insertRows(msg, insertChange, new Array(CHANGE_FIELDS), 0, CHANGE_FIELDS);
  }
}

const applyAll = db.transaction((msgs) => {
  for (const msg of msgs) apply(msg);
});

function failure(err) {
  return { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null };
}

function close() {
  db.close();
  parentPort.close();
}

parentPort.on('message', (first) => {
  if (first.type === 'close') return close();
  const group = [first];
  let rows = first.count;
  let closing = false;
  while (rows < workerData.maxGroupRows) {
    const next = receiveMessageOnPort(parentPort);
    if (next === undefined) break;
    if (next.message.type === 'close') {
      closing = true;
      break;
    }
    group.push(next.message);
    rows += next.message.count;
  }
  try {
    applyAll.immediate(group);
    for (const msg of group) parentPort.postMessage({ seq: msg.seq, error: null });
  } catch (err) {
    if (group.length === 1) {
      parentPort.postMessage({ seq: first.seq, error: failure(err) });
    } else {
      for (const msg of group) {
        try {
          applyAll.immediate([msg]);
          parentPort.postMessage({ seq: msg.seq, error: null });
        } catch (one) {
          parentPort.postMessage({ seq: msg.seq, error: failure(one) });
        }
      }
    }
  }
  if (closing) close();
});
`;
