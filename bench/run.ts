/**
 * `npm run bench -- [case ...]`: runs each benchmark case in its own child process (so peak
 * RSS is the case's own) and prints one JSON line per case:
 *   { case, n, ref_ms, case_ms, ratio, target, peak_rss_mb, pass, ... }
 * Ratios compare against a baseline measured in the same run: these machines are noisy.
 * Exits 1 when a case misses its target. `--n N` scales the inputs (default: the sizes).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases.js';

const args = process.argv.slice(2);
const nIndex = args.indexOf('--n');
const n = nIndex >= 0 ? Number(args[nIndex + 1]) : undefined;
const names = args.filter((a, i) => !a.startsWith('--') && (nIndex < 0 || i !== nIndex + 1));
const selected = names.length > 0 ? names : Object.keys(CASES);
const unknown = selected.filter((c) => !(c in CASES));
if (unknown.length > 0) {
  console.error(`unknown bench case(s): ${unknown.join(', ')} (known: ${Object.keys(CASES).join(', ')})`);
  process.exit(2);
}

let failed = false;
for (const name of selected) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./run-case.ts', import.meta.url)), name, ...(n ? [String(n)] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = child.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (child.status !== 0 || lines.length === 0) {
    console.log(JSON.stringify({ case: name, error: `exited ${child.status}`, pass: false }));
    failed = true;
    continue;
  }
  for (const line of lines) {
    console.log(line);
    if (JSON.parse(line).pass !== true) failed = true;
  }
}
process.exit(failed ? 1 : 0);
