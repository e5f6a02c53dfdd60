/**
 * Writes an auditor's evidence pack for one or more campaigns into a folder:
 *   decisions.csv, decisions.json  one record per review item (csv/json formats)
 *   findings.csv                   the findings each item carried at review time (csv)
 *   remediations.csv               one row per remediation of a revoked item, then those findings opened
 *                                  (remediation.findings): reason, due, request, claim, verification
 *                                  (snapshot id and hash) and its ledger event (csv)
 *   events.csv                     the ledger slice covering the campaigns (always): the pack's own events in
 *                                  full, the others as seq, prev_hash and hash only (pack-events.ts, event-csv.ts)
 *   report.html                    the self-contained report (html, pdf)
 *   report.pdf                     report.html printed by Chromium (pdf only: report-pdf.ts)
 *   manifest.json                  SHA-256 of every file, ledger range and head, tool, who and when, sealed
 *                                  (its body's SHA-256, signed with IAM_REVIEW_SIGNING_KEY when set: manifest-seal.ts)
 * then ledgers `export.performed` with the manifest's SHA-256, once every file and the folder
 * are fsynced (a crash cannot leave a ledgered export whose files are missing or short).
 *
 * Everything streams: items are read in batches and written to disk batch by batch; only
 * per-reviewer / per-system / per-day figures for the report are held in memory, and the
 * remediations of the exported campaigns (one small record per revoke, read and checked
 * against the ledger first: evidence-remediations.ts).
 */
import { campaignDecisions } from './campaign-decisions.js';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Campaign, Decision, LedgerEvent, ReviewQuality, ReviewQualityThresholds } from '../domain/index.js';
import { DEFAULT_REVIEW_QUALITY, reviewQuality } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { AuditLog } from './audit-log.js';
import { campaignLedgerRange } from './campaign-ledger-range.js';
import { csvLine } from './csv-line.js';
import type { Delegation, PersonRef, RecordContext } from './evidence-record.js';
import { DECISION_COLUMNS, decisionCsvRow, decisionRecord, delegationOf, FINDING_COLUMNS, findingCsvRows } from './evidence-record.js';
import type { EventsCsvResult } from './events-csv-file.js';
import { EVENTS_FILE, EventsCsvFile } from './events-csv-file.js';
import type { RemediationRecordContext } from './evidence-remediation-record.js';
import { REMEDIATION_COLUMNS, remediationCsvRow, remediationRecord } from './evidence-remediation-record.js';
import type { RemediationStats } from './evidence-remediation-stats.js';
import { addNotOpened, addRemediation, emptyRemediationStats } from './evidence-remediation-stats.js';
import type { PackRemediations } from './evidence-remediations.js';
import { readPackRemediations } from './evidence-remediations.js';
import type { CampaignStats } from './evidence-stats.js';
import { addRecord, emptyStats } from './evidence-stats.js';
import type { EvidenceManifest, ManifestBody } from './evidence-manifest.js';
import { MANIFEST_FILE, MANIFEST_FORMAT } from './evidence-manifest.js';
import { sealManifest } from './manifest-seal.js';
import { packMembers } from './pack-events.js';
import { EVENT } from './event-types.js';
import type { PackFileInfo } from './pack-file.js';
import { PackFile, sha256File, syncFolder } from './pack-file.js';
import type { Pseudonymizer } from './pseudonymizer.js';
import { keepPersonalData } from './pseudonymizer.js';
import type { CampaignContext, DefinitionInfo } from './report-context.js';
import { readCampaignContext } from './report-context.js';
import type { ReportCoverage } from './report-coverage.js';
import { renderReport } from './report-html.js';
import type { ReportItemContext } from './report-items.js';
import { personLabel } from './report-items.js';
import type { SigningKey } from './signing-key.js';
import { toolVersion } from './tool-version.js';

/** The formats of `--format all`. */
export const EXPORT_FORMATS = ['csv', 'json', 'html'] as const;
/** report.pdf: report.html printed by Chromium (report-pdf.ts); asked for by name only, never part of `all`. */
export const PDF_FORMAT = 'pdf';
export type ExportFormat = (typeof EXPORT_FORMATS)[number] | typeof PDF_FORMAT;

/** Every file name a pack can contain: a re-export into the same folder replaces exactly these. */
export const PACK_FILES = ['decisions.csv', 'decisions.json', 'findings.csv', 'remediations.csv', 'events.csv', 'report.html', 'report.pdf', MANIFEST_FILE] as const;

