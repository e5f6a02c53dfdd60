/**
 * "Did you mean ...?" for unknown config keys: the edit distance, the nearest-key choice
 * (close typos, case slips and prefixes suggested; far keys not), and the keys a schema
 * knows at a path (through optional, default, transforms, arrays, records and unions).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { levenshtein, nearestKey, unknownKeyMessage } from '../../src/config/nearest-key.js';
import { rolePolicySchema, systemPolicySchema } from '../../src/config/policy-config.js';
import { knownKeysAt } from '../../src/config/schema-keys.js';
import { systemConfigSchema } from '../../src/config/system-config.js';

describe('levenshtein', () => {
  it.each([
    ['', '', 0],
    ['a', '', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['maxholder', 'maxholders', 1],
    ['alowedfor', 'allowedfor', 1],
    ['flaw', 'lawn', 2],
  ])('%s -> %s is %i', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe('nearestKey', () => {
  const ROLE_KEYS = Object.keys(rolePolicySchema.shape);

  it('suggests the known key a typo was meant to be', () => {
    expect(nearestKey('maxHolder', ROLE_KEYS)).toBe('maxHolders');
    expect(nearestKey('alowedFor', ROLE_KEYS)).toBe('allowedFor');
    expect(nearestKey('allowedfor', ROLE_KEYS)).toBe('allowedFor');
    expect(nearestKey('privilged', ROLE_KEYS)).toBe('privileged');
    expect(nearestKey('descripton', ROLE_KEYS)).toBe('description');
    expect(nearestKey('sla', ['mode', 'slaHours', 'ticket'])).toBe('slaHours');
  });

  it('suggests nothing when no key is close', () => {
    expect(nearestKey('owners', ROLE_KEYS)).toBeNull();
    expect(nearestKey('foo', ['id', 'name', 'kind'])).toBeNull();
    expect(nearestKey('xy', ['id'])).toBeNull();
    expect(nearestKey('anything', [])).toBeNull();
  });

  it('prefers a case slip to any other edit', () => {
    expect(nearestKey('JobTitle', ['jobTitles', 'jobTitle'])).toBe('jobTitle');
  });

  it('words the message', () => {
    expect(unknownKeyMessage('maxHolder', ROLE_KEYS)).toBe('unknown key "maxHolder": did you mean "maxHolders"?');
    expect(unknownKeyMessage('owners', ROLE_KEYS)).toBe('unknown key "owners"');
  });
});

describe('knownKeysAt', () => {
  it('follows records, arrays, wrappers and transforms down to the object at a path', () => {
    expect(knownKeysAt(systemPolicySchema, [])).toEqual(Object.keys(systemPolicySchema.shape));
    expect(knownKeysAt(systemPolicySchema, ['roles', 'TRADER']).sort()).toEqual(Object.keys(rolePolicySchema.shape).sort());
    // A matcher: an array item of a refined object whose values are transformed unions.
    expect(knownKeysAt(systemPolicySchema, ['roles', 'TRADER', 'allowedFor', 0]).sort()).toEqual(['anyone', 'department', 'employmentType', 'group', 'identity', 'jobTitle']);
    // An optional object with a superRefine.
    expect(knownKeysAt(systemConfigSchema, ['remediation']).sort()).toEqual(['mode', 'reminderAtShare', 'slaHours', 'ticket']);
    expect(knownKeysAt(systemConfigSchema, ['nope', 'deeper'])).toEqual([]);
  });

  it('gathers the keys of every alternative of a union', () => {
    const schema = z.strictObject({ ticket: z.union([z.strictObject({ webhook: z.string() }), z.strictObject({ jira: z.string() })]).optional() });
    expect(knownKeysAt(schema, ['ticket']).sort()).toEqual(['jira', 'webhook']);
  });
});
