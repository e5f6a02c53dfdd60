/**
 * `iam-review demo`: the whole pipeline on the sample firm, on the embedded store:
 * validate -> sync -> findings -> campaign -> review messages -> simulated decisions ->
 * close (a remediation per revoke) -> later syncs: new access, part of the revoked access
 * removed (verified), one removed grant put back (revoked-access-returned), the rest past due
 * (overdue) -> findings again -> evidence pack -> ledger check.
 * Steps 1-7 run on a clock set DEMO_REPLAY_HOURS back (demo-clock.ts), step 8 on the real time,
 * so the removals not done are past their due time; the ledger records the clock's times.
 * Safe to run twice (each step is idempotent); `--reset` starts from an empty database.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { LoadedConfig } from '../config/load-config.js';
import type { SystemConfig } from '../config/system-config.js';
import type { Campaign, FindingType, Remediation, ReviewItem } from '../domain/index.js';
import { BREAK_GLASS_REVIEW_ID, recommendedAction, slaHoursFor } from '../domain/index.js';
import type { CheckResult } from '../policies/run-check.js';
import { adviceOf } from '../policies/rules/finding-advice.js';
import { FINDING_TYPES } from '../policies/rules/index.js';
import { readReviewCoverage } from '../policies/read-review-coverage.js';
import { auditVerify, auditVerifyLines } from '../audit/audit-verify.js';
import { EXPORT_FORMATS } from '../audit/evidence-pack.js';
import { verifyExport } from '../audit/verify-export.js';
import { closeCampaign } from '../reviews/close-campaign.js';
import { decideItem } from '../reviews/decide-item.js';
import { openCampaign } from '../reviews/open-campaign.js';
import { MAX_STAGES } from '../config/review-config.js';
import { simulatedDecision } from '../reviews/simulated-reviewer.js';
import { appHome, reviewMessage, textPreview } from '../slack/blocks/index.js';
import { loadPeople } from '../slack/people.js';
import { justificationRule, reviewEntries } from '../slack/review-entries.js';
import { findDefinition } from '../reviews/open-campaign.js';
import type { App } from '../app.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { checkTable, checkTableLines } from './check-command.js';
import { formatExport } from './export-command.js';
import { formatOutcomes } from './sync-command.js';
import { safeFileName } from '../audit/pack-file.js';
import { DEMO_REPLAY_HOURS, DemoClock } from './demo-clock.js';
import { campaignReviewQuality } from '../reviews/campaign-review-quality.js';
import { reviewerLabel, reviewerNames } from '../reviews/reviewer-names.js';
import { reviewQualityLines } from './review-quality-lines.js';

/** The review the demo runs: the sample firm's half-yearly review of all critical access. */
export const DEMO_REVIEW = 'half-yearly-critical';
/** The sample trading platform's export after the review: one grant added since. */
export const DEMO_NEXT_EXPORT = { system: 'trading', path: 'sample-data/trading.next.csv' };
/**
 * The later exports of the systems whose owners removed part of the revoked access (each
 * removal under the 10% quarantine threshold): custody-wallet lost fbu-ramann VIEWER and
 * fba-legacy-reporting VIEWER, kms lost svc-backup-legacy kms-operator.
 */
export const DEMO_REMOVALS_EXPORTS = [
  { system: 'custody-wallet', path: 'sample-data/custody-wallet.next.csv' },
  { system: 'kms', path: 'sample-data/kms.next.csv' },
];
/** A further custody-wallet export: fbu-ramann VIEWER, verified removed, is back. */
export const DEMO_RETURNED_EXPORT = { system: 'custody-wallet', path: 'sample-data/custody-wallet.returned.csv' };

