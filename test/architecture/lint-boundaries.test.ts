/**
 * The architecture rules of eslint.config.js bite, run through ESLint's own API on the
 * repository's config: adapters and services are built only in the composition root (src/app.ts,
 * src/server/start-server.ts), and each layer imports only what docs/architecture.md allows.
 * `npm run lint` holds the product's sources to them.
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

describe('the layer boundaries', () => {
  const restricted = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };
  it.each([
    ['src/domain/x.ts', `import type { Store } from '../store/ports.js';\nexport type S = Store;\n`],
    ['src/store/sqlite/x.ts', `import type { AuditLog } from '../../audit/audit-log.js';\nexport type A = AuditLog;\n`],
    ['src/connectors/vault/x.ts', `import type { Store } from '../../store/ports.js';\nexport type S = Store;\n`],
    ['src/policies/rules/x.ts', `import type { Store } from '../../store/ports.js';\nexport type S = Store;\n`],
    ['src/reviews/x.ts', `import type { SlackGateway } from '../slack/slack-gateway.js';\nexport type G = SlackGateway;\n`],
    ['src/reviews/x.ts', `import type { App } from '../app.js';\nexport type A = App;\n`],
    ['src/cli/x.ts', `import { openSqliteStore } from '../store/sqlite/sqlite-store.js';\nexport const o = openSqliteStore;\n`],
  ])('refuses %s importing across its boundary', async (file, code) => {
    expect(await restricted(file, code)).toEqual([expect.stringMatching(/docs\/architecture\.md/)]);
  }, 60_000);

  it('allows what the pipeline needs', async () => {
    expect(await restricted('src/reviews/x.ts', `import type { Store } from '../store/ports.js';\nexport type S = Store;\n`)).toEqual([]);
    expect(await restricted('src/slack/x.ts', `import type { ReviewDeps } from '../reviews/review-deps.js';\nexport type R = ReviewDeps;\n`)).toEqual([]);
  }, 60_000);
});
