// Self-approval through a joined run: when two people's identical /diagnose join one run, both
// asked for the fix, so with self-approval off neither may approve it; a third approver may.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/remediation/plan-store.js';
import { SIGNING_SECRET, messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import type { StoredMessage } from '../support/fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0JOINED';
const [ALICE, BOB] = ['U0ALICE', 'U0BOB'];
// KUBEMEDIC_APPROVERS leaves self-approval off; both requesters are approvers.
const suite = useBotSuite('joined', {
  mode: 'http',
  env: { KUBEMEDIC_APPROVERS: `${ALICE},${BOB}` },
});

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const actionsOf = (m: { blocks?: unknown[] } | undefined) =>
  (m?.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');

function approve(planId: string, cardTs: string, userId: string) {
  return postSigned(
    `${suite.app.url}/slack/events`,
    blockActionsBody(
      blockActionsPayload({
        actionId: 'kubemedic_approve',
        value: planId,
        messageTs: cardTs,
        channelId: CHANNEL,
        userId,
      }),
    ),
    FORM_CONTENT_TYPE,
    SIGNING_SECRET,
  );
}

describe('a joined diagnosis', () => {
  it('counts every requester: the second one may not approve the fix either', async () => {
    const { fake, ns, redis, prefix } = suite;
    const diagnoseQueue = new Queue('diagnose', { connection: redis, prefix });
    try {
      // Held so that the second request joins the first while it is still queued.
      await diagnoseQueue.pause();
      for (const user of [ALICE, BOB])
        expect(
          (
            await postCommand(suite.app.url, `api-service -n ${ns}`, {
              channel_id: CHANNEL,
              user_id: user,
            })
          ).status,
        ).toBe(200);
      await waitFor('both requests to join one run', async () => {
        const [job] = await diagnoseQueue.getJobs(['waiting']);
        return job && (await redis.llen(`${prefix}:diag:${job.id}:requesters`)) === 2;
      });
      await diagnoseQueue.resume();
    } finally {
      await diagnoseQueue.resume().catch(() => undefined);
      await diagnoseQueue.close();
    }
    const card = await waitFor(
      'the remediation card',
      async () =>
        fake
          .messages(CHANNEL)
          .flatMap((p) => fake.thread(CHANNEL, p.ts))
          .find((m: StoredMessage) => actionsOf(m)?.elements[0]?.action_id === 'kubemedic_approve'),
      30_000,
    );
    const planId = actionsOf(card)?.elements[0]?.value ?? '';
    const store = new PlanStore(redis, prefix);

    for (const user of [BOB, ALICE]) {
      expect((await approve(planId, card.ts, user)).status).toBe(200);
      const refusal = await fake.waitForCall(
        'chat.postEphemeral',
        (c) => c.args.user === user,
        20_000,
      );
      expect(messageText(refusal.args)).toMatch(/You asked for this diagnosis/);
      const record = await store.get(planId);
      expect(record?.state).toBe('pending');
      expect(record?.approvals).toEqual([]);
    }
  });
});
