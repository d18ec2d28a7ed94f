// Identical work in flight runs once: the same target asked for three times while its first
// diagnosis is still queued is diagnosed once, and every requester is answered.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const suite = useBotSuite('dedup', { mode: 'http' });

async function ask(user: string, channel: string): Promise<string> {
  const res = await postCommand(suite.app.url, `api-service -n ${suite.ns}`, {
    channel_id: channel,
    user_id: user,
  });
  return ((await res.json()) as { text: string }).text;
}

function finishedParent(channel: string) {
  return waitFor(
    `the answer in ${channel}`,
    async () =>
      suite.fake.messages(channel).find((m) => messageText(m).includes('· details in the thread')),
    30_000,
  );
}

describe('dedup of identical work in flight', () => {
  it('diagnoses a target asked for three times once, and answers each requester', async () => {
    const { redis, prefix, fake } = suite;
    const diagnoseQueue = new Queue('diagnose', { connection: redis, prefix });
    try {
      // Held in the queue so all three requests arrive while the first is still in flight.
      await diagnoseQueue.pause();
      const acks = await Promise.all([
        ask('U0ALICE', 'C0ONE'),
        ask('U0BOB', 'C0ONE'),
        ask('U0CAROL', 'C0TWO'),
      ]);
      expect(acks.every((t) => t.includes('Diagnosing *api-service*'))).toBe(true);
      // The ack goes out before the queueing; wait for all three to have joined.
      await waitFor('the three requests to be queued', async () => {
        const [job] = await diagnoseQueue.getJobs(['waiting']);
        return job && (await redis.llen(`${prefix}:diag:${job.id}:requesters`)) === 3;
      });
      expect(await diagnoseQueue.getJobCounts('waiting', 'active')).toEqual({
        waiting: 1,
        active: 0,
      });

      await diagnoseQueue.resume();
      const one = await finishedParent('C0ONE');
      const two = await finishedParent('C0TWO');

      // One thread per channel; the shared one names both people who asked.
      expect(fake.messages('C0ONE')).toHaveLength(1);
      expect(messageText(one)).toMatch(/Requested by (<@U0ALICE>, <@U0BOB>|<@U0BOB>, <@U0ALICE>)/);
      expect(messageText(two)).toContain('Requested by <@U0CAROL>');
      for (const parent of [one, two])
        expect(messageText(parent)).toContain('`service.selector-mismatch`');
      const jobs = await diagnoseQueue.getJobs([
        'completed',
        'active',
        'waiting',
        'failed',
        'delayed',
      ]);
      expect(jobs).toHaveLength(1);
    } finally {
      await diagnoseQueue.resume().catch(() => undefined);
      await diagnoseQueue.close();
    }
  });
});
