/**
 * deploy/systemd/iam-review.service, read as the key=value file it is: the hardening a copied
 * and edited unit must keep, and where config and data go.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';

/** Section -> key -> every value (systemd keys may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections[header[1]!] = {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit line: ${line}`);
    (current[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

const unit = parseUnit(readFileSync('deploy/systemd/iam-review.service', 'utf8'));
const service = unit.Service!;
const one = (key: string) => service[key]?.at(-1);
const environment = Object.fromEntries((service.Environment ?? []).map((e) => e.split('=') as [string, string]));

describe('deploy/systemd/iam-review.service', () => {
  it('runs serve through the package bin', () => {
    expect(one('ExecStart')).toMatch(/^\/\S+\/node \/\S+\/bin\/iam-review\.js serve$/);
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
  });

  it('runs without privileges: a service user (never root), no new privileges, no capabilities', () => {
    expect(one('User')).toBe('iam-review');
    expect(one('Group')).toBe('iam-review');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('AmbientCapabilities')).toBe('');
  });

  it('sees the file system read-only except its state directory', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('PrivateDevices')).toBe('yes');
    expect(one('StateDirectory')).toBe('iam-review');
    expect(service.ReadWritePaths).toBeUndefined();
  });

  it('keeps the SQLite store in the state directory and reads config read-only', () => {
    expect(environment.IAM_REVIEW_DATA_DIR).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(one('WorkingDirectory')).toBe(environment.IAM_REVIEW_DATA_DIR);
    expect(service.ReadOnlyPaths).toContain(environment.IAM_REVIEW_CONFIG_DIR);
    expect(one('EnvironmentFile')).toBe(`-${environment.IAM_REVIEW_CONFIG_DIR}/iam-review.env`);
    for (const name of Object.keys(environment)) expect(Object.keys(envSchema.shape), name).toContain(name);
  });

  it('restricts kernel interfaces, and never denies V8 its JIT memory', () => {
    for (const key of ['ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'RestrictNamespaces', 'RestrictSUIDSGID', 'LockPersonality']) {
      expect(one(key), key).toBe('yes');
    }
    expect(one('RestrictAddressFamilies')).toBe('AF_UNIX AF_INET AF_INET6');
    expect(service.SystemCallFilter).toContain('@system-service');
    expect(one('SystemCallErrorNumber')).toBe('EPERM');
    // MemoryDenyWriteExecute=yes forbids what V8's JIT does: make memory it wrote executable.
    expect(one('MemoryDenyWriteExecute')).toBeUndefined();
  });

  it('stops with SIGTERM and time for serve to finish in-flight work', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThanOrEqual(30);
  });
});
