// Two kubemedic replicas (separate processes, one Redis, one Slack) get the same notifications
// at the same moment, as when both Alertmanagers of an HA pair deliver one group, or a retry
// lands on the other replica: each group still gets one thread, and each notification one
// message in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, messageText, uniquePrefix } from '../support/app.js';
import { burstNotification, sendLikeAlertmanager } from '../support/alert-sender.js';
import { type BotProcess, startBotProcess } from '../support/bot-process.js';
import { waitFor } from '../support/cluster.js';
import { FakeSlack } from '../support/fake-slack.js';

const GROUPS = 30;
const prefix = uniquePrefix('replicas');
let slack: FakeSlack;
let replicas: BotProcess[] = [];

beforeAll(async () => {
  slack = await FakeSlack.start();
  const env = { KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: '0', KUBEMEDIC_SHUTDOWN_TIMEOUT_MS: '5000' };
  replicas = [
    await startBotProcess(prefix, { slack, env, keepKeys: true }),
    await startBotProcess(prefix, { slack, env }),
  ];
});

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await slack?.close();
});

/** The group's second notification: one more alert firing. */
function secondNotification(i: number): Record<string, unknown> {
  const first = burstNotification(i) as { alerts: Record<string, unknown>[] };
  const [alert] = first.alerts;
  return {
    ...first,
    alerts: [
      alert,
      {
        ...alert,
        labels: { ...(alert?.labels as object), instance: 'second' },
        fingerprint: `c${i}`,
      },
    ],
  };
}

/** Sends each notification to both replicas at once, each copy retried like Alertmanager. */
async function sendToBoth(notifications: unknown[]) {
  const [a, b] = replicas.map((r) => r.url);
  const both = await Promise.all(
    [a, b].map((url) =>
      sendLikeAlertmanager(notifications, {
        url: () => url ?? '',
        concurrency: 5,
        deadlineMs: 30_000,
      }),
    ),
  );
  for (const figures of both) {
    expect(figures.failed).toEqual([]);
    expect(figures.accepted).toBe(notifications.length);
  }
}

describe('two replicas behind one address', () => {
  it('opens one thread per alert group and posts each notification once, whichever replica gets it', async () => {
    const groups = Array.from({ length: GROUPS }, (_, i) => i);
    await sendToBoth(groups.map((i) => burstNotification(i)));
    await sendToBoth(groups.map((i) => secondNotification(i)));

    const parents = await waitFor(
      `one thread per group, each with its "still firing" reply`,
      async () => {
        const top = slack.messages(ALERT_CHANNEL);
        const answered = top.filter((p) =>
          slack.thread(ALERT_CHANNEL, p.ts).some((m) => messageText(m).includes('Still firing')),
        );
        return answered.length >= GROUPS ? top : undefined;
      },
      60_000,
    );
    // Late duplicates would come from jobs still running: let both replicas go idle first.
    await new Promise((r) => setTimeout(r, 1500));

    const perGroup = new Map<string, number>();
    for (const p of slack.messages(ALERT_CHANNEL)) {
      const id = /burst group (\d{3})/.exec(messageText(p))?.[1] ?? 'none';
      perGroup.set(id, (perGroup.get(id) ?? 0) + 1);
    }
    expect([...perGroup].filter(([, n]) => n !== 1)).toEqual([]);
    expect(perGroup.size).toBe(GROUPS);
    expect(parents).toHaveLength(GROUPS);
    for (const p of slack.messages(ALERT_CHANNEL)) {
      const replies = slack.thread(ALERT_CHANNEL, p.ts).slice(1).map(messageText);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain('Still firing: 2 alerts (notification #2)');
    }
    // Both replicas did part of the work (the same Redis queue feeds both).
    for (const r of replicas) expect(r.out.stdout).toContain('alert notification queued');
    for (const r of replicas) expect(r.exit()).toBeUndefined();
  });
});
