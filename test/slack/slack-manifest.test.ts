/**
 * slack/manifest.yaml asks for exactly the bot scopes the code's Web API calls need (least
 * privilege both ways): every method called under src/ maps to a scope in the manifest, and every
 * scope in the manifest is needed by some call or feature.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** Slack's documented required bot scope per method (api.slack.com/methods). */
const METHOD_SCOPE: Record<string, string | null> = {
  'auth.test': null,
  'chat.postEphemeral': 'chat:write',
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'conversations.open': 'im:write',
  'files.uploadV2': 'files:write',
  'users.info': 'users:read',
  'users.list': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'views.open': null,
  'views.publish': null,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function calledMethods(): Set<string> {
  const out = new Set<string>();
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/client\.([a-z]+)\.([a-zA-Z]+)\(/g)) out.add(`${m[1]}.${m[2]}`);
    for (const m of text.matchAll(/client\.(?:apiCall|paginate)\('([a-zA-Z.]+)'/g)) out.add(m[1]!);
    if (text.includes('client.filesUploadV2(')) out.add('files.uploadV2');
  }
  return out;
}

describe('slack/manifest.yaml', () => {
  const manifest = parse(readFileSync('slack/manifest.yaml', 'utf8')) as { oauth_config: { scopes: { bot: string[] } }; features: { slash_commands: Array<{ command: string; usage_hint: string }> } };
  const scopes = new Set(manifest.oauth_config.scopes.bot);

  it('grants a scope for every Web API method the code calls', () => {
    const methods = calledMethods();
    expect(methods.size).toBeGreaterThan(5);
    for (const method of methods) {
      expect(Object.keys(METHOD_SCOPE), `no scope known for ${method}: add it to METHOD_SCOPE`).toContain(method);
      const scope = METHOD_SCOPE[method];
      if (scope) expect(scopes, `${method} needs ${scope}`).toContain(scope);
    }
  });

  it('asks for nothing the code does not use', () => {
    const needed = new Set([...calledMethods()].map((m) => METHOD_SCOPE[m]).filter(Boolean));
    needed.add('commands'); // the /access-review slash command
    expect([...scopes].sort()).toEqual([...needed].sort());
  });

  it('declares /access-review with every subcommand in its usage hint', () => {
    const cmd = manifest.features.slash_commands.find((c) => c.command === '/access-review');
    for (const sub of ['status', 'open', 'remind', 'export', 'help']) expect(cmd?.usage_hint).toContain(sub);
  });
});
