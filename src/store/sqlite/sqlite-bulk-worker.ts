import type { Worker } from 'node:worker_threads';
import type { Grant, GrantChange } from '../../domain/index.js';
import { grantDetailText } from '../../domain/index.js';
import type { GrantRows } from '../grant-rows.js';
import { GRANT_ROW_FIELDS } from '../grant-rows.js';
import type { BulkReply as Reply, BulkRequest, BulkWorkerData, ReadRequest, WriteRequest } from './sqlite-bulk-thread.js';
import type { Cell } from './encode-rows.js';
import { grantOfFields } from './grant-fields.js';
import { startWorker } from './start-worker.js';
import { fromWorkerError } from './worker-error.js';

/** Grant fields per row, in the order of the insert's parameters after the system and delta keys. */
export const GRANT_FIELDS = 12;
/** Change fields per row, in the order of the insert's parameters. */
export const CHANGE_FIELDS = 9;
/** Rows per text sent between the threads (see sqlite-bulk-thread.ts): ~50 KB for grants. */
export const ROWS_PER_TEXT = 256;

export interface BulkWorkerOptions {
  /** The database file (the worker opens its own connection to it; WAL lets readers go on). */
  file: string;
  busyTimeoutMs: number;
  sql: {
    /** A snapshot by id: its status, systemKey and deltaKey (where its rows go). */
    selectHandle: string;
    /** Positional: the system key, the delta key, then GRANT_FIELDS fields. */
    insertGrant: string;
    /** Marks the base row a grant id replaces (delta, system, grant id, base version x2). */
    markReplaced: string;
    /** Deletes a snapshot's own row of a grant id (system, grant id, delta). */
    deleteOwn: string;
    /** Positional: CHANGE_FIELDS fields. */
    insertChange: string;
    /** A raw page of grants in storage order (the caller's params): id, then the GRANT_FIELDS after it, then the row number. */
    grantsScanPage: string;
    /** grantsScanPage without the id: the GRANT_ROW_FIELDS fields (see GrantRows), then the row number. */
    grantRowsScanPage: string;
  };
  /** Pragmas of the worker's connection, e.g. 'synchronous = NORMAL'. */
  pragmas: readonly string[];
  /** Upper bound of the rows committed in one transaction when writes queue up. */
  maxGroupRows: number;
  /** How long an idle worker keeps its thread and connection before closing them. */
  idleMs: number;
}

/** A request as its caller words it: send() adds the seq (and the rows). */
type Unsent<R> = R extends unknown ? Omit<R, 'seq' | 'texts' | 'lengths'> : never;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/**
 * Bulk work of one SQLite store on a worker thread with its own connection, so that a sync's
 * parsing and its inserts (and its read of the previous snapshot) use two cores. Requests run
 * in the order they were sent. A write resolves once its rows are committed (as durable as a
 * commit of the main connection: same pragmas) and rejects with the error that stopped it.
 * The thread starts on the first request and closes after `idleMs` without any; while requests
 * are pending it keeps the process alive, idle it does not.
 */
