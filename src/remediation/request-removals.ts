/**
 * Asks for the removals that are due a request: for each system, its remediations that are
 * `open` or `overdue` and never requested, or `failed` (a retry), go to the requester of the
 * system's `remediation.mode`; each outcome is recorded with its ledger event in the same
 * transaction (remediation.requested / remediation.failed), conditional on the state read,
 * so of two concurrent runs each remediation is recorded once; a lease per remediation keeps
 * two runs from asking for the same removal at once. A dry run only lists them.
 */
import { hostname } from 'node:os';
import type { SystemConfig } from '../config/system-config.js';
import type { RemediationMode } from '../config/remediation-config.js';
import { movesInto } from '../domain/index.js';
import type { Remediation } from '../domain/index.js';
import { failedEvent, requestedEvent } from './remediation-events.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemovalOutcome, RemovalRequester } from './removal-requester.js';

/** Remediations handed to a requester at once. */
const REQUEST_BATCH = 100;

export interface RequestRemovalsOptions {
  systemId?: string;
  /** List what would be requested; call nothing, record nothing. */
  dryRun?: boolean;
  actor?: string;
  signal?: AbortSignal;
  /** Who holds the request leases (default: this host and process). */
  owner?: string;
}

export interface SystemRequests {
  systemId: string;
  mode: RemediationMode;
  /** Awaiting a request (in a dry run: what would be requested). */
  due: Remediation[];
  requested: number;
  failed: number;
  skipped: number;
  /** Why some were not sent (the requesters' reasons for skipping, each once), e.g. an owner Slack cannot reach. */
  notSent: string[];
  /** Why the system's removals were not requested at all (no requester for its mode). */
  unavailable: string | null;
}

/** Why a mode has no requester in this process. */
const UNAVAILABLE: Readonly<Record<RemediationMode, string>> = {
  manual: 'Slack is not configured (no SLACK_BOT_TOKEN), so the system owner is not messaged',
  ticket: 'no ticket requester is configured',
  auto: 'no automatic removal is configured',
};

/** Awaiting a request: never requested and still to be removed, or failed (a retry). */
export function awaitsRequest(r: Remediation): boolean {
  if (r.state === 'failed') return true;
  return (r.state === 'open' || r.state === 'overdue') && r.requestedAt === null;
}

export async function requestRemovals(deps: RemediationDeps, requesters: ReadonlyMap<RemediationMode, RemovalRequester>, opts: RequestRemovalsOptions = {}): Promise<SystemRequests[]> {
  const systems = deps.config.systems.filter((s) => opts.systemId === undefined || s.id === opts.systemId);
  const results: SystemRequests[] = [];
  for (const system of systems) {
    const mode = system.remediation?.mode ?? 'manual';
    const due = (await deps.store.remediations.list({ systemId: system.id })).filter(awaitsRequest);
    const requester = requesters.get(mode);
    const result: SystemRequests = { systemId: system.id, mode, due, requested: 0, failed: 0, skipped: 0, notSent: [], unavailable: requester ? null : UNAVAILABLE[mode] };
    results.push(result);
    if (!requester || opts.dryRun || due.length === 0) continue;
    const owner = opts.owner ?? `${hostname()}:${process.pid}`;
    for (let i = 0; i < due.length; i += REQUEST_BATCH) {
      opts.signal?.throwIfAborted();
      const batch: Remediation[] = [];
      for (const r of due.slice(i, i + REQUEST_BATCH)) {
        if (await leaseRequest(deps, r, owner)) batch.push(r);
        else result.skipped++;
      }
      if (batch.length === 0) continue;
      const outcomes = await requester.request(system, batch, { now: deps.now, signal: opts.signal });
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      for (const r of batch) {
        const o = byId.get(r.id);
        const counted = await record(deps, system, mode, r, o, opts.actor ?? 'iam-review');
        result[counted]++;
        if (o?.outcome === 'skipped' && !result.notSent.includes(o.why)) result.notSent.push(o.why);
      }
    }
  }
  return results;
}

/**
 * How long one run holds the request of a remediation: no other run (a replica, an operator's
 * `remediate --apply`) asks for the same removal meanwhile, so two replicas never open two
 * tickets. Longer than a requester's retry budget; a run that died lets go when it ends.
 */
export const REQUEST_LEASE_MS = 10 * 60_000;

/**
 * Takes the lease of one remediation's request (the scheduler store's claim: one holder per
 * slot until its time runs out). The slot names the remediation as read (its updatedAt), so a
 * recorded outcome, which changes it, needs no release; an unrecorded one (skipped, or a run
 * that died) is taken again once the lease has run out.
 */
function leaseRequest(deps: RemediationDeps, r: Remediation, owner: string): Promise<boolean> {
  return deps.store.scheduler.claim(`remediation-request@${r.id}#${r.state}#${r.updatedAt}`, 'remediation-request', owner, deps.now().toISOString(), REQUEST_LEASE_MS);
}

/** Records one outcome (conditional on the state the remediation was read in); returns what to count. */
async function record(deps: RemediationDeps, system: SystemConfig, mode: RemediationMode, r: Remediation, o: RemovalOutcome | undefined, actor: string): Promise<'requested' | 'failed' | 'skipped'> {
  if (!o || o.outcome === 'skipped') return 'skipped';
  const at = deps.now().toISOString();
  if (o.outcome === 'requested') {
    const moved = await deps.store.remediations.transition(r.id, [r.state].filter((s) => movesInto('requested').includes(s)), 'requested', { requestedAt: at, failure: null, updatedAt: at }, (m) => [
      requestedEvent(deps.audit, actor, m, { mode, ref: o.ref, owner: system.owner, ...o.detail }),
    ]);
    return moved ? 'requested' : 'skipped';
  }
  const moved = await deps.store.remediations.transition(r.id, [r.state].filter((s) => movesInto('failed').includes(s)), 'failed', { failure: o.error, updatedAt: at }, (m) => [
    failedEvent(deps.audit, actor, m, { mode, error: o.error, ...o.detail }),
  ]);
  return moved ? 'failed' : 'skipped';
}
