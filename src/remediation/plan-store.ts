// Remediation plans live server-side in Redis under an opaque id; Slack buttons carry only the
// id, never the plan. State changes are atomic (a Lua script), so a double click, or three
// approvers clicking at once, moves a plan from `pending` to `applying` exactly once.
//
// A record is kept in three keys: the body (plan, target, thread: written once), the state
// (state, approvals, who decided: changed only by the Lua scripts), and what the apply did
// (written once by the flow). Lua never decodes the body: Redis's cjson turns `[]` into `{}` and
// rounds large integers, which would corrupt the JSON-patch `test` values of a plan.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Target } from '../diagnosis/types.js';
import type { Mutation, RemediationPlan } from '../diagnosis/fixes/types.js';

export const PLAN_STATES = [
  'pending',
  'applying',
  'applied',
  'rejected',
  'failed',
  'undoing',
  'undone',
] as const;
export type PlanState = (typeof PLAN_STATES)[number];

/** What an apply did to the cluster, kept for Undo and for the card. */
export interface AppliedChange {
  at: string;
  by: string;
  /** The object as the apply left it. */
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** The inverse with its `test` ops pinned to the values the server stored (defaults included). */
  inverse?: Mutation;
  /** The human diff of the server-side dry run. */
  diff?: string;
  /** Set when the policy clamped the plan (scale, memory). */
  clamped?: string;
  /** Whether the checks that raised the plan cleared, once verification ran. */
  verified?: boolean;
}

export interface PlanRecord {
  id: string;
  plan: RemediationPlan;
  target: Target & { namespace: string };
  /**
   * Slack users who asked for the diagnosis (none for alert threads). Identical requests join
   * one run, and each of them asked for the fix.
   */
  requesters?: string[];
  /** Records saved before requesters were a list; read through requestersOf. */
  requester?: string;
  channel?: string;
  threadTs?: string;
  /** The message holding this plan's Approve / Reject card. */
  cardTs?: string;
  createdAt: string;
  expiresAt: string;
  state: PlanState;
  approvals: string[];
  /** Who moved the plan to its current state, and when. */
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  /** Present once the plan was applied (kept after an undo). */
  applied?: AppliedChange;
}

type PlanBody = Omit<
  PlanRecord,
  'state' | 'approvals' | 'decidedBy' | 'decidedAt' | 'note' | 'applied'
>;
type PlanStatus = Pick<PlanRecord, 'state' | 'approvals' | 'decidedBy' | 'decidedAt' | 'note'>;

export type ClaimResult =
  | { ok: true; record: PlanRecord }
  | { ok: false; reason: 'not-found' | 'wrong-state' | 'already-approved'; record?: PlanRecord };

// KEYS[1] state key; ARGV: allowed states (comma list), new state, user, now, approvals needed.
// Adds the user's approval; moves to the new state once enough distinct approvals are in.
const CLAIM = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not-found', ''} end
local rec = cjson.decode(raw)
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if rec.state == s then allowed = true end end
if not allowed then return {'wrong-state', raw} end
if type(rec.approvals) ~= 'table' then rec.approvals = {} end
for _, u in ipairs(rec.approvals) do if u == ARGV[3] then return {'already-approved', raw} end end
table.insert(rec.approvals, ARGV[3])
if #rec.approvals >= tonumber(ARGV[5]) then
  rec.state = ARGV[2]
  rec.decidedBy = ARGV[3]
  rec.decidedAt = ARGV[4]
end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {'ok', out}
`;

// KEYS[1] state key; ARGV: allowed states (comma list), new state, note, user, now.
// Unconditional on approvals; an empty note or user leaves the field as it was.
const MOVE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not-found', ''} end
local rec = cjson.decode(raw)
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if rec.state == s then allowed = true end end
if not allowed then return {'wrong-state', raw} end
rec.state = ARGV[2]
if ARGV[3] ~= '' then rec.note = ARGV[3] end
if ARGV[4] ~= '' then
  rec.decidedBy = ARGV[4]
  rec.decidedAt = ARGV[5]
end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {'ok', out}
`;

export class PlanStore {
  constructor(
    readonly redis: Redis,
    readonly prefix = 'kubemedic',
    /** How long a plan stays approvable, and how long it is kept for Undo afterwards. */
    readonly ttlSeconds = 3600,
  ) {}

  // One hash tag per plan, so the three keys share a slot in Redis Cluster.
  private bodyKey(id: string): string {
    return `${this.prefix}:plan:{${id}}`;
  }

