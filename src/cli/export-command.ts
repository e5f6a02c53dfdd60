import { relative, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Command } from 'commander';
import type { App } from '../app.js';
import type { EvidencePackResult, ExportFormat } from '../audit/evidence-pack.js';
import { EXPORT_FORMATS, PDF_FORMAT } from '../audit/evidence-pack.js';
import { ChromiumMissingError, CHROMIUM_ENV, findChromium } from '../audit/report-pdf.js';
import { LedgerMismatchError } from '../audit/ledger-mismatch-error.js';
import { safeFileName } from '../audit/pack-file.js';
import { PSEUDONYM_KEY_ENV } from '../audit/pseudonymizer.js';
import type { Campaign } from '../domain/index.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';


interface ExportOptions {
  campaign?: string;
  from?: string;
  to?: string;
  format: string;
  out?: string;
  pseudonymize?: boolean;
  as: string;
}

/** `csv`, `json`, `html`, `all` (those three), `pdf`, or a comma list of them. */
export function parseFormats(text: string): Set<ExportFormat> {
  const out = new Set<ExportFormat>();
  for (const part of text.split(',').map((s) => s.trim().toLowerCase())) {
    if (part === 'all') EXPORT_FORMATS.forEach((f) => out.add(f));
    else if ((EXPORT_FORMATS as readonly string[]).includes(part) || part === PDF_FORMAT) out.add(part as ExportFormat);
    else throw usageError(`--format must be csv, json, html, pdf or all (or a comma list), got "${part}"`);
  }
  return out;
}

/** A date (the whole day; `--to` includes it) or a full ISO time. */
function boundary(name: string, text: string, endOfDay: boolean): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const t = Date.parse(dateOnly ? `${text}T00:00:00.000Z` : text);
  if (Number.isNaN(t)) throw usageError(`${name} must be a date (YYYY-MM-DD) or an ISO time, got "${text}"`);
  return new Date(dateOnly && endOfDay ? t + 86_400_000 : t).toISOString();
}

/** `iam-review export`: an auditor's evidence pack for one campaign or every campaign opened in a period. */
export function exportCommand(ctx: CliContext): Command {
  return new Command('export')
    .description('write an evidence pack (decisions, findings, ledger slice, HTML report, manifest) for a campaign or a period')
    .option('--campaign <id>', 'the campaign to export, e.g. half-yearly-critical:2026-H2')
    .option('--from <date>', 'export every campaign opened on or after this date')
    .option('--to <date>', 'export every campaign opened on or before this date (the whole day)')
    .option('--format <formats>', `csv | json | html | pdf | all (csv,json,html), or a comma list (events.csv and manifest.json are always written); pdf prints report.html with Chromium (${CHROMIUM_ENV}, else chromium on PATH) and exits 1 before writing anything when there is none`, 'all')
    .option('--out <dir>', 'the folder to write (default: out/evidence/<campaign or period>)')
    .option('--pseudonymize', `replace emails, names and person/account ids with keyed hashes (key in ${PSEUDONYM_KEY_ENV})`)
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (opts: ExportOptions) => {
      if (opts.campaign && (opts.from || opts.to)) throw usageError('give either --campaign or --from/--to, not both');
      if (!opts.campaign && !opts.from && !opts.to) throw usageError('give --campaign <id>, or --from <date> and/or --to <date>');
      const formats = parseFormats(opts.format);
      // Asked for before anything is written: without Chromium there is no pack and no export event.
      let chromium: string | undefined;
      try {
        chromium = formats.has(PDF_FORMAT) ? findChromium(ctx.env().get) : undefined;
      } catch (error) {
        if (error instanceof ChromiumMissingError) throw new CliError(error.message, EXIT.failure);
        throw error;
      }
      const key = opts.pseudonymize ? ctx.env().get(PSEUDONYM_KEY_ENV) : undefined;
      if (opts.pseudonymize && !key) throw usageError(`--pseudonymize needs a secret key in ${PSEUDONYM_KEY_ENV} (the same key gives the same pseudonyms across exports)`);
      const from = opts.from ? boundary('--from', opts.from, false) : null;
      const to = opts.to ? boundary('--to', opts.to, true) : null;

      const operator = ctx.operator(opts.as);
      limitHeapGrowth();
      const app = await ctx.app();
      const campaigns = await selectCampaigns(app, opts.campaign, from, to);
      const name = opts.campaign ?? `${opts.from ?? 'start'}_${opts.to ?? 'now'}`;
      const dir = resolve(opts.out ?? resolve('out', 'evidence', safeFileName(name)));
      let r: EvidencePackResult;
      try {
        r = await app.evidence.write({ campaigns, dir, formats, exportedBy: operator, scope: { from, to }, key, via: 'cli', chromium });
      } catch (error) {
        if (error instanceof LedgerMismatchError) throw new CliError(error.message, EXIT.ledgerBroken);
        throw error;
      }
      ctx.io.out(formatExport(r));
    });
}

/**
 * An export's old generation grows by at most half its live size between full collections
 * (V8 lets it grow up to 4x by default). Its live heap is small and flat (~30 MB: the ledger
 * reconciliation's key table, people, figures for the report), but every page of items and
 * events read from the store outlives a young-generation collection or two while its text is
 * written, so promoted garbage fills whatever room is allowed: at 300k items the heap reached
 * 130 MB of which 29 MB was live. Capped at 1.5x, the process peaks ~60 MB lower for a few
 * percent more CPU (more full collections, each cheap with so little live). The CLI runs one
 * command per process, so no other command is paced this way; a process that runs commands
 * in-process (the tests) keeps the setting, which changes when V8 collects, never a result.
 * Node documents flags set after start-up as unsupported in general; this one is read by V8's
 * heap controller at every full collection, and the bench's export RSS limit (300 MB, met at
 * 240-245 MB with it, 299-303 MB without) is what shows it still takes effect.
 */
export const EXPORT_HEAP_GROWTH = '--heap-growing-percent=50';

function limitHeapGrowth(): void {
  setFlagsFromString(EXPORT_HEAP_GROWTH);
}

async function selectCampaigns(app: App, id: string | undefined, from: string | null, to: string | null): Promise<Campaign[]> {
  if (id) {
    const c = await app.store.campaigns.get(id);
    if (!c) throw usageError(`no campaign "${id}" (see \`iam-review campaign list\`)`);
    return [c];
  }
  const all = await app.store.campaigns.list();
  return all.filter((c) => (!from || c.openedAt >= from) && (!to || c.openedAt < to)).sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
}

export function formatExport(r: EvidencePackResult): string {
  const where = relative(process.cwd(), r.dir) || '.';
  const lines = [`Evidence pack written: ${where}/`];
  for (const s of r.stats) {
    lines.push(`  ${s.campaign.id}: ${s.total} items, ${s.approved} approved, ${s.revoked} revoked, ${s.expired} expired, ${s.pending} pending`);
  }
  for (const f of r.manifest.files) lines.push(`  ${f.name.padEnd(16)} ${String(f.bytes).padStart(10)} bytes  sha256 ${f.sha256}`);
  lines.push(`  manifest.json sha256 ${r.manifestSha256}, ledgered as seq ${r.event.seq}; ledger seq ${r.manifest.ledger.fromSeq}-${r.manifest.ledger.toSeq}, head ${r.manifest.ledger.headSeq}`);
  return lines.join('\n');
}
