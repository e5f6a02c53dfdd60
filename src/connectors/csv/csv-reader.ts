/**
 * Streams one CSV file and hands out rows in batches, each with the physical line (1-based)
 * it starts on. The file is read once, however many batches are taken.
 *
 * Lines without a quote are split here (SimpleLines), which reads them as csv-parse would
 * with the options below and costs a fraction of it (a sync's largest cost after the store);
 * from the first line that holds a quote (or a line break other than the file's own),
 * csv-parse reads the rest of the file, and every record from there on is its.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
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
  private lastLine: number;

  /** `lineOffset`: the lines of the file before the bytes this parser reads (read by SimpleLines). */
  constructor(
    options: ConstructorParameters<typeof Parser>[0],
    readonly lineOffset: number,
  ) {
    super(options);
    this.lastLine = lineOffset;
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const fields = chunk as string[];
    let end = this.info.lines + this.lineOffset - this.overcount;
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
  /** Reads the file's first lines; null once csv-parse took over (or for another encoding than utf8). */
  private simple: SimpleLines | null;
  /** csv-parse, once a line needs it (from the start for an encoding other than utf8). */
  private parser: LineTaggingParser | null = null;
  /** Rows split by `simple`, not handed out yet (from `head` on). */
  private queue: CsvRow[] = [];
  private head = 0;
  /** The file was read to its end by `simple` (csv-parse never needed). */
  private simpleEnded = false;
  private source: ReadStream | null = null;
  /** The file's last byte so far (-1 before any): a record is complete only once its line break is read. */
  private lastByte = -1;
  private endChecked = false;
  private readonly displayPath: string;
  private readonly hasher: Hash | null;
  /** Records csv-parse skipped as unreadable: still records of the file, for a row count. */
  private skipped = 0;

  private constructor(private readonly opts: CsvReaderOptions) {
    this.displayPath = opts.displayPath;
    this.hasher = opts.hash ? createHash('sha256') : null;
    this.simple = opts.encoding === 'utf8' ? new SimpleLines(opts.delimiter) : null;
  }

  /** csv-parse for the file's bytes from `rest` on, which start at line `lineOffset` + 1 (newline: the file's, once known). */
  private startParser(lineOffset: number, newline: string | null): LineTaggingParser {
    const parser = new LineTaggingParser(
      {
        delimiter: this.opts.delimiter,
        encoding: this.opts.encoding,
        bom: lineOffset === 0,
        // The file's line break, as csv-parse found it on its first line (it keeps the first it finds).
        ...(newline === null ? {} : { record_delimiter: newline }),
        // Rows with the wrong number of fields are reported by the mapper, not fatal here.
        relax_column_count: true,
        skip_empty_lines: true,
        // Lines like ",,,," carry nothing; spreadsheet exports often end with some.
        skip_records_with_empty_values: true,
        // A broken quote skips that record and is reported; the rest of the file is read.
        skip_records_with_error: true,
        on_skip: (err: CsvError | undefined) => {
          const line = typeof err?.lines === 'number' ? err.lines + lineOffset - parser.overcount : '?';
          this.skipped++;
          // csv-parse counts lines from where it started reading: its message says the file's line.
          const message = lineOffset === 0 ? err?.message : err?.message.replace(/\bat line (\d+)/, (_, n: string) => `at line ${Number(n) + lineOffset}`);
          this.parseProblems.push(`${this.displayPath}:${line}: ${message ?? 'unreadable record'}`);
          return undefined;
        },
      },
      lineOffset,
    );
    parser.on('readable', this.wake);
    parser.on('end', this.wake);
    parser.on('error', (err) => this.fail(err));
    this.parser = parser;
    return parser;
  }

  /** Opens the file and reads its header row. */
  static async open(opts: CsvReaderOptions): Promise<CsvReader> {
    const handle = await open(opts.path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new ConnectorError(`${opts.displayPath}: cannot open ${opts.path} (${err.code ?? err.message})`, { cause: err });
    });
    const reader = new CsvReader(opts);
    const source = handle.createReadStream();
    reader.source = source;
    if (!reader.simple) reader.startParser(0, null);
    source.on('data', (chunk: string | Buffer) => {
      // No encoding is set on the file stream (the parser decodes): chunks are bytes.
      const bytes = chunk as Buffer;
      if (bytes.length > 0) reader.lastByte = bytes[bytes.length - 1]!;
      reader.hasher?.update(bytes);
      reader.take(bytes, false);
    });
    source.on('end', () => reader.take(null, true));
    source.on('error', (err) => reader.fail(err));
    const [headerRow] = await reader.read(1);
    reader.header = headerRow?.fields ?? [];
    reader.position = 0;
    return reader;
  }

  /** Bytes of the file (null at its end): split here while they are simple, else csv-parse's. */
  private take(bytes: Buffer | null, end: boolean): void {
    const simple = this.simple;
    if (simple) {
      const rest = simple.add(bytes, end, this.queue);
      if (rest !== null) {
        // From here on csv-parse reads (rest: the unread bytes, from the start of a line).
        this.simple = null;
        const parser = this.startParser(simple.lines, simple.newline);
        this.write(parser, rest);
        if (end) parser.end();
      } else if (end) {
        this.simpleEnded = true;
      } else if (this.queue.length - this.head > MAX_QUEUED_ROWS) {
        this.source?.pause();
      }
      this.wake();
      return;
    }
    const parser = this.parser!;
    if (bytes !== null) this.write(parser, bytes);
    if (end) parser.end();
  }

  private write(parser: LineTaggingParser, bytes: Buffer): void {
    if (bytes.length > 0 && !parser.write(bytes)) {
      this.source?.pause();
      parser.once('drain', () => this.source?.resume());
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = new ConnectorError(`${this.displayPath}: read failed: ${err.message}`, { cause: err });
    this.wake();
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
      if (this.head < this.queue.length) {
        rows.push(this.queue[this.head++]!);
        continue;
      }
      if (this.head > 0) {
        this.queue = [];
        this.head = 0;
        if (this.simple && this.source?.isPaused()) this.source.resume();
      }
      const row = this.parser ? (this.parser.read() as CsvRow | null) : null;
      if (row !== null) {
        rows.push(row);
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended()) {
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

  /** Every record of the file was read (some may still wait in the queue). */
  private ended(): boolean {
    return this.simpleEnded || (this.parser !== null && this.parser.readableEnded);
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
    if (!this.ended()) throw new Error('sha256() before the end of the file');
    return this.hasher.copy().digest('hex');
  }

  /** Takes the parser-level problems collected so far. */
  takeParseProblems(): string[] {
    return this.parseProblems.splice(0);
  }

  close(): void {
    this.source?.destroy();
    this.parser?.destroy();
  }
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const EMPTY = Buffer.alloc(0);
/** Rows split ahead of the reader before the file stream pauses. */
const MAX_QUEUED_ROWS = 20_000;

/**
 * Splits the lines of a UTF-8 file that hold no quote, as csv-parse reads them with the
 * reader's options: a BOM dropped; the line break is the first one of the file (CRLF or LF,
 * as csv-parse discovers it); empty lines and lines of blank fields skipped (still counted);
 * fields split at the delimiter, kept as written. `add` hands back the bytes from the first
 * line it cannot read so (a quote, a bare CR, an LF alone in a CRLF file), which csv-parse
 * then reads. Each line is decoded on its own: a field must not keep a whole chunk alive.
 */
class SimpleLines {
  /** Physical lines read so far. */
  lines = 0;
  /** The file's line break, once seen. */
  newline: '\n' | '\r\n' | null = null;
  private tail: Buffer | null = null;
  private started = false;
  private readonly delimiterCode: number;

  constructor(private readonly delimiter: string) {
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Splits the complete lines of `bytes` (all of them at the `end`) into `out`; returns the bytes csv-parse must read, or null. */
  add(bytes: Buffer | null, end: boolean, out: CsvRow[]): Buffer | null {
    let buf = this.tail === null ? (bytes ?? EMPTY) : bytes === null ? this.tail : Buffer.concat([this.tail, bytes]);
    this.tail = null;
    if (!this.started) {
      if (buf.length < 3 && !end) {
        this.tail = buf;
        return null;
      }
      this.started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    let stop = end ? buf.length : buf.lastIndexOf(LF) + 1;
    const quote = buf.indexOf(QUOTE);
    // The line holding the first quote, and everything after it, is csv-parse's.
    const handOver = quote !== -1 && quote < stop ? buf.lastIndexOf(LF, quote) + 1 : -1;
    if (handOver !== -1) stop = handOver;
    let nextCr = buf.indexOf(CR);
    let pos = 0;
    while (pos < stop) {
      let nl = buf.indexOf(LF, pos);
      if (nl >= stop) nl = -1;
      const lineEnd = nl === -1 ? stop : nl;
      let e = lineEnd;
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      if (nextCr !== -1 && nextCr < lineEnd) {
        // Only a CR right before the LF, in a file whose line break is CRLF.
        if (nextCr !== lineEnd - 1 || nl === -1 || this.newline === '\n') return buf.subarray(pos);
        this.newline = '\r\n';
        e = nextCr;
      } else if (nl !== -1) {
        // An LF alone in a CRLF file is a character of the field for csv-parse.
        if (this.newline === '\r\n') return buf.subarray(pos);
        this.newline = '\n';
      }
      this.lines++;
      const start = pos;
      pos = nl === -1 ? stop : nl + 1;
      const line = buf.toString('utf8', start, e);
      if (line.length === 0) continue;
      const fields = line.split(this.delimiter);
      if (mayBeBlank(line, this.delimiterCode) && fields.every((f) => f.trim() === '')) continue;
      out.push({ fields, line: this.lines });
    }
    if (handOver !== -1) return buf.subarray(stop);
    if (!end && stop < buf.length) this.tail = buf.subarray(stop);
    return null;
  }
}

/** Whether a line may hold only blank fields (a first character that is not plainly data). */
function mayBeBlank(line: string, delimiterCode: number): boolean {
  const c = line.charCodeAt(0);
  return c <= 32 || c === delimiterCode || c >= 0x80;
}
