// The remediation flow's voice in Slack (SlackQueueNotifier over the slack-post queue): card
// updates, thread replies and ephemeral refusals reach Slack in order, in the plan's thread.
import { describe, expect, it } from 'vitest';
import { Conversations } from '../../src/slack/delivery/conversations.js';
import { WorkQueues } from '../../src/queue/queues.js';
import { PlanStore } from '../../src/remediation/plan-store.js';
import { SlackQueueNotifier } from '../../src/slack/notifier.js';
import { md, mention } from '../../src/slack/blocks/text.js';
import { messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const CHANNEL = 'C0NOTIFY';
const suite = useBotSuite('notify', { mode: 'http' });

describe('SlackQueueNotifier', () => {
  it('updates the card in place (Undo once applied), replies in the plan thread, and tells one user', async () => {
    const { fake, redis, prefix } = suite;
    await postCommand(suite.app.url, `api-service -n ${suite.ns}`, { channel_id: CHANNEL });
    const card = await waitFor(
      'the fix card',
      async () =>
        fake.calls.find(
          (c) => c.response.ok && JSON.stringify(c.args.blocks ?? []).includes('kubemedic_approve'),
        ),
      30_000,
    );
    const planId = /"value":"([A-Za-z0-9_-]+)"/.exec(JSON.stringify(card.args.blocks))?.[1] ?? '';
    const store = new PlanStore(redis, prefix);
    // The card's ts is stored just after Slack answered the post.
    const record = await waitFor('the card ts on the plan', async () => {
      const r = await store.get(planId);
      return r?.cardTs ? r : undefined;
    });
    expect(record.cardTs).toBe(card.response.ts);

    // What the flow does after an approval: record the apply, then say so.
    const notify = new SlackQueueNotifier(
      new WorkQueues(redis, prefix),
      new Conversations(redis, prefix),
    );
    const claimed = await store.claim(planId, ['pending'], 'applying', 'U0APPROVER');
    expect(claimed.ok).toBe(true);
    const applied = await store.move(planId, ['applying'], 'applied');
    expect(applied?.state).toBe('applied');
    if (!applied) return;
    await notify.threadReply(
      applied.channel ?? '',
      applied.threadTs ?? '',
      md`Applied by ${mention('U0APPROVER')}: 2 endpoints ready`,
    );
    await notify.updateCard(
      applied,
      md`
verified: the selector mismatch is gone
      `,
    );
    await notify.ephemeral(
      CHANNEL,
      'U0SOMEONE',
      md`
You may not approve fixes in this namespace.
      `,
    );

    const update = await fake.waitForCall(
      'chat.update',
      (c) => c.args.ts === card.response.ts,
      30_000,
    );
    const buttons = JSON.stringify(update.args.blocks);
    expect(buttons).toContain('kubemedic_undo');
    expect(buttons).not.toContain('kubemedic_approve');
    expect(messageText(update.args)).toContain('verified: the selector mismatch is gone');
    const reply = await fake.waitForMessage(
      CHANNEL,
      (m) => m.text.includes('Applied by <@U0APPROVER>'),
      30_000,
    );
    expect(reply.thread_ts).toBe(applied.threadTs);
    const told = await fake.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === 'U0SOMEONE',
      30_000,
    );
    expect(messageText(told.args)).toContain('You may not approve fixes');
  });
});
