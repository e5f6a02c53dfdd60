import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Grant, GrantChange } from '../../domain/index.js';
import { WRITE_WORKER_SOURCE } from './sqlite-write-worker-source.js';

/** Grant fields sent per row, in the order of the insert's parameters after the snapshot key. */
export const GRANT_FIELDS = 11;
/** Change fields sent per row, in the order of the insert's parameters. */
export const CHANGE_FIELDS = 9;

export interface WriteWorkerOptions {
  /** The database file (the worker opens its own connection to it; WAL lets readers go on). */
  file: string;
  busyTimeoutMs: number;
  /** Positional inserts: (snapshot key, GRANT_FIELDS fields) and (CHANGE_FIELDS fields). */
  insertGrantSql: string;
  insertChangeSql: string;
  /** Pragmas of the worker's connection, e.g. 'synchronous = NORMAL'. */
  pragmas: readonly string[];
  /** Upper bound of the rows committed in one transaction when writes queue up. */
  maxGroupRows: number;
  /** How long an idle worker keeps its thread and connection before closing them. */
  idleMs: number;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Reply {
  seq: number;
  error: { message: string; code: string | null } | null;
}

/**
 * Bulk writes of one store (grant and change rows) on a worker thread with its own
 * connection, so that a sync's parsing and its inserts use two cores. Writes are applied in
 * the order they were sent; each promise resolves once its rows are committed (as durable as
 * a commit of the main connection: same pragmas) and rejects with the error that stopped
 * them. The thread starts on the first write and closes after `idleMs` without writes; while
 * writes are pending it keeps the process alive, idle it does not.
 */
export class SqliteWriteWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private lastSent = 0;
  /** Every write with seq <= lastSettled has settled (replies come in seq order). */
  private lastSettled = 0;
  private readonly flushes: { seq: number; resolve: () => void }[] = [];
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: WriteWorkerOptions) {}

  /** True while the thread is up: writes must then go through it, to keep their order. */
  get active(): boolean {
    return this.worker !== null;
  }

  /** Sends grants of a snapshot whose system is `systemId` (checked here, per grant). */
  appendGrants(snapshotId: string, systemId: string, grants: readonly Grant[]): Promise<void> {
    const rows = new RowEncoder(grants.length * GRANT_FIELDS);
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
    }
    return this.send('grants', snapshotId, grants.length, rows);
  }

  appendChanges(changes: readonly GrantChange[]): Promise<void> {
    const rows = new RowEncoder(changes.length * CHANGE_FIELDS);
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
    }
    return this.send('changes', null, changes.length, rows);
  }

  /** Resolves when every write sent before the call has settled (committed or failed). */
  flush(): Promise<void> {
    if (this.lastSettled >= this.lastSent) return Promise.resolve();
    return new Promise((resolve) => this.flushes.push({ seq: this.lastSent, resolve }));
  }

  private send(type: 'grants' | 'changes', snapshotId: string | null, count: number, rows: RowEncoder): Promise<void> {
    const worker = this.start();
    const seq = ++this.lastSent;
    const lengths = rows.lengths;
    const promise = new Promise<void>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    worker.postMessage({ type, seq, snapshotId, count, text: rows.text(), lengths }, [lengths.buffer as ArrayBuffer]);
    return promise;
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
    const { file, busyTimeoutMs, insertGrantSql, insertChangeSql, pragmas, maxGroupRows } = this.opts;
    const worker = new Worker(WRITE_WORKER_SOURCE, {
      eval: true,
      name: 'sqlite-write-worker',
      workerData: {
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        busyTimeoutMs,
        insertGrantSql,
        insertChangeSql,
        pragmas,
        maxGroupRows,
        grantFields: GRANT_FIELDS,
        changeFields: CHANGE_FIELDS,
      },
    });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the SQLite write worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.seq);
    this.pending.delete(reply.seq);
    this.lastSettled = reply.seq;
    if (reply.error) p?.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
    else p?.resolve();
    this.afterSettle();
  }

  /** The thread died (it never does on a failed write): every pending write failed. */
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
      worker.postMessage({ type: 'close' });
    }, this.opts.idleMs);
    this.idleTimer.unref();
  }
}

/** Rows as field lengths (-1 for null) and one concatenated text: cheap to send to a thread. */
class RowEncoder {
  readonly lengths: Int32Array;
  private readonly parts: string[] = [];
  private i = 0;

  constructor(fields: number) {
    this.lengths = new Int32Array(fields);
  }

  add(value: string | null): void {
    if (value === null) {
      this.lengths[this.i++] = -1;
    } else {
      this.lengths[this.i++] = value.length;
      this.parts.push(value);
    }
  }

  text(): string {
    return this.parts.join('');
  }
}