export function demoCommand(ctx: CliContext): Command {
  return new Command('demo')
    .description('run the whole pipeline on the sample firm with the embedded store, printing each step')
    .option('--reset', 'delete the embedded database first (start from scratch)')
    .option('--out <dir>', 'where to write review message previews and the evidence pack', 'out/demo')
    .action(async (opts: { reset?: boolean; out: string }) => {
      const env = ctx.env();
      if (opts.reset) {
        if (env.MONGODB_URI) throw usageError('--reset only deletes the embedded SQLite database; unset MONGODB_URI to run the demo on it');
        for (const suffix of ['', '-wal', '-shm']) rmSync(env.sqliteFile + suffix, { force: true });
      }
      const out = resolve(opts.out);
      mkdirSync(out, { recursive: true });
      const clock = new DemoClock();
      const app = await ctx.app({ now: clock.now });
      const say = (s = '') => ctx.io.out(s);
      const step = (n: number, title: string) => say(`\n== ${n}. ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`);

      step(1, 'Configuration (connectors/, policies/, reviews/)');
      const realStart = Date.now();
      const lastEventAt = await lastLedgerEventAt(app);
      const start = clock.startBefore(DEMO_REPLAY_HOURS, lastEventAt);
      const back = Math.round((realStart - start.getTime()) / 3_600_000);
      say(
        back > 0
          ? `Demo clock: ${start.toISOString()}, ${back} h before the real time. Steps 1-7 replay the review as if they ran then, so that removals due 24 h after their decision are past due when step 8 runs on the real time. The ledger records the clock's times.`
          : `Demo clock: the real time (the ledger already holds events until ${lastEventAt}, so it does not go back).`,
      );
      const config = app.loadConfig();
      say(`${config.systems.length} systems, ${config.policies.length} role policies, ${config.sodRules.length} separation-of-duties rules, ${config.reviews.length} review definitions.`);
      await app.recordConfig(config, 'demo');

      step(2, 'Sync: pull every system into a snapshot');
      say(formatOutcomes(await app.sync.run(config, config.systems, { actor: 'demo' })));

      step(3, 'Findings: current state against the policies');
      const first = await app.check.run(config, { actor: 'demo' });
      say(checkTable(first));

      step(4, `Review campaign: ${DEMO_REVIEW}`);
      const deps = app.reviews.deps();
      const opened = await openCampaign(deps, DEMO_REVIEW, { actor: 'demo' });
      const campaign = opened.campaign;
      let items = await app.store.campaigns.items(campaign.id);
      say(`${opened.opened ? 'Opened' : `Already ${campaign.state}`}: ${campaign.name} (${campaign.id}), ${items.length} items, due ${campaign.dueAt.slice(0, 10)}.`);

      step(5, 'Review messages (what each manager gets in Slack)');
      await previewMessages(app, campaign, items, out, say);

      step(6, 'Decisions (SIMULATED reviewers: the demo decides as the assigned managers would)');
      if (campaign.state === 'open') {
        // Stage by stage (the definition's stages): a decision that passes an item on leaves it
        // pending with the next stage's reviewer, who decides it in the next round.
        for (let round = 0; round < MAX_STAGES; round++) {
          const pending = items.filter((i) => i.state === 'pending');
          if (pending.length === 0) break;
          for (const item of pending) {
            const reviewer = await app.store.identities.get(item.reviewerId);
            const email = reviewer?.email ?? item.reviewerId;
            const { outcome, justification } = simulatedDecision(item);
            const r = await decideItem(deps, { itemId: item.id, outcome, actor: { id: item.reviewerId, email, slackId: null, label: email }, channel: 'cli', justification, simulated: true });
            const stage = (item.stage ?? 1) > 1 || r.advancedTo ? `[stage ${item.stage ?? 1}] ` : '';
            const onward = r.advancedTo ? `; passed on to stage ${r.advancedTo.number} (${r.advancedTo.name})` : '';
            say(`  ${stage}${outcome === 'approve' ? 'approved' : 'REVOKED '}  ${grantLabel(item)}  by ${email}${justification ? `: ${justification}` : ''}${onward}`);
          }
          items = await app.store.campaigns.items(campaign.id);
        }
      } else {
        say(`Campaign is ${campaign.state}: decisions were recorded in an earlier run.`);
      }

      step(7, 'Close the campaign (pending items would expire)');
      if ((await app.store.campaigns.get(campaign.id))?.state === 'open') {
        const closed = await closeCampaign(deps, campaign.id, 'demo');
        say(`Closed: ${closed.approved} approved, ${closed.revoked} revoked, ${closed.expired} expired.`);
      } else {
        say('Already closed.');
      }
      // Rubber-stamp detection: the simulated reviewers decide milliseconds apart, as a rubber stamp would.
      const quality = await campaignReviewQuality(app.store, campaign.id, config.global.reviewQuality);
      const qualityNames = await reviewerNames(app.store, quality.reviewers.map((r) => r.reviewerId));
      say(reviewQualityLines(quality, (id) => reviewerLabel(qualityNames.get(id), id)).join('\n'));
      const remediations = await app.remediation.open('demo');
      const ofCampaign = (await app.remediation.list()).filter((r) => r.campaignId === campaign.id);
      const joined = remediations.attached > 0 ? ` (${remediations.attached} more revokes joined the removal their leaver finding had already opened)` : '';
      say(`Remediations: ${remediations.opened} opened now${joined}, ${ofCampaign.length} for this campaign (one per revoke), each due ${dueSummary(config, ofCampaign)} after its decision (a leaver's: after its finding was first raised); only a later complete snapshot without the grant verifies it.`);

      step(8, 'A later sync: access granted after the review; owners removed part of the revoked access; break-glass access used');
      clock.toRealTime();
      say(`Demo clock: now the real time, ${clock.now().toISOString()}.`);
      const later = [DEMO_NEXT_EXPORT, ...DEMO_REMOVALS_EXPORTS].flatMap((e) => withExport(config, e));
      if (later.length > 0) say(formatOutcomes(await app.sync.run(config, later, { actor: 'demo' })));
      const verifiedNow = (await app.remediation.list({ state: 'verified' })).filter((r) => r.campaignId === campaign.id);
      say(`Verified removed (the snapshot no longer holds the grant): ${verifiedNow.length}`);
      for (const r of verifiedNow) say(`  verified  ${grantLabel(r)}  by snapshot ${r.verifiedSnapshotId} (sha256 ${r.verifiedSnapshotHash?.slice(0, 12)}…)`);
      // The kms export also shows the sealed break-glass root used (policies/kms.yaml root-emergency): the sync opened its review.
      for (const bg of (await app.store.campaigns.list()).filter((c) => c.reviewId === BREAK_GLASS_REVIEW_ID)) {
        const [item] = await app.store.campaigns.items(bg.id);
        const reviewer = item ? await app.store.identities.get(item.reviewerId) : null;
        say(`${bg.name}: campaign ${bg.id}, assigned to ${reviewer?.email ?? item?.reviewerId ?? '-'} (the system owner), due ${bg.dueAt}, ${item?.state ?? '-'}.`);
      }
      say('A further sync: a removed grant is back in the custody wallet.');
      const returned = withExport(config, DEMO_RETURNED_EXPORT);
      if (returned.length > 0) say(formatOutcomes(await app.sync.run(config, returned, { actor: 'demo' })));
      for (const r of (await app.remediation.list({ state: 'reappeared' })).filter((x) => x.campaignId === campaign.id)) {
        say(`  REAPPEARED  ${grantLabel(r)}: verified removed by ${r.verifiedSnapshotId}, back in ${r.reappearedSnapshotId}`);
      }
      const overdue = await app.remediation.markOverdue();
      const waiting = (await app.remediation.list()).filter((r) => r.campaignId === campaign.id && (r.state === 'open' || r.state === 'overdue' || r.state === 'requested' || r.state === 'claimed' || r.state === 'failed'));
      const owners = new Map(config.systems.map((s) => [s.id, s.owner]));
      const late = waiting.filter((r) => r.state === 'overdue');
      say(`Still to be removed: ${waiting.length} (${late.length} overdue${overdue.overdue > 0 ? `, ${overdue.overdue} marked now` : ''}); \`iam-review remediation list\` is the work list.`);
      for (const r of waiting) say(`  ${r.state.padEnd(8)}  ${grantLabel(r)}  due ${r.dueAt}  owner ${owners.get(r.systemId) ?? '-'}`);
      if (late.length > 0) say(`Overdue: ${late.length} removals past their due time, by owner: ${[...countBy(late, (r) => owners.get(r.systemId) ?? '-')].map(([o, n]) => `${o} ${n}`).join(', ')}. \`serve\` escalates them daily to each owner and the review's escalation channel (with Slack); the evidence pack lists them.`);
      const second = await app.check.run(config, { actor: 'demo' });
      say(findingsChange(first, second).join('\n'));
      // review-overdue needs months to pass (a system past its review cadence): the demo shows the cadence instead.
      const missing = FINDING_TYPES.filter((t: FindingType) => second.summary[t] === 0 && t !== 'review-overdue');
      say(missing.length === 0 ? 'Every finding type is present in the sample firm (review-overdue aside: it needs months to pass).' : `Finding types not seen: ${missing.join(', ')}`);
      const coverage = await readReviewCoverage({ store: app.store, config, now: () => app.now() });
      say(`Review cadence (\`iam-review coverage\`): ${coverage.map((c) => `${c.system} (${c.criticality}) next due ${c.nextDueAt?.slice(0, 10) ?? '-'}${c.overdue ? ' OVERDUE' : ''}`).join('; ')}.`);

      step(9, 'Audit ledger: hash chain and state reconciled (audit verify)');
      say(auditVerifyLines(await auditVerify(app.store)).join('\n'));

      step(10, 'Evidence pack for the auditors');
      const pack = await app.evidence.write({ campaigns: [(await app.store.campaigns.get(campaign.id))!], dir: join(out, 'evidence', safeFileName(campaign.id)), formats: new Set(EXPORT_FORMATS), exportedBy: 'demo' });
      say(formatExport(pack));
      const checked = await verifyExport(pack.dir, app.store.ledger);
      say(checked.ok ? `Evidence pack verified: ${checked.passed.length} checks passed (files against manifest.json, manifest against the ledger).` : `EVIDENCE PACK NOT VERIFIED:\n${checked.problems.map((p) => `  ${p}`).join('\n')}`);
      say(`\nReview message previews: ${relative(process.cwd(), join(out, 'slack')) || '.'}/`);
      say(`Evidence pack: ${relative(process.cwd(), pack.dir) || '.'}/ (open report.html; check it with \`iam-review audit verify-export ${relative(process.cwd(), pack.dir) || '.'}\`)`);
    });
}

