/**
 * policies/global.yaml `reviewQuality`: the rubber-stamp thresholds, defaulted key by key,
 * a pattern switched off with `false`, and bad values named with file, line and key path.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { DEFAULT_REVIEW_QUALITY } from '../../src/domain/index.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const pathSettings = z.strictObject({ path: z.string() });
const lookup = (type: string) => (type === 'csv' || type === 'csv-identities' ? pathSettings : undefined);
const withGlobal = (text: string) => tempConfigDir({ ...MINIMAL_FIRM, 'policies/global.yaml': `dormantAfterDays: 90\n${text}` });

function problemsOf(dir: string) {
  try {
    loadConfig(dir, lookup);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('reviewQuality config', () => {
  it('defaults: 20 items all approved with a high finding; 10 decisions under 3 s apart; approve-all then findings approved', () => {
    expect(loadConfig(withGlobal(''), lookup).global.reviewQuality).toEqual(DEFAULT_REVIEW_QUALITY);
    expect(DEFAULT_REVIEW_QUALITY).toEqual({ approvedEverything: { minItems: 20, minApprovalShare: 1, findingSeverity: 'high' }, fastDecisions: { minItems: 10, medianGapSeconds: 3 }, approveAllWithFindings: true });
  });

  it('reads partial thresholds over the defaults, and enabled: false switches a pattern off', () => {
    const config = loadConfig(withGlobal('reviewQuality:\n  approvedEverything:\n    minItems: 50\n    findingSeverity: medium\n  fastDecisions: { enabled: false }\n  approveAllWithFindings: false\n'), lookup);
    expect(config.global.reviewQuality).toEqual({ approvedEverything: { minItems: 50, minApprovalShare: 1, findingSeverity: 'medium' }, fastDecisions: false, approveAllWithFindings: false });
  });

  it('names file, line and key of a bad value and an unknown key', () => {
    const problems = problemsOf(withGlobal('reviewQuality:\n  approvedEverything:\n    minApprovalShare: 1.5\n  fastDecisions:\n    medianGapSeconds: fast\n    medianGap: 2\n'));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 4, keyPath: 'reviewQuality.approvedEverything.minApprovalShare', message: expect.stringMatching(/between 0 and 1/) }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 6, keyPath: 'reviewQuality.fastDecisions.medianGapSeconds' }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'policies/global.yaml', line: 7, keyPath: 'reviewQuality.fastDecisions.medianGap', message: 'unknown key "medianGap": did you mean "medianGapSeconds"?' }));
  });
});
