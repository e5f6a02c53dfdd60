/**
 * Writes evidence packs with the app's store, ledger, clock and config: what `export`, the demo
 * and the Slack export call. Each pack is checked against the ledger before it is written, in
 * the same read of the ledger as its events.csv (checkedEvents).
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { Campaign, ReviewQualityThresholds } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { AuditLog } from './audit-log.js';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvidencePackResult, ExportFormat, PreparedEvents } from './evidence-pack.js';
import type { Delegation } from './evidence-record.js';
import { DelegationIndex, writeEvidencePack } from './evidence-pack.js';
import { LedgerMismatchError } from './ledger-mismatch-error.js';
import type { PackRemediations } from './evidence-remediations.js';
import { PackRemediationCheck } from './evidence-remediations.js';
import { pseudonymizer } from './pseudonymizer.js';
import type { Reconciliation } from './reconcile-ledger.js';
import { headMoved, LedgerReconciler } from './reconcile-ledger.js';
import { campaignLedgerRange } from './campaign-ledger-range.js';
import { EventsCsvFile } from './events-csv-file.js';
import { packMembersOf } from './pack-events.js';
import { parsedEvent } from './parsed-event.js';
import type { Pseudonymizer } from './pseudonymizer.js';
import { keepPersonalData } from './pseudonymizer.js';
import type { DefinitionInfo } from './report-context.js';
import { readReportCoverage } from './report-coverage.js';
import { renderPdf } from './report-pdf.js';
import type { SigningKey } from './signing-key.js';

export interface EvidenceExporterDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  loadConfig(): LoadedConfig;
  /** The firm's zone (IAM_REVIEW_TIMEZONE) for the times in report.html; default UTC. */
  timeZone?: string;
  /** Told when the config cannot be read (the pack is still written, criticality 'unknown'). */
  warn(error: unknown, msg: string): void;
  /** The key manifests are signed with (IAM_REVIEW_SIGNING_KEY), read per export; null or absent: unsigned. A bad key throws (no pack is written). */
  signingKey?: () => SigningKey | null;
}

export interface ExportRequest {
  campaigns: readonly Campaign[];
  dir: string;
  formats: ReadonlySet<ExportFormat>;
  exportedBy: string;
  scope?: { from: string | null; to: string | null };
  /** Pseudonymisation key: emails, names and person/account ids become keyed hashes. */
  key?: string;
  /** How the export was asked for ('cli', 'slack'), recorded with the export event. */
  via?: string;
  /** Format pdf: the Chromium executable that prints report.html (report-pdf.ts findChromium). */
  chromium?: string;
}

export class EvidenceExporter {
  constructor(private readonly deps: EvidenceExporterDeps) {}

  /**
   * Writes the pack, once the exported campaigns' rows (campaign, items, decisions) and their
   * remediations are found to agree with the ledger; otherwise throws LedgerMismatchError and
   * writes (and removes) nothing.
   */
  async write(req: ExportRequest): Promise<EvidencePackResult> {
    // Read first: a configured key that cannot be used stops the export before anything is written.
    const signingKey = this.deps.signingKey?.() ?? null;
    const what = `export of ${req.campaigns.map((c) => c.id).join(', ')}`;
    const p = req.key ? pseudonymizer(req.key) : undefined;
    const events = await this.checkedEvents(req, p ?? keepPersonalData, what);
    const remediations = events.remediations;
    if (remediations.count > 0) {
      await discard(events.prepared.path, events.created);
      throw new LedgerMismatchError({ ...events.check, ok: false, differences: remediations.differences, count: remediations.count }, what);
    }
    try {
      const written = await this.writePack(req, signingKey, remediations, p, events.prepared, events.delegations);
      await removeLeftovers(req.dir);
      return written;
    } finally {
      // Renamed to events.csv once the pack is written; left over only when writing failed.
      await rm(events.prepared.path, { force: true });
    }
  }