  private stateKey(id: string): string {
    return `${this.prefix}:plan:{${id}}:state`;
  }

  private appliedKey(id: string): string {
    return `${this.prefix}:plan:{${id}}:applied`;
  }

  async save(
    input: Omit<PlanRecord, 'id' | 'createdAt' | 'expiresAt' | 'state' | 'approvals' | 'applied'>,
    now = new Date(),
  ): Promise<PlanRecord> {
    const body: PlanBody = {
      ...input,
      id: randomBytes(12).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000).toISOString(),
    };
    const status: PlanStatus = { state: 'pending', approvals: [] };
    // Kept a day past expiry so a late click gets "expired" rather than "unknown", and Undo works.
    const ttl = this.ttlSeconds + 86_400;
    await this.redis
      .multi()
      .set(this.bodyKey(body.id), JSON.stringify(body), 'EX', ttl)
      .set(this.stateKey(body.id), JSON.stringify(status), 'EX', ttl)
      .exec();
    return { ...body, ...status };
  }

  async get(id: string): Promise<PlanRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) return undefined;
    const [body, status, applied] = await this.redis.mget(
      this.bodyKey(id),
      this.stateKey(id),
      this.appliedKey(id),
    );
    if (!body || !status) return undefined;
    return assemble(body, status, applied ?? null);
  }

  async setCard(id: string, channel: string, cardTs: string): Promise<void> {
    const raw = await this.redis.get(this.bodyKey(id));
    if (!raw) return;
    const body = JSON.parse(raw) as PlanBody;
    await this.redis.set(this.bodyKey(id), JSON.stringify({ ...body, channel, cardTs }), 'KEEPTTL');
  }

  /** Records what an apply did (before the state moves to `applied`). */
  async setApplied(id: string, applied: AppliedChange): Promise<void> {
    const ttl = await this.redis.ttl(this.stateKey(id));
    await this.redis.set(
      this.appliedKey(id),
      JSON.stringify(applied),
      'EX',
      ttl > 0 ? ttl : this.ttlSeconds + 86_400,
    );
  }

  /** Records an approval; moves `from` -> `to` once `needed` distinct users approved. Atomic. */
  async claim(
    id: string,
    from: PlanState[],
    to: PlanState,
    user: string,
    needed = 1,
    now = new Date(),
  ): Promise<ClaimResult> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) return { ok: false, reason: 'not-found' };
    const [status, raw] = (await this.redis.eval(
      CLAIM,
      1,
      this.stateKey(id),
      from.join(','),
      to,
      user,
      now.toISOString(),
      String(needed),
    )) as [string, string];
    const record = raw ? await this.withBody(id, raw) : undefined;
    if (status === 'ok' && record) return { ok: true, record };
    if (status === 'ok') return { ok: false, reason: 'not-found' };
    return {
      ok: false,
      reason: status as 'not-found' | 'wrong-state' | 'already-approved',
      record,
    };
  }

  /** Moves a plan from one state to the next (applying -> applied/failed, ...). Atomic. */
  async move(
    id: string,
    from: PlanState | PlanState[],
    to: PlanState,
    note = '',
    by?: { user: string; at?: Date },
  ): Promise<PlanRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) return undefined;
    const [status, raw] = (await this.redis.eval(
      MOVE,
      1,
      this.stateKey(id),
      (Array.isArray(from) ? from : [from]).join(','),
      to,
      note,
      by?.user ?? '',
      (by?.at ?? new Date()).toISOString(),
    )) as [string, string];
    if (status !== 'ok') return undefined;
    return this.withBody(id, raw);
  }

  private async withBody(id: string, status: string): Promise<PlanRecord | undefined> {
    const [body, applied] = await this.redis.mget(this.bodyKey(id), this.appliedKey(id));
    return body ? assemble(body, status, applied ?? null) : undefined;
  }
}

/** Everyone who asked for the plan's diagnosis, from a record old (one requester) or new. */
export function requestersOf(record: Pick<PlanRecord, 'requester' | 'requesters'>): string[] {
  const all = [...(record.requesters ?? []), ...(record.requester ? [record.requester] : [])];
  return [...new Set(all)];
}

function assemble(body: string, status: string, applied: string | null): PlanRecord {
  const s = JSON.parse(status) as PlanStatus;
  // cjson encodes an empty Lua table as {}, not []
  if (!Array.isArray(s.approvals)) s.approvals = [];
  const record: PlanRecord = { ...(JSON.parse(body) as PlanBody), ...s };
  if (applied) record.applied = JSON.parse(applied) as AppliedChange;
  return record;
}