export interface EvidencePackDeps {
  store: Store;
  /** Where export.performed is recorded. */
  audit: AuditLog;
  now: () => Date;
  /** systemId -> criticality, from the connectors config ('unknown' for a system no longer configured). */
  criticality: ReadonlyMap<string, string>;
  /** systemId -> its owner (connectors config), who removes revoked grants; a system missing here has none known. */
  owners?: ReadonlyMap<string, string>;
  /** report.html: the firm's zone for times (default UTC), systems' display names, the review definitions (scope of campaigns that did not record it). */
  timeZone?: string;
  systemNames?: ReadonlyMap<string, string>;
  definitions?: readonly DefinitionInfo[];
  /** report.html's coverage calendar (report-coverage.ts); absent: not shown. */
  coverage?: ReportCoverage;
  /** report.html's "Review quality": the thresholds of policies/global.yaml `reviewQuality` (default: DEFAULT_REVIEW_QUALITY). */
  reviewQuality?: ReviewQualityThresholds;
}

export interface EvidencePackOptions {
  campaigns: readonly Campaign[];
  dir: string;
  formats: ReadonlySet<ExportFormat>;
  exportedBy: string;
  /** What was asked for, recorded in the manifest: a campaign id, or a period. */
  scope: { from: string | null; to: string | null };
  pseudonymizer?: Pseudonymizer;
  batchSize?: number;
  /** How the export was asked for ('cli', 'slack'), recorded with the export event. */
  via?: string;
  /** Prints report.html to report.pdf (format pdf: report-pdf.ts' renderPdf with the Chromium found); required for that format. */
  renderPdf?: (htmlFile: string, pdfFile: string) => Promise<void>;
  /** The campaigns' remediations, already read and checked against the ledger (EvidenceExporter); read here when absent. */
  remediations?: PackRemediations;
  /** Signs the manifest (IAM_REVIEW_SIGNING_KEY); without it the manifest says "unsigned". */
  signingKey?: SigningKey | null;
  /**
   * events.csv written already (EvidenceExporter: in the same read of the ledger as its
   * reconciliation), in a file of `dir` renamed to events.csv here, with the head and range it
   * was written for; absent: written here from the ledger.
   */
  events?: PreparedEvents;
  /**
   * item id -> its delegations, gathered already (EvidenceExporter: DelegationIndex, in the same
   * read of the ledger as its reconciliation); absent: read here with a ledger query.
   */
  delegations?: ReadonlyMap<string, readonly Delegation[]>;
}

export interface PreparedEvents {
  path: string;
  head: { seq: number; hash: string } | null;
  range: { fromSeq: number; toSeq: number } | null;
  result: EventsCsvResult;
}

export interface EvidencePackResult {
  dir: string;
  manifest: EvidenceManifest;
  manifestSha256: string;
  stats: CampaignStats[];
  remediations: RemediationStats;
  event: LedgerEvent;
}

