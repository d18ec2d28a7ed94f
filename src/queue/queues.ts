// The producer side: adds jobs to the diagnose, slack-post and remediate queues. A job is added
// only through here, so every job is validated and keyed the same way. Identical diagnoses in
// flight are run once: a request for a target already being diagnosed joins that job, and the
// worker answers every requester when the report is ready. Requests made in one turn of the
// event loop (a burst of slash commands or alerts) reach Redis together: one pipeline of
// attach scripts, then one bulk add of the jobs they opened.
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RemediationAction } from '../remediation/flow.js';
import { RemediationActionSchema } from '../remediation/flow.js';
import { type TargetRef, targetKey } from '../slack/thread-state.js';
import type { QueueDepths } from '../metrics.js';
import { replicated } from './redis.js';
import {
  type DiagnoseJob,
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

interface DiagnosisRequest {
  data: DiagnoseJob;
  /** Its in-flight key, and the id of the job it opens if none is in flight. */
  inFlight: string;
  candidate: string;
  requester: string;
  resolve: (r: { jobId: string; joined: boolean }) => void;
  reject: (err: unknown) => void;
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
  /** Diagnosis requests of this turn of the event loop, sent together at its end. */
  private pending: DiagnosisRequest[] = [];
  /** Jobs opened by a batch whose add has not been confirmed yet. */
  private readonly adding = new Map<string, Promise<void> | undefined>();

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

  /** Targets' hashes: a burst names the same few targets (bounded; cleared when full). */
  private readonly hashes = new Map<string, string>();

  private diagKeys(target: TargetRef, id: string) {
    const key = targetKey(target);
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      if (this.hashes.size >= 1024) this.hashes.clear();
      hash = createHash('sha1').update(key).digest('hex');
      this.hashes.set(key, hash);
    }
    return {
      inFlight: `${this.prefix}:diag:inflight:${hash}`,
      requesters: `${this.prefix}:diag:${id}:requesters`,
      closed: `${this.prefix}:diag:${id}:closed`,
      hash,
    };
  }

  /** Queues a diagnosis of `target` for `requester`, or joins the one in flight. */
  requestDiagnosis(
    target: TargetRef,
    requester: Requester,
    now = new Date(),
  ): Promise<{ jobId: string; joined: boolean }> {
    const data = DiagnoseJobSchema.parse({ target, requestedAt: now.toISOString() });
    const { inFlight, hash } = this.diagKeys(target, '');
    const request = {
      data,
      inFlight,
      candidate: jobId('d', hash.slice(0, 16), now.getTime().toString(36)),
      requester: JSON.stringify(RequesterSchema.parse(requester)),
    };
    return new Promise((resolve, reject) => {
      const first = this.pending.push({ ...request, resolve, reject }) === 1;
      // After the I/O callbacks of this turn: every request they made goes in one batch.
      if (first) setImmediate(() => void this.sendRequests());
    });
  }

  private async sendRequests(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const attach = this.redis.pipeline();
    for (const r of batch)
      (attach as unknown as ScriptCommands).kubemedicAttach(
        r.inFlight,
        r.candidate,
        r.requester,
        `${this.prefix}:diag:`,
        String(IN_FLIGHT_TTL_MS),
      );
    let attached: [Error | null, unknown][];
    try {
      attached = (await attach.exec()) ?? [];
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    const opened: { request: DiagnosisRequest; id: string }[] = [];
    const joined: { request: DiagnosisRequest; id: string }[] = [];
    for (const [i, r] of batch.entries()) {
      const [err, result] = attached[i] ?? [new Error('no reply from Redis'), undefined];
      if (err) r.reject(err);
      else {
        const [id, isNew] = result as [string, number];
        (isNew === 1 ? opened : joined).push({ request: r, id });
      }
    }
    // Each request is answered once the job it opened or joined is in Redis: a job opened by an
    // earlier batch may still be on its way there.
    const adding =
      opened.length > 0
        ? this.queues.diagnose
            .addBulk(
              opened.map((o) => ({
                name: QUEUES.diagnose,
                data: o.request.data,
                opts: { jobId: o.id },
              })),
            )
            .then(() => undefined)
        : undefined;
    for (const o of opened) this.adding.set(o.id, adding);
    const settle = async (request: DiagnosisRequest, id: string, isJoined: boolean) => {
      try {
        await this.adding.get(id);
        request.resolve({ jobId: id, joined: isJoined });
      } catch (err) {
        request.reject(err);
      }
    };
    await Promise.all([
      ...opened.map((o) => settle(o.request, o.id, false)),
      ...joined.map((j) => settle(j.request, j.id, true)),
    ]);
    // Jobs that could not be added do not exist: nobody may join them (until this is done, a
    // request that joins one still waits for its failed add above, and is told).
    if (adding)
      await adding.catch(() =>
        this.redis.del(...opened.map((o) => o.request.inFlight)).catch(() => undefined),
      );
    for (const o of opened) this.adding.delete(o.id);
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
