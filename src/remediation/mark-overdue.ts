/**
 * Marks remediations past their due time and not verified as `overdue`, once each (a claim
 * after that does not make it overdue again), a page at a time with their events.
 */
import { movesInto } from '../domain/index.js';
import { overdueEvent } from './remediation-events.js';
import type { RemediationDeps } from './remediation-deps.js';

const PAGE = 1_000;

export async function markOverdue(deps: Pick<RemediationDeps, 'store' | 'audit'>, now: Date, actor = 'iam-review'): Promise<{ overdue: number }> {
  const at = now.toISOString();
  let overdue = 0;
  for (;;) {
    const due = await deps.store.remediations.pastDue(at, PAGE);
    if (due.length === 0) break;
    const moved = await deps.store.remediations.transitionMany(
      due.map((r) => r.id),
      movesInto('overdue'),
      'overdue',
      { overdueAt: at, updatedAt: at },
      (moves) => moves.map((m) => overdueEvent(deps.audit, actor, m)),
    );
    overdue += moved;
    // Nothing moved: every one of them changed under us (a concurrent marker); the next read would repeat them.
    if (moved === 0 || due.length < PAGE) break;
  }
  return { overdue };
}
