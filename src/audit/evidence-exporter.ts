/**
 * Writes evidence packs with the app's store, ledger, clock and config: what `export`, the demo
 * and the Slack export call. Each pack is checked against the ledger before it is written.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { Campaign } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { AuditLog } from './audit-log.js';
import type { EvidencePackResult, ExportFormat } from './evidence-pack.js';
import { writeEvidencePack } from './evidence-pack.js';
import { LedgerMismatchError } from './ledger-mismatch-error.js';
import { pseudonymizer } from './pseudonymizer.js';
import { reconcileLedger } from './reconcile-ledger.js';

export interface EvidenceExporterDeps {
  store: Store;
  audit: AuditLog;
  now: () => Date;
  loadConfig(): LoadedConfig;
  /** Told when the config cannot be read (the pack is still written, criticality 'unknown'). */
  warn(error: unknown, msg: string): void;
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
}

export class EvidenceExporter {
  constructor(private readonly deps: EvidenceExporterDeps) {}

  /**
   * Writes the pack, once the exported campaigns' rows (campaign, items, decisions) are found
   * to agree with the ledger; otherwise throws LedgerMismatchError and writes (and removes) nothing.
   */
  async write(req: ExportRequest): Promise<EvidencePackResult> {
    const check = await reconcileLedger(this.deps.store, { campaignIds: new Set(req.campaigns.map((c) => c.id)) });
    if (!check.ok) throw new LedgerMismatchError(check, `export of ${req.campaigns.map((c) => c.id).join(', ')}`);
    let criticality = new Map<string, string>();
    try {
      criticality = new Map(this.deps.loadConfig().systems.map((s) => [s.id, s.criticality]));
    } catch (error) {
      // The pack is still evidence without the criticality column; say why it is 'unknown'.
      this.deps.warn(error, 'config could not be loaded: criticality is reported as unknown');
    }
    const { store, audit, now } = this.deps;
    return writeEvidencePack(
      { store, audit, now, criticality },
      { campaigns: req.campaigns, dir: req.dir, formats: req.formats, exportedBy: req.exportedBy, scope: req.scope ?? { from: null, to: null }, pseudonymizer: req.key ? pseudonymizer(req.key) : undefined, via: req.via },
    );
  }
}
