// The diagnosis intake under a burst: requests made together reach Redis together (one pipeline,
// one bulk add), and each is still answered on its own: one job per target, every requester on
// it, and nobody told "queued" for a job Redis does not hold.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkQueues } from '../../src/queue/queues.js';
import { connectRedis, openRedis } from '../../src/queue/redis.js';
import type { TargetRef } from '../../src/slack/thread-state.js';
import { DEFAULT_REDIS_URL, deletePrefix, uniquePrefix } from '../support/app.js';
import { TestRedisServer } from '../support/redis-server.js';

const service = (name: string): TargetRef => ({
  kind: 'Service',
  name,
  namespace: 'shop',
  cluster: 'test',
});
const asker = (user: string) => ({ kind: 'command' as const, channel: 'C0ONE', user });

describe('the diagnosis intake under a burst', () => {
  const prefix = uniquePrefix('intake');
  const redis = openRedis(DEFAULT_REDIS_URL, 'command');
  let queues: WorkQueues;
  beforeAll(async () => {
    await connectRedis(redis, DEFAULT_REDIS_URL);
    queues = new WorkQueues(redis, prefix);
  });
  afterAll(async () => {
    await queues.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });

  it('queues one job per target for 300 requests at once, each requester recorded on it', async () => {
    const names = ['api', 'web', 'cart'];
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        queues.requestDiagnosis(service(names[i % 3] as string), asker(`U0${i}`)),
      ),
    );
    const diagnose = new Queue('diagnose', { connection: redis, prefix });
    const jobs = await diagnose.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.map((j) => (j.data as { target: TargetRef }).target.name).sort()).toEqual([
      'api',
      'cart',
      'web',
    ]);
    // One opener per target; the others joined its job.
    expect(results.filter((r) => !r.joined)).toHaveLength(3);
    for (const job of jobs) {
      const requesters = await queues.requestersOf(job.id as string);
      expect(requesters).toHaveLength(100);
      const mine = results.filter((r) => r.jobId === job.id);
      expect(mine).toHaveLength(100);
    }
  });
});

describe('the diagnosis intake while Redis is down', () => {
  it('refuses every request of the burst, so none is acked as queued', async () => {
    const server = await TestRedisServer.start();
    const prefix = uniquePrefix('intake-down');
    const redis = openRedis(server.url, 'command');
    await connectRedis(redis, server.url);
    const queues = new WorkQueues(redis, prefix);
    try {
      await server.stop();
      const settled = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          queues.requestDiagnosis(service(`svc${i % 2}`), asker(`U0${i}`)),
        ),
      );
      expect(settled.map((s) => s.status)).toEqual(Array(20).fill('rejected'));
    } finally {
      await queues.close().catch(() => undefined);
      redis.disconnect();
    }
  });
});
