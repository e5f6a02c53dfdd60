/**
 * The remediation keys of the config: connectors/<system>.yaml `remediation: { mode, slaHours }`
 * and policies/global.yaml `remediation: { slaHours: { critical, important, standard } }`,
 * validated like every other key (file, line and key path in each problem).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const pathSettings = z.strictObject({ path: z.string() });
const lookup = (type: string) => (type === 'csv' || type === 'csv-identities' ? pathSettings : undefined);

function problemsOf(files: Record<string, string>) {
  try {
    loadConfig(tempConfigDir(files), lookup);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const trading = (extra: string) => MINIMAL_FIRM['connectors/trading.yaml']!.replace('connector:\n', `${extra}connector:\n`);

describe('remediation config', () => {
  it('defaults: manual mode and no own deadline per system; 24 / 72 / 168 hours by criticality; owners reminded at 75% of the deadline', () => {
    const config = loadConfig(tempConfigDir(MINIMAL_FIRM), lookup);
    expect(config.systems.find((s) => s.id === 'trading')!.remediation).toBeUndefined();
    expect(config.global.remediation).toEqual({ findings: [], slaHours: { critical: 24, important: 72, standard: 168 }, reminderAtShare: 0.75 });
  });

  it('reads when owners are reminded, per system and globally (false: never); a share outside (0, 1) is refused', () => {
    const config = loadConfig(
      tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading('remediation: { reminderAtShare: 0.5 }\n'), 'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  reminderAtShare: false\n' }),
      lookup,
    );
    expect(config.systems.find((s) => s.id === 'trading')!.remediation).toEqual({ mode: 'manual', reminderAtShare: 0.5 });
    expect(config.global.remediation.reminderAtShare).toBe(false);
    const problems = problemsOf({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading('remediation: { reminderAtShare: 1 }\n'), 'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  reminderAtShare: true\n' });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 7, keyPath: 'remediation.reminderAtShare' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 3, keyPath: 'remediation.reminderAtShare', message: expect.stringMatching(/between 0 and 1.*or false/) }));
  });

  it('reads a system mode and deadline, and partial global deadlines over the defaults', () => {
    const config = loadConfig(
      tempConfigDir({
        ...MINIMAL_FIRM,
        'connectors/trading.yaml': trading('remediation: { slaHours: 4 }\n'),
        'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  slaHours:\n    critical: 8\n',
      }),
      lookup,
    );
    expect(config.systems.find((s) => s.id === 'trading')!.remediation).toEqual({ mode: 'manual', slaHours: 4 });
    expect(config.global.remediation.slaHours).toEqual({ critical: 8, important: 72, standard: 168 });
    expect(config.warnings).toEqual([]);
  });

  it('names file, line and key of a bad mode, a bad deadline and an unknown key', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'connectors/trading.yaml': trading('remediation:\n  mode: email\n  slaHours: -1\n  sla: 3\n'),
      'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  slaHours:\n    important: soon\n    urgent: 2\n',
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 8, keyPath: 'remediation.mode' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 9, keyPath: 'remediation.slaHours' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 10, keyPath: 'remediation.sla', message: 'unknown key "sla": did you mean "slaHours"?' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 4, keyPath: 'remediation.slaHours.important' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 5, keyPath: 'remediation.slaHours.urgent', message: 'unknown key "urgent"' }));
  });

  it('every mode is dispatched now: neither auto nor ticket mode warns', () => {
    const config = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading('remediation: { mode: auto }\n') }), lookup);
    expect(config.warnings).toEqual([]);
    const ticket = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading('remediation:\n  mode: ticket\n  ticket: { webhook: { url: "https://tickets.example.com/hook", secretEnv: TICKET_SECRET } }\n') }), lookup);
    expect(ticket.warnings).toEqual([]);
  });

  it('remediation.findings: the leaver types are read; another finding type is refused with file, line and key', () => {
    const config = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  findings: [leaver-access, contract-ended]\n' }), lookup);
    expect(config.global.remediation.findings).toEqual(['leaver-access', 'contract-ended']);
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/global.yaml': 'dormantAfterDays: 90\nremediation:\n  findings:\n    - leaver-access\n    - dormant\n' });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 5, keyPath: 'remediation.findings[1]', message: expect.stringContaining('leaver-access') }));
  });
});
