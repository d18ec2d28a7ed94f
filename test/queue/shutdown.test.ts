// Graceful shutdown loses nothing: the bot stops while diagnoses and Slack posts are in flight;
// a new instance on the same Redis finishes every thread, and no message is posted twice.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';

// Slow pacing keeps Slack posts in flight when the stop comes.
const suite = useBotSuite('shutdown', {
  mode: 'http',
  start: false,
  env: { KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: '400' },
});

describe('graceful shutdown', () => {
  it('finishes or hands back in-flight work on stop, and the next instance completes every thread exactly once', async () => {
    const { fake } = suite;
    const first = await suite.start();
    const ns = suite.ns;
    const targets = [`api-service -n ${ns}`, `namespace/${ns}`, `deploy/api -n ${ns}`];
    const channels = ['C0SD1', 'C0SD2', 'C0SD3'];
    for (const [i, text] of targets.entries()) {
      const res = await postCommand(first.url, text, { channel_id: channels[i] });
      expect(((await res.json()) as { text: string }).text).toContain('Diagnosing');
    }
    // Stop once a thread is half-posted: its parent and a first reply are out, the rest is not.
    await fake.waitForCall(
      'chat.postMessage',
      (c) => c.response.ok && c.args.thread_ts !== undefined,
      30_000,
    );
    await first.stop();
    // Stopped means stopped: it takes no more requests.
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();
    const postedBeforeRestart = fake.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.response.ok,
    ).length;

    await suite.start();
    const threads = await waitFor(
      'every thread to finish',
      async () => {
        const done = channels.map((c) =>
          fake.messages(c).find((m) => messageText(m).includes('· details in the thread')),
        );
        if (done.some((p) => !p)) return undefined;
        const all = channels.map((c, i) => fake.thread(c, done[i]?.ts ?? ''));
        // Finished means the notes reply is there too (the incident picture may follow it).
        return all.every((t) => t.some((m) => messageText(m).includes('reproduce:')))
          ? all
          : undefined;
      },
      60_000,
    );

    for (const [i, thread] of threads.entries()) {
      expect(fake.messages(channels[i] ?? '')).toHaveLength(1);
      const replies = thread.slice(1).map((m) => messageText(m));
      expect(new Set(replies).size).toBe(replies.length);
    }
    // Let the thread finish (the incident picture is uploaded after the notes), then count.
    const slackPost = new Queue('slack-post', { connection: suite.redis, prefix: suite.prefix });
    await waitFor(
      'the Slack queue to drain',
      async () => {
        const c = await slackPost.getJobCounts('waiting', 'active', 'delayed');
        return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0 || undefined;
      },
      60_000,
    );
    await slackPost.close();
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage' && c.response.ok).length;
    // Every message is a post, but for the uploaded pictures (shared by files.completeUploadExternal).
    const finished = channels.map((c, i) => fake.thread(c, threads[i]?.[0]?.ts ?? ''));
    expect(posts).toBe(finished.flat().filter((m) => !m.files?.length).length);
    expect(postedBeforeRestart).toBeGreaterThanOrEqual(2);
    expect(posts).toBeGreaterThanOrEqual(postedBeforeRestart);

    for (const name of ['diagnose', 'slack-post']) {
      const queue = new Queue(name, { connection: suite.redis, prefix: suite.prefix });
      expect(await queue.getJobCounts('failed', 'waiting', 'active', 'delayed')).toEqual({
        failed: 0,
        waiting: 0,
        active: 0,
        delayed: 0,
      });
      await queue.close();
    }
  });
});
