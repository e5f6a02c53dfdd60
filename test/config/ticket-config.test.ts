/**
 * connectors/<system>.yaml `remediation: { mode: ticket, ticket: { webhook | jira } }`: read with
 * defaults, and every mistake reported with file, line and key path like the rest of the config.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MINIMAL_FIRM, tempConfigDir } from '../helpers/temp-config.js';

const pathSettings = z.strictObject({ path: z.string() });
const lookup = (type: string) => (type === 'csv' || type === 'csv-identities' ? pathSettings : undefined);
/** The remediation block starts at line 7 of trading.yaml. */
const trading = (remediation: string) => MINIMAL_FIRM['connectors/trading.yaml']!.replace('connector:\n', `remediation:\n${remediation}connector:\n`);
const load = (remediation: string) => loadConfig(tempConfigDir({ ...MINIMAL_FIRM, 'connectors/trading.yaml': trading(remediation) }), lookup);

function problemsOf(remediation: string) {
  try {
    load(remediation);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    // The policy of a system whose file failed is reported too: only the system file's problems here.
    return (err as ConfigError).problems.filter((p) => p.file === 'connectors/trading.yaml').map((p) => ({ file: p.file, line: p.line, keyPath: p.keyPath, message: p.message }));
  }
  throw new Error('expected a ConfigError');
}

describe('ticket config', () => {
  it('reads a webhook (batch per remediation by default) and a Jira block', () => {
    const webhook = load('  mode: ticket\n  ticket:\n    webhook: { url: "https://tickets.example.com/hook", secretEnv: TICKET_SECRET }\n');
    expect(webhook.systems.find((s) => s.id === 'trading')!.remediation!.ticket).toEqual({ webhook: { url: 'https://tickets.example.com/hook', secretEnv: 'TICKET_SECRET', batch: 'per-remediation' } });
    const jira = load(
      '  mode: ticket\n  ticket:\n    jira:\n      baseUrl: https://firm.atlassian.net\n      emailEnv: JIRA_EMAIL\n      tokenEnv: JIRA_TOKEN\n      project: SEC\n      issueType: Task\n      doneTransition: Done\n      fields:\n        priority: { name: High }\n        customfield_10050: ["{owner}"]\n',
    );
    expect(jira.systems.find((s) => s.id === 'trading')!.remediation!.ticket!.jira).toEqual({
      baseUrl: 'https://firm.atlassian.net',
      emailEnv: 'JIRA_EMAIL',
      tokenEnv: 'JIRA_TOKEN',
      project: 'SEC',
      issueType: 'Task',
      doneTransition: 'Done',
      fields: { priority: { name: 'High' }, customfield_10050: ['{owner}'] },
    });
  });

  it('mode ticket without a ticket block, and a ticket block in another mode, are errors', () => {
    expect(problemsOf('  mode: ticket\n')).toEqual([{ file: 'connectors/trading.yaml', line: 8, keyPath: 'remediation.mode', message: expect.stringMatching(/^mode ticket needs a ticket block/) }]);
    expect(problemsOf('  mode: manual\n  ticket:\n    webhook: { url: "https://x.example.com", secretEnv: S }\n')).toEqual([
      { file: 'connectors/trading.yaml', line: 10, keyPath: 'remediation.ticket', message: "ticket is only read in mode ticket (this system's mode is manual)" },
    ]);
  });

  it('names file, line and key of each mistake in a webhook block', () => {
    const problems = problemsOf('  mode: ticket\n  ticket:\n    webhook:\n      url: ftp://x.example.com\n      secretEnv: my-secret\n      batch: hourly\n      secret: inline\n');
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: 'connectors/trading.yaml', line: 11, keyPath: 'remediation.ticket.webhook.url', message: 'an http(s) URL' },
        { file: 'connectors/trading.yaml', line: 12, keyPath: 'remediation.ticket.webhook.secretEnv', message: 'an environment variable name (A-Z, 0-9, _)' },
        expect.objectContaining({ file: 'connectors/trading.yaml', line: 13, keyPath: 'remediation.ticket.webhook.batch' }),
        { file: 'connectors/trading.yaml', line: 14, keyPath: 'remediation.ticket.webhook.secret', message: 'unknown key "secret": did you mean "secretEnv"?' },
      ]),
    );
  });

  it('names file, line and key of each mistake in a Jira block: both targets, a bad project key, a reserved field, an unknown placeholder', () => {
    const problems = problemsOf(
      '  mode: ticket\n  ticket:\n    webhook: { url: "https://x.example.com", secretEnv: S }\n    jira:\n      baseUrl: https://firm.atlassian.net\n      emailEnv: JIRA_EMAIL\n      tokenEnv: JIRA_TOKEN\n      project: sec\n      issueType: Task\n      fields:\n        labels: [x]\n        summary: "Remove {account}"\n',
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: 'connectors/trading.yaml', line: 15, keyPath: 'remediation.ticket.jira.project', message: 'a Jira project key (upper case, e.g. SEC)' },
        { file: 'connectors/trading.yaml', line: 18, keyPath: 'remediation.ticket.jira.fields.labels', message: expect.stringMatching(/^"labels" is set by iam-review/) },
        { file: 'connectors/trading.yaml', line: 19, keyPath: 'remediation.ticket.jira.fields.summary', message: expect.stringMatching(/^unknown placeholder \{account\} \(known: \{id\}, \{systemId\}/) },
      ]),
    );
    // Both webhook and jira: only once the rest is valid.
    expect(problemsOf('  mode: ticket\n  ticket:\n    webhook: { url: "https://x.example.com", secretEnv: S }\n    jira: { baseUrl: "https://f.atlassian.net", emailEnv: E, tokenEnv: T, project: SEC, issueType: Task }\n')).toEqual([
      { file: 'connectors/trading.yaml', line: 11, keyPath: 'remediation.ticket.jira', message: 'give either webhook or jira, not both' },
    ]);
    expect(problemsOf('  mode: ticket\n  ticket: {}\n')).toEqual([{ file: 'connectors/trading.yaml', line: 9, keyPath: 'remediation.ticket', message: expect.stringMatching(/^give webhook: \{ url, secretEnv \} or jira/) }]);
  });
});
