/**
 * Writes evidence packs with the app's store, ledger, clock and config: what `export`, the demo
 * and the Slack export call. Each pack is checked against the ledger before it is written.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { Campaign, ReviewQualityThresholds } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { AuditLog } from './audit-log.js';
import type { EvidencePackResult, ExportFormat } from './evidence-pack.js';
import { writeEvidencePack } from './evidence-pack.js';
import { LedgerMismatchError } from './ledger-mismatch-error.js';
import { readPackRemediations } from './evidence-remediations.js';
import { pseudonymizer } from './pseudonymizer.js';
import { reconcileLedger } from './reconcile-ledger.js';
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
    const check = await reconcileLedger(this.deps.store, { campaignIds: new Set(req.campaigns.map((c) => c.id)) });
    if (!check.ok) throw new LedgerMismatchError(check, what);
    const remediations = await readPackRemediations(this.deps.store, req.campaigns);
    if (remediations.count > 0) {
      throw new LedgerMismatchError({ ...check, ok: false, differences: remediations.differences, count: remediations.count }, what);
    }
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
      { remediations, campaigns: req.campaigns, dir: req.dir, formats: req.formats, exportedBy: req.exportedBy, scope: req.scope ?? { from: null, to: null }, pseudonymizer: req.key ? pseudonymizer(req.key) : undefined, via: req.via, signingKey,
        ...(req.chromium ? { renderPdf: (html: string, pdf: string) => renderPdf(req.chromium!, html, pdf) } : {}) },
    );
  }
}
