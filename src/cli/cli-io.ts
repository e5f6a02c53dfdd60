/** Where commands write: injectable so tests capture output without touching process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress lines, colours). */
  isTty: boolean;
}

/**
 * A stream whose reader went away (`iam-review audit log | head -1`) takes no more writes. The
 * command still runs to its end, so work it started (a campaign being opened) is never cut
 * short by a closed pipe, and its exit code is unchanged; it just prints nothing more.
 */
const closed = new WeakSet<NodeJS.WritableStream>();

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (closed.has(stream)) return;
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

/** Stops writing to stdout/stderr quietly once their reader has gone (EPIPE); other errors still throw. */
export function quietOnClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed.add(stream);
    });
  }
}

export const processIo: CliIo = {
  out: (t) => writeTo(process.stdout, t),
  err: (t) => writeTo(process.stderr, t),
  isTty: Boolean(process.stdout.isTTY),
};
