import { Command, Option } from 'commander';
import type { Finding, Severity } from '../domain/index.js';
import { atLeast, SEVERITIES } from '../domain/index.js';
import type { CheckResult } from '../policies/run-check.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT, usageError } from './cli-error.js';

/**
 * `iam-review check [--system ID] [--format table|json] [--fail-on high|medium|low]`
 *
 * Evaluates the current state of every system (or one) against the policies, which are
 * read afresh from policies/ on every run, stores the evaluation and prints the findings.
 * With `--format json`, stdout carries exactly one JSON document (warnings and logs go to
 * stderr). Exit 0; 3 with --fail-on when a finding at or above that severity exists;
 * 2 on invalid config or arguments.
 */
export function checkCommand(ctx: CliContext): Command {
  return new Command('check')
    .description('evaluate the current state of every system against the policies and print the findings')
    .option('--system <id>', 'evaluate this system only')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit 3 when a finding at or above this severity exists').choices([...SEVERITIES]))
    .option('--as <email>', 'who runs it, for the ledger (default: IAM_REVIEW_OPERATOR, else the OS user@host)')
    .action(async (opts: { system?: string; format: 'table' | 'json'; failOn?: Severity; as?: string }) => {
      const operator = ctx.operator(opts.as);
      const app = await ctx.app();
      const config = app.loadConfig();
      await app.recordConfig(config, operator);
      if (opts.system !== undefined && !config.systems.some((s) => s.id === opts.system)) {
        throw usageError(`unknown system "${opts.system}" (known: ${config.systems.map((s) => s.id).join(', ')})`);
      }
      for (const w of config.warnings) ctx.io.err(`warning: ${w}`);
      const result = await app.check.run(config, { systemId: opts.system, actor: operator });
      for (const w of result.warnings) ctx.io.err(`warning: ${w}`);
      if (opts.format === 'json') writeChunked(ctx, checkJsonLines(result));
      else writeChunked(ctx, checkTableLines(result));
      if (opts.failOn !== undefined) {
        const failOn = opts.failOn;
        const hits = result.findings.filter((f) => atLeast(f.severity, failOn)).length;
        if (hits > 0) throw new CliError(`${hits} finding(s) at or above ${failOn} severity`, EXIT.findingsAtThreshold);
      }
    });
}

export interface CheckJsonFinding {
  type: string;
  severity: Severity;
  system: string;
  accountId: string | null;
  /** The identity's email, else its id; null for an unowned account. */
  identity: string | null;
  role: string | null;
  /** null when the grant has no scope. */
  scope: string | null;
  ruleId: string;
  reason: string;
}

export interface CheckJson {
  generatedAt: string;
  findings: CheckJsonFinding[];
  summary: Record<string, number>;
}

/** The public JSON shape of `check --format json` (scripts and CI rely on it). */
export function checkJson(result: CheckResult): CheckJson {
  return { generatedAt: result.evaluation.at, findings: result.findings.map((f) => checkJsonFinding(result, f)), summary: result.summary };
}

function checkJsonFinding(result: CheckResult, f: Finding): CheckJsonFinding {
  return {
    type: f.type,
    severity: f.severity,
    system: f.systemId,
    accountId: f.accountId,
    identity: labelOf(result, f),
    role: f.role,
    scope: f.scope === '' ? null : f.scope,
    ruleId: f.ruleId,
    reason: f.reason,
  };
}

/**
 * `JSON.stringify(checkJson(result), null, 2)` line by line, the same text, one finding at a
 * time: hundreds of thousands of findings are printed without building their objects and one
 * string of them all at once.
 */
