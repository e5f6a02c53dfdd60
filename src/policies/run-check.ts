/**
 * The `check` service: reads the current state from the store (current snapshots and their
 * grants in batches, current identities, last certifications, grants back after a verified
 * removal), evaluates the policies,
 * stores the evaluation (so findings keep a history: first seen, still open, resolved)
 * and, in the same transaction(s), the ledger events of exactly the findings it opened and
 * resolved (a finding a concurrent check opened first is refreshed here, not ledgered twice).
 *
 * Ledger volume: see finding-ledger-events.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { LoadedConfig } from '../config/load-config.js';
import { parseRoleRef } from '../config/policy-config.js';
import type { Evaluation, Finding, FindingType } from '../domain/index.js';
import { identityLabel } from '../domain/index.js';
import { findingLedgerEvents } from './finding-ledger-events.js';
import { FINDING_TYPES } from './rules/index.js';
import type { Store } from '../store/ports.js';
import type { Certification, EvaluationContext, EvaluationResult, ReturnedGrant } from './evaluation-context.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import { readReviewCoverage } from './read-review-coverage.js';

export interface CheckDeps {
  store: Store;
  config: LoadedConfig;
  now: () => Date;
  audit: AuditLog;
}

export interface CheckOptions {
  /** Evaluate and report one system only (its SoD partners are still read). */
  systemId?: string;
  /** Who ran the check, for the ledger. */
  actor?: string;
}

export interface CheckResult {
  evaluation: Evaluation;
  findings: Finding[];
  /** Count per finding type, every type present (0 when none). */
  summary: Record<FindingType, number>;
  warnings: string[];
  /** identity id -> email, else id: the label reports use for the identities findings name. */
  identityLabels: ReadonlyMap<string, string>;
  changes: { opened: number; refreshed: number; resolved: number };
}

const GRANT_BATCH = 5000;

export async function runCheck(deps: CheckDeps, opts: CheckOptions = {}): Promise<CheckResult> {
  const { store, config } = deps;
  const at = deps.now();
  const warnings: string[] = [];
  const configured = new Set(config.systems.map((s) => s.id));
  if (opts.systemId !== undefined && !configured.has(opts.systemId)) {
    throw new Error(`unknown system "${opts.systemId}" (known: ${[...configured].join(', ')})`);
  }

  const current = await store.snapshots.currentAll();
  const selected = opts.systemId !== undefined ? [opts.systemId] : config.systems.map((s) => s.id);
  const reported = new Set<string>();
  for (const id of selected) {
    const system = config.systems.find((s) => s.id === id)!;
    if (current.has(id)) reported.add(id);
    else if (system.kind !== 'directory') warnings.push(`system "${id}" has no current snapshot yet (run \`iam-review sync\`): not evaluated`);
  }
  for (const id of current.keys()) {
    if (!configured.has(id)) warnings.push(`system "${id}" has a current snapshot but no file in connectors/: not evaluated`);
  }

  const certifications = new Map<string, Certification>();
  for (const id of reported) {
    const last = await store.campaigns.lastCertification(id);
    if (!last) continue;
    const campaign = await store.campaigns.get(last.campaignId);
    certifications.set(id, { ...last, openedAt: campaign?.openedAt ?? last.certifiedAt });
  }

  const identities = await store.identities.current();
  const returnedGrants = await returnedGrantsOf(store);
  const reviewCoverage = new Map((await readReviewCoverage({ store, config, now: () => at })).map((c) => [c.system, c]));
  const result = await evaluate(store, systemsToRead(config, reported).flatMap((id) => current.get(id)?.id ?? []), {
    systems: config.systems,
    policies: config.policies,
    sodRules: config.sodRules,
    global: config.global,
    identities,
    certifications,
    returnedGrants,
    reviewCoverage,
    now: at,
    reportSystems: reported,
  });
  warnings.push(...result.warnings);

  const summary = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0])) as Record<FindingType, number>;
  for (const f of result.findings) summary[f.type] = (summary[f.type] ?? 0) + 1;
  const evaluation: Evaluation = {
    id: `evaluation@${at.toISOString()}#${randomUUID().slice(0, 8)}`,
    at: at.toISOString(),
    systemIds: [...reported].sort(),
    policyHash: policyHash(config),
    counts: Object.fromEntries(Object.entries(summary).filter(([, n]) => n > 0)),
  };

  const actor = opts.actor ?? 'system';
  const changes = await store.findings.saveEvaluation(evaluation, result.findings, (changed) => findingLedgerEvents(deps.audit, actor, evaluation.id, changed));

  const byId = new Map(identities.map((i) => [i.id, i]));
  const identityLabels = new Map<string, string>();
  for (const f of result.findings) {
    if (f.identityId !== null && !identityLabels.has(f.identityId)) identityLabels.set(f.identityId, identityLabel(byId.get(f.identityId)) ?? f.identityId);
  }
  return { evaluation, findings: result.findings, summary, warnings, identityLabels, changes };
}

/**
 * The snapshots' grants, a batch at a time, through a PolicyEvaluator. Its own function so that
 * the evaluator (the rules' cross-grant state: holders, SoD pairs) is garbage once it returns:
 * at 1M grants the findings are then the only large thing the rest of the check holds.
 */
async function evaluate(store: Store, snapshotIds: readonly string[], ctx: EvaluationContext): Promise<EvaluationResult> {
  const evaluator = new PolicyEvaluator(ctx);
  for await (const batch of store.snapshots.grantsOf(snapshotIds, GRANT_BATCH)) evaluator.add(batch);
  return evaluator.finish();
}

/**
 * Grants whose verified removal was undone (remediation `reappeared`), by grant id: few, as
 * each is an incident. Of two for one grant (revoked in two reviews), the latest return wins.
 */
async function returnedGrantsOf(store: Store): Promise<Map<string, ReturnedGrant>> {
  const out = new Map<string, ReturnedGrant>();
  for (const r of await store.remediations.list({ state: 'reappeared' })) {
    const known = out.get(r.grantId);
    if (known && (known.reappearedAt ?? '') > (r.reappearedAt ?? '')) continue;
    out.set(r.grantId, {
      remediationId: r.id,
      itemId: r.itemId,
      campaignId: r.campaignId,
      verifiedAt: r.verifiedAt,
      verifiedSnapshotId: r.verifiedSnapshotId,
      reappearedAt: r.reappearedAt,
      reappearedSnapshotId: r.reappearedSnapshotId,
    });
  }
  return out;
}

/** The reported systems, plus the systems sharing a separation-of-duties rule with one of them. */
function systemsToRead(config: LoadedConfig, reported: ReadonlySet<string>): string[] {
  const out = new Set(reported);
  for (const rule of config.sodRules) {
    const systems = rule.roles.map((r) => parseRoleRef(r).systemId);
    if (systems.some((s) => reported.has(s))) for (const s of systems) out.add(s);
  }
  return config.systems.map((s) => s.id).filter((id) => out.has(id));
}

/** SHA-256 over the policy files used (name and content hash of each, sorted). */
function policyHash(config: LoadedConfig): string {
  const lines = config.files
    .filter((f) => f.file.startsWith('policies/'))
    .map((f) => `${f.file} ${f.sha256}\n`)
    .sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}