export async function writeEvidencePack(deps: EvidencePackDeps, opts: EvidencePackOptions): Promise<EvidencePackResult> {
  const { store } = deps;
  const p = opts.pseudonymizer ?? keepPersonalData;
  const exportedAt = deps.now().toISOString();
  const pdf = opts.formats.has(PDF_FORMAT);
  if (pdf && !opts.renderPdf) throw new Error('format pdf needs a renderer (renderPdf)');
  const packRemediations = opts.remediations ?? (await readPackRemediations(store, opts.campaigns));
  await mkdir(opts.dir, { recursive: true });
  await Promise.all(PACK_FILES.map((f) => rm(join(opts.dir, f), { force: true })));

  const head = opts.events ? opts.events.head : await store.ledger.head();
  const range = opts.events ? opts.events.range : await campaignLedgerRange(store.ledger, opts.campaigns, head);
  const people = await personIndex(store);
  const report = reportLookups(people, deps.systemNames ?? new Map(), p !== keepPersonalData);
  const delegations = opts.delegations ?? (await delegationIndex(store, opts.campaigns));
  const slackIds = new Map<string, string | null>();

  const csv = opts.formats.has('csv');
  const decisionsCsv = csv ? await csvFile(opts.dir, 'decisions.csv', DECISION_COLUMNS) : null;
  const findingsCsv = csv ? await csvFile(opts.dir, 'findings.csv', FINDING_COLUMNS) : null;
  const remediationsCsv = csv ? await csvFile(opts.dir, 'remediations.csv', REMEDIATION_COLUMNS) : null;
  const decisionsJson = opts.formats.has('json') ? new PackFile(opts.dir, 'decisions.json') : null;
  const rows = new Map<string, number>();
  const count = (name: string, n = 1) => rows.set(name, (rows.get(name) ?? 0) + n);

  const stats: CampaignStats[] = [];
  const remediationStats = emptyRemediationStats();
  const criticalityOf = (id: string) => deps.criticality.get(id) ?? 'unknown';
  const remediationCtx: RemediationRecordContext = { criticality: criticalityOf, owner: (id) => deps.owners?.get(id) ?? null, p };
  /** Remediations written so far (each once, with its item's decision). */
  const written = new Set<string>();
  await decisionsJson?.write('[');
  let firstJson = true;
  for (const campaign of opts.campaigns) {
    const s = emptyStats(campaign, deps.timeZone);
    stats.push(s);
    const earlierStages = await stageDecisionIndex(store, campaign.id);
    const ctx: RecordContext = {
      campaign,
      criticality: criticalityOf,
      remediation: (itemId) => packRemediations.byItem.get(itemId) ?? null,
      person: (id) => people.get(id) ?? null,
      slackId: (id) => slackIds.get(id) ?? null,
      delegations: (itemId) => delegations.get(itemId) ?? [],
      earlierStages: (itemId) => earlierStages.get(itemId) ?? [],
      p,
    };
    const now = deps.now();
    for await (const batch of store.campaigns.itemsWithDecisions(campaign.id, opts.batchSize)) {
      await resolveSlackIds(store, batch.map((b) => b.decision?.reviewerId ?? b.item.reviewerId), people, slackIds);
      // One write per file per batch: the lines of a batch are joined first.
      let decisionLines = '';
      let findingLines = '';
      let remediationLines = '';
      let jsonText = '';
      for (const { item, decision } of batch) {
        const record = decisionRecord(item, decision, ctx);
        addRecord(s, record, now, report);
        const pr = packRemediations.byItem.get(item.id);
        if (pr) {
          const rec = remediationRecord(pr, decision?.decidedAt ?? null, remediationCtx);
          addRemediation(remediationStats, rec, now);
          written.add(item.id);
          if (remediationsCsv) remediationLines += csvLine(remediationCsvRow(rec));
        } else if (record.remediationState !== null) {
          addNotOpened(remediationStats, record.criticality);
        }
        if (decisionsCsv) decisionLines += csvLine(decisionCsvRow(record));
        if (findingsCsv) {
          for (const row of findingCsvRows(record)) {
            findingLines += csvLine(row);
            count('findings.csv');
          }
        }
        if (decisionsJson) {
          jsonText += (firstJson ? '\n' : ',\n') + JSON.stringify(record);
          firstJson = false;
        }
      }
      if (decisionsCsv) {
        await decisionsCsv.write(decisionLines);
        count('decisions.csv', batch.length);
      }
      if (findingsCsv && findingLines) await findingsCsv.write(findingLines);
      if (remediationsCsv && remediationLines) await remediationsCsv.write(remediationLines);
      if (decisionsJson) {
        await decisionsJson.write(jsonText);
        count('decisions.json', batch.length);
      }
    }
  }
  await decisionsJson?.write('\n]\n');
  // A remediation whose item the campaigns did not stream (none expected: each names its item) is still shown.
  let leftover = '';
  for (const [itemId, pr] of packRemediations.byItem) {
    if (written.has(itemId)) continue;
    const rec = remediationRecord(pr, null, remediationCtx);
    addRemediation(remediationStats, rec, deps.now());
    leftover += csvLine(remediationCsvRow(rec));
  }
  // Removals opened by findings (remediation.findings) that no revoke joined: after the revokes' rows.
  for (const pr of packRemediations.findings) {
    const rec = remediationRecord(pr, null, remediationCtx);
    addRemediation(remediationStats, rec, deps.now(), 'finding');
    leftover += csvLine(remediationCsvRow(rec));
  }
  if (remediationsCsv && leftover) await remediationsCsv.write(leftover);
  count('remediations.csv', remediationStats.remediations);

  let events: EventsCsvResult;
  if (opts.events) {
    // Written already, from the read of the ledger the exporter's reconciliation made (EvidenceExporter).
    await rename(opts.events.path, join(opts.dir, EVENTS_FILE));
    events = opts.events.result;
  } else {
    const file = new EventsCsvFile(opts.dir, EVENTS_FILE, range, await packMembers(store.ledger, opts.campaigns, packRemediations), p);
    if (range) for await (const batch of store.ledger.readStored(range.fromSeq, range.toSeq)) await file.add(batch);
    events = await file.close();
  }
  count('events.csv', events.rows);
  const toHash = events.toHash;
  const fullEvents = events.fullEvents;

  const files: PackFileInfo[] = [];
  for (const f of [decisionsCsv, decisionsJson, findingsCsv, remediationsCsv]) if (f) files.push(await f.close());
  files.push(events.file);
  const ledger = {
    fromSeq: range?.fromSeq ?? 0,
    toSeq: range?.toSeq ?? 0,
    toHash,
    events: rows.get('events.csv') ?? 0,
    headSeq: head?.seq ?? 0,
    headHash: head?.hash ?? null,
    fullEvents,
  };
  const tool = toolVersion();
  const scopeText = opts.scope.from || opts.scope.to ? `campaigns opened ${opts.scope.from ?? '…'} to ${opts.scope.to ?? '…'}` : opts.campaigns.map((c) => c.id).join(', ');
  const contexts = new Map<string, CampaignContext>();
  for (const c of opts.campaigns) contexts.set(c.id, pseudonymizeContext(await readCampaignContext(store, c, deps.definitions ?? []), p));
  const quality = new Map<string, ReviewQuality>();
  for (const c of opts.campaigns) quality.set(c.id, reviewQuality(await campaignDecisions(store, c.id), deps.reviewQuality ?? DEFAULT_REVIEW_QUALITY));
  // The PDF is printed from report.html, so format pdf writes both.
  if (opts.formats.has('html') || pdf) {
    const html = renderReport({
      timeZone: deps.timeZone, contexts, systemNames: deps.systemNames, personByEmail: (email) => report.person(email),
      reviewQuality: quality, reviewerLabel: (id) => personLabel(report.person(id), null, p.value(id)),
      generatedAt: exportedAt, exportedBy: p.value(opts.exportedBy) ?? '', tool, scope: scopeText, pseudonymized: p !== keepPersonalData, campaigns: stats, ledger,
      remediation: remediationStats,
      ...(deps.coverage ? { coverage: deps.coverage } : {}),
      // The files beside report.html: the regulatory mapping cites only these.
      files: new Set([...files.map((f) => f.name), 'report.html', ...(pdf ? ['report.pdf'] : []), MANIFEST_FILE]),
    });
    const reportFile = new PackFile(opts.dir, 'report.html');
    await reportFile.write(html);
    files.push(await reportFile.close());
    if (pdf) {
      await opts.renderPdf!(join(opts.dir, 'report.html'), join(opts.dir, 'report.pdf'));
      files.push({ name: 'report.pdf', ...(await sha256File(join(opts.dir, 'report.pdf'))) });
    }
  }

  const body: ManifestBody = {
    format: MANIFEST_FORMAT,
    tool,
    exportedBy: opts.exportedBy,
    exportedAt,
    scope: { campaigns: opts.campaigns.map((c) => c.id), from: opts.scope.from, to: opts.scope.to },
    pseudonymized: p !== keepPersonalData,
    ledger,
    files: files.map((f) => ({ ...f, rows: rows.get(f.name) ?? null })),
    // The campaigns' attestations (campaign sign-off), each with its ledger event.
    signOffs: [...contexts.values()].flatMap((c) => (c.signOff ? [c.signOff] : [])),
  };
  const { manifest, text: manifestText } = sealManifest(body, opts.signingKey ?? null);
  await writeFile(join(opts.dir, MANIFEST_FILE), manifestText, { flush: true });
  await syncFolder(opts.dir);
  const manifestSha256 = createHash('sha256').update(manifestText).digest('hex');

  const event = await deps.audit.record(EVENT.exportPerformed, opts.exportedBy, opts.campaigns.length === 1 ? opts.campaigns[0]!.id : `export:${scopeText}`, {
    campaigns: manifest.scope.campaigns,
    from: opts.scope.from,
    to: opts.scope.to,
    formats: [...opts.formats].sort(),
    files: manifest.files.map((f) => f.name),
    pseudonymized: manifest.pseudonymized,
    ledgerFrom: ledger.fromSeq,
    ledgerTo: ledger.toSeq,
    manifestSha256,
    signedBy: manifest.seal.signature === 'unsigned' ? 'unsigned' : manifest.seal.signature.keyId,
    ...(opts.via ? { via: opts.via } : {}),
  });
  return { dir: opts.dir, manifest, manifestSha256, stats, remediations: remediationStats, event };
}

