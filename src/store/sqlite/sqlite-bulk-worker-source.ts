/**
 * The source of the SQLite bulk worker (see SqliteBulkWorker), run with `new Worker(source,
 * { eval: true })`: plain CommonJS, so the same code runs from the TypeScript sources (tsx,
 * vitest) and from the build, without a loader in the worker thread.
 *
 * Requests (main -> worker), handled in the order sent:
 *   { type: 'grants' | 'changes', seq, snapshotId, count, texts, lengths }  rows to insert
 *   { type: 'read', seq, snapshotKey, afterId, limit }                       one page of grants (id order)
 *   { type: 'scan', seq, snapshotKey, afterRow, limit }                      one page of grants (storage order)
 *   { type: 'close' }                                                       close and exit
 * Rows travel as field lengths (-1 for null), row after row, plus the concatenation of the
 * fields (structured clone of objects is several times slower), cut into texts of
 * ROWS_PER_TEXT rows: small strings die young, where 1 MB ones would pile up as garbage in
 * the large-object space until a full collection.
 * Replies (worker -> main), in seq order: { seq, error: null } once written rows are
 * committed, { seq, error: null, ids, texts, lengths, lastRow } with a page read (the ids as an array:
 * each arrives as a string of its own, not a slice that would keep the whole page alive
 * in a caller's map), or
 * { seq, error: { message, code } } when nothing was written / read.
 *
 * Writes queued when a transaction starts are committed together (group commit: the dirty
 * pages of several batches are written to the WAL once); each still gets its own reply, and
 * when a group fails its batches are retried one by one, so a bad batch fails only itself.
 */
import { ENCODE_ROWS_SOURCE } from './encode-rows-source.js';
export const BULK_WORKER_SOURCE = String.raw`
'use strict';
${ENCODE_ROWS_SOURCE}
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const Database = require(workerData.driverPath);

const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const selectHandle = db.prepare('SELECT key, status FROM snapshots WHERE id = ?');
const insertGrant = db.prepare(workerData.sql.insertGrant);
const insertChange = db.prepare(workerData.sql.insertChange);
const grantsPage = db.prepare(workerData.sql.grantsPage).raw();
const grantsScanPage = db.prepare(workerData.sql.grantsScanPage).raw();
const GRANT_FIELDS = workerData.grantFields;
const CHANGE_FIELDS = workerData.changeFields;
const ROWS_PER_TEXT = workerData.rowsPerText;

/** Inserts the rows of one message; params[0 .. first - 1] are bound as set by the caller. */
function insertRows(msg, statement, params, first, width) {
  const { texts, lengths } = msg;
  let text = '';
  let pos = 0;
  for (let i = 0, row = 0; i < lengths.length; i += width, row++) {
    if (row % ROWS_PER_TEXT === 0) {
      text = texts[row / ROWS_PER_TEXT];
      pos = 0;
    }
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
function write(msg) {
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

const writeAll = db.transaction((msgs) => {
  for (const msg of msgs) write(msg);
});

/** A page of grant rows (id, then the other GRANT_FIELDS - 1 fields): the ids apart, the rest as texts. */
function read(msg) {
  // A scan page has the row number after the grant's fields (column GRANT_FIELDS).
  const rows = msg.type === 'scan' ? grantsScanPage.all(msg.afterRow, msg.snapshotKey, msg.limit) : grantsPage.all(msg.snapshotKey, msg.afterId, msg.limit);
  const lastRow = msg.type === 'scan' && rows.length > 0 ? rows[rows.length - 1][GRANT_FIELDS] : null;
  const ids = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) ids[r] = rows[r][0];
  const { texts, lengths } = encodeRows(rows, 1, GRANT_FIELDS, ROWS_PER_TEXT);
  parentPort.postMessage({ seq: msg.seq, error: null, ids, texts, lengths, lastRow }, [lengths.buffer]);
}

function failure(err) {
  return { message: err && err.message ? err.message : String(err), code: err && err.code ? err.code : null };
}

function commit(group) {
  try {
    writeAll.immediate(group);
    for (const msg of group) parentPort.postMessage({ seq: msg.seq, error: null });
  } catch (err) {
    if (group.length === 1) return parentPort.postMessage({ seq: group[0].seq, error: failure(err) });
    for (const msg of group) {
      try {
        writeAll.immediate([msg]);
        parentPort.postMessage({ seq: msg.seq, error: null });
      } catch (one) {
        parentPort.postMessage({ seq: msg.seq, error: failure(one) });
      }
    }
  }
}

function handle(msg) {
  if (msg.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  if (msg.type === 'read' || msg.type === 'scan') {
    try {
      read(msg);
    } catch (err) {
      parentPort.postMessage({ seq: msg.seq, error: failure(err) });
    }
    return;
  }
  const group = [msg];
  let rows = msg.count;
  let after = null;
  while (rows < workerData.maxGroupRows) {
    const next = receiveMessageOnPort(parentPort);
    if (next === undefined) break;
    if (next.message.type !== 'grants' && next.message.type !== 'changes') {
      after = next.message;
      break;
    }
    group.push(next.message);
    rows += next.message.count;
  }
  commit(group);
  if (after) handle(after);
}

parentPort.on('message', handle);
`;