export class SqliteBulkWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private lastSent = 0;
  /** Every request with seq <= lastSettled has settled (replies come in seq order). */
  private lastSettled = 0;
  private readonly flushes: { seq: number; resolve: () => void }[] = [];
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: BulkWorkerOptions) {}

  /** True while the thread is up: writes must then go through it, to keep their order. */
  get active(): boolean {
    return this.worker !== null;
  }

  /** Writes grants of a snapshot whose system is `systemId` (checked here, per grant). */
  async appendGrants(snapshotId: string, systemId: string, grants: readonly Grant[]): Promise<void> {
    const rows = new RowEncoder(GRANT_FIELDS, grants.length);
    for (const g of grants) {
      if (g.systemId !== systemId) throw new Error(`grant ${g.id} belongs to ${g.systemId}, not to ${systemId} of snapshot ${snapshotId}`);
      rows.add(g.id);
      rows.add(g.accountId);
      rows.add(g.role);
      rows.add(g.scope);
      rows.add(g.identityId);
      rows.add(g.identityRef);
      rows.add(g.accountDisplayName);
      rows.add(g.accountType);
      rows.add(g.accountStatus);
      rows.add(g.lastActivityAt);
      rows.add(g.firstSeenAt);
      rows.add(grantDetailText(g.detail));
      rows.endRow();
    }
    await this.send({ type: 'grants', snapshotId, count: grants.length }, rows);
  }

  /** Drops grants (by id) from a running snapshot (see SnapshotStore.removeGrants). */
  async removeGrants(snapshotId: string, grantIds: readonly string[]): Promise<void> {
    const rows = new RowEncoder(1, grantIds.length);
    for (const id of grantIds) {
      rows.add(id);
      rows.endRow();
    }
    await this.send({ type: 'remove', snapshotId, count: grantIds.length }, rows);
  }

  async appendChanges(changes: readonly GrantChange[]): Promise<void> {
    const rows = new RowEncoder(CHANGE_FIELDS, changes.length);
    for (const c of changes) {
      rows.add(c.snapshotId);
      rows.add(c.grantId);
      rows.add(c.kind);
      rows.add(c.systemId);
      rows.add(c.accountId);
      rows.add(c.role);
      rows.add(c.scope);
      rows.add(c.before);
      rows.add(c.after);
      rows.endRow();
    }
    await this.send({ type: 'changes', count: changes.length }, rows);
  }

  /** A page of grants of a snapshot in storage (row) order (sql.grantsScanPage's params), and the last row read. */
  async scanGrants(params: Cell[], systemId: string): Promise<{ grants: Grant[]; lastRow: number | null }> {
    const reply = await this.send({ type: 'scan', params }, null);
    return { grants: this.decodeGrants(reply, systemId), lastRow: reply.lastRow ?? null };
  }

  /** scanGrants' page as GrantRows (rowsPerText: ROWS_PER_TEXT, as the thread encodes them), and the last row read. */
  async scanGrantRows(params: Cell[]): Promise<{ rows: GrantRows; lastRow: number | null }> {
    const { texts, lengths, lastRow } = await this.send({ type: 'scanRows', params }, null);
    return { rows: { count: lengths!.length / GRANT_ROW_FIELDS, texts: texts!, rowsPerText: ROWS_PER_TEXT, lengths: lengths! }, lastRow: lastRow ?? null };
  }

  private decodeGrants({ ids, texts, lengths }: Reply, systemId: string): Grant[] {
    const grants = new Array<Grant>(ids!.length);
    const f = new RowDecoder(texts!, lengths!);
    for (let r = 0; r < grants.length; r++) {
      f.startRow();
      grants[r] = grantOfFields(ids![r]!, f, systemId);
    }
    return grants;
  }

  /** True when every request sent has settled: nothing of the worker holds or waits for the write lock. */
  get idle(): boolean {
    return this.lastSettled >= this.lastSent;
  }

  /** Resolves when every request sent before the call has settled (done or failed). */
  flush(): Promise<void> {
    if (this.lastSettled >= this.lastSent) return Promise.resolve();
    return new Promise((resolve) => this.flushes.push({ seq: this.lastSent, resolve }));
  }

  private send(request: Unsent<WriteRequest | ReadRequest>, rows: RowEncoder | null): Promise<Reply> {
    const worker = this.start();
    const seq = ++this.lastSent;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    if (rows) worker.postMessage({ ...request, seq, texts: rows.texts(), lengths: rows.lengths }, [rows.lengths.buffer as ArrayBuffer]);
    else worker.postMessage({ ...request, seq });
    return reply;
  }

  private start(): Worker {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (this.worker) {
      this.worker.ref();
      return this.worker;
    }
    const { file, busyTimeoutMs, sql, pragmas, maxGroupRows } = this.opts;
    const workerData: BulkWorkerData = { file, busyTimeoutMs, sql, pragmas, maxGroupRows, grantFields: GRANT_FIELDS, changeFields: CHANGE_FIELDS, rowsPerText: ROWS_PER_TEXT };
    const worker = startWorker(new URL('./sqlite-bulk-thread.js', import.meta.url), { name: 'sqlite-bulk-worker', workerData });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the SQLite bulk worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.seq);
    this.pending.delete(reply.seq);
    this.lastSettled = reply.seq;
    if (reply.error) p?.reject(fromWorkerError(reply.error));
    else p?.resolve(reply);
    this.afterSettle();
  }

  /** The thread died (a failed request does not kill it): every pending request failed. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.lastSettled = this.lastSent;
    this.afterSettle();
  }

  private afterSettle(): void {
    while (this.flushes.length > 0 && this.flushes[0]!.seq <= this.lastSettled) this.flushes.shift()!.resolve();
    if (this.pending.size > 0 || !this.worker) return;
    const worker = this.worker;
    worker.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = null;
      worker.postMessage({ type: 'close' } satisfies BulkRequest);
    }, this.opts.idleMs);
    this.idleTimer.unref();
  }
}

/**
 * Rows as field lengths (-1 for null) and the concatenated fields, ROWS_PER_TEXT rows a text.
 * Each text is one join() of a reused array: concatenating field by field would make a rope
 * node per field (the largest allocation of a sync, all garbage).
 */
class RowEncoder {
  readonly lengths: Int32Array;
  private readonly done: string[] = [];
  private readonly parts: string[];
  private k = 0;
  private i = 0;
  private rows = 0;

  constructor(
    private readonly width: number,
    rows: number,
  ) {
    this.lengths = new Int32Array(width * rows);
    this.parts = new Array<string>(width * Math.min(rows, ROWS_PER_TEXT));
  }

  add(value: string | null): void {
    if (value === null) {
      this.lengths[this.i++] = -1;
      this.parts[this.k++] = '';
    } else {
      this.lengths[this.i++] = value.length;
      this.parts[this.k++] = value;
    }
  }

  endRow(): void {
    if (++this.rows % ROWS_PER_TEXT === 0) {
      this.done.push(this.parts.join(''));
      this.k = 0;
    }
  }

  texts(): string[] {
    if (this.k > 0) {
      this.parts.length = this.k;
      this.done.push(this.parts.join(''));
    }
    return this.done;
  }
}

/** Reads rows encoded as above (texts + field lengths, -1 for null), field by field. */
export class RowDecoder {
  private text = '';
  private row = 0;
  private i = 0;
  private pos = 0;

  constructor(
    private readonly texts: readonly string[],
    private readonly lengths: Int32Array,
  ) {}

  startRow(): void {
    if (this.row++ % ROWS_PER_TEXT === 0) {
      this.text = this.texts[(this.row - 1) / ROWS_PER_TEXT]!;
      this.pos = 0;
    }
  }

  next(): string | null {
    const n = this.lengths[this.i++]!;
    if (n < 0) return null;
    return this.text.slice(this.pos, (this.pos += n));
  }
}
