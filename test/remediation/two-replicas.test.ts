// Two kubemedic replicas (separate processes, one Redis, one Slack, the real control plane): an
// alert delivered to both opens one thread with one fix card; the Approve click delivered to both
// (and again, as Slack retries a click it saw no ack for), plus a second click, applies the fix
// once.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/remediation/audit.js';
import {
  ALERT_CHANNEL,
  DEFAULT_REDIS_URL,
  SIGNING_SECRET,
  messageText,
  postAlert,
  uniquePrefix,
  zeroEndpointsAlert,
} from '../support/app.js';
import { type BotProcess, startBotProcess } from '../support/bot-process.js';
import { kubeconfigPath, kubectl, waitFor } from '../support/cluster.js';
import { FakeSlack, type StoredMessage } from '../support/fake-slack.js';
import { createSeedNamespace } from '../support/seed.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const APPROVER = 'U0APPROVER';
const prefix = uniquePrefix('replica-click');
let slack: FakeSlack;
let ns: { name: string; cleanup: () => Promise<void> };
let replicas: BotProcess[] = [];
let redis: Redis;

beforeAll(async () => {
  slack = await FakeSlack.start();
  ns = await createSeedNamespace('replica-click');
  redis = new Redis(DEFAULT_REDIS_URL);
  const env = {
    KUBECONFIG: kubeconfigPath,
    KUBEMEDIC_APPROVERS: APPROVER,
    KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: '0',
  };
  replicas = [
    await startBotProcess(prefix, { slack, env, keepKeys: true }),
    await startBotProcess(prefix, { slack, env }),
  ];
});

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await slack?.close();
  await ns?.cleanup();
  redis?.disconnect();
});

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const approveButton = (m: StoredMessage) =>
  (m.blocks ?? [])
    .filter((b): b is Actions => (b as { type?: string }).type === 'actions')
    .flatMap((b) => b.elements)
    .find((e) => e.action_id === 'kubemedic_approve');

function deliver(url: string, payload: unknown, retry?: number): Promise<Response> {
  return postSigned(
    `${url}/slack/events`,
    blockActionsBody(payload),
    FORM_CONTENT_TYPE,
    SIGNING_SECRET,
    retry
      ? { headers: { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } }
      : {},
  );
}

describe('two replicas and one Approve', () => {
  it('applies the fix once when the click reaches both replicas, twice each', async () => {
    const alert = zeroEndpointsAlert(ns.name);
    const answers = await Promise.all(replicas.map((r) => postAlert(r.url, alert)));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);

    const parent = await waitFor(
      'the alert thread',
      async () => slack.messages(ALERT_CHANNEL)[0],
      30_000,
    );
    const card = await waitFor(
      'the fix card in the thread',
      async () => slack.thread(ALERT_CHANNEL, parent.ts).find((m) => approveButton(m)),
      60_000,
    );
    const planId = approveButton(card)?.value ?? '';

    // One click: Slack's payload, delivered to each replica, then retried to each.
    const click = blockActionsPayload({
      actionId: 'kubemedic_approve',
      value: planId,
      messageTs: card.ts,
      channelId: ALERT_CHANNEL,
      userId: APPROVER,
    });
    const deliveries = await Promise.all([
      deliver(replicas[0]?.url ?? '', click),
      deliver(replicas[1]?.url ?? '', click),
      deliver(replicas[0]?.url ?? '', click, 1),
      deliver(replicas[1]?.url ?? '', click, 1),
    ]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    // A second click of the same button a moment later, on the other replica.
    const again = structuredClone(click) as { actions: { action_ts: string }[] };
    for (const a of again.actions) a.action_ts = `${a.action_ts}9`;
    expect((await deliver(replicas[1]?.url ?? '', again)).status).toBe(200);

    const audit = new AuditLog(redis, prefix);
    await waitFor(
      'the fix to be applied and verified',
      async () =>
        (await audit.recent(100)).some((e) => e.planId === planId && e.step === 'verified'),
      60_000,
    );
    // Late duplicates would come from jobs still queued: let both replicas go idle first.
    await new Promise((r) => setTimeout(r, 2000));

    const steps = (await audit.recent(100)).filter((e) => e.planId === planId);
    expect(steps.filter((e) => e.step === 'applied')).toHaveLength(1);
    expect(steps.filter((e) => e.step === 'approved')).toHaveLength(1);
    // The Service now selects its pods: the one patch took effect.
    const selector = await kubectl([
      'get',
      'service',
      'api-service',
      '-n',
      ns.name,
      '-o',
      'jsonpath={.spec.selector.app}',
    ]);
    expect(selector).toBe('api-service');
    // One thread, one card, and one "applied" in it.
    expect(slack.messages(ALERT_CHANNEL)).toHaveLength(1);
    const cardPosts = slack
      .callsTo('chat.postMessage')
      .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(planId));
    expect(cardPosts).toHaveLength(1);
    // The card is edited in the thread's order, after the steps before it.
    await waitFor(
      'the card to say Applied',
      async () => {
        const final = slack.thread(ALERT_CHANNEL, parent.ts).find((m) => m.ts === card.ts);
        return messageText(final ?? card).includes('Applied') || undefined;
      },
      30_000,
    );
  });
});