/** A system's config reading another export of the sample firm (none when the system is not configured). */
function withExport(config: LoadedConfig, e: { system: string; path: string }): SystemConfig[] {
  const system = config.systems.find((s) => s.id === e.system);
  return system ? [{ ...system, connector: { ...system.connector, settings: { ...(system.connector.settings as object), path: e.path } } }] : [];
}

/** The time of the ledger's last event (null when it is empty). */
async function lastLedgerEventAt(app: App): Promise<string | null> {
  const head = await app.store.ledger.head();
  if (!head) return null;
  for await (const batch of app.store.ledger.read(head.seq, head.seq)) if (batch[0]) return batch[0].at;
  return null;
}

function countBy<T>(list: readonly T[], key: (x: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of list) out.set(key(x), (out.get(key(x)) ?? 0) + 1);
  return out;
}

function grantLabel(r: Pick<Remediation, 'systemId' | 'accountId' | 'role' | 'scope'>): string {
  return `${r.systemId}:${r.accountId} ${r.role}${r.scope ? `@${r.scope}` : ''}`;
}

/** "24 h" or "24 h / 72 h": the due times (hours after the decision) of the remediations' systems. */
function dueSummary(config: LoadedConfig, rs: readonly Remediation[]): string {
  const defaults = config.global.remediation.slaHours;
  const hours = new Set(rs.map((r) => {
    const s = config.systems.find((x) => x.id === r.systemId);
    return s ? slaHoursFor(s.criticality, s.remediation?.slaHours, defaults) : defaults.standard;
  }));
  return [...hours].sort((a, b) => a - b).map((h) => `${h} h`).join(' / ') || '-';
}

