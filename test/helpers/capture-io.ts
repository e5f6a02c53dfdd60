import type { CliIo } from '../../src/cli/cli-io.js';

/** A CliIo that records what a command printed, for in-process CLI tests. */
export function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    isTty: false,
    stdout: () => out.join('\n'),
    stderr: () => err.join('\n'),
  };
}
