// Many clusters on one Redis. Each cluster's jobs (diagnose, remediate), its fix plans, its audit
// log, what its agent reports back (its own slack-post queue) and its agent's heartbeat live
// under one key prefix, `{<base>:c:<cluster>}`: a hash tag, so the keys share a Redis Cluster
// slot, and one ACL key pattern, so an agent's Redis user may touch its own cluster's keys and no
// other's. The hub holds every prefix; an agent holds one.
import type { Redis } from 'ioredis';
import * as z from 'zod';
import { PlanStore, type PlanRecord } from '../remediation/plan-store.js';
import type { Conversations } from '../slack/delivery/conversations.js';
import type { TargetRef } from '../slack/thread-state.js';
import { type Requester, jobId } from './jobs.js';
import { WorkQueues } from './queues.js';

export function clusterPrefix(base: string, cluster: string): string {
  return `{${base}:c:${cluster}}`;
}

/** The Redis ACL rule that confines an agent to its cluster's keys and channels. */
export function agentAclRules(base: string, cluster: string, password: string): string[] {
  const prefix = clusterPrefix(base, cluster);
  return [
    'reset',
    'on',
    `>${password}`,
    `~${prefix}*`,
    `&${prefix}*`,
    // BullMQ runs Lua (EVALSHA/EVAL, keys declared) and reads INFO for the server version.
    '+@all',
    '-@dangerous',
    '+info',
    '+client|setname',
    '+client|getname',
    '+client|id',
  ];
}

export const AgentInfoSchema = z.object({
  cluster: z.string(),
  /** kubemedic's version on the agent. */
  version: z.string(),
  kubernetesVersion: z.string().optional(),
  capabilities: z.object({
    /** Checks whose reads the diagnosis identity may list. */
    checks: z.array(z.string()),
    /** Checks it may not run (a read is forbidden): reported skipped in its reports. */
    skippedChecks: z.array(z.string()),
    /** Fixes the remediation identity may apply. */
    fixes: z.array(z.string()),
  }),
  startedAt: z.string(),
  at: z.string(),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

export interface AgentStatus {
  cluster: string;
  online: boolean;
  /** The last heartbeat's time, if the agent was ever seen. */
  lastSeen?: string;
  info?: AgentInfo;
}

const SEEN_TTL_SECONDS = 30 * 86_400;

const heartbeatKey = (prefix: string) => `${prefix}:agent`;
const seenKey = (prefix: string) => `${prefix}:agent:seen`;

/** Written by an agent (only its own keys), read by the hub. */
export async function writeHeartbeat(
  redis: Redis,
  base: string,
  info: AgentInfo,
  ttlMs: number,
): Promise<void> {
  const prefix = clusterPrefix(base, info.cluster);
  await redis
    .multi()
    .set(heartbeatKey(prefix), JSON.stringify(info), 'PX', ttlMs)
    .set(seenKey(prefix), info.at, 'EX', SEEN_TTL_SECONDS)
    .exec();
}

/** An agent stopping says so at once, so the hub answers "no agent" without waiting for the TTL. */
export async function clearHeartbeat(redis: Redis, base: string, cluster: string): Promise<void> {
  await redis.del(heartbeatKey(clusterPrefix(base, cluster)));
}

export class NoAgentError extends Error {
  constructor(
    readonly cluster: string,
    readonly lastSeen: string | undefined,
  ) {
    super(noAgentText(cluster, lastSeen));
  }
}

/** "14:02" today, "2026-11-29 14:02" before; UTC, as the agents' heartbeats are. */
export function seenAt(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const day = d.toISOString().slice(0, 10);
  const hm = d.toISOString().slice(11, 16);
  return day === now.toISOString().slice(0, 10) ? `${hm} UTC` : `${day} ${hm} UTC`;
}

export function noAgentText(cluster: string, lastSeen: string | undefined): string {
  return lastSeen
    ? `no agent for ${cluster} since ${seenAt(lastSeen)}: nothing was queued. Check the kubemedic agent in that cluster.`
    : `no agent has ever reported for ${cluster}: nothing was queued. Check the name (/diagnose clusters) or install the agent there.`;
}

/** The hub's view of the clusters: who is online, and each cluster's queues and plans. */
export class ClusterHub {
  private readonly queues = new Map<string, WorkQueues>();
  private readonly plans = new Map<string, PlanStore>();

  constructor(
    private readonly redis: Redis,
    readonly base: string,
    private readonly conversations: Conversations,
    /** Called once for each cluster the hub comes to know (it starts that cluster's workers). */
    private readonly onCluster: (cluster: string) => void = () => undefined,
  ) {}

  prefixOf(cluster: string): string {
    return clusterPrefix(this.base, cluster);
  }

  queuesOf(cluster: string): WorkQueues {
    let q = this.queues.get(cluster);
    if (!q) {
      q = new WorkQueues(this.redis, this.prefixOf(cluster));
      this.queues.set(cluster, q);
      this.onCluster(cluster);
    }
    return q;
  }

  plansOf(cluster: string): PlanStore {
    let p = this.plans.get(cluster);
    if (!p) {
      p = new PlanStore(this.redis, this.prefixOf(cluster));
      this.plans.set(cluster, p);
    }
    return p;
  }

  known(): string[] {
    return [...this.queues.keys()];
  }

  async status(cluster: string): Promise<AgentStatus> {
    const prefix = this.prefixOf(cluster);
    const [beat, seen] = await this.redis.mget(heartbeatKey(prefix), seenKey(prefix));
    const parsed = beat ? AgentInfoSchema.safeParse(JSON.parse(beat)) : undefined;
    return {
      cluster,
      online: Boolean(parsed?.success),
      lastSeen: seen ?? undefined,
      info: parsed?.success ? parsed.data : undefined,
    };
  }

  /** Every cluster whose agent was seen in the last 30 days, by name; and starts their workers. */
  async list(): Promise<AgentStatus[]> {
    const names = new Set<string>();
    const match = `{${this.base}:c:*}:agent:seen`;
    const head = `{${this.base}:c:`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      for (const k of keys) names.add(k.slice(head.length, k.indexOf('}', head.length)));
    } while (cursor !== '0');
    const out = await Promise.all([...names].sort().map((c) => this.status(c)));
    for (const s of out) this.queuesOf(s.cluster);
    return out;
  }

  /**
   * Queues a diagnosis in the target's cluster, or throws NoAgentError at once when no agent of
   * that cluster is online (nothing is queued then).
   */
  async requestDiagnosis(
    target: TargetRef,
    requester: Requester,
    now = new Date(),
  ): Promise<{ jobId: string; joined: boolean }> {
    const agent = await this.status(target.cluster);
    if (!agent.online) throw new NoAgentError(target.cluster, agent.lastSeen);
    const queued = await this.queuesOf(target.cluster).requestDiagnosis(target, requester, now);
    // The agent cannot write the hub's thread state: the first requester's thread is marked
    // opening here, so the answer waits for the agent's "Diagnosing…" parent (diagnose.ts).
    if (!queued.joined && requester.kind === 'command')
      await this.conversations.setField(
        jobId('c', queued.jobId, requester.channel),
        'opening',
        '1',
      );
    return queued;
  }

  /** The plan a button names, in whichever cluster holds it. */
  async findPlan(planId: string): Promise<{ cluster: string; record: PlanRecord } | undefined> {
    const clusters = new Set([...this.known(), ...(await this.list()).map((s) => s.cluster)]);
    for (const cluster of clusters) {
      const record = await this.plansOf(cluster).get(planId);
      if (record) return { cluster, record };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
