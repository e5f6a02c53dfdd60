/**
 * `/access-review export <campaign>`: writes the campaign's evidence pack (the same writer as
 * `iam-review export`, so `export.performed` is ledgered with the manifest's SHA-256) into a
 * temporary folder, uploads decisions.csv and report.html to the requester's DM with
 * files.uploadV2, and removes the folder. The upload's comment carries each file's SHA-256 and
 * the ledger seq of the export, so a downloaded file can be checked against the ledger later.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEvidencePack } from '../audit/evidence-pack.js';
import { safeFileName } from '../audit/pack-file.js';
import type { Campaign } from '../domain/index.js';
import type { ReviewActor } from '../reviews/review-actor.js';
import type { SlackServiceDeps } from './slack-services.js';

/** The files a Slack export uploads: what an auditor opens first. The rest stays a CLI export. */
export const SLACK_EXPORT_FILES = ['decisions.csv', 'report.html'] as const;

export interface SlackExportResult {
  channel: string;
  files: Array<{ name: string; bytes: number; sha256: string }>;
  exportSeq: number;
}

export class EvidenceUpload {
  constructor(private readonly s: SlackServiceDeps) {}

  async send(campaign: Campaign, actor: ReviewActor, slackUserId: string): Promise<SlackExportResult> {
    const deps = this.s.review();
    const criticality = new Map(deps.config.systems.map((sys) => [sys.id, sys.criticality as string]));
    const dir = await mkdtemp(join(tmpdir(), 'iam-review-export-'));
    try {
      const pack = await writeEvidencePack(
        { store: deps.store, audit: deps.audit, now: deps.now, criticality },
        { campaigns: [campaign], dir, formats: new Set(['csv', 'html']), exportedBy: actor.label, scope: { from: null, to: null }, via: 'slack' },
      );
      const files = SLACK_EXPORT_FILES.map((name) => {
        const info = pack.manifest.files.find((f) => f.name === name);
        if (!info) throw new Error(`the evidence pack has no ${name}`);
        return info;
      });
      const contents = await Promise.all(files.map((f) => readFile(join(dir, f.name))));
      const s = pack.stats[0]!;
      const comment = [
        `Evidence pack for *${campaign.name}* (\`${campaign.id}\`): ${s.total} items, ${s.approved} approved, ${s.revoked} revoked, ${s.expired} expired, ${s.pending} pending.`,
        ...files.map((f) => `• \`${f.name}\` sha256 \`${f.sha256}\``),
        `Ledgered as export.performed, seq ${pack.event.seq} (manifest sha256 \`${pack.manifestSha256}\`). The full pack (findings, ledger slice, manifest): \`iam-review export --campaign ${campaign.id}\`.`,
      ].join('\n');
      const channel = await this.s.slack.openDm(slackUserId);
      await this.s.slack.uploadFiles(
        channel,
        files.map((f, i) => ({ filename: `${safeFileName(campaign.id)}-${f.name}`, content: contents[i]!, title: `${campaign.name}: ${f.name}` })),
        comment,
      );
      return { channel, files: files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })), exportSeq: pack.event.seq };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
