// Types only: this module is loaded by every command (app.ts), Bolt only by `serve` (slack-app.ts).
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.js';

/** Bolt's and the WebClient's log lines, into the app's pino logger (so secrets stay redacted). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack' });
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: () => {},
    getLevel: () => (child.isLevelEnabled('debug') ? ('debug' as LogLevel) : ('info' as LogLevel)),
    setName: () => {},
  };
}
