/**
 * Checks an evidence pack with nothing but its folder (no database, nothing written): manifest.json
 * is valid and sealed (its canonical form, its body's SHA-256, its signature: manifest-seal.ts),
 * every file matches the manifest (SHA-256 and size, nothing missing, nothing added), and
 * events.csv re-chains from its first prev_hash: seq runs on by one, each prev_hash is the hash of
 * the row before, each full row's hash is recomputed from its fields (event-csv.ts), and the run
 * ends at the manifest's range. verify-export.ts adds the checks against the ledger.
 *
 * A pseudonymized pack's full rows hold pseudonyms, not the hashed values: their links are
 * checked, their hashes cannot be recomputed (said in the result).
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { GENESIS_HASH } from '../domain/index.js';
import type { EvidenceManifest } from './evidence-manifest.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, manifestSchema } from './evidence-manifest.js';

const MANIFEST_FORMAT_PREFIX = 'iam-review-evidence-pack/';
import { EVENT_COLUMNS, eventCsvRow, rowHash } from './event-csv.js';
import { checkSeal } from './manifest-seal.js';
import { sha256File } from './pack-file.js';

export interface PackVerification {
  ok: boolean;
  /** Why the folder is not an evidence pack at all (missing, not a folder, no manifest.json); null when it is one. */
  notAPack: string | null;
  /** What was checked and held. */
  passed: string[];
  /** What failed, each starting with the file's name; empty when ok. */
  problems: string[];
  manifest: EvidenceManifest | null;
  /** SHA-256 of manifest.json as a file (what the ledger's export.performed event records). */
  manifestSha256: string | null;
  /** 'unsigned', or the id of the key that signed the manifest; null when the manifest was not read. */
  signedBy: string | null;
}

export interface VerifyPackOptions {
  /** The firm's public key: the manifest must be signed with it. */
  publicKey?: KeyObject;
}

