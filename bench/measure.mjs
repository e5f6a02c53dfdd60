/**
 * Preloaded into a measured process (`node --import ./bench/measure.mjs ...`): on exit it
 * writes the process's own CPU time (user + system, every thread: getrusage RUSAGE_SELF) and
 * peak RSS as JSON to the file named by BENCH_MEASURE_FILE. Child processes are not counted.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEASURE_FILE;
if (file) {
  process.on('exit', (code) => {
    const cpu = process.cpuUsage();
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ user_ms: cpu.user / 1000, sys_ms: cpu.system / 1000, max_rss_kb: usage.maxRSS, exit: code }));
  });
}
