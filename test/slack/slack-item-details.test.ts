/**
 * Reviewer context through the real Bolt receiver, signed requests and the fake Slack Web API:
 * the DM of an item with a leaver finding recommends revoking it (with the person's job title
 * and department, the system's name and criticality, the role's policy description); its
 * Details button opens (views.open with the click's trigger_id) a modal with the full finding
 * text and evidence, for the assigned reviewer and the security team only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/index.js';
import { findingKey } from '../../src/domain/index.js';
import { DETAILS_VIEW, REVIEW_ACTION_IDS } from '../../src/slack/blocks/index.js';
import { validateBlocks } from '../fakes/fake-slack-blocks.js';
import { grant } from '../helpers/seed-state.js';
import { CAMPAIGN, PEOPLE, SlackHarness } from './slack-harness.js';

/** Longer than the ~120 characters the message line shows. */
const LONG_REASON = 'alice@example.com is terminated in the identity source (left 2026-11-02) but account alice-acc is still active with TRADER on trading; ' + 'the desk confirmed the handover of her positions on 2026-11-03 & closed <her> limits. '.repeat(4) + 'END-OF-REASON';

describe('review item context and the Details modal', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await SlackHarness.create();
    // The role's description, from the policy (read live from the config folder).
    writeFileSync(join(h.ctx.env().configDir, 'policies/trading.yaml'), `system: trading
roles:
  TRADER:
    description: Places orders on the spot and derivatives desks within the desk's limits.
    allowedFor:
      - department: Trading
  VIEWER:
    allowedFor:
      - anyone: true
`);
    const store = h.app.store;
    const aliceGrant = grant('trading', 'alice-acc', 'TRADER', 'alice').id;
    const open = (await store.findings.open({ systemId: 'trading' })).map((f): Finding => ({ key: f.key, type: f.type, severity: f.severity, systemId: f.systemId, grantId: f.grantId, accountId: f.accountId, identityId: f.identityId, role: f.role, scope: f.scope, ruleId: f.ruleId, reason: f.reason, evidence: f.evidence }));
    const leaver: Finding = {
      key: findingKey('leaver-access', 'global:leaver-access', aliceGrant), type: 'leaver-access', severity: 'high', systemId: 'trading', grantId: aliceGrant, accountId: 'alice-acc', identityId: 'alice', role: 'TRADER', scope: '', ruleId: 'global:leaver-access',
      reason: LONG_REASON, evidence: { identityStatus: 'terminated', contractEnd: '2026-11-02', leaverGraceDays: 0, note: 'EVIDENCE-TAIL' },
    };
    await store.findings.saveEvaluation({ id: 'eval-2', at: '2026-11-21T00:00:00.000Z', systemIds: ['trading'], policyHash: 'x', counts: { 'not-allowed': 1, 'leaver-access': 1 } }, [...open, leaver], () => []);
    await h.startSlack();
    await h.openAndDeliver();
  });
  afterEach(() => h.close());

  const itemSection = (itemId: string): string => {
    for (const m of h.fake.messagesIn(PEOPLE.boss)) {
      for (const b of m.blocks as Array<{ block_id?: string; text?: { text: string } }>) if (b.block_id === `item:${itemId}`) return b.text!.text;
    }
    throw new Error(`no section for ${itemId} in boss's DM`);
  };

  it('the DM of an item with a leaver finding recommends revoking it, with the person, system and role in words', async () => {
    const alice = await h.item('alice-acc');
    const text = itemSection(alice.id);
    expect(text).toContain('*Recommended:* revoke: leaver since 2026-11-02');
    expect(text).toMatch(/^\*Alice\* · Analyst, Trading · alice@example\.com$/m);
    expect(text).toMatch(/^\*Trading platform\* \(critical\) · role `TRADER`$/m);
    expect(text).toContain("Role: Places orders on the spot and derivatives desks within the desk's limits.");
    // The message shows the reason cut; the full text is behind Details.
    expect(text).not.toContain('END-OF-REASON');
    // An item without findings: keep, with its last activity in words.
    const bob = await h.item('bob-acc');
    expect(itemSection(bob.id)).toContain('*Recommended:* keep: no findings, used 23 days ago');
  });

  it('Details opens a modal with the full finding text and evidence, through views.open with the trigger_id', async () => {
    const alice = await h.item('alice-acc');
    await h.click('boss', h.button(REVIEW_ACTION_IDS.details, alice.id), { itemId: alice.id });
    await h.settled();
    const opened = h.fake.callsTo('views.open');
    expect(opened).toHaveLength(1);
    expect(String(opened[0]!.args.trigger_id)).toMatch(new RegExp(`^\\d+\\.${PEOPLE.boss}\\.`));
    const modals = h.fake.modalsOf(PEOPLE.boss);
    expect(modals).toHaveLength(1);
    const view = modals[0]!.view as { callback_id: string; submit?: unknown; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(view.callback_id).toBe(DETAILS_VIEW.callbackId);
    expect(view.submit).toBeUndefined();
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    const text = view.blocks.map((b) => b.text?.text ?? '').join('\n');
    expect(text).toContain(LONG_REASON.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(text).toContain('"contractEnd": "2026-11-02"');
    expect(text).toContain('EVIDENCE-TAIL');
    expect(text).toContain('*Recommended:* revoke: leaver since 2026-11-02');
    expect(text).toContain('Analyst · Trading · alice@example.com');
    // Opening details decides nothing and answers nothing.
    expect(await h.app.store.campaigns.decision(alice.id)).toBeNull();
    expect(h.answersTo('boss')).toEqual([]);
  });

  it('refuses Details to someone who is not the reviewer (ledgered), and shows it to the security team', async () => {
    const alice = await h.item('alice-acc');
    await h.click('bob', h.button(REVIEW_ACTION_IDS.details, alice.id), { fromHome: true });
    await h.settled();
    expect(h.fake.modalsOf(PEOPLE.bob)).toEqual([]);
    expect(h.answersTo('bob')).toEqual([expect.stringMatching(/bob@example\.com is not the assigned reviewer of this item/)]);
    expect(await h.ledger('access.refused')).toMatchObject([{ actor: 'bob@example.com', subject: alice.id, data: { code: 'not_reviewer', action: 'details', channel: 'slack' } }]);

    await h.click('sec', h.button(REVIEW_ACTION_IDS.details, alice.id), { fromHome: true });
    await h.settled();
    expect(h.fake.modalsOf(PEOPLE.sec)).toHaveLength(1);
    expect((await h.ledger('access.refused')).length).toBe(1);
    expect(CAMPAIGN).toBe(alice.campaignId);
  });
});
