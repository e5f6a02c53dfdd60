import type { CliIo } from './cli-io.js';

/**
 * A single self-overwriting progress line on stderr when it is a terminal; silent
 * otherwise (CI logs and pipes get the final summary only). Updates at most ~5 times a second.
 */
export function progressLine(io: CliIo, isTty = io.isTty && Boolean(process.stderr.isTTY)) {
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      if (!isTty) return;
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