/** How report.html names people and systems: by identity id or email (never when pseudonymized: pseudonyms only). */
function reportLookups(people: ReadonlyMap<string, PersonRef>, systemNames: ReadonlyMap<string, string>, pseudonymized: boolean): ReportItemContext {
  const byEmail = new Map<string, PersonRef>();
  for (const ref of people.values()) if (ref.email) byEmail.set(ref.email.toLowerCase(), ref);
  return {
    systemName: (id) => systemNames.get(id) ?? id,
    person: (idOrEmail) => (pseudonymized ? null : (people.get(idOrEmail) ?? byEmail.get(idOrEmail.toLowerCase()) ?? null)),
  };
}

/** A campaign's context with the signer's email and statement pseudonymized as the pack's other personal data. */
function pseudonymizeContext(c: CampaignContext, p: Pseudonymizer): CampaignContext {
  if (!c.signOff || p === keepPersonalData) return c;
  return { ...c, signOff: { ...c.signOff, signedBy: p.value(c.signOff.signedBy) ?? '', statement: p.text(c.signOff.statement) ?? '' } };
}

/** A CSV file of the pack, its header line written (csv-line.ts: quoting and formula escaping). */
async function csvFile(dir: string, name: string, columns: readonly string[]): Promise<PackFile> {
  const file = new PackFile(dir, name);
  await file.write(csvLine(columns));
  return file;
}

