/**
 * Runs the command of a `baton` system (an argv array, no shell) and returns its stdout: the
 * output of `baton grants --output-format=json`, or of a script that runs a baton connector
 * and then baton. A non-zero exit, a death by signal, a timeout, an abort or stdout over the
 * limit fail the pull with a ConnectorError (never a short read): the message carries the
 * exit status and the end of stderr.
 */
import { spawn } from 'node:child_process';
import { ConnectorError } from '../connector.js';

export interface BatonCommandOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
}

/** stderr kept for the error message (its end, where the reason usually is). */
const STDERR_TAIL_BYTES = 2048;
/** After SIGTERM, a command that has not exited is killed. */
const KILL_GRACE_MS = 5000;

export function runBatonCommand(opts: BatonCommandOptions): Promise<string> {
  const [program, ...args] = opts.argv;
  const shown = opts.argv.join(' ');
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    const child = spawn(program!, args, { cwd: opts.cwd, env: opts.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let failure: Error | null = null;
    let killTimer: NodeJS.Timeout | null = null;

    const stop = (reason: Error) => {
      failure ??= reason;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => stop(new ConnectorError(`command \`${shown}\` did not finish within ${opts.timeoutMs / 1000} s and was stopped`)), opts.timeoutMs);
    const onAbort = () => stop(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    opts.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > opts.maxBytes) {
        stop(new ConnectorError(`command \`${shown}\` printed more than ${opts.maxBytes / 1_048_576} MB (maxOutputMegabytes) and was stopped`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= new ConnectorError(`cannot run \`${shown}\` (${err.code ?? err.message})`, { cause: err });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
      const tail = stderr.toString('utf8').trim();
      const said = tail === '' ? '' : `: ${tail.split('\n').slice(-5).join(' | ')}`;
      if (failure) return reject(failure);
      if (signal !== null) return reject(new ConnectorError(`command \`${shown}\` was killed by ${signal}${said}`));
      if (code !== 0) return reject(new ConnectorError(`command \`${shown}\` exited with code ${code}${said}`));
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
  });
}
