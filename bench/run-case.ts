/** Child process of bench/run.ts: runs one case and prints its result lines as JSON. */
import { CASES } from './cases.js';

const [name, n] = process.argv.slice(2);
const run = CASES[name ?? ''];
if (!run) throw new Error(`unknown case ${name}`);
const results = await run(n ? Number(n) : undefined);
for (const r of Array.isArray(results) ? results : [results]) console.log(JSON.stringify(r));
