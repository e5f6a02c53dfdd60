/**
 * Checks an evidence pack: every file against manifest.json (SHA-256 and size, nothing missing,
 * nothing added), and manifest.json against the ledger (the hashes at its seq range and head
 * are the ledger's, the chain over that range is intact, events.csv carries the ledger's hashes,
 * and an `export.performed` event records this very manifest).
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { LedgerEvent } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';
import type { EvidenceManifest } from './evidence-manifest.js';
import { MANIFEST_FILE, manifestSchema } from './evidence-manifest.js';
import { EVENT } from './event-types.js';
import { sha256File } from './pack-file.js';
import { eventAt, verifyLedger } from './verify-ledger.js';

export interface ExportVerification {
  ok: boolean;
  /** What was checked and held. */
  passed: string[];
  /** What failed; empty when ok. */
  problems: string[];
  manifest: EvidenceManifest | null;
  manifestSha256: string | null;
}

export async function verifyExport(dir: string, ledger: LedgerStore): Promise<ExportVerification> {
  const passed: string[] = [];
  const problems: string[] = [];
  const done = (manifest: EvidenceManifest | null, manifestSha256: string | null): ExportVerification => ({ ok: problems.length === 0, passed, problems, manifest, manifestSha256 });

  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    problems.push(`${MANIFEST_FILE} is missing in ${dir}`);
    return done(null, null);
  }
  const manifestSha256 = createHash('sha256').update(text).digest('hex');
  let manifest: EvidenceManifest;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      problems.push(`${MANIFEST_FILE} is not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return done(null, manifestSha256);
    }
    manifest = parsed.data;
  } catch (error) {
    problems.push(`${MANIFEST_FILE} is not JSON: ${(error as Error).message}`);
    return done(null, manifestSha256);
  }

  // Files against the manifest.
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

  // The manifest against the ledger.
  const { ledger: range } = manifest;
  await checkHashAt(ledger, range.toSeq, range.toHash, 'end of the exported range', passed, problems);
  await checkHashAt(ledger, range.headSeq, range.headHash, 'chain head at export', passed, problems);
  if (range.headSeq > 0) {
    const chain = await verifyLedger(ledger, { from: Math.max(1, range.fromSeq), to: range.headSeq });
    if (chain.ok) passed.push(`ledger chain intact from seq ${Math.max(1, range.fromSeq)} to ${range.headSeq}`);
    else problems.push(`ledger chain broken at seq ${chain.break!.seq}: ${chain.break!.reason}`);
  }
  if (manifest.files.some((f) => f.name === 'events.csv') && present.has('events.csv')) {
    const mismatch = await compareEvents(join(dir, 'events.csv'), ledger, range.fromSeq, range.toSeq, range.events);
    if (mismatch) problems.push(`events.csv: ${mismatch}`);
    else passed.push(`events.csv: ${range.events} events carry the ledger's seq and hashes`);
  }
  const recorded = await exportEvent(ledger, manifest, manifestSha256);
  if (recorded) passed.push(`export ledgered: ${EVENT.exportPerformed} at seq ${recorded.seq} by ${recorded.actor} names this manifest`);
  else problems.push(`no ${EVENT.exportPerformed} event in the ledger names this manifest (SHA-256 ${manifestSha256}): it was changed or not made by iam-review`);
  return done(manifest, manifestSha256);
}

async function checkHashAt(ledger: LedgerStore, seq: number, hash: string | null, what: string, passed: string[], problems: string[]): Promise<void> {
  if (seq === 0) return;
  const event = await eventAt(ledger, seq);
  if (!event) problems.push(`${what}: seq ${seq} is not in the ledger`);
  else if (event.hash !== hash) problems.push(`${what}: the ledger's hash at seq ${seq} is ${event.hash}, the manifest says ${hash}`);
  else passed.push(`${what}: seq ${seq} hash matches the ledger`);
}

/** events.csv row by row against the ledger: same seq run, same prev_hash and hash. Returns the first mismatch. */
async function compareEvents(file: string, ledger: LedgerStore, fromSeq: number, toSeq: number, expected: number): Promise<string | null> {
  const stored = ledgerEvents(ledger, fromSeq, toSeq);
  let n = 0;
  const rows = createReadStream(file).pipe(parse({ columns: true, relax_column_count: false }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    const next = await stored.next();
    const e = next.done ? null : next.value;
    n++;
    if (!e) return `row ${n} (seq ${row.seq}) is beyond the ledger range ${fromSeq}-${toSeq}`;
    if (Number(row.seq) !== e.seq || row.hash !== e.hash || row.prev_hash !== e.prevHash) return `row ${n}: seq ${row.seq} hash ${row.hash} does not match the ledger's seq ${e.seq} hash ${e.hash}`;
  }
  if (n !== expected) return `${n} rows, the manifest says ${expected}`;
  return null;
}

async function* ledgerEvents(ledger: LedgerStore, fromSeq: number, toSeq: number): AsyncGenerator<LedgerEvent> {
  if (fromSeq < 1 || toSeq < fromSeq) return;
  for await (const batch of ledger.read(fromSeq, toSeq)) yield* batch;
}

async function exportEvent(ledger: LedgerStore, manifest: EvidenceManifest, sha: string): Promise<LedgerEvent | null> {
  const events = await ledger.query({ type: EVENT.exportPerformed, since: manifest.exportedAt });
  return events.find((e) => e.data.manifestSha256 === sha) ?? null;
}
