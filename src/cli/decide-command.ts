import { Argument, Command, Option } from 'commander';
import { remediationId } from '../domain/index.js';
import { decideItem } from '../reviews/decide-item.js';
import { reviewerLabel, reviewerNames } from '../reviews/reviewer-names.js';
import type { CliContext } from './cli-context.js';
import { cliActor } from './review-context.js';
import { asCliError } from './review-errors.js';

/** `iam-review decide <item-id> approve|revoke --as <email> --reason "..."`: a decision received out of band. */
export function decideCommand(ctx: CliContext): Command {
  return new Command('decide')
    .description('record a decision received out of band (attributed to --as, ledgered with channel "cli")')
    .argument('<item-id>', 'review item id (`campaign items CAMPAIGN` lists them)')
    .addArgument(new Argument('<outcome>', 'approve or revoke').choices(['approve', 'revoke']))
    .requiredOption('--as <email>', 'the reviewer who decided')
    .option('--operator <email>', 'who enters it on the reviewer\'s behalf, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .option('--reason <text>', 'justification (required for revocations and approvals with findings, per the review definition)')
    .addOption(new Option('--simulated', 'mark the decision as simulated (the demo)').hideHelp())
    .action(async (itemId: string, outcome: 'approve' | 'revoke', opts: { as: string; operator?: string; reason?: string; simulated?: boolean }) => {
      const operator = ctx.operator(opts.operator);
      const app = await ctx.app();
      const actor = await cliActor(app, opts.as);
      const r = await decideItem(await app.reviews.recordedDeps(operator), { itemId, outcome, actor, channel: 'cli', justification: opts.reason ?? null, simulated: opts.simulated, operator }).catch(asCliError);
      const enteredBy = `${r.decision.simulated ? ' (simulated)' : ''}${operator !== actor.label ? `, entered by ${operator}` : ''}`;
      if (r.advancedTo) {
        // Passed on: nothing is settled yet, so no removal is due.
        const next = await reviewerNames(app.store, [r.item.reviewerId]);
        ctx.io.out(`Recorded: ${r.decision.outcome} at stage ${r.decision.stage ?? 1} of ${r.item.systemId}:${r.item.accountId}:${r.item.role} by ${actor.label}${enteredBy}.`);
        ctx.io.out(`Passed on to stage ${r.advancedTo.number} (${r.advancedTo.name}): now with ${reviewerLabel(next.get(r.item.reviewerId), r.item.reviewerId)}, due ${r.item.stageDueAt ?? ''}.`);
        return;
      }
      ctx.io.out(`Recorded: ${r.item.state} ${r.item.systemId}:${r.item.accountId}:${r.item.role} by ${actor.label}${enteredBy}.`);
      if (r.decision.outcome === 'revoke') {
        // Opens the remediation of this revocation (and of any other still without one: idempotent).
        await app.remediation.open(operator);
        const remediation = await app.remediation.get(remediationId({ kind: 'decision', ref: r.item.id }));
        if (remediation) ctx.io.out(`Remediation ${remediation.id}: ${remediation.state}, due ${remediation.dueAt} (\`remediation list\`).`);
      }
    });
}