/**
 * The findings table was printed in full at step 3: here only what changed since (new findings
 * as table rows, resolved ones as one line each) and the totals.
 */
function findingsChange(first: CheckResult, second: CheckResult): string[] {
  const before = new Set(first.findings.map((f) => f.key));
  const after = new Set(second.findings.map((f) => f.key));
  const added = second.findings.filter((f) => !before.has(f.key));
  const resolved = first.findings.filter((f) => !after.has(f.key));
  const lines = [`Findings since step 3: ${added.length} new, ${resolved.length} resolved; ${second.findings.length} open now.`];
  if (added.length > 0) {
    // The table's rows only: checkTableLines ends the rows with a blank line, then its totals.
    for (const line of checkTableLines({ ...second, findings: added })) {
      if (line === '') break;
      lines.push(line);
    }
  }
  for (const f of resolved) lines.push(`resolved  ${f.type}  ${f.systemId}  ${f.accountId ?? '-'}  ${f.role ?? '-'}${f.scope ? `@${f.scope}` : ''}`);
  return lines;
}

/**
 * What the reviewers get in Slack, rendered from the same entries as the real messages: the DM of
 * one reviewer in full (the one with a leaver's item, so its revoke recommendation shows), the
 * others as one line each, and the App Home of that reviewer. Each DM's Block Kit JSON is written
 * to out/slack/, the App Home's to out/app-home/.
 */
