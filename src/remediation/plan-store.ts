// Remediation plans live server-side in Redis under an opaque id; Slack buttons carry only the
// id, never the plan. State changes are atomic (a Lua script), so a double click, or three
// approvers clicking at once, moves a plan from `pending` to `applying` exactly once.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Target } from '../diagnosis/types.js';
import type { RemediationPlan } from './plan-types.js';

export const PLAN_STATES = ['pending', 'applying', 'applied', 'rejected', 'failed', 'undoing', 'undone'] as const;
export type PlanState = (typeof PLAN_STATES)[number];

export interface PlanRecord {
  id: string;
  plan: RemediationPlan;
  target: Target & { namespace: string };
  /** Slack user who asked for the diagnosis (absent for alert threads). */
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
}

export type ClaimResult =
  | { ok: true; record: PlanRecord }
  | { ok: false; reason: 'not-found' | 'wrong-state' | 'already-approved'; record?: PlanRecord };

// KEYS[1] plan key; ARGV: allowed states (comma list), new state, user, now, approvals needed.
// Adds the user's approval; moves to the new state once enough distinct approvals are in.
const CLAIM = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not-found', ''} end
local rec = cjson.decode(raw)
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if rec.state == s then allowed = true end end
if not allowed then return {'wrong-state', raw} end
rec.approvals = rec.approvals or {}
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

// KEYS[1] plan key; ARGV: expected state, new state, note. Unconditional on approvals.
const MOVE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not-found', ''} end
local rec = cjson.decode(raw)
if rec.state ~= ARGV[1] then return {'wrong-state', raw} end
rec.state = ARGV[2]
if ARGV[3] ~= '' then rec.note = ARGV[3] end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
return {'ok', out}
`;

export class PlanStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kubemedic',
    /** How long a plan stays approvable, and how long it is kept for Undo afterwards. */
    readonly ttlSeconds = 3600,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:plan:${id}`;
  }

  async save(input: Omit<PlanRecord, 'id' | 'createdAt' | 'expiresAt' | 'state' | 'approvals'>, now = new Date()): Promise<PlanRecord> {
    const record: PlanRecord = {
      ...input,
      id: randomBytes(12).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000).toISOString(),
      state: 'pending',
      approvals: [],
    };
    // Kept a day past expiry so a late click gets "expired" rather than "unknown", and Undo works.
    await this.redis.set(this.key(record.id), JSON.stringify(record), 'EX', this.ttlSeconds + 86_400);
    return record;
  }

  async get(id: string): Promise<PlanRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as PlanRecord) : undefined;
  }

  async setCard(id: string, channel: string, cardTs: string): Promise<void> {
    const rec = await this.get(id);
    if (!rec) return;
    await this.redis.set(this.key(id), JSON.stringify({ ...rec, channel, cardTs }), 'KEEPTTL');
  }

  /** Records an approval; moves `from` -> `to` once `needed` distinct users approved. Atomic. */
  async claim(id: string, from: PlanState[], to: PlanState, user: string, needed = 1, now = new Date()): Promise<ClaimResult> {
    const [status, raw] = (await this.redis.eval(CLAIM, 1, this.key(id), from.join(','), to, user, now.toISOString(), String(needed))) as [string, string];
    const record = raw ? (JSON.parse(raw) as PlanRecord) : undefined;
    // cjson encodes an empty Lua table as {}, not []
    if (record && !Array.isArray(record.approvals)) record.approvals = [];
    if (status === 'ok' && record) return { ok: true, record };
    return { ok: false, reason: status as 'not-found' | 'wrong-state' | 'already-approved', record };
  }

  /** Moves a plan from one state to the next (applying -> applied/failed, ...). Atomic. */
  async move(id: string, from: PlanState, to: PlanState, note = ''): Promise<PlanRecord | undefined> {
    const [status, raw] = (await this.redis.eval(MOVE, 1, this.key(id), from, to, note)) as [string, string];
    if (status !== 'ok') return undefined;
    const record = JSON.parse(raw) as PlanRecord;
    if (!Array.isArray(record.approvals)) record.approvals = [];
    return record;
  }
}
