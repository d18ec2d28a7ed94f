// The producer side: adds jobs to the diagnose, slack-post and remediate queues. A job is added
// only through here, so every job is validated and keyed the same way. Identical diagnoses in
// flight are run once: a request for a target already being diagnosed joins that job, and the
// worker answers every requester when the report is ready.
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RemediationAction } from '../remediation/flow.js';
import { RemediationActionSchema } from '../remediation/flow.js';
import { type TargetRef, targetKey } from '../slack/thread-state.js';
import type { QueueDepths } from '../metrics.js';
import { replicated } from './redis.js';
import {
  DiagnoseJobSchema,
  JOB_OPTIONS,
  QUEUES,
  type QueueName,
  type Requester,
  RequesterSchema,
  type SlackPostJob,
  SlackPostJobSchema,
  jobId,
} from './jobs.js';

// KEYS[1] in-flight key of the target. ARGV: candidate job id, requester JSON, key base, ttl ms.
// Joins the target's open job if there is one, else opens the candidate. Returns {id, isNew}.
const ATTACH = `
local id = redis.call('GET', KEYS[1])
if id and redis.call('EXISTS', ARGV[3] .. id .. ':closed') == 0 then
  redis.call('RPUSH', ARGV[3] .. id .. ':requesters', ARGV[2])
  return {id, 0}
end
id = ARGV[1]
redis.call('SET', KEYS[1], id, 'PX', ARGV[4])
redis.call('RPUSH', ARGV[3] .. id .. ':requesters', ARGV[2])
redis.call('PEXPIRE', ARGV[3] .. id .. ':requesters', 86400000)
return {id, 1}
`;

// KEYS: in-flight key, requesters key, closed key. ARGV: job id.
// Closes the job to new requesters and returns everyone who asked. Idempotent.
const CLOSE = `
redis.call('SET', KEYS[3], '1', 'EX', 86400)
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('LRANGE', KEYS[2], 0, -1)
`;

/** A diagnosis stays joinable this long at most, even if its worker vanished. */
const IN_FLIGHT_TTL_MS = 10 * 60_000;

/** The two scripts, defined on the connection so they run by hash (EVALSHA), not by source. */
interface ScriptCommands {
  kubemedicAttach(
    inFlight: string,
    candidate: string,
    requester: string,
    keyBase: string,
    ttlMs: string,
  ): Promise<[string, number]>;
  kubemedicClose(
    inFlight: string,
    requesters: string,
    closed: string,
    id: string,
  ): Promise<string[]>;
}

function parseRequesters(raw: string[]): Requester[] {
  return raw.flatMap((r) => {
    try {
      const parsed = RequesterSchema.safeParse(JSON.parse(r));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}

export class WorkQueues {
  readonly queues: Record<QueueName, Queue>;
  private readonly scripts: ScriptCommands;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    /** Replicas that must hold accepted work (KUBEMEDIC_REDIS_REPLICA_ACKS): see durable(). */
    private readonly replicaAcks: { replicas: number; timeoutMs: number } = {
      replicas: 0,
      timeoutMs: 0,
    },
  ) {
    // ioredis sends EVALSHA and falls back to EVAL once if Redis lost the script (a restart).
    redis.defineCommand('kubemedicAttach', { numberOfKeys: 1, lua: ATTACH });
    redis.defineCommand('kubemedicClose', { numberOfKeys: 3, lua: CLOSE });
    this.scripts = redis as unknown as ScriptCommands;
    const make = (name: QueueName) => {
      const queue = new Queue(name, {
        connection: redis,
        prefix,
        // Fail fast while Redis is down, so HTTP handlers can answer 503 at once.
        skipWaitingForReady: true,
        defaultJobOptions: JOB_OPTIONS[name],
      });
      // Connection errors are logged once by the connection itself (queue/redis.ts).
      queue.on('error', () => undefined);
      return queue;
    };
    this.queues = {
      diagnose: make(QUEUES.diagnose),
      'slack-post': make(QUEUES.slackPost),
      remediate: make(QUEUES.remediate),
    };
  }

  private diagKeys(target: TargetRef, id: string) {
    const hash = createHash('sha1').update(targetKey(target)).digest('hex');
    return {
      inFlight: `${this.prefix}:diag:inflight:${hash}`,
      requesters: `${this.prefix}:diag:${id}:requesters`,
      closed: `${this.prefix}:diag:${id}:closed`,
      hash,
    };
  }

  /** Queues a diagnosis of `target` for `requester`, or joins the one in flight. */
  async requestDiagnosis(
    target: TargetRef,
    requester: Requester,
    now = new Date(),
  ): Promise<{ jobId: string; joined: boolean }> {
    const data = DiagnoseJobSchema.parse({ target, requestedAt: now.toISOString() });
    const { inFlight, hash } = this.diagKeys(target, '');
    const candidate = jobId('d', hash.slice(0, 16), now.getTime().toString(36));
    const [id, isNew] = await this.scripts.kubemedicAttach(
      inFlight,
      candidate,
      JSON.stringify(RequesterSchema.parse(requester)),
      `${this.prefix}:diag:`,
      String(IN_FLIGHT_TTL_MS),
    );
    // A joined job is in the same Redis as its in-flight key, so it exists: one round trip.
    if (isNew === 1) await this.queues.diagnose.add(QUEUES.diagnose, data, { jobId: id });
    return { jobId: id, joined: isNew === 0 };
  }

  /** Everyone who asked so far, without closing the job. */
  async requestersOf(id: string): Promise<Requester[]> {
    return parseRequesters(await this.redis.lrange(`${this.prefix}:diag:${id}:requesters`, 0, -1));
  }

  /** Closes a diagnosis to new requesters (they start a fresh one) and returns who asked. */
  async closeDiagnosis(id: string, target: TargetRef): Promise<Requester[]> {
    const k = this.diagKeys(target, id);
    const raw = await this.scripts.kubemedicClose(k.inFlight, k.requesters, k.closed, id);
    return parseRequesters(raw);
  }

  /** Queues Slack operations for one conversation; `id` makes a retried producer idempotent. */
  async postToSlack(job: SlackPostJob, id?: string): Promise<void> {
    const data = SlackPostJobSchema.parse(job);
    await this.queues['slack-post'].add(QUEUES.slackPost, data, id ? { jobId: id } : {});
  }

  async remediate(action: RemediationAction, id: string): Promise<void> {
    const data = RemediationActionSchema.parse(action);
    await this.queues.remediate.add(QUEUES.remediate, data, { jobId: id });
  }

  /**
   * Resolves once the configured replicas hold every job queued so far through this connection,
   * so a request acknowledged after it survives a failover; throws RedisUnavailableError if not.
   */
  async durable(): Promise<void> {
    await replicated(this.redis, this.replicaAcks);
  }

  async depths(): Promise<QueueDepths> {
    const out: QueueDepths = {};
    for (const [name, q] of Object.entries(this.queues))
      out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
