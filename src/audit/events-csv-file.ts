/**
 * events.csv of an evidence pack as it is written: fed the ledger's events in seq order (as
 * stored, LedgerStore.readStored), it writes a row for each event of the pack's range, in full
 * for the pack's own events and link-only for the others (pack-events.ts, event-csv.ts).
 * Events outside the range are passed over, so one read of the ledger can feed both this file
 * and the state reconciliation (EvidenceExporter).
 */
import type { LedgerEvent } from '../domain/index.js';
import type { StoredLedgerEvent } from '../store/ports.js';
import { csvLine } from './csv-line.js';
import { EVENT_COLUMNS, eventCsvLine, linkOnlyCsvLine } from './event-csv.js';
import type { PackMembers } from './pack-events.js';
import { belongsToPack } from './pack-events.js';
import type { PackFileInfo } from './pack-file.js';
import { PackFile } from './pack-file.js';
import { parsedEvent } from './parsed-event.js';
import type { Pseudonymizer } from './pseudonymizer.js';

export const EVENTS_FILE = 'events.csv';

/** What the manifest says of the events written. */
export interface EventsCsvResult {
  file: PackFileInfo;
  /** Rows written (events of the range). */
  rows: number;
  /** Rows written in full (the pack's own events). */
  fullEvents: number;
  /** The hash of the last event written (null: none). */
  toHash: string | null;
}

export class EventsCsvFile {
  private readonly file: PackFile;
  private rows = 0;
  private fullEvents = 0;
  private toHash: string | null = null;
  private readonly ready: Promise<void>;

  /**
   * Opens `fileName` in `dir` (events.csv, or a temporary name renamed to it once the pack is
   * written) and writes the header. A null range writes the header only.
   */
  constructor(
    dir: string,
    fileName: string,
    private readonly range: { fromSeq: number; toSeq: number } | null,
    private readonly members: PackMembers,
    private readonly p: Pseudonymizer,
  ) {
    this.file = new PackFile(dir, fileName);
    this.ready = this.file.write(csvLine(EVENT_COLUMNS));
    // A failed write surfaces through add() and close(); keep it from being reported as unhandled meanwhile.
    this.ready.catch(() => undefined);
  }

  /** Whether the event at `seq` gets a row (its data is then parsed: give it to add()). */
  covers(seq: number): boolean {
    return this.range !== null && seq >= this.range.fromSeq && seq <= this.range.toSeq;
  }

  /**
   * The rows of a batch of events in seq order; `parsed(i)` gives event i's parse when the
   * caller made it already (else it is parsed here). Events outside the range are passed over.
   */
  async add(batch: readonly StoredLedgerEvent[], parsed: (i: number) => LedgerEvent | null = () => null): Promise<void> {
    await this.ready;
    let lines = '';
    let n = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      if (!this.covers(s.seq)) continue;
      const e = parsed(i) ?? parsedEvent(s);
      const own = belongsToPack(e, this.members);
      // The data as stored: parsed to decide whether the event is the pack's, written as read (event-csv.ts).
      lines += own ? eventCsvLine(e, this.p, s.dataJson) : linkOnlyCsvLine(e);
      if (own) this.fullEvents++;
      this.toHash = e.hash;
      n++;
    }
    if (n === 0) return;
    await this.file.write(lines);
    this.rows += n;
  }

  /** Closes the file (fsynced); its info is named events.csv whatever the file's name. */
  async close(): Promise<EventsCsvResult> {
    await this.ready;
    const info = await this.file.close();
    return { file: { ...info, name: EVENTS_FILE }, rows: this.rows, fullEvents: this.fullEvents, toHash: this.toHash };
  }
}