async function personIndex(store: Store): Promise<Map<string, PersonRef>> {
  // Identities are people (thousands), not grants: one map is fine.
  return new Map((await store.identities.current()).map((i) => [i.id, { email: i.email, name: i.displayName }]));
}

/** item id -> its reassignments, oldest first, from the ledger's item.reassigned events. */
async function delegationIndex(store: Store, campaigns: readonly Campaign[]): Promise<Map<string, Delegation[]>> {
  const out = new DelegationIndex(campaigns);
  if (campaigns.length === 0) return out.byItem();
  for (const e of await store.ledger.query({ type: EVENT.itemReassigned, since: out.since })) out.event(e);
  return out.byItem();
}

/**
 * The campaigns' delegations (item.reassigned events at or after the first campaign's opening),
 * gathered from events given in seq order: what delegationIndex's ledger query returns, so a
 * reader of the whole ledger (EvidenceExporter) spares the pack that walk of the time index.
 */
export class DelegationIndex {
  private readonly ids: ReadonlySet<string>;
  /** The first campaign's opening (events before it are not the campaigns'). */
  readonly since: string;
  private readonly out = new Map<string, { at: string; delegation: Delegation }[]>();

  constructor(campaigns: readonly Campaign[]) {
    this.ids = new Set(campaigns.map((c) => c.id));
    this.since = campaigns.map((c) => c.openedAt).sort()[0] ?? '';
  }

  /** Whether an event of this type at this time is one event() takes (the caller parses only those). */
  wants(type: string, at: string): boolean {
    return type === EVENT.itemReassigned && at >= this.since && this.ids.size > 0;
  }

  /** One event, in seq order; anything but a reassignment of these campaigns since `since` is ignored. */
  event(e: LedgerEvent): void {
    if (!this.wants(e.type, e.at)) return;
    const d = delegationOf(e, this.ids);
    if (!d) return;
    const list = this.out.get(d.itemId);
    if (list) list.push({ at: e.at, delegation: d.delegation });
    else this.out.set(d.itemId, [{ at: e.at, delegation: d.delegation }]);
  }

  /** item id -> its reassignments in (at, seq) order, as the ledger's time-ordered query gives them. */
  byItem(): Map<string, Delegation[]> {
    const result = new Map<string, Delegation[]>();
    for (const [itemId, list] of this.out) {
      // Events came in seq order; a stable sort by time gives (at, seq) order.
      if (list.length > 1) list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      result.set(itemId, list.map((x) => x.delegation));
    }
    return result;
  }
}

/** A campaign's stage decisions by item (multi-stage reviews only: empty for a single-stage campaign). */
async function stageDecisionIndex(store: Store, campaignId: string): Promise<Map<string, Decision[]>> {
  const out = new Map<string, Decision[]>();
  for await (const batch of store.campaigns.stageDecisionsOf(campaignId)) {
    for (const d of batch) out.set(d.itemId, [...(out.get(d.itemId) ?? []), d]);
  }
  return out;
}

/** Slack ids of reviewers not looked up yet (reviewers are few: a handful of lookups per export). */
async function resolveSlackIds(store: Store, reviewerIds: readonly string[], people: ReadonlyMap<string, PersonRef>, cache: Map<string, string | null>): Promise<void> {
  for (const id of new Set(reviewerIds)) {
    if (cache.has(id)) continue;
    const email = people.get(id)?.email ?? (id.includes('@') ? id : null);
    cache.set(id, email ? ((await store.slackUsers.findByEmail(email))?.id ?? null) : null);
  }
}