async function previewMessages(app: App, campaign: Campaign, items: ReviewItem[], out: string, say: (s?: string) => void) {
  const dir = join(out, 'slack');
  mkdirSync(dir, { recursive: true });
  const deps = app.reviews.deps();
  const people = await loadPeople(app.store);
  const justification = justificationRule(findDefinition(deps, campaign.reviewId), items);
  const now = app.now().toISOString();
  const byReviewer = new Map<string, ReviewItem[]>();
  for (const i of items) byReviewer.set(i.reviewerId, [...(byReviewer.get(i.reviewerId) ?? []), i]);
  const reviewers = [...byReviewer.keys()];
  const shown = reviewers.find((r) => byReviewer.get(r)!.some((i) => i.findings.some((f) => f.type === 'leaver-access'))) ?? reviewers[0];
  for (const reviewerId of reviewers) {
    const list = byReviewer.get(reviewerId)!;
    const reviewer = await people.resolve(reviewerId);
    const entries = await reviewEntries(deps, people, list);
    const message = reviewMessage({ campaign, reviewer: { name: reviewer?.displayName ?? reviewerId }, items: entries, now, justification });
    const file = join(dir, `${safeName(campaign.id)}--${safeName(reviewer?.email ?? reviewerId)}.json`);
    writeFileSync(file, JSON.stringify(message.pages.map((p) => ({ text: p.text, blocks: p.blocks })), null, 2));
    const flagged = list.filter((i) => i.findings.length > 0).length;
    const revoke = list.filter((i) => recommendedAction(i.findings, adviceOf) === 'revoke').length;
    const summary = `${list.length} items, ${flagged} with findings, ${revoke} recommended for revoking, ${message.pages.length} message(s); Block Kit JSON: ${relative(process.cwd(), file)}`;
    say(`--- DM to ${reviewer?.displayName ?? reviewerId} <${reviewer?.email ?? reviewerId}>: ${summary}`);
    if (reviewerId !== shown) continue;
    for (const page of message.pages) say(textPreview(page.blocks).split('\n').map((l) => `    ${l}`).join('\n'));
    say('    (the other DMs below as one line each; every DM is in full in its JSON file)');
  }
  if (!shown) return;
  const reviewer = await people.resolve(shown);
  const home = appHome({ user: { name: reviewer?.displayName ?? shown }, now, pending: [{ campaign, items: await reviewEntries(deps, people, byReviewer.get(shown)!.filter((i) => i.state === 'pending')) }], progress: null, justification });
  const homeDir = join(out, 'app-home');
  mkdirSync(homeDir, { recursive: true });
  const homeFile = join(homeDir, `${safeName(reviewer?.email ?? shown)}.json`);
  writeFileSync(homeFile, JSON.stringify(home, null, 2));
  say(`--- App Home of ${reviewer?.displayName ?? shown} (the Home tab of the Slack app: the same items, pending ones only); Block Kit JSON: ${relative(process.cwd(), homeFile)}`);
  say(textPreview(home.blocks).split('\n').map((l) => `    ${l}`).join('\n'));
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9.@-]/g, '_');
}
