/**
 * JSON logs (pino) to stderr, so stdout stays clean for command output (`check --format json`).
 * Secret-bearing fields are redacted wherever they appear.
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
  return pino({ level, base: { app: 'iam-review' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