export async function verifyPack(dir: string, opts: VerifyPackOptions = {}): Promise<PackVerification> {
  const passed: string[] = [];
  const problems: string[] = [];
  let signedBy: string | null = null;
  const done = (manifest: EvidenceManifest | null, manifestSha256: string | null, notAPack: string | null = null): PackVerification => ({
    ok: problems.length === 0 && notAPack === null, notAPack, passed, problems, manifest, manifestSha256, signedBy,
  });

  const notAPack = await notAPackFolder(dir);
  if (notAPack) {
    if (notAPack.includes(MANIFEST_FILE)) problems.push(`${MANIFEST_FILE} is missing in ${dir}`);
    return done(null, null, notAPack);
  }
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    problems.push(`${MANIFEST_FILE} cannot be read: ${(error as Error).message}`);
    return done(null, null);
  }
  const manifestSha256 = createHash('sha256').update(text).digest('hex');
  let manifest: EvidenceManifest;
  try {
    const json = JSON.parse(text) as unknown;
    // A pack another version of iam-review wrote is not a tampered one: say which format it is.
    const format = json !== null && typeof json === 'object' ? (json as { format?: unknown }).format : undefined;
    if (typeof format === 'string' && format.startsWith(MANIFEST_FORMAT_PREFIX) && format !== MANIFEST_FORMAT) {
      return done(null, manifestSha256, `${dir} is a pack of format ${format}; this iam-review reads ${MANIFEST_FORMAT}: verify it with the iam-review version that wrote it`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(`${MANIFEST_FILE} is not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return done(null, manifestSha256);
    }
    manifest = parsed.data;
  } catch (error) {
    problems.push(`${MANIFEST_FILE} is not JSON: ${(error as Error).message}`);
    return done(null, manifestSha256);
  }

  const seal = checkSeal(manifest, text, opts.publicKey);
  passed.push(...seal.passed);
  problems.push(...seal.problems);
  signedBy = seal.signedBy;

  const present = new Set(await readdir(dir));
  for (const f of manifest.files) {
    if (!present.has(f.name)) {
      problems.push(`${f.name}: listed in the manifest but missing`);
      continue;
    }
    const actual = await sha256File(join(dir, f.name));
    if (actual.sha256 !== f.sha256 || actual.bytes !== f.bytes) problems.push(`${f.name}: modified (SHA-256 ${actual.sha256}, manifest says ${f.sha256})`);
    else passed.push(`${f.name}: SHA-256 matches the manifest`);
  }
  const listed = new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.name)]);
  for (const name of [...present].sort()) if (!listed.has(name)) problems.push(`${name}: not listed in the manifest (added after the export)`);

  if (manifest.files.some((f) => f.name === 'events.csv') && present.has('events.csv')) {
    const chain = await rechainEvents(join(dir, 'events.csv'), manifest);
    if (chain.problem) problems.push(`events.csv: ${chain.problem}`);
    else passed.push(`events.csv: ${chain.summary}`);
  }
  return done(manifest, manifestSha256);
}

/** Why `dir` is not an evidence pack (missing, not a folder, no manifest.json), or null when it may be one. */
export async function notAPackFolder(dir: string): Promise<string | null> {
  const kind = await stat(dir).then((s) => (s.isDirectory() ? 'folder' : 'file'), () => 'missing');
  if (kind === 'missing') return `${dir} does not exist`;
  if (kind === 'file') return `${dir} is not a folder`;
  const manifest = await stat(join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false);
  return manifest ? null : `${dir} holds no ${MANIFEST_FILE}: not an evidence pack`;
}

/** events.csv re-chained from its first prev_hash; the first problem, or a summary of what held. */
export async function rechainEvents(file: string, manifest: EvidenceManifest): Promise<{ problem: string | null; summary: string }> {
  const { ledger: range, pseudonymized } = manifest;
  const fail = (problem: string) => ({ problem, summary: '' });
  let n = 0;
  let full = 0;
  let prev: { seq: number; hash: string } | null = null;
  let first: { seq: number; prevHash: string } | null = null;
  const rows = createReadStream(file).pipe(parse({ columns: (header: string[]) => header, relax_column_count: false }));
  try {
    let header = true;
    for await (const record of rows as AsyncIterable<Record<string, string>>) {
      if (header) {
        header = false;
        const names = Object.keys(record);
        if (names.join(',') !== EVENT_COLUMNS.join(',')) return fail(`its header is ${names.join(',')}, expected ${EVENT_COLUMNS.join(',')}`);
      }
      n++;
      const row = eventCsvRow(record);
      const at = `row ${n} (seq ${row.seq})`;
      if (!/^[1-9]\d*$/.test(row.seq)) return fail(`row ${n}: seq "${row.seq}" is not a positive integer`);
      if (!/^[0-9a-f]{64}$/.test(row.hash) || !/^[0-9a-f]{64}$/.test(row.prevHash)) return fail(`${at}: prev_hash and hash must be 64 hex digits`);
      const seq = Number(row.seq);
      if (prev === null) {
        first = { seq, prevHash: row.prevHash };
        if (seq !== range.fromSeq) return fail(`${at}: the first row's seq is ${seq}, the manifest's range starts at ${range.fromSeq}`);
        if (seq === 1 && row.prevHash !== GENESIS_HASH) return fail(`${at}: the first event's prev_hash must be ${GENESIS_HASH}`);
      } else {
        if (seq !== prev.seq + 1) return fail(`${at}: follows seq ${prev.seq} (rows removed, added or re-ordered)`);
        if (row.prevHash !== prev.hash) return fail(`${at}: prev_hash is not the hash of the row before (rows re-ordered or changed)`);
      }
      if (row.full) {
        full++;
        if (!pseudonymized && rowHash(row) !== row.hash) return fail(`${at}: its fields do not give its hash (modified)`);
      } else if (row.at !== '' || row.actor !== '' || row.subject !== '' || row.data !== '') {
        return fail(`${at}: a link-only row (empty type) must have no other field than seq, prev_hash and hash`);
      }
      prev = { seq, hash: row.hash };
    }
  } catch (error) {
    return fail(`unreadable after row ${n}: ${(error as Error).message}`);
  }
  if (n !== range.events) return fail(`${n} rows, the manifest says ${range.events}`);
  if (full !== range.fullEvents) return fail(`${full} full rows, the manifest says ${range.fullEvents}`);
  if (prev === null || first === null) return { problem: null, summary: 'no events (the pack covers none)' };
  if (prev.seq !== range.toSeq || prev.hash !== range.toHash) return fail(`the last row is seq ${prev.seq} hash ${prev.hash}, the manifest's range ends at seq ${range.toSeq} hash ${range.toHash}`);
  const hashes = pseudonymized ? `links checked; the ${full} full rows are pseudonymized, so their hashes cannot be recomputed` : `${full} full rows' hashes recomputed`;
  return { problem: null, summary: `chain intact from seq ${first.seq} (prev_hash ${first.prevHash}) to seq ${prev.seq}: ${n} rows, ${n - full} link-only; ${hashes}` };
}
