/**
 * Checks an evidence pack online: what verifyPack checks from the folder alone (the manifest's
 * seal, every file against it, events.csv re-chained), then manifest.json against the ledger (the
 * hashes at its seq range and head are the ledger's, the chain over that range is intact,
 * events.csv carries the ledger's seq and hashes, and an `export.performed` event records this
 * very manifest).
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { LedgerEvent } from '../domain/index.js';
import type { LedgerStore } from '../store/ports.js';
import type { EvidenceManifest } from './evidence-manifest.js';
import { EVENT } from './event-types.js';
import { eventCsvRow } from './event-csv.js';
import type { PackVerification, VerifyPackOptions } from './verify-pack.js';
import { verifyPack } from './verify-pack.js';
import { eventAt, verifyLedger } from './verify-ledger.js';

export type ExportVerification = PackVerification;

/**
 * verifyPack (everything the folder shows on its own), then the manifest against the ledger.
 * A folder that is not a pack is reported as verifyPack reports it, with no ledger read.
 */
export async function verifyExport(dir: string, ledger: LedgerStore, opts: VerifyPackOptions = {}): Promise<ExportVerification> {
  const v = await verifyPack(dir, opts);
  const { manifest, manifestSha256, passed, problems } = v;
  if (!manifest || !manifestSha256) return v;
  const present = new Set(await readdir(dir));

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
  return { ...v, ok: problems.length === 0 };
}

async function checkHashAt(ledger: LedgerStore, seq: number, hash: string | null, what: string, passed: string[], problems: string[]): Promise<void> {
  if (seq === 0) return;
  const event = await eventAt(ledger, seq);
  if (!event) problems.push(`${what}: seq ${seq} is not in the ledger`);
  else if (event.hash !== hash) problems.push(`${what}: the ledger's hash at seq ${seq} is ${event.hash}, the manifest says ${hash}`);
  else passed.push(`${what}: seq ${seq} hash matches the ledger`);
}

/**
 * events.csv row by row against the ledger: same seq run, same prev_hash and hash, for full and
 * link-only rows alike (a full row's fields give its hash: verifyPack). Returns the first mismatch.
 */
async function compareEvents(file: string, ledger: LedgerStore, fromSeq: number, toSeq: number, expected: number): Promise<string | null> {
  const stored = ledgerEvents(ledger, fromSeq, toSeq);
  let n = 0;
  const rows = createReadStream(file).pipe(parse({ columns: true, relax_column_count: false }));
  for await (const record of rows as AsyncIterable<Record<string, string>>) {
    const row = eventCsvRow(record);
    const next = await stored.next();
    const e = next.done ? null : next.value;
    n++;
    if (!e) return `row ${n} (seq ${row.seq}) is beyond the ledger range ${fromSeq}-${toSeq}`;
    if (Number(row.seq) !== e.seq || row.hash !== e.hash || row.prevHash !== e.prevHash) return `row ${n}: seq ${row.seq} hash ${row.hash} does not match the ledger's seq ${e.seq} hash ${e.hash}`;
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
