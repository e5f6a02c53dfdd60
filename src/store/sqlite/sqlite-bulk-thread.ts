/**
 * The thread of the SQLite bulk worker (see SqliteBulkWorker, which starts it with
 * BulkWorkerData): its own connection to the store's file.
 *
 * Requests (main -> worker), handled in the order sent (BulkRequest):
 *   { type: 'grants' | 'changes', seq, snapshotId, count, texts, lengths }  rows to insert
 *   { type: 'remove', seq, snapshotId, count, texts, lengths }              grant ids to drop (removeGrants)
 *   { type: 'scan', seq, params }                                          one page of grants (storage order)
 *   { type: 'scanRows', seq, params }                                      the same without ids (GrantRows' fields)
 *   { type: 'close' }                                                       close and exit
 * Rows travel as field lengths (-1 for null), row after row, plus the concatenation of the
 * fields (structured clone of objects is several times slower), cut into texts of
 * rowsPerText rows: small strings die young, where 1 MB ones would pile up as garbage in
 * the large-object space until a full collection.
 * Replies (worker -> main), in seq order (BulkReply): { seq, error: null } once written rows
 * are committed, { seq, error: null, ids, texts, lengths, lastRow } with a page read (the ids
 * as an array: each arrives as a string of its own, not a slice that would keep the whole
 * page alive in a caller's map; no ids for scanRows), or { seq, error: { message, code } } when nothing was
 * written / read.
 *
 * Writes queued when a transaction starts are committed together (group commit: the dirty
 * pages of several batches are written to the WAL once); each still gets its own reply, and
 * when a group fails its batches are retried one by one, so a bad batch fails only itself.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SnapshotStatus } from '../../domain/snapshot.js';
import { requireWritable } from '../../domain/snapshot-transitions.js';
import { GRANT_ROW_FIELDS } from '../grant-rows.js';
import type { Cell } from './encode-rows.js';
import { encodeRows } from './encode-rows.js';
import type { BulkWorkerOptions } from './sqlite-bulk-worker.js';
import type { WorkerError } from './worker-error.js';
import { toWorkerError } from './worker-error.js';

export interface BulkWorkerData {
  file: string;
  busyTimeoutMs: number;
  sql: BulkWorkerOptions['sql'];
  pragmas: readonly string[];
  maxGroupRows: number;
  grantFields: number;
  changeFields: number;
  rowsPerText: number;
}

interface Rows {
  seq: number;
  count: number;
  texts: string[];
  lengths: Int32Array;
}
export type WriteRequest = (Rows & { type: 'grants'; snapshotId: string }) | (Rows & { type: 'remove'; snapshotId: string }) | (Rows & { type: 'changes' });
/** `params`: the page query's parameters, in order (see BulkWorkerOptions['sql']). */
export type ReadRequest = { type: 'scan'; seq: number; params: Cell[] } | { type: 'scanRows'; seq: number; params: Cell[] };
export type BulkRequest = WriteRequest | ReadRequest | { type: 'close' };

export interface BulkReply {
  seq: number;
  error: WorkerError | null;
  ids?: string[];
  texts?: string[];
  lengths?: Int32Array;
  lastRow?: number | null;
}

if (!parentPort) throw new Error('sqlite-bulk-thread runs as a worker thread');
const port = parentPort;
const data = workerData as BulkWorkerData;

const db = new Database(data.file, { timeout: data.busyTimeoutMs });
for (const pragma of data.pragmas) db.pragma(pragma);
const selectHandle = db.prepare<[string], { status: SnapshotStatus; systemKey: number; deltaKey: number; baseVersion: number | null }>(data.sql.selectHandle);
const markReplaced = db.prepare<[number, number, Cell, number, number]>(data.sql.markReplaced);
const deleteOwn = db.prepare<[number, Cell, number]>(data.sql.deleteOwn);
// Inserts are bound from one reused array of positional parameters.
const insertGrant = db.prepare<[Cell[]]>(data.sql.insertGrant);
const insertChange = db.prepare<[Cell[]]>(data.sql.insertChange);
const grantsScanPage = db.prepare<Cell[], Cell[]>(data.sql.grantsScanPage).raw();
const grantRowsScanPage = db.prepare<Cell[], Cell[]>(data.sql.grantRowsScanPage).raw();
const GRANT_FIELDS = data.grantFields;
const CHANGE_FIELDS = data.changeFields;
const ROWS_PER_TEXT = data.rowsPerText;

