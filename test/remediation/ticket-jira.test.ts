/**
 * Ticket mode in Jira Cloud, over real HTTP to a hand-written fake of the REST API v3
 * (test/fakes/fake-jira.ts); the app, its store (real SQLite) and the CLI are real, sleeps are
 * recorded instead of waited. One ticket per remediation, found again by its label after a
 * crash or a lost answer, never two; Jira's refusals become failures that name the field or
 * the permission; 429 waits Retry-After; a verified removal comments on and closes its ticket.
 */
import { REQUEST_LEASE_MS } from '../../src/remediation/request-removals.js';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import type { AppOptions } from '../../src/app.js';
import { run } from '../../src/cli.js';
import { EXIT } from '../../src/cli/cli-error.js';
import { ticketLabel } from '../../src/remediation/tickets/ticket-payload.js';
import { FakeJira } from '../fakes/fake-jira.js';
import type { FakeJiraOptions } from '../fakes/fake-jira.js';
import { captureIo } from '../helpers/capture-io.js';
import type { TicketFirm } from './ticket-fixture.js';
import { REVOKED, ticketFirm, writeTrading } from './ticket-fixture.js';

const jiraBlock = (url: string, extra = '') => `  mode: ticket\n  ticket:\n    jira:\n      baseUrl: ${url}\n      emailEnv: JIRA_EMAIL\n      tokenEnv: JIRA_TOKEN\n      project: SEC\n      issueType: Task\n${extra}`;