export function* checkJsonLines(result: CheckResult): Generator<string> {
  yield '{';
  yield `  "generatedAt": ${JSON.stringify(result.evaluation.at)},`;
  const { findings } = result;
  if (findings.length === 0) {
    yield '  "findings": [],';
  } else {
    yield '  "findings": [';
    for (let i = 0; i < findings.length; i++) {
      // JSON.stringify(checkJsonFinding(..), null, 2) indented by 4, its fields written directly
      // (every value is a string or null: one line each), without the object and a re-split.
      const f = checkJsonFinding(result, findings[i]!);
      yield '    {';
      yield `      "type": ${JSON.stringify(f.type)},`;
      yield `      "severity": ${JSON.stringify(f.severity)},`;
      yield `      "system": ${JSON.stringify(f.system)},`;
      yield `      "accountId": ${JSON.stringify(f.accountId)},`;
      yield `      "identity": ${JSON.stringify(f.identity)},`;
      yield `      "role": ${JSON.stringify(f.role)},`;
      yield `      "scope": ${JSON.stringify(f.scope)},`;
      yield `      "ruleId": ${JSON.stringify(f.ruleId)},`;
      yield `      "reason": ${JSON.stringify(f.reason)}`;
      yield i < findings.length - 1 ? '    },' : '    }';
    }
    yield '  ],';
  }
  const summary = JSON.stringify(result.summary, null, 2).split('\n');
  yield `  "summary": ${summary[0]!}`;
  for (const line of summary.slice(1)) yield `  ${line}`;
  yield '}';
}

function labelOf(result: CheckResult, f: Finding): string | null {
  return f.identityId === null ? null : (result.identityLabels.get(f.identityId) ?? f.identityId);
}

/** The findings as a table, one string (the demo); `check` writes checkTableLines in chunks. */
export function checkTable(result: CheckResult): string {
  return [...checkTableLines(result)].join('\n');
}

/**
 * The table line by line, so millions of findings are written without one giant string; column
 * widths are computed with a loop (a spread of every row into Math.max overflows the stack).
 */
export function* checkTableLines(result: CheckResult): Generator<string> {
  const { findings, summary, evaluation } = result;
  if (findings.length === 0) {
    yield `No findings (${evaluation.systemIds.length} system(s) evaluated at ${evaluation.at}).`;
    return;
  }
  const cells = (f: Finding): string[] => [f.severity, f.type, f.systemId, f.accountId ?? '-', labelOf(result, f) ?? '-', f.role ? f.role + (f.scope ? `@${f.scope}` : '') : '-', f.ruleId];
  const header = ['SEVERITY', 'TYPE', 'SYSTEM', 'ACCOUNT', 'IDENTITY', 'ROLE', 'RULE'];
  const widths = header.map((h) => h.length);
  const bySeverity = new Map<Severity, number>();
  for (const f of findings) {
    const row = cells(f);
    for (let i = 0; i < row.length; i++) if (row[i]!.length > widths[i]!) widths[i] = Math.min(40, row[i]!.length);
    bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  }
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  yield line(header);
  for (const f of findings) {
    yield line(cells(f));
    yield `    ${f.reason}`;
  }
  const severities = SEVERITIES.slice().reverse().map((s) => `${bySeverity.get(s) ?? 0} ${s}`);
  const byType = Object.entries(summary).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`);
  yield '';
  yield `${findings.length} finding(s): ${severities.join(', ')}  (${byType.join(', ')})`;
  yield `Evaluated ${evaluation.systemIds.join(', ')} at ${evaluation.at}; new ${result.changes.opened}, still open ${result.changes.refreshed}, resolved ${result.changes.resolved}.`;
}

/** Writes lines a chunk at a time: one write per line is slow, one string of every line can exceed V8's limit. */
function writeChunked(ctx: CliContext, lines: Iterable<string>, chunk = 2_000): void {
  let buffer: string[] = [];
  for (const l of lines) {
    buffer.push(l);
    if (buffer.length === chunk) {
      ctx.io.out(buffer.join('\n'));
      buffer = [];
    }
  }
  if (buffer.length > 0) ctx.io.out(buffer.join('\n'));
}
