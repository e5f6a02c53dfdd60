/**
 * The optional control file an exporter writes after its CSV (`manifest:` in the connector
 * settings): it declares what a complete export holds, so a file cut at a line break, which
 * the line-break check cannot see, is caught too. Its lines are `key: value`:
 *
 *   rows: 125000                  # data records, header not counted
 *   sha256: 9f86d081884c7d65...   # of the CSV file's bytes, hex
 *
 * Either key may be left out, not both; `#` starts a comment. A declared manifest that is
 * missing means the export is not finished: the pull is not applied either.
 */
export interface CsvManifest {
  rows: number | null;
  sha256: string | null;
}

/** The manifest's content, or a problem naming the file, line and key. */
export function parseCsvManifest(text: string, displayPath: string): CsvManifest | string {
  const manifest: CsvManifest = { rows: null, sha256: null };
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^([A-Za-z0-9_-]+)\s*[:=]\s*(.*)$/.exec(line);
    const where = `${displayPath}:${n + 1}`;
    if (!m) return `${where}: expected "key: value", found ${JSON.stringify(line.slice(0, 80))}`;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'rows') {
      if (!/^\d+$/.test(value)) return `${where}: rows must be a whole number, found ${JSON.stringify(value.slice(0, 40))}`;
      manifest.rows = Number(value);
    } else if (key === 'sha256') {
      const hex = value.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) return `${where}: sha256 must be 64 hex digits`;
      manifest.sha256 = hex;
    } else {
      return `${where}: unknown key "${key}" (known: rows, sha256)`;
    }
  }
  if (manifest.rows === null && manifest.sha256 === null) return `${displayPath}: declares neither rows nor sha256`;
  return manifest;
}

/** What the CSV read actually held, against what its manifest declares: the problems, if any. */
export function checkCsvManifest(manifest: CsvManifest, read: { rows: number; sha256: string | null }, csvPath: string, manifestPath: string): string[] {
  const problems: string[] = [];
  if (manifest.rows !== null && manifest.rows !== read.rows) {
    problems.push(`${csvPath}: has ${read.rows} data rows, its manifest ${manifestPath} declares ${manifest.rows}: the export is incomplete or not the one declared, so it is not applied`);
  }
  if (manifest.sha256 !== null && manifest.sha256 !== read.sha256) {
    problems.push(`${csvPath}: its SHA-256 does not match the one its manifest ${manifestPath} declares: the file is incomplete or changed, so it is not applied`);
  }
  return problems;
}
