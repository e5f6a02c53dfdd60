/**
 * JSON logs (pino) to stderr, so stdout stays clean for command output (`check --format json`).
 * Every line is one JSON object whose `time` is ISO-8601 (UTC). Secret-bearing fields are
 * redacted wherever they appear.
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'clientSecret',
  '*.clientSecret',
  'privateKey',
  '*.privateKey',
  'MONGODB_URI',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
];

export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { app: 'iam-review' }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * Process warnings (deprecations, MaxListenersExceeded... from the process or a dependency) as
 * log lines instead of Node's plain-text lines on stderr: Node prints them through its own
 * 'warning' listener, which this replaces. For long-running processes whose stderr is a log
 * stream (`serve`). Returns the undo (Node's printer back).
 */
export function logProcessWarnings(log: Logger): () => void {
  const printers = process.listeners('warning');
  const onWarning = (w: Error & { code?: string }) => log.warn({ warning: { name: w.name, code: w.code, message: w.message } }, 'process warning');
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const p of printers) process.on('warning', p);
  };
}

/**
 * An uncaught exception or unhandled rejection in a long-running process (`serve`) as one fatal
 * log line, then exit 1 (what Node does, but without its plain-text stack on stderr, the log
 * stream). The destination is synchronous, so the line is written before the exit. Returns the
 * undo.
 */
export function logFatalErrors(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onError = (err: unknown, origin: string) => {
    log.fatal({ err, origin }, 'uncaught error: exiting');
    exit(1);
  };
  const onRejection = (reason: unknown) => onError(reason, 'unhandledRejection');
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onRejection);
  };
}
