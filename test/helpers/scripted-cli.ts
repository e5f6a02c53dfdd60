import type { AppOptions } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { BUILT_IN_TYPES, ConnectorRegistry, registered } from '../../src/connectors/registry.js';
import { captureIo } from './capture-io.js';
import type { Script } from './scripted-connector.js';
import { scriptedConnectorType } from './scripted-connector.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export interface ScriptedFirm {
  configDir: string;
  dataDir: string;
  /** What each `type: scripted` system returns (read at every sync). */
  scripts: Map<string, Script>;
  /** The app's clock. */
  now: () => Date;
  /** More environment (LOG_LEVEL is silent). */
  env?: Record<string, string>;
}

/** Runs the real CLI in-process on a firm whose scripted systems are served from `scripts`, on the firm's clock. */
export async function runScriptedCli(firm: ScriptedFirm, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const io = captureIo();
  const connectors = new ConnectorRegistry([...BUILT_IN_TYPES, registered(scriptedConnectorType(firm.scripts))]);
  const code = await run(['node', 'iam-review', ...args], {
    io,
    env: { IAM_REVIEW_CONFIG_DIR: firm.configDir, IAM_REVIEW_DATA_DIR: firm.dataDir, LOG_LEVEL: 'silent', ...firm.env, ...env },
    openApp: (e, o: AppOptions) => openApp(e, { ...o, now: firm.now, connectors }),
  });
  return { code, out: io.stdout(), err: io.stderr() };
}
