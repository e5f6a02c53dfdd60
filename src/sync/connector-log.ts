import type { ConnectorLog } from '../connectors/connector.js';
import type { Logger } from '../logger.js';

/** Adapts pino to the small log interface connectors and sync use. */
export function connectorLog(log: Logger): ConnectorLog {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
  };
}
