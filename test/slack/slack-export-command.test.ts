/**
 * `/access-review export <campaign>` through the real Bolt receiver: auditors and the security
 * team get decisions.csv and report.html uploaded (files.uploadV2 against the fake) to their DM,
 * with hashes that match the bytes and a ledgered export; anyone else is refused and ledgered.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import { slashCommandBody } from '../fakes/slack-requests.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';
import type { Person } from './slack-harness.js';

describe('/access-review export', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    await h.startSlack();
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  const command = (who: Person, text: string) => h.post(slashCommandBody({ user: { id: PEOPLE[who] }, command: '/access-review', text }));
  const filesFor = (who: Person) => {
    const ids = h.fake.messagesIn(PEOPLE[who]).flatMap((m) => m.fileIds ?? []);
    return ids.map((id) => h.fake.files.get(id)!);
  };

  it('uploads decisions.csv and report.html to an auditor’s DM, hashes in the comment, export ledgered', async () => {
    const item = await h.item('alice-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.approve, item.id), { itemId: item.id });
    await h.settled();
    expect((await h.app.store.campaigns.items(CAMPAIGN)).filter((i) => i.state === 'approved')).toHaveLength(1);

    const answer = await command('audit', `export ${CAMPAIGN}`);
    expect(answer.text).toMatch(/Preparing the evidence pack for \*Half-yearly review 2026-H2\*/);
    await h.settled();
    const files = filesFor('audit');
    expect(files).toHaveLength(2);
    expect(files.map((f) => f.filename).sort()).toEqual(['semiannual_2026-H2-decisions.csv', 'semiannual_2026-H2-report.html']);
    expect(files.every((f) => f.completed && f.channels.length === 1 && f.channels[0]!.startsWith('D'))).toBe(true);

    const csv = files.find((f) => f.filename.endsWith('decisions.csv'))!;
    const rows = parse(csv.bytes!, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.state === 'approved')).toHaveLength(1);
    const html = files.find((f) => f.filename.endsWith('report.html'))!.bytes!.toString('utf8');
    expect(html).toMatch(/<svg/);

    const comment = csv.initialComment!;
    expect(comment).toMatch(/5 items, 1 approved, 0 revoked, 0 expired, 4 pending/);
    for (const f of files) expect(comment).toContain(createHash('sha256').update(f.bytes!).digest('hex'));

    const exports = await h.ledger('export.performed');
    expect(exports).toHaveLength(1);
    expect(exports[0]!.actor).toBe('audit@example.com');
    expect(exports[0]!.subject).toBe(CAMPAIGN);
    expect(exports[0]!.data).toMatchObject({ via: 'slack', formats: ['csv', 'html'] });
    expect(comment).toContain(`seq ${exports[0]!.seq}`);
  });

  it('the security team may export too', async () => {
    await command('sec', `export ${CAMPAIGN}`);
    await h.settled();
    expect(filesFor('sec')).toHaveLength(2);
    expect((await h.ledger('export.performed'))[0]!.actor).toBe('sec@example.com');
  });

  it('a reviewer is refused, the attempt is ledgered, and nothing is uploaded', async () => {
    const answer = await command('boss', `export ${CAMPAIGN}`);
    expect(answer.text).toMatch(/only auditors and the security team may export evidence/);
    const refusals = await h.ledger('access.refused');
    expect(refusals.at(-1)).toMatchObject({ actor: 'boss@example.com', data: { action: 'command:export', code: 'role_required', target: CAMPAIGN, channel: 'slack', slackId: PEOPLE.boss } });
    expect(await h.ledger('export.performed')).toHaveLength(0);
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('an unknown campaign or a missing argument answers with the reason', async () => {
    expect((await command('audit', 'export nope:2026')).text).toMatch(/no campaign "nope:2026"/);
    expect((await command('audit', 'export')).text).toMatch(/usage: `\/access-review export <campaign>`/);
    expect(await h.ledger('export.performed')).toHaveLength(0);
  });

  it('a failed upload is reported to the requester by DM', async () => {
    h.fake.failNext('files.completeUploadExternal', 1, { type: 'error', error: 'not_in_channel' });
    await command('audit', `export ${CAMPAIGN}`);
    await h.settled();
    expect(h.answersTo('audit')).toContainEqual(expect.stringMatching(/It failed; the error was logged/));
    expect(filesFor('audit').filter((f) => f.completed)).toHaveLength(0);
  });
});
