// A conversation is one Slack thread kubemedic writes to: its channel, its parent's ts, what the
// parent shows (ThreadState), and how far each slack-post job got. All of it lives in one Redis
// hash, so a restarted bot (or another replica) carries on the same thread.
import type { Redis } from 'ioredis';
import {
  AlertStateSchema,
  FIX_RANK,
  type FixState,
  FixStateSchema,
  STAGE_RANK,
  type AlertState,
  type TargetSummary,
  TargetSummarySchema,
  type ThreadKind,
  type ThreadState,
} from '../thread-state.js';

const TTL_SECONDS = 30 * 86_400;

export interface Conversation extends ThreadState {
  id: string;
  channel?: string;
  /** The channel id Slack answered with when the parent was posted. */
  channelId?: string;
  parentTs?: string;
  /** Set when the parent could not be posted for good (channel_not_found, ...). */
  error?: string;
  /** An op that opens the thread is queued: others wait for it, so "Diagnosing…" comes first. */
  opening: boolean;
}

// KEYS[1] lock key; ARGV: token, ttl ms. Re-entrant for the same token (a retried job).
const LOCK = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

function parseJson<T>(
  raw: string | undefined,
  parse: (v: unknown) => T | undefined,
): T | undefined {
  if (!raw) return undefined;
  try {
    return parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

export class Conversations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:conv:${id}`;
  }

  private threadKey(channelId: string, ts: string): string {
    return `${this.prefix}:thread:${channelId}:${ts}`;
  }

  async get(id: string): Promise<Conversation> {
    const h = await this.redis.hgetall(this.key(id));
    const targets: TargetSummary[] = [];
    const fixes: FixState[] = [];
    for (const [field, raw] of Object.entries(h))
      if (field.startsWith('target:')) {
        const t = parseJson(raw, (v) => TargetSummarySchema.safeParse(v).data);
        if (t) targets.push(t);
      } else if (field.startsWith('fix:')) {
        const f = parseJson(raw, (v) => FixStateSchema.safeParse(v).data);
        if (f) fixes.push(f);
      }
    targets.sort((a, b) => a.key.localeCompare(b.key));
    fixes.sort((a, b) => a.at.localeCompare(b.at));
    return {
      id,
      kind: (h.kind as ThreadKind | undefined) ?? 'command',
      channel: h.channel,
      channelId: h.channelId,
      parentTs: h.parentTs,
      error: h.error,
      opening: h.opening === '1',
      requestedBy:
        parseJson(h.requestedBy, (v) =>
          Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : undefined,
        ) ?? [],
      alert: parseJson(h.alert, (v) => AlertStateSchema.safeParse(v).data),
      targets,
      openedAt: h.openedAt,
      fixes,
    };
  }

  private async hset(id: string, fields: Record<string, string>): Promise<void> {
    await this.redis.multi().hset(this.key(id), fields).expire(this.key(id), TTL_SECONDS).exec();
  }

  /** Creates the conversation's fixed fields once; later calls leave them as they are. */
  async init(id: string, channel: string, kind: ThreadKind, openedAt = new Date()): Promise<void> {
    await this.redis
      .multi()
      .hsetnx(this.key(id), 'channel', channel)
      .hsetnx(this.key(id), 'kind', kind)
      .hsetnx(this.key(id), 'openedAt', openedAt.toISOString())
      .expire(this.key(id), TTL_SECONDS)
      .exec();
  }

  async setAlert(id: string, alert: AlertState): Promise<void> {
    await this.hset(id, { alert: JSON.stringify(alert) });
  }

  /**
   * Merges a target's summary unless the stored one is further along; says whether anything
   * changed. Call under the lock.
   */
  async mergeSummary(id: string, summary: TargetSummary): Promise<boolean> {
    const field = `target:${summary.key}`;
    const raw = (await this.redis.hget(this.key(id), field)) ?? undefined;
    const current = parseJson(raw, (v) => TargetSummarySchema.safeParse(v).data);
    // A later diagnosis (Diagnose again) replaces an earlier one; within one, later stages win.
    const order = (s: TargetSummary) => [s.diagnosedAt ?? '', STAGE_RANK[s.stage]] as const;
    if (current) {
      const [curAt, curRank] = order(current);
      const [newAt, newRank] = order(summary);
      if (newAt < curAt || (newAt === curAt && newRank <= curRank)) return false;
    }
    await this.hset(id, { [field]: JSON.stringify(summary) });
    return true;
  }

  /** Records how far a fix got unless the stored state is further along. Call under the lock. */
  async mergeFix(id: string, fix: FixState): Promise<boolean> {
    const field = `fix:${fix.planId}`;
    const raw = (await this.redis.hget(this.key(id), field)) ?? undefined;
    const current = parseJson(raw, (v) => FixStateSchema.safeParse(v).data);
    if (current && FIX_RANK[current.stage] >= FIX_RANK[fix.stage]) return false;
    await this.hset(id, { [field]: JSON.stringify(fix) });
    return true;
  }

  /** Adds users to "requested by"; says whether anyone was new. Call under the lock. */
  async addRequesters(id: string, users: string[]): Promise<boolean> {
    const current = (await this.get(id)).requestedBy;
    const merged = [...new Set([...current, ...users])];
    if (merged.length === current.length) return false;
    await this.hset(id, { requestedBy: JSON.stringify(merged) });
    return true;
  }

  async setParent(id: string, channelId: string, ts: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(id), { channelId, parentTs: ts })
      .expire(this.key(id), TTL_SECONDS)
      .set(this.threadKey(channelId, ts), id, 'EX', TTL_SECONDS)
      .exec();
  }

  async setError(id: string, error: string): Promise<void> {
    await this.hset(id, { error });
  }

  /** The conversation a thread belongs to, for notices that only know the thread's ts. */
  async ofThread(channelId: string, ts: string): Promise<string | undefined> {
    return (await this.redis.get(this.threadKey(channelId, ts))) ?? undefined;
  }

  /**
   * The conversation a person names: a thread's ts (the parent's, as Slack's "copy link" shows
   * it; `channel` narrows it), a conversation id, or an Alertmanager groupKey (its latest thread).
   */
  async find(ref: string, channel?: string): Promise<string | undefined> {
    if (/^\d{9,11}\.\d{1,6}$/.test(ref)) {
      if (channel) return this.ofThread(channel, ref);
      const [key] = await this.scan(`${this.prefix}:thread:*:${ref}`);
      return key ? ((await this.redis.get(key)) ?? undefined) : undefined;
    }
    if ((await this.redis.type(this.key(ref))) === 'hash') return ref;
    let best: { id: string; openedAt: string } | undefined;
    for (const key of await this.scan(`${this.prefix}:conv:*`)) {
      if ((await this.redis.type(key)) !== 'hash') continue;
      const [alert, openedAt] = await this.redis.hmget(key, 'alert', 'openedAt');
      const state = parseJson(alert ?? undefined, (v) => AlertStateSchema.safeParse(v).data);
      if (state?.groupKey !== ref) continue;
      const id = key.slice(`${this.prefix}:conv:`.length);
      if (!best || (openedAt ?? '') > best.openedAt) best = { id, openedAt: openedAt ?? '' };
    }
    return best?.id;
  }

  private async scan(match: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    return keys;
  }

  /** How many ops of a job are done (a retried job resumes after them). */
  async progress(id: string, job: string): Promise<number> {
    return Number((await this.redis.hget(this.key(id), `done:${job}`)) ?? 0);
  }

  async markDone(id: string, job: string, count: number): Promise<void> {
    await this.hset(id, { [`done:${job}`]: String(count) });
  }

  /** The next position among the conversation's ordered jobs (1, 2, …). */
  async nextSeq(id: string): Promise<number> {
    const [[, seq] = []] =
      (await this.redis
        .multi()
        .incr(`${this.key(id)}:seq`)
        .expire(`${this.key(id)}:seq`, TTL_SECONDS)
        .exec()) ?? [];
    return Number(seq);
  }

  /** The last ordered job that finished. */
  async seqDone(id: string): Promise<number> {
    return Number((await this.redis.hget(this.key(id), 'seqDone')) ?? 0);
  }

  /** Marks an ordered job finished. Call under the lock. */
  async markSeqDone(id: string, seq: number): Promise<void> {
    if (seq > (await this.seqDone(id))) await this.hset(id, { seqDone: String(seq) });
  }

  async field(id: string, name: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(id), name)) ?? undefined;
  }

  async setField(id: string, name: string, value: string): Promise<void> {
    await this.hset(id, { [name]: value });
  }

  /** One job at a time per conversation, so its messages land in order. */
  async lock(id: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(LOCK, 1, `${this.key(id)}:lock`, token, String(ttlMs))) === 1;
  }

  async unlock(id: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, `${this.key(id)}:lock`, token);
  }
}
