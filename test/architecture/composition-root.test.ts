/**
 * One composition root: the eslint rule that keeps adapters and services out of everything but
 * src/app.ts and src/server/start-server.ts really bites (run through ESLint's own API on the
 * repository's config); `npm run lint` holds the product's sources to it.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function messagesFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const CONSTRUCTIONS = [
  `import { AuditLog } from '../audit/audit-log.js';\nimport type { Store } from '../store/ports.js';\nexport const f = (s: Store) => new AuditLog(s.ledger);\n`,
  `import { WebClient } from '@slack/web-api';\nexport const c = new WebClient('xoxb-1');\n`,
  `import { ConnectorRegistry } from '../connectors/registry.js';\nexport const r = new ConnectorRegistry();\n`,
  `import { openSqliteStore } from '../store/sqlite/sqlite-store.js';\nexport const s = openSqliteStore({ memory: true });\n`,
  `import { createLogger } from '../logger.js';\nexport const l = createLogger('info');\n`,
];

describe('the composition root rule', () => {
  it.each(CONSTRUCTIONS.map((code, i) => [i, code]))('refuses construction #%i outside the root', async (_i, code) => {
    for (const file of ['src/cli/some-command.ts', 'src/slack/some-service.ts', 'src/reviews/some-operation.ts']) {
      expect(await messagesFor(file, code as string), file).toEqual([expect.stringMatching(/composition root/)]);
    }
  }, 60_000);

  it('allows it in src/app.ts and src/server/start-server.ts', async () => {
    for (const file of ['src/app.ts', 'src/server/start-server.ts']) {
      for (const code of CONSTRUCTIONS) expect(await messagesFor(file, code), file).toEqual([]);
    }
  }, 60_000);
});