describe('ticket mode: Jira Cloud', () => {
  let firm: TicketFirm;
  let jira: FakeJira;

  async function setUp(opts: FakeJiraOptions = {}, extra = '', env: Record<string, string> = {}) {
    jira = await new FakeJira(opts).start();
    firm = await ticketFirm(jiraBlock(jira.url, extra), env);
  }
  const creates = () => jira.requests.filter((r) => r.route === 'create');

  afterEach(async () => {
    await firm?.close();
    await jira?.stop();
  });

  it('`remediate --apply` opens one ticket per remediation (ADF description, its label) and records requested with the key', async () => {
    await setUp();
    await firm.close(); // the CLI opens the app itself
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await run(['node', 'iam-review', ...args], { io, env: firm.env, openApp: (e, o: AppOptions) => openApp(e, { ...o, now: () => firm.clock.now }) });
      return { code, out: io.stdout(), err: io.stderr() };
    };
    const dry = await cli('remediate');
    expect(dry.code).toBe(EXIT.ok);
    expect(jira.requests).toEqual([]);

    const applied = await cli('remediate', '--apply', '--json');
    expect(applied.code).toBe(EXIT.ok);
    expect(JSON.parse(applied.out).find((r: { systemId: string }) => r.systemId === 'trading')).toMatchObject({ mode: 'ticket', requested: 3, failed: 0 });
    expect(jira.issues.map((i) => i.key)).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
    // Every create was preceded by a search for its label (the idempotency check).
    expect(jira.requests.map((r) => r.route)).toEqual(['search', 'create', 'search', 'create', 'search', 'create']);

    await firm.reopen();
    const rems = await firm.app.remediation.list({ systemId: 'trading' });
    for (const r of rems) {
      const [issue] = jira.issuesWithLabel(ticketLabel(r.id));
      expect(issue, r.accountId).toBeDefined();
      expect(issue!.fields).toMatchObject({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, labels: ['iam-review', ticketLabel(r.id)] });
      expect(issue!.fields.summary).toBe(`Remove ${r.role}${r.scope ? ` (${r.scope})` : ''} of ${r.accountId} in Trading platform`);
      expect(issue!.fields.description).toMatchObject({ type: 'doc', version: 1 });
      expect(JSON.stringify(issue!.fields.description)).toContain(r.id);
      expect(r.state).toBe('requested');
    }
    const requested = await firm.events('remediation.requested');
    expect(requested.map((e) => e.ref).sort()).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
    expect(requested[0]!.data).toMatchObject({ mode: 'ticket', ticket: { system: 'jira', url: `${jira.url}/browse/${requested[0]!.ref}`, found: false } });

    // A second run has nothing due: no call at all.
    await firm.app.close();
    const again = await cli('remediate', '--apply', '--json');
    expect(JSON.parse(again.out).find((r: { systemId: string }) => r.systemId === 'trading')).toMatchObject({ requested: 0, due: [] });
    expect(jira.requests).toHaveLength(6);
    await firm.reopen();
  });

  it('a crash between the ticket call and the ledger: the next run finds the tickets by label, no second ticket', async () => {
    await setUp();
    const restore = firm.failLedgerOnce('remediation.requested');
    await expect(firm.request()).rejects.toThrow(/injected: crash before the ledger/);
    restore();
    // The crashed run held each removal's request lease: the next run comes once it has run out.
    firm.clock.now = new Date(firm.clock.now.getTime() + REQUEST_LEASE_MS + 1);
    expect(jira.issues).toHaveLength(3);
    expect(await firm.states()).toEqual({ 'acc-a': ['open', null], 'acc-b': ['open', null], 'acc-c': ['open', null] });

    expect(await firm.request()).toMatchObject({ requested: 3, failed: 0 });
    expect(jira.issues).toHaveLength(3);
    expect(creates()).toHaveLength(3);
    const requested = await firm.events('remediation.requested');
    expect(requested.map((e) => e.ref).sort()).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
    expect(requested.map((e) => (e.data.ticket as { found: boolean }).found)).toEqual([true, true, true]);
  });

  it('a create whose answer is lost (connection dropped after Jira made it): the retry searches first and finds it', async () => {
    await setUp();
    jira.dropNextCreateAnswer();
    expect(await firm.request()).toMatchObject({ requested: 3, failed: 0 });
    expect(jira.issues).toHaveLength(3);
    expect(creates()).toHaveLength(3);
    expect(firm.sleeps).toEqual([1000]);
  });

  it('a 400 naming a field: failed, the field and Jira\'s message in the reason and the event', async () => {
    await setUp({ requiredFields: { customfield_10050: 'Team is required.' } });
    expect(await firm.request()).toMatchObject({ requested: 0, failed: 3 });
    expect((await firm.states())['acc-a']).toEqual(['failed', 'Jira refused creating the ticket (400): field customfield_10050: Team is required.']);
    const [failed] = await firm.events('remediation.failed');
    expect(failed!.data.ticket).toMatchObject({ system: 'jira', fields: { customfield_10050: 'Team is required.' } });
    expect(firm.sleeps).toEqual([]);
    expect(jira.issues).toEqual([]);
  });

  it('the field mapping fills the required field from the remediation ({placeholders})', async () => {
    await setUp({ requiredFields: { customfield_10050: 'Team is required.' }, screenFields: ['customfield_10050'] }, '      fields:\n        customfield_10050: { value: "{owner}" }\n        summary: "Revoke {role} for {accountId} by {dueAt}"\n');
    expect(await firm.request()).toMatchObject({ requested: 3 });
    const a = jira.issues.find((i) => String(i.fields.summary).includes('acc-a'))!;
    expect(a.fields).toMatchObject({ customfield_10050: { value: 'head-of-trading@example.com' }, summary: 'Revoke TRADER for acc-a by 2026-09-02T08:00:00.000Z' });
  });

  it('v3 wants ADF: the fake refuses a plain-string description as Jira does, and the requester sends ADF', async () => {
    await setUp();
    const auth = `Basic ${Buffer.from('bot@example.com:api-token-1').toString('base64')}`;
    const res = await fetch(`${jira.url}/rest/api/3/issue`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 's', description: 'plain text' } }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errorMessages: [], errors: { description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' } });
    expect(await firm.request()).toMatchObject({ requested: 3 });
  });

  it('401 (a wrong token): failed naming the credentials, one call for the whole batch', async () => {
    await setUp({}, '', { JIRA_TOKEN: 'revoked-token' });
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toBe('Jira did not accept the credentials (401) for the search for an existing ticket: check the account in JIRA_EMAIL and its API token in JIRA_TOKEN');
    expect(jira.requests).toHaveLength(1);
  });

  it('403 on create: failed naming the missing permission; the rest of the batch is not sent', async () => {
    await setUp();
    jira.denyPermission('create', "You do not have permission to create issues in this project.");
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toBe('Jira denied creating the ticket (403): the account needs the "Create issues" permission in the project (You do not have permission to create issues in this project.)');
    expect(creates()).toHaveLength(1);
  });

  it('429 with Retry-After on the search and on the create: waits exactly that long, one ticket each', async () => {
    await setUp();
    jira.failNext(1, 429, { route: 'search', retryAfter: '5' });
    jira.failNext(1, 429, { route: 'create', retryAfter: '12' });
    expect(await firm.request()).toMatchObject({ requested: 3, failed: 0 });
    expect(firm.sleeps).toEqual([5000, 12000]);
    expect(jira.issues).toHaveLength(3);
  });

  it('Jira 500 on every create: failed after the retry budget with the reason (searching before each retry), retried on the next run', async () => {
    await setUp();
    jira.failNext(15, 500, { route: 'create' });
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toBe('Jira answered 500 for creating the ticket: Internal server error (gave up after 5 attempts)');
    expect(jira.requests.slice(0, 4).map((r) => r.route)).toEqual(['search', 'create', 'search', 'create']);
    expect(await firm.request()).toMatchObject({ requested: 3 });
    expect(jira.issues).toHaveLength(3);
  });

  it('Jira down: failed as unreachable', async () => {
    await setUp();
    await jira.stop();
    expect(await firm.request()).toMatchObject({ failed: 3 });
    expect((await firm.states())['acc-a']![1]).toMatch(/^Jira unreachable during the search for an existing ticket: fetch failed \(ECONNREFUSED\) \(gave up after 5 attempts\)$/);
  });

  it('verified by a sync: the ticket gets an ADF comment and the done transition in one request (through the app)', async () => {
    await setUp({}, '      doneTransition: Done\n');
    await firm.app.remediation.requestRemovals({ actor: 'test' });
    expect(jira.issues.map((i) => i.status)).toEqual(['To Do', 'To Do', 'To Do']);
    firm.clock.now = new Date('2026-09-01T12:00:00.000Z');
    writeTrading(firm.configDir, REVOKED.slice(1)); // acc-a's grant is gone
    const [sync] = await firm.app.sync.runConfigured('trading', { actor: 'test' });
    expect(sync).toBeDefined();
    const a = (await firm.app.remediation.list({ systemId: 'trading' })).find((r) => r.accountId === 'acc-a')!;
    expect(a.state).toBe('verified');
    const [issue] = jira.issuesWithLabel(ticketLabel(a.id));
    expect(issue!.status).toBe('Done');
    expect(issue!.comments).toHaveLength(1);
    expect(JSON.stringify(issue!.comments[0])).toContain(a.verifiedSnapshotId!);
    expect(jira.issues.filter((i) => i.status === 'Done')).toHaveLength(1);
  });

  it('verified without doneTransition: a comment only; an unavailable transition is reported, not thrown', async () => {
    await setUp();
    await firm.app.remediation.requestRemovals({ actor: 'test' });
    writeTrading(firm.configDir, REVOKED.slice(1));
    await firm.app.sync.runConfigured('trading', { actor: 'test' });
    const a = (await firm.app.remediation.list({ systemId: 'trading' })).find((r) => r.accountId === 'acc-a')!;
    const [issue] = jira.issuesWithLabel(ticketLabel(a.id));
    expect([issue!.status, issue!.comments.length]).toEqual(['To Do', 1]);

    const system = { ...firm.app.loadConfig().systems.find((s) => s.id === 'trading')! };
    system.remediation = { ...system.remediation!, ticket: { jira: { ...system.remediation!.ticket!.jira!, doneTransition: 'Archive' } } };
    const followUps = await firm.requester().onVerified(system, [a], { now: () => firm.clock.now });
    expect(followUps).toEqual([{ id: a.id, ref: issue!.key, error: 'Jira offers no transition "Archive" from the ticket\'s status (available: In Progress, Done); is it already done?' }]);
  });
});
