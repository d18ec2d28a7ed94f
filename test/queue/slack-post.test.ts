// The slack-post queue against the fake Slack: 429 Retry-After is honoured (short waits
// in-process, long ones back in the queue) and the post still lands, in thread order; a report
// with many findings stays within Slack's block limits; the per-channel pacer books slots.
import { beforeEach, describe, expect, it } from 'vitest';
import { SlackPacer } from '../../src/slack/delivery/pacer.js';
import { messageText, postCommand, useBotSuite, waitForIdle } from '../support/app.js';
import { apply, createNamespace, waitFor } from '../support/cluster.js';
import { blockErrors } from '../support/fake-slack.js';

const suite = useBotSuite('post', { mode: 'http' });

beforeEach(async () => {
  await waitForIdle(suite.prefix);
  suite.fake.reset();
});

async function diagnose(text: string, channel: string): Promise<void> {
  const res = await postCommand(suite.app.url, text, { channel_id: channel });
  expect(res.status).toBe(200);
}

function finished(channel: string) {
  return waitFor(
    'a finished thread',
    async () => {
      const parent = suite.fake
        .messages(channel)
        .find((m) => messageText(m).includes('· details in the thread'));
      return parent ? suite.fake.thread(channel, parent.ts) : undefined;
    },
    60_000,
  );
}

describe('slack-post queue', () => {
  it('honours 429 Retry-After (a short wait in-process, a long one back in the queue) and still posts every message once, in order', async () => {
    // The parent gets a 3 s Retry-After (the job goes back to the queue); then two 1 s ones.
    suite.fake.rateLimitNext('chat.postMessage', 1, 3);
    suite.fake.rateLimitNext('chat.postMessage', 2, 1);
    await diagnose(`api-service -n ${suite.ns}`, 'C0LIMITED');

    // Posted messages; the incident picture (a shared file, not a post) may come last.
    const thread = (await finished('C0LIMITED')).filter((m) => !m.files?.length);
    const posts = suite.fake.callsTo('chat.postMessage');
    expect(posts.slice(0, 3).map((c) => c.status)).toEqual([429, 429, 429]);
    expect(posts.slice(3).every((c) => c.status === 200 && c.response.ok)).toBe(true);
    // Lower bounds the bot guarantees whatever the machine's load: no call before Retry-After
    // has passed, and posts in one channel at least the pacing interval (100 ms here) apart.
    const gaps = posts.slice(1).map((c, i) => c.time - (posts[i]?.time ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(3000 - 20);
    expect(gaps[1]).toBeGreaterThanOrEqual(1000 - 20);
    expect(gaps[2]).toBeGreaterThanOrEqual(1000 - 20);
    // Slots are booked 100 ms apart; arrival at the fake can shift by scheduling jitter on a
    // loaded machine, so allow half an interval (unpaced posts would be a few ms apart).
    expect(Math.min(...gaps.slice(3))).toBeGreaterThanOrEqual(100 / 2);
    // Every message posted once: the parent, then its replies in order.
    expect(suite.fake.messages('C0LIMITED')).toHaveLength(1);
    expect(thread.length).toBe(posts.filter((c) => c.response.ok).length);
    expect(messageText(thread[1] ?? {})).toContain('*Service* · 1 finding');
    expect(messageText(thread.at(-1) ?? {})).toContain('reproduce:');
  });

  it('keeps a report with sixty findings within Slack limits: 50 blocks a message, an overflow note, ten fix cards', async () => {
    const ns = await createNamespace('many');
    try {
      const services = Array.from(
        { length: 60 },
        (_, i) =>
          `---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}}\nspec: {selector: {app: api-${i}}, ports: [{port: 80, targetPort: 8080}]}\n`,
      ).join('');
      await apply(ns.name, services);
      await apply(
        ns.name,
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api-1x}}
  template:
    metadata: {labels: {app: api-1x}}
    spec: {containers: [{name: app, image: api:1, ports: [{containerPort: 8080}]}]}
`,
      );
      await diagnose(`namespace/${ns.name}`, 'C0MANY');

      const thread = await finished('C0MANY');
      // The fake enforces Slack's limits: any breach would have been refused.
      expect(suite.fake.calls.filter((c) => !c.response.ok)).toEqual([]);
      for (const m of thread) expect(blockErrors(m.blocks ?? [])).toEqual([]);
      const layer = thread.find((m) => messageText(m).includes('*Service* · 60 findings'));
      expect(layer?.blocks?.length).toBeLessThanOrEqual(50);
      expect(messageText(layer ?? {})).toMatch(/…\d+ more findings in this layer not shown/);
      expect(
        thread.filter(
          (m) =>
            messageText(m).includes('patch-service-selector') &&
            m.blocks?.some((b) => (b as { type: string }).type === 'actions'),
        ),
      ).toHaveLength(10);
      // The last message but for the incident picture (a shared file) that may follow it.
      const said = thread.filter((m) => !m.files?.length);
      expect(messageText(said.at(-1) ?? {})).toContain('50 more fixes are not offered here');
    } finally {
      await ns.cleanup();
    }
  });

  it('books one postMessage slot per channel per interval (only for callers who will wait), and a 429 pushes the method back', async () => {
    {
      const pacer = new SlackPacer(suite.redis, suite.prefix, 10_000);
      expect(await pacer.reserve('chat.postMessage', 'C0PACE')).toBe(0);
      const second = await pacer.reserve('chat.postMessage', 'C0PACE');
      expect(second).toBeGreaterThan(9_000);
      expect(second).toBeLessThanOrEqual(10_000);
      // A caller that will not wait that long books nothing, so it takes no one's slot.
      expect(await pacer.reserve('chat.postMessage', 'C0PACE', 250)).toBeGreaterThan(9_000);
      expect(await pacer.reserve('chat.postMessage', 'C0PACE')).toBeLessThanOrEqual(20_000);
      expect(await pacer.reserve('chat.postMessage', 'C0PACE')).toBeGreaterThan(20_000);
      // Other channels and other methods are not held up by this one.
      expect(await pacer.reserve('chat.postMessage', 'C0OTHER')).toBe(0);
      expect(await pacer.reserve('chat.update', 'C0PACE')).toBe(0);
      await pacer.rateLimited('chat.update', 'C0PACE', 30_000);
      expect(await pacer.reserve('chat.update', 'C0ELSEWHERE')).toBeGreaterThan(29_000);
    }
  });
});