function reply(message: BulkReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Runs `run` on each row of one message; params[0 .. first - 1] are bound as set by the caller. */
function eachRow(msg: Rows, run: (params: Cell[]) => void, params: Cell[], first: number, width: number): void {
  const { texts, lengths } = msg;
  let text = '';
  let pos = 0;
  for (let i = 0, row = 0; i < lengths.length; i += width, row++) {
    if (row % ROWS_PER_TEXT === 0) {
      text = texts[row / ROWS_PER_TEXT]!;
      pos = 0;
    }
    for (let f = 0; f < width; f++) {
      const n = lengths[i + f]!;
      if (n < 0) {
        params[first + f] = null;
      } else {
        params[first + f] = text.slice(pos, pos + n);
        pos += n;
      }
    }
    run(params);
  }
}

/** The domain's checks and messages, as the main connection's appendGrants. */
function write(msg: WriteRequest): void {
  if (msg.type === 'grants') {
    const handle = requireWritable(msg.snapshotId, selectHandle.get(msg.snapshotId) ?? null);
    // The rows go into the snapshot's delta; a grant of its base with the same id is replaced (see SqliteSnapshotStore).
    const { systemKey, deltaKey, baseVersion: base } = handle;
    const params = new Array<Cell>(2 + GRANT_FIELDS);
    params[0] = systemKey;
    params[1] = deltaKey;
    eachRow(
      msg,
      (p) => {
        if (base !== null) markReplaced.run(deltaKey, systemKey, p[2]!, base, base);
        insertGrant.run(p);
      },
      params,
      2,
      GRANT_FIELDS,
    );
  } else if (msg.type === 'remove') {
    const { systemKey, deltaKey, baseVersion: base } = requireWritable(msg.snapshotId, selectHandle.get(msg.snapshotId) ?? null);
    eachRow(
      msg,
      ([id]) => {
        if (base !== null) markReplaced.run(deltaKey, systemKey, id!, base, base);
        deleteOwn.run(systemKey, id!, deltaKey);
      },
      [null],
      0,
      1,
    );
  } else {
    eachRow(msg, (p) => insertChange.run(p), new Array<Cell>(CHANGE_FIELDS), 0, CHANGE_FIELDS);
  }
}

const writeAll = db.transaction((msgs: readonly WriteRequest[]) => {
  for (const msg of msgs) write(msg);
});

/** A page of grant rows (id, then the other GRANT_FIELDS - 1 fields, then the row number): the ids apart, the rest as texts. */
function read(msg: ReadRequest): void {
  const rows = grantsScanPage.all(...msg.params);
  const lastRow = rows.length > 0 ? (rows[rows.length - 1]![GRANT_FIELDS] as number) : null;
  const ids = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) ids[r] = rows[r]![0] as string;
  const { texts, lengths } = encodeRows(rows, 1, GRANT_FIELDS, ROWS_PER_TEXT);
  reply({ seq: msg.seq, error: null, ids, texts, lengths, lastRow }, [lengths.buffer as ArrayBuffer]);
}

/** A page of grant rows without ids (GRANT_ROW_FIELDS fields, then the row number), all as texts. */
function readRows(msg: ReadRequest): void {
  const rows = grantRowsScanPage.all(...msg.params);
  const lastRow = rows.length > 0 ? (rows[rows.length - 1]![GRANT_ROW_FIELDS] as number) : null;
  const { texts, lengths } = encodeRows(rows, 0, GRANT_ROW_FIELDS, ROWS_PER_TEXT);
  reply({ seq: msg.seq, error: null, texts, lengths, lastRow }, [lengths.buffer as ArrayBuffer]);
}

function commit(group: readonly WriteRequest[]): void {
  try {
    writeAll.immediate(group);
    for (const msg of group) reply({ seq: msg.seq, error: null });
  } catch (err) {
    if (group.length === 1) return reply({ seq: group[0]!.seq, error: toWorkerError(err) });
    for (const msg of group) {
      try {
        writeAll.immediate([msg]);
        reply({ seq: msg.seq, error: null });
      } catch (one) {
        reply({ seq: msg.seq, error: toWorkerError(one) });
      }
    }
  }
}

function handle(msg: BulkRequest): void {
  if (msg.type === 'close') {
    db.close();
    port.close();
    return;
  }
  if (msg.type === 'scan' || msg.type === 'scanRows') {
    try {
      if (msg.type === 'scan') read(msg);
      else readRows(msg);
    } catch (err) {
      reply({ seq: msg.seq, error: toWorkerError(err) });
    }
    return;
  }
  const group = [msg];
  let rows = msg.count;
  let after: BulkRequest | null = null;
  while (rows < data.maxGroupRows) {
    const next = receiveMessageOnPort(port) as { message: BulkRequest } | undefined;
    if (next === undefined) break;
    if (next.message.type !== 'grants' && next.message.type !== 'remove' && next.message.type !== 'changes') {
      after = next.message;
      break;
    }
    group.push(next.message);
    rows += next.message.count;
  }
  commit(group);
  if (after) handle(after);
}

port.on('message', handle);