  /**
   * One read of the ledger for four readers: the reconciliation of the campaigns' rows with it,
   * the check of their remediations (PackRemediationCheck, its rows read first: events.csv's
   * members name them), the campaigns' delegations (DelegationIndex) and events.csv, written meanwhile to a temporary file of the pack's folder (the only file
   * touched before the check passed; removed, with the folder if this made it, when it fails).
   * As reconcileLedger does, a run that found differences (of either check) while the head moved is repeated.
   */
  private async checkedEvents(req: ExportRequest, p: Pseudonymizer, what: string): Promise<{ check: Reconciliation; prepared: PreparedEvents; remediations: PackRemediations; delegations: Map<string, Delegation[]>; created: string | undefined }> {
    const { store } = this.deps;
    const campaignIds = new Set(req.campaigns.map((c) => c.id));
    const created = await mkdir(req.dir, { recursive: true });
    const name = `.events-${randomBytes(6).toString('hex')}.csv.partial`;
    const path = join(req.dir, name);
    try {
      for (let attempt = 1; ; attempt++) {
        const head = await store.ledger.head();
        const remediationCheck = await PackRemediationCheck.read(store, req.campaigns, head?.seq ?? 0);
        const range = await campaignLedgerRange(store.ledger, req.campaigns, head);
        const file = new EventsCsvFile(req.dir, name, range, await packMembersOf(store.ledger, req.campaigns, remediationCheck.listedRows()), p);
        const expectedItems = (await Promise.all(req.campaigns.map((c) => store.campaigns.countItems(c.id)))).reduce((a, b) => a + b, 0);
        const reconciler = new LedgerReconciler({ campaignIds, expectedItems });
        const delegations = new DelegationIndex(req.campaigns);
        try {
          for await (const batch of store.ledger.readStored(1, head?.seq ?? 0)) {
            // Each event's data parsed once, for whichever reader needs it.
            const parsed = batch.map((s) => (file.covers(s.seq) || reconciler.reads(s.type) || delegations.wants(s.type, s.at) || remediationCheck.wants(s.type, s.at) ? parsedEvent(s) : null));
            for (let i = 0; i < batch.length; i++) {
              reconciler.storedEvent(batch[i]!, parsed[i]!);
              if (parsed[i]) {
                delegations.event(parsed[i]!);
                remediationCheck.event(parsed[i]!);
              }
            }
            await file.add(batch, (i) => parsed[i]!);
          }
        } catch (error) {
          await file.close().catch(() => undefined);
          throw error;
        }
        const result = await file.close();
        const check = await reconciler.compare(store);
        const remediations = remediationCheck.result();
        const repeat = (!check.ok || remediations.count > 0) && attempt < 3 && (await headMoved(store, head?.seq ?? 0));
        if (repeat) continue;
        if (!check.ok) throw new LedgerMismatchError(check, what);
        // Remediation differences are thrown by write(), after the reconciliation's.
        return { check, prepared: { path, head, range, result }, remediations, delegations: delegations.byItem(), created };
      }
    } catch (error) {
      await discard(path, created);
      throw error;
    }
  }

  private async writePack(req: ExportRequest, signingKey: SigningKey | null, remediations: PackRemediations, p: Pseudonymizer | undefined, events: PreparedEvents, delegations: Map<string, Delegation[]>): Promise<EvidencePackResult> {
    let criticality = new Map<string, string>();
    let owners = new Map<string, string>();
    let systemNames = new Map<string, string>();
    let definitions: DefinitionInfo[] = [];
    let loaded: LoadedConfig | null = null;
    let thresholds: ReviewQualityThresholds | undefined;
    try {
      const config = this.deps.loadConfig();
      const systems = config.systems;
      criticality = new Map(systems.map((s) => [s.id, s.criticality]));
      owners = new Map(systems.map((s) => [s.id, s.owner]));
      systemNames = new Map(systems.map((s) => [s.id, s.name]));
      // The report states a campaign's scope from its opening event; these stand in for campaigns opened before it recorded it.
      definitions = (config.reviews ?? []).map((r) => ({ id: r.id, scope: r.scope, reviewers: r.stages[0]!.reviewers, dueInDays: r.dueInDays, file: r.file }));
      loaded = config;
      thresholds = config.global.reviewQuality;
    } catch (error) {
      // The pack is still evidence without the criticality column; say why it is 'unknown'.
      this.deps.warn(error, 'config could not be loaded: criticality is reported as unknown, system owners and names are not given');
    }
    const { store, audit, now } = this.deps;
    // The coverage calendar: as of the export, over every configured system (none without the config's policies).
    const coverage = loaded?.global && loaded.policies ? await readReportCoverage(store, loaded, now(), this.deps.timeZone ?? 'UTC') : undefined;
    return writeEvidencePack(
      { store, audit, now, criticality, owners, timeZone: this.deps.timeZone, systemNames, definitions, ...(coverage ? { coverage } : {}), ...(thresholds ? { reviewQuality: thresholds } : {}) },
      { remediations, campaigns: req.campaigns, dir: req.dir, formats: req.formats, exportedBy: req.exportedBy, scope: req.scope ?? { from: null, to: null }, pseudonymizer: p, via: req.via, signingKey, events, delegations,
        ...(req.chromium ? { renderPdf: (html: string, pdf: string) => renderPdf(req.chromium!, html, pdf) } : {}) },
    );
  }
}

/** Removes the temporary events file, and the folder when the export made it (mkdir's first folder created). */
const PARTIAL_EVENTS = /^\.events-[0-9a-f]{12}\.csv\.partial$/;

/**
 * Temporary events files of earlier exports into this folder that were killed before they
 * could remove theirs (a crash between writing and renaming): removed once a pack is written
 * there. Not before: a refused export changes nothing in the folder.
 */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir)) if (PARTIAL_EVENTS.test(name)) await rm(join(dir, name), { force: true });
}

async function discard(path: string, createdFolder: string | undefined): Promise<void> {
  await rm(path, { force: true });
  if (createdFolder) await rm(createdFolder, { recursive: true, force: true });
}
