/**
 * Streams one CSV file with csv-parse and hands out rows in batches, each with the
 * physical line (1-based) it starts on. The parser stays open between batches, so paging
 * through a 1M-row file parses it once.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { Parser } from 'csv-parse';
import type { CsvError } from 'csv-parse';
import { ConnectorError } from '../connector.js';

export interface CsvRow {
  fields: string[];
  /** Physical line the record starts on (the header is line 1 unless blank lines precede it). */
  line: number;
}

export interface CsvReaderOptions {
  /** Absolute path of the file. */
  path: string;
  /** The path as configured, used in messages. */
  displayPath: string;
  delimiter: string;
  encoding: BufferEncoding;
  /** Hash the file's bytes as they are read (sha256()), for a manifest check. */
  hash?: boolean;
}

/**
 * Tags each record with its start line, read from the parser's live `info.lines` at the
 * moment the record is pushed. (The `info`/`on_record` options would give the same number
 * but copy the whole info object for every record, which costs about half the parse time
 * on a 1M-row file.) csv-parse counts a CRLF inside a quoted field as two lines; the
 * correction below runs only for records spanning several lines, which are rare.
 */
class LineTaggingParser extends Parser {
  /** Lines csv-parse has over-counted so far (one per CRLF inside quotes). */
  overcount = 0;
  private lastLine = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const fields = chunk as string[];
    let end = this.info.lines - this.overcount;
    let start = end;
    if (end - this.lastLine > 1) {
      const breaks = countLineBreaks(fields);
      this.overcount += breaks.crlf;
      end -= breaks.crlf;
      start = end - breaks.total;
    }
    this.lastLine = end;
    const row: CsvRow = { fields, line: start };
    return super.push(row, encoding);
  }
}

function countLineBreaks(fields: readonly string[]): { total: number; crlf: number } {
  let total = 0;
  let crlf = 0;
  for (const f of fields) {
    for (let i = 0; i < f.length; i++) {
      const ch = f.charCodeAt(i);
      if (ch === 13) {
        total++;
        if (f.charCodeAt(i + 1) === 10) {
          crlf++;
          i++;
        }
      } else if (ch === 10) {
        total++;
      }
    }
  }
  return { total, crlf };
}

export class CsvReader {
  /** Data records handed out so far (the header is not counted). */
  position = 0;
  /** The header row as written ([] for an empty file). */
  header: string[] = [];
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  /** Records the parser itself could not read (broken quotes), as `file:line: message`. */
  private readonly parseProblems: string[] = [];
  private readonly parser: LineTaggingParser;
  /** The file's last byte so far (-1 before any): a record is complete only once its line break is read. */
  private lastByte = -1;
  private endChecked = false;
  private readonly displayPath: string;
  private readonly hasher: Hash | null;
  /** Records csv-parse skipped as unreadable: still records of the file, for a row count. */
  private skipped = 0;

  private constructor(opts: CsvReaderOptions) {
    this.displayPath = opts.displayPath;
    this.hasher = opts.hash ? createHash('sha256') : null;
    const parser = new LineTaggingParser({
      delimiter: opts.delimiter,
      encoding: opts.encoding,
      bom: true,
      // Rows with the wrong number of fields are reported by the mapper, not fatal here.
      relax_column_count: true,
      skip_empty_lines: true,
      // Lines like ",,,," carry nothing; spreadsheet exports often end with some.
      skip_records_with_empty_values: true,
      // A broken quote skips that record and is reported; the rest of the file is read.
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        const line = typeof err?.lines === 'number' ? err.lines - parser.overcount : '?';
        this.skipped++;
        this.parseProblems.push(`${opts.displayPath}:${line}: ${err?.message ?? 'unreadable record'}`);
        return undefined;
      },
    });
    parser.on('readable', this.wake);
    parser.on('end', this.wake);
    this.parser = parser;
  }

  /** Opens the file and reads its header row. */
  static async open(opts: CsvReaderOptions): Promise<CsvReader> {
    const handle = await open(opts.path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new ConnectorError(`${opts.displayPath}: cannot open ${opts.path} (${err.code ?? err.message})`, { cause: err });
    });
    const reader = new CsvReader(opts);
    const source = handle.createReadStream();
    source.on('data', (chunk: string | Buffer) => {
      // No encoding is set on the file stream (the parser decodes): chunks are bytes.
      if (chunk.length > 0) reader.lastByte = typeof chunk === 'string' ? chunk.charCodeAt(chunk.length - 1) : chunk[chunk.length - 1]!;
      reader.hasher?.update(chunk);
    });
    pipeline(source, reader.parser, (err) => {
      if (err && !reader.failure) {
        reader.failure = new ConnectorError(`${opts.displayPath}: read failed: ${err.message}`, { cause: err });
      }
      reader.wake();
    });
    const [headerRow] = await reader.read(1);
    reader.header = headerRow?.fields ?? [];
    reader.position = 0;
    return reader;
  }

  private readonly wake = (): void => {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  };

  /** Up to `max` rows; fewer only at the end of the file. */
  async read(max: number): Promise<CsvRow[]> {
    const rows: CsvRow[] = [];
    while (rows.length < max) {
      const row = this.parser.read() as CsvRow | null;
      if (row !== null) {
        rows.push(row);
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.parser.readableEnded) {
        this.checkEnd();
        break;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    this.position += rows.length;
    return rows;
  }

  /**
   * A file that does not end with a line break may have been cut off mid-record (a copy or
   * export interrupted): its last record would still parse, shorter, as valid data. The read
   * is then a problem (so the pull is partial, never applied), named by file.
   */
  private checkEnd(): void {
    if (this.endChecked) return;
    this.endChecked = true;
    if (this.lastByte !== -1 && this.lastByte !== 0x0a && this.lastByte !== 0x0d) {
      this.parseProblems.push(`${this.displayPath}: the file does not end with a line break: it may be truncated (its last record cut short), so it is not applied`);
    }
  }

  /** Data records of the file read so far: those handed out and those skipped as unreadable. */
  recordsRead(): number {
    return this.position + this.skipped;
  }

  /** SHA-256 (hex) of the whole file, once it has been read to its end; null without `hash`. */
  sha256(): string | null {
    if (!this.hasher) return null;
    if (!this.parser.readableEnded) throw new Error('sha256() before the end of the file');
    return this.hasher.copy().digest('hex');
  }

  /** Takes the parser-level problems collected so far. */
  takeParseProblems(): string[] {
    return this.parseProblems.splice(0);
  }

  close(): void {
    this.parser.destroy();
  }
}
