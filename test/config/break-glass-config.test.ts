/**
 * `breakGlass` in the config: on a role (true, or its own `{ reviewDueHours }`) and in
 * policies/global.yaml (`breakGlass.reviewDueHours`, default 24); a bad value names file,
 * line and key; the review id `break-glass` is reserved for the built-in reviews.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { breakGlassDefinition, breakGlassDueHours, isBreakGlassGrant } from '../../src/reviews/break-glass-definition.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const pathSettings = z.strictObject({ path: z.string() });
const lookup = (type: string) => (type === 'csv' || type === 'csv-identities' ? pathSettings : undefined);

const policy = (emergency: string) => `system: trading
roles:
  TRADER:
    allowedFor:
      - department: Trading
  EMERGENCY:
    privileged: true
${emergency}
    allowedFor:
      - department: Trading
  ROOT:
    breakGlass: { reviewDueHours: 4 }
    allowedFor:
      - department: Trading
`;

function problemsOf(files: Record<string, string>) {
  try {
    loadConfig(tempConfigDir(files), lookup);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.keyPath}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('breakGlass config', () => {
  it('parses on roles and in global.yaml; the due hours are the role\'s own, else the global ones (default 24)', () => {
    const config = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': policy('    breakGlass: true') }), lookup);
    expect(config.global.breakGlass.reviewDueHours).toBe(24);
    const roles = config.policies[0]!.roles;
    expect([roles.TRADER!.breakGlass, roles.EMERGENCY!.breakGlass, roles.ROOT!.breakGlass]).toEqual([undefined, true, { reviewDueHours: 4 }]);
    const isBreakGlass = isBreakGlassGrant(config);
    expect(['TRADER', 'EMERGENCY', 'ROOT'].map((role) => isBreakGlass({ systemId: 'trading', role }))).toEqual([false, true, true]);
    expect(breakGlassDueHours(config, { systemId: 'trading', role: 'EMERGENCY' })).toBe(24);
    expect(breakGlassDueHours(config, { systemId: 'trading', role: 'ROOT' })).toBe(4);

    const eight = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'policies/trading.yaml': policy('    breakGlass: true'), 'policies/global.yaml': 'breakGlass:\n  reviewDueHours: 8\n' }), lookup);
    expect(breakGlassDueHours(eight, { systemId: 'trading', role: 'EMERGENCY' })).toBe(8);
    expect(breakGlassDefinition(eight)).toMatchObject({ id: 'break-glass', dueInDays: 1, stages: [{ number: 1, reviewers: ['systemOwner'], dueInDays: 1 }] });
  });

  it('names file, line and key of a bad value', () => {
    expect(problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': policy('    breakGlass: yes-please') })).toEqual([expect.stringMatching(/^policies\/trading\.yaml:8:17: roles\.EMERGENCY\.breakGlass: true, false or \{ reviewDueHours: N \}/)]);
    expect(problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': policy('    breakGlass: { reviewDueHour: 4 }') })).toEqual(['policies/trading.yaml:8:17: roles.EMERGENCY.breakGlass: true, false or { reviewDueHours: N } (hours the review is due in)']);
    expect(problemsOf({ ...MINIMAL_FIRM, 'policies/global.yaml': 'breakGlass:\n  reviewDueHours: 0\n' })).toEqual([expect.stringMatching(/^policies\/global\.yaml:2:19: breakGlass\.reviewDueHours: /)]);
  });

  it('reserves the review id break-glass', () => {
    const def = MINIMAL_FIRM['reviews/semiannual.yaml']!.replace('id: semiannual', 'id: break-glass');
    expect(problemsOf({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': def })).toEqual([expect.stringMatching(/^reviews\/semiannual\.yaml:1:5: id: review id "break-glass" is reserved for the built-in break-glass reviews/)]);
  });
});
