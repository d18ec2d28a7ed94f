// The whole loop as an on-call engineer meets it: /diagnose, the card, a stranger's click
// refused, the approver's click applied and verified on the real cluster, Undo restoring it.
import { describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/remediation/plan-store.js';
import { SIGNING_SECRET, messageText, postCommand, useBotSuite } from '../support/app.js';
import { endpointReadiness, kubectl, waitFor } from '../support/cluster.js';
import type { StoredMessage } from '../support/fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0CLICKS';
const APPROVER = 'U0APPROVER';
const suite = useBotSuite('click', { mode: 'http', env: { KUBEMEDIC_APPROVERS: APPROVER } });

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const actionsOf = (m: { blocks?: unknown[] } | undefined) =>
  (m?.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');

function click(actionId: string, planId: string, cardTs: string, userId: string) {
  return postSigned(
    `${suite.app.url}/slack/events`,
    blockActionsBody(
      blockActionsPayload({
        actionId,
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

const selectorOf = async (ns: string) =>
  kubectl(['get', 'service', 'api-service', '-n', ns, '-o', 'jsonpath={.spec.selector}']);

describe('Approve / Undo from Slack', () => {
  it('refuses a non-approver, applies the approved selector patch once, verifies it, and undoes it', async () => {
    const { fake, ns } = suite;
    expect(
      (await postCommand(suite.app.url, `api-service -n ${ns}`, { channel_id: CHANNEL })).status,
    ).toBe(200);
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
    const store = new PlanStore(suite.redis, suite.prefix);

    // A click from someone the policy does not name: told why, nothing changes.
    expect((await click('kubemedic_approve', planId, card.ts, 'U0STRANGER')).status).toBe(200);
    const refusal = await fake.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === 'U0STRANGER',
      20_000,
    );
    expect(messageText(refusal.args)).toMatch(/approve/i);
    expect((await store.get(planId))?.state).toBe('pending');
    expect(await selectorOf(ns)).toBe('{"app":"api-svc"}');

    // The approver's click: applied with field manager kubemedic, endpoints fill, card offers Undo.
    expect((await click('kubemedic_approve', planId, card.ts, APPROVER)).status).toBe(200);
    await waitFor(
      'ready endpoints after the fix',
      async () => (await endpointReadiness(ns, 'api-service')).ready > 0,
      60_000,
    );
    expect(await selectorOf(ns)).toBe('{"app":"api-service"}');
    const managers = await kubectl([
      'get',
      'service',
      'api-service',
      '-n',
      ns,
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
    ]);
    expect(managers).toContain('kubemedic');
    await waitFor(
      'the card to offer Undo',
      async () =>
        fake
          .messages(CHANNEL)
          .concat(fake.messages(CHANNEL).flatMap((p) => fake.thread(CHANNEL, p.ts)))
          .find(
            (m) =>
              m.ts === card.ts &&
              actionsOf(m)?.elements.some((e) => e.action_id === 'kubemedic_undo'),
          ),
      60_000,
    );
    expect((await store.get(planId))?.state).toBe('applied');
    const metrics = await (await fetch(`${suite.app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /kubemedic_remediations_total\{remediation="patch-service-selector",outcome="applied"\} 1/,
    );

    // Undo restores the selector the diagnosis saw.
    expect((await click('kubemedic_undo', planId, card.ts, APPROVER)).status).toBe(200);
    await waitFor(
      'the selector to be restored',
      async () => (await selectorOf(ns)) === '{"app":"api-svc"}',
      60_000,
    );
    await waitFor(
      'the plan to be undone',
      async () => (await store.get(planId))?.state === 'undone',
      30_000,
    );
  });
});
