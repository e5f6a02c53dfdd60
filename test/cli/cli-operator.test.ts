import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-error.js';
import { osUserAtHost, resolveOperator } from '../../src/cli/cli-operator.js';

const os = () => 'alice@bastion-1';

describe('resolveOperator', () => {
  it('takes the flag, else IAM_REVIEW_OPERATOR, else the OS user@host', () => {
    expect(resolveOperator('sec@firm.example', 'env@firm.example', os)).toBe('sec@firm.example');
    expect(resolveOperator(undefined, 'env@firm.example', os)).toBe('env@firm.example');
    expect(resolveOperator(undefined, undefined, os)).toBe('alice@bastion-1');
  });

  it('lower-cases an email and trims; keeps any other name as written', () => {
    expect(resolveOperator('  Sec.Lead@Firm.Example ', undefined, os)).toBe('sec.lead@firm.example');
    expect(resolveOperator('Night Shift Ops', undefined, os)).toBe('Night Shift Ops');
  });

  it('refuses a blank, a control character or an overlong name with a usage error (exit 2)', () => {
    for (const [flag, message] of [['   ', /is empty/], ['ops\n12 fake line', /control characters/], ['x'.repeat(201), /longer than 200/]] as const) {
      let caught: unknown;
      try {
        resolveOperator(flag, undefined, os);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ exitCode: EXIT.invalidInput, message: expect.stringMatching(message) });
    }
    expect(() => resolveOperator(undefined, 'a\tb', os)).toThrow(/IAM_REVIEW_OPERATOR contains control characters/);
  });

  it('the OS default is user@host', () => {
    expect(osUserAtHost()).toMatch(/^[^@\s]+@[^@\s]+$/);
  });
});
