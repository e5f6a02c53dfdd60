/**
 * Pages through one CSV export for the sync core. The page token is the number of data
 * records consumed so far; the open reader is kept between pages so the file is parsed
 * once. A null token (re)starts from the top; any other token must match the reader's
 * position, since rows already handed out cannot be replayed without re-reading the file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConnectorError } from '../connector.js';
import type { ConnectorContext, Page } from '../connector.js';
import { checkCsvManifest, parseCsvManifest } from './csv-manifest.js';
import { CsvReader } from './csv-reader.js';
import type { CsvRow } from './csv-reader.js';
import { resolveHeader } from './csv-row-mappers.js';
import type { HeaderLayout } from './csv-row-mappers.js';

/** Settings shared by the CSV connector types (the `connector:` mapping without `type`). */
export const csvFileSettingsSchema = z.strictObject({
  /** Relative to the connectors/ folder, or absolute. */
  path: z.string().min(1),
  delimiter: z.string().length(1, 'one character, e.g. "," or ";" or "\\t"').default(','),
  encoding: z.enum(['utf8', 'utf16le', 'latin1']).default('utf8'),
  /**
   * Optional control file written by the exporter after the CSV (rows and/or sha256, see
   * csv-manifest.ts), relative to the connectors/ folder like `path`. When set, a pull whose
   * file disagrees with it, or whose manifest is missing, is partial (never applied).
   */
  manifest: z.string().min(1).optional(),
});
export type CsvFileSettings = z.infer<typeof csvFileSettingsSchema>;

export const CSV_PAGE_SIZE = 5000;

export interface CsvColumnsSpec<C extends string> {
  known: readonly C[];
  required: readonly C[];
}

/**
 * Called once per pass over the file with its header layout; returns the row mapper for
 * that pass (a fresh one each time, so per-pass state such as duplicate checks resets).
 */
export type CsvPassFactory<C extends string, T> = (layout: HeaderLayout<C>) => (row: CsvRow) => T | string;

export class CsvPager<C extends string, T> {
  private reader: CsvReader | null = null;
  private mapRow: ((row: CsvRow) => T | string) | null = null;
  private readonly absolutePath: string;
  private readonly configDir: string;

  constructor(
    private readonly settings: CsvFileSettings,
    configDir: string,
    private readonly columns: CsvColumnsSpec<C>,
    private readonly startPass: CsvPassFactory<C, T>,
    private readonly pageSize = CSV_PAGE_SIZE,
  ) {
    this.configDir = configDir;
    this.absolutePath = path.resolve(configDir, settings.path);
  }

  async page(pageToken: string | null, ctx: ConnectorContext): Promise<Page<T>> {
    if (pageToken === null) await this.restart(ctx);
    const reader = this.reader;
    const mapRow = this.mapRow;
    if (reader === null || mapRow === null || pageToken !== null && pageToken !== String(reader.position)) {
      throw new ConnectorError(
        `${this.settings.path}: page token ${JSON.stringify(pageToken)} does not continue the current read ` +
          `(at record ${reader?.position ?? 'none'}); a CSV sync must restart from the first page`,
      );
    }
    ctx.signal.throwIfAborted();
    const rows = await reader.read(this.pageSize);
    const items: T[] = [];
    const problems: string[] = [];
    for (const row of rows) {
      const result = mapRow(row);
      if (typeof result === 'string') problems.push(`${this.settings.path}:${row.line}: ${result}`);
      else items.push(result);
    }
    problems.push(...reader.takeParseProblems());
    const done = rows.length < this.pageSize;
    if (done && this.settings.manifest !== undefined) problems.push(...(await this.manifestProblems(reader)));
    const page: Page<T> = { items, nextToken: done ? null : String(reader.position) };
    if (problems.length > 0) page.problems = problems;
    if (done) this.close();
    return page;
  }

  /** The file as read, against its manifest (read once the whole file is). */
  private async manifestProblems(reader: CsvReader): Promise<string[]> {
    const manifestPath = this.settings.manifest!;
    let text: string;
    try {
      text = await readFile(path.resolve(this.configDir, manifestPath), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      return [`${manifestPath}: cannot read the manifest of ${this.settings.path} (${code}): the export may not be finished, so it is not applied`];
    }
    const manifest = parseCsvManifest(text, manifestPath);
    if (typeof manifest === 'string') return [manifest];
    return checkCsvManifest(manifest, { rows: reader.recordsRead(), sha256: reader.sha256() }, this.settings.path, manifestPath);
  }

  private async restart(ctx: ConnectorContext): Promise<void> {
    this.close();
    const reader = await CsvReader.open({
      path: this.absolutePath,
      displayPath: this.settings.path,
      delimiter: this.settings.delimiter,
      encoding: this.settings.encoding,
      hash: this.settings.manifest !== undefined,
    });
    const layout = resolveHeader(reader.header, this.columns.known, this.columns.required);
    const fault =
      layout.missing.length > 0
        ? `missing required column${layout.missing.length > 1 ? 's' : ''} ${layout.missing.map((c) => `"${c}"`).join(', ')}`
        : layout.duplicated.length > 0
          ? `column${layout.duplicated.length > 1 ? 's' : ''} ${layout.duplicated.map((c) => `"${c}"`).join(', ')} appear more than once`
          : null;
    if (fault !== null) {
      reader.close();
      const found = reader.header.length === 0 ? 'the file is empty' : `header: ${reader.header.join(', ')}`;
      throw new ConnectorError(`${this.settings.path}: ${fault} (${found})`);
    }
    if (layout.unknown.length > 0) {
      ctx.log.warn(`${this.settings.path}: ignoring unknown columns ${layout.unknown.join(', ')}`, {
        systemId: ctx.systemId,
        columns: layout.unknown,
      });
    }
    this.reader = reader;
    this.mapRow = this.startPass(layout);
  }

  close(): void {
    this.reader?.close();
    this.reader = null;
    this.mapRow = null;
  }
}
