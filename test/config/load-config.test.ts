import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('loadConfig', () => {
  it('loads a valid firm, hashing every file', () => {
    const config = loadConfig(tempConfigDir(MINIMAL_FIRM), lookup);
    expect(config.systems.map((s) => s.id)).toEqual(['hr', 'trading']);
    expect(config.systems[1]!.connector).toEqual({ type: 'csv', settings: { path: 'sample-data/trading.csv' } });
    expect(config.policies[0]!.roles.TRADER!.allowedFor[0]!.department).toEqual(['Trading']);
    expect(config.global.reviewCadenceMonths.critical).toBe(6);
    expect(config.files.length).toBe(Object.keys(MINIMAL_FIRM).length);
    expect(config.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(config.warnings).toEqual([]);
  });

  it('names file, line and key of an unknown key in a policy', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'policies/trading.yaml': `system: trading
roles:
  TRADER:
    privileged: true
    alowedFor:
      - department: Trading
`,
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/trading.yaml', line: 5, keyPath: 'roles.TRADER.alowedFor', message: 'unknown key "alowedFor": did you mean "allowedFor"?' }));
    // The key it meant to write is then missing: said as such, not as "received undefined".
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/trading.yaml', keyPath: 'roles.TRADER.allowedFor', message: 'missing required key "allowedFor" (array)' }));
    // A key present with the wrong type keeps the schema's own message.
    const wrongType = problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': 'system: trading\nroles:\n  TRADER:\n    allowedFor: Trading\n' });
    expect(wrongType).toContainEqual(expect.objectContaining({ keyPath: 'roles.TRADER.allowedFor', message: expect.stringMatching(/^Invalid input: expected array, received string$/) }));
  });

  it('names the line of a wrong type and of a bad enum value', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace('criticality: critical', 'criticality: vital'),
      'policies/trading.yaml': `system: trading\ndormantAfterDays: soon\nroles:\n  VIEWER:\n    allowedFor:\n      - anyone: true\n`,
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 4, keyPath: 'criticality' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/trading.yaml', line: 2, keyPath: 'dormantAfterDays' }));
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': 'system: trading\nroles:\n  TRADER: [unclosed\n' });
    expect(problems[0]).toMatchObject({ file: 'policies/trading.yaml', message: expect.stringMatching(/^YAML syntax/) });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports only the first YAML syntax error of a file (the later ones follow from it), with its line', () => {
    // The parser finds five errors on lines 2 and 3: only the one on line 2 is reported.
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': 'system: trading\nroles: [TRADER,\nb: }\nc: ]\n' });
    const inFile = problems.filter((p) => p.file === 'policies/trading.yaml');
    expect(inFile).toHaveLength(1);
    expect(inFile[0]).toMatchObject({ line: 3, keyPath: '', message: expect.stringMatching(/^YAML syntax: .+ \(fix this one first: the parser could not read the rest of the file reliably\)$/) });
  });

  it('rejects duplicate keys, naming the line', () => {
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/global.yaml': 'dormantAfterDays: 90\ndormantAfterDays: 30\n' });
    expect(problems[0]).toMatchObject({ file: 'policies/global.yaml', line: 2 });
  });

  it('says why an empty allowedFor is an error', () => {
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/trading.yaml': 'system: trading\nroles:\n  TRADER:\n    allowedFor: []\n' });
    expect(problems).toContainEqual(expect.objectContaining({ line: 4, keyPath: 'roles.TRADER.allowedFor', message: expect.stringMatching(/nothing could ever be allowed/) }));
  });

  it('rejects a policy for an unknown system and duplicate ids', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'policies/wallet.yaml': 'system: wallet\nroles:\n  SIGNER:\n    allowedFor:\n      - anyone: true\n',
      'connectors/trading-copy.yaml': MINIMAL_FIRM['connectors/trading.yaml']!,
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/wallet.yaml', line: 1, keyPath: 'system', message: expect.stringMatching(/unknown system "wallet"/) }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', keyPath: 'id', message: expect.stringMatching(/duplicate system id "trading"/) }));
  });

  it('validates connector settings with the connector type schema, and unknown types', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace('  path: sample-data/trading.csv', '  path: sample-data/trading.csv\n  pth: typo'),
      'connectors/kms.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace('id: trading', 'id: kms').replace('type: csv', 'type: hsm'),
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/trading.yaml', line: 10, keyPath: 'connector.pth', message: 'unknown key "pth": did you mean "path"?' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'connectors/kms.yaml', keyPath: 'connector.type', message: 'unknown connector type "hsm"' }));
  });

  it('rejects an invalid cron expression and time zone', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'connectors/trading.yaml': MINIMAL_FIRM['connectors/trading.yaml']!.replace('"0 */6 * * *", timezone: Europe/Vaduz', '"every day", timezone: Mars/Olympus'),
    });
    expect(problems).toContainEqual(expect.objectContaining({ keyPath: 'schedule.cron', line: 6 }));
    expect(problems).toContainEqual(expect.objectContaining({ keyPath: 'schedule.timezone', line: 6 }));
  });

  it('fails an alias bomb fast instead of expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);
    // Expanded, it would be 9^10 nodes: reaching an answer at all shows it was refused unexpanded.
    const problems = problemsOf({ ...MINIMAL_FIRM, 'policies/global.yaml': bomb.join('\n') + '\n' });
    expect(problems[0]).toMatchObject({ file: 'policies/global.yaml', message: expect.stringMatching(/alias/i) });
  });

  it('refuses files over 1 MB before parsing them', () => {
    const dir = tempConfigDir(MINIMAL_FIRM);
    writeFileSync(join(dir, 'policies/global.yaml'), '# ' + 'x'.repeat(1024 * 1024) + '\n');
    expect(() => loadConfig(dir, lookup)).toThrow(/over the 1048576-byte limit/);
  });

  it('reports every problem of every file at once', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'policies/global.yaml': 'dormantAfterDays: -1\n',
      'reviews/roles.yaml': 'securityTeam: []\nfallbackReviewer: not-an-email\n',
    });
    expect(problems.map((p) => p.file)).toEqual(expect.arrayContaining(['policies/global.yaml', 'reviews/roles.yaml']));
    expect(problems.filter((p) => p.file === 'reviews/roles.yaml').length).toBe(2);
  });

  it('warns when a critical system is reviewed less often than every 6 months', () => {
    const config = loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': MINIMAL_FIRM['reviews/semiannual.yaml']!.replace('period: half-year', 'period: year') }), lookup);
    expect(config.warnings).toEqual([expect.stringMatching(/trading \(critical\) is reviewed every 12 months at best: it must be reviewed at least every 6 months/)]);
  });

  it('does not count a privileged-only review as covering all access', () => {
    const config = loadConfig(
      tempConfigDir({ ...MINIMAL_FIRM, 'reviews/semiannual.yaml': MINIMAL_FIRM['reviews/semiannual.yaml']!.replace('  criticality: [critical, important, standard]', '  criticality: [critical]\n  privilegedOnly: true') }),
      lookup,
    );
    expect(config.warnings).toEqual([expect.stringMatching(/trading \(critical\) is covered by no review/)]);
  });

  it('rejects unknown systems in SoD rules and review scopes', () => {
    const problems = problemsOf({
      ...MINIMAL_FIRM,
      'policies/separation-of-duties.yaml': 'rules:\n  - id: SOD-1\n    description: x\n    severity: high\n    roles: [trading:TRADER, wallet:APPROVER]\n',
      'reviews/semiannual.yaml': MINIMAL_FIRM['reviews/semiannual.yaml']!.replace('  criticality: [critical, important, standard]', '  systems: [trading, walet]'),
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/separation-of-duties.yaml', line: 5, keyPath: 'rules[0].roles[1]' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'reviews/semiannual.yaml', keyPath: 'scope.systems[1]', message: 'unknown system "walet"' }));
  });
});
