import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/connectors/vault/vault-policy.js';
import { DEFAULT_PRIVILEGED_RULES, pathsOverlap, privilegesOf } from '../../../src/connectors/vault/vault-privileges.js';

describe('parsePolicy', () => {
  it('reads HCL path blocks, merging repeated paths and expanding legacy policy levels', async () => {
    const hcl = `path "secret/data/+/keys" {\n  policy = "read"\n}\n// again\npath "secret/data/+/keys" {\n  capabilities = ["Update"]\n}\npath "sys/mounts/*" {\n  capabilities = ["read"]\n  allowed_parameters = {\n    "type" = ["kv"]\n  }\n}\n`;
    expect(await parsePolicy('p', hcl)).toEqual([
      { path: 'secret/data/+/keys', capabilities: ['list', 'read', 'update'] },
      { path: 'sys/mounts/*', capabilities: ['read'] },
    ]);
  });

  it('reads the JSON form Vault also accepts, and an empty policy', async () => {
    expect(await parsePolicy('p', '{"path": {"transit/sign/k": {"capabilities": ["update"]}}}')).toEqual([{ path: 'transit/sign/k', capabilities: ['update'] }]);
    expect(await parsePolicy('p', '  \n')).toEqual([]);
  });

  it('throws on bad syntax and on unknown legacy levels', async () => {
    await expect(parsePolicy('p', 'path "a" {\n  capabilities = ["read"\n}\n')).rejects.toThrow(/p\.hcl:3/);
    await expect(parsePolicy('p', 'path "a" {\n  policy = "all"\n}\n')).rejects.toThrow('path "a": unknown policy level "all"');
  });
});

describe('pathsOverlap', () => {
  it.each([
    ['transit/sign/hot-wallet-eth', 'transit/sign/*', true],
    ['transit/*', 'transit/sign/*', true],
    ['transit/sig*', 'transit/sign/*', true],
    ['transit/+/hot', 'transit/sign/*', true],
    ['*', 'sys/*', true],
    ['transit/verify/*', 'transit/sign/*', false],
    ['transit/sign', 'transit/sign/*', false],
    ['secret/data/custody/keys', 'secret/data/+/keys', true],
    ['secret/data/custody/other', 'secret/data/+/keys', false],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(pathsOverlap(a, b)).toBe(expected);
    expect(pathsOverlap(b, a)).toBe(expected);
  });
});

describe('privilegesOf (default rules)', () => {
  it('words what a reviewer must know and ignores reads, deny and unrelated paths', () => {
    expect(
      privilegesOf(
        [
          { path: 'transit/sign/hot-wallet-eth', capabilities: ['update'] },
          { path: 'transit/sign/cold', capabilities: ['deny', 'update'] }, // deny wins inside a stanza
          { path: 'transit/keys/*', capabilities: ['read'] },
          { path: 'transit/*', capabilities: ['delete'] },
          { path: 'identity/group/*', capabilities: ['update'] },
          { path: 'auth/token/create', capabilities: ['update', 'sudo'] },
          { path: 'sys/health', capabilities: ['read'] },
        ],
        DEFAULT_PRIVILEGED_RULES,
      ),
    ).toEqual([
      'can change identities at identity/group/*',
      'can change or delete transit key * (through transit/*)',
      'can sign with transit key hot-wallet-eth',
      'sudo on auth/token/create',
    ]);
  });
});
