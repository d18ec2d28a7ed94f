// Starts one BullMQ worker per queue. On close every worker stops taking jobs at once and waits
// for those in hand: diagnoses and remediations finish (what they queue for Slack waits in Redis
// for the next instance), slack-post jobs hand themselves back after the op in hand.
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config, RedisSentinelConfig } from '../config/env.js';
import { log, reasonOf } from '../log.js';
import { QUEUES, type QueueName } from './jobs.js';
import { openRedis } from './redis.js';

export type Processor = (job: Job, token: string | undefined) => Promise<unknown>;

export interface WorkerSet {
  close(timeoutMs: number): Promise<void>;
}

/**
 * How the workers connect and pace themselves, as the configuration says: the same for the bot
 * and for an agent (which works its cluster's queues under `prefix`).
 */
export function workerSettings(config: Config, prefix: string) {
  return {
    redisUrl: config.redisUrl,
    sentinel: config.redisSentinel,
    prefix,
    lockMs: config.jobLockMs,
    concurrency: {
      diagnose: config.concurrency.diagnose,
      'slack-post': config.concurrency.slackPost,
      remediate: config.concurrency.remediate,
    },
  };
}

export function startWorkers(opts: {
  redisUrl: string;
  sentinel?: RedisSentinelConfig;
  prefix: string;
  concurrency: Record<QueueName, number>;
  /** Lock of a running job; a dead worker's job is taken up again after it lapses. Default 30 s. */
  lockMs?: number;
  /** The queues to work (a hub works no diagnoses, an agent posts nothing to Slack). */
  processors: Partial<Record<QueueName, Processor>>;
}): WorkerSet {
  const connections: Redis[] = [];
  const make = (name: QueueName, processor: Processor) => {
    const connection = openRedis(opts.redisUrl, 'worker', opts.sentinel);
    connections.push(connection);
    const worker = new Worker(name, processor, {
      connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency[name],
      // A job whose worker died is picked up again after this long.
      lockDuration: opts.lockMs ?? 30_000,
      stalledInterval: opts.lockMs ?? 30_000,
      maxStalledCount: 2,
    });
    worker.on('failed', (job, err) => {
      const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
      log[final ? 'error' : 'warn'](
        { queue: name, job: job?.id, attempt: job?.attemptsMade, err: reasonOf(err) },
        final ? 'job failed for good' : 'job failed; will retry',
      );
    });
    worker.on('error', (err) => log.warn({ queue: name, err: reasonOf(err) }, 'worker error'));
    return worker;
  };
  const workers = [QUEUES.diagnose, QUEUES.remediate, QUEUES.slackPost].flatMap((name) => {
    const processor = opts.processors[name];
    return processor ? [make(name, processor)] : [];
  });

  return {
    async close(timeoutMs) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const expired = new Promise<'timeout'>((r) => setTimeout(r, timeoutMs, 'timeout').unref());
      if ((await Promise.race([graceful, expired])) === 'timeout') {
        // Their jobs' locks lapse and another worker takes them over: late, not lost.
        log.warn(
          { timeoutMs },
          'jobs still running at the shutdown deadline; leaving them to be retried',
        );
        await Promise.all(workers.map((w) => w.close(true)));
      }
      for (const c of connections) c.disconnect();
    },
  };
}
