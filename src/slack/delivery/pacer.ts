// Slack asks for about one message per second per channel and answers 429 with Retry-After
// when a method is called too often. The pacer keeps both in Redis, so every replica paces the
// same channel together: reserve() books the next slot and says how long to wait for it.
import type { Redis } from 'ioredis';

// KEYS[1] channel slot key, KEYS[2] method block key. ARGV: interval ms (0: no slot needed),
// the longest wait the caller will sit out. Returns the wait in ms; the slot is booked only if
// the wait is within that longest wait (a caller told to come back later holds no slot).
// Uses Redis's clock, so replicas agree.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
local interval = tonumber(ARGV[1])
local at = math.max(now, blocked)
if interval > 0 then at = math.max(at, tonumber(redis.call('GET', KEYS[1]) or '0')) end
if at - now > tonumber(ARGV[2]) then return at - now end
if interval > 0 then
  redis.call('SET', KEYS[1], tostring(at + interval), 'PX', at - now + interval + 1000)
end
return at - now
`;

// KEYS[1] key; ARGV: ms from now. Pushes the key's time forward, never back.
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > cur then redis.call('SET', KEYS[1], tostring(until_), 'PX', tonumber(ARGV[1]) + 1000) end
return until_
`;

export class SlackPacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly channelIntervalMs: number,
  ) {}

  private channelKey(channel: string): string {
    return `${this.prefix}:pace:channel:${channel}`;
  }

  private methodKey(method: string): string {
    return `${this.prefix}:pace:method:${method}`;
  }

  /**
   * Books the next slot for `method` (channel messages, postMessage, are also spaced per
   * channel) if it comes within `maxWaitMs`, and returns the wait. A longer wait books nothing:
   * the caller comes back later instead of holding a worker.
   */
  async reserve(method: string, channel: string, maxWaitMs = Infinity): Promise<number> {
    const perChannel = method === 'chat.postMessage' ? this.channelIntervalMs : 0;
    const wait = await this.redis.eval(
      RESERVE,
      2,
      this.channelKey(channel),
      this.methodKey(method),
      String(perChannel),
      Number.isFinite(maxWaitMs) ? String(maxWaitMs) : '1e15',
    );
    return Number(wait);
  }

  /**
   * After a 429: until Retry-After has passed nobody posts in `channel` (postMessage's limit is
   * per channel) or calls `method` (the other methods' limits are per workspace).
   */
  async rateLimited(method: string, channel: string, retryAfterMs: number): Promise<void> {
    const key = method === 'chat.postMessage' ? this.channelKey(channel) : this.methodKey(method);
    await this.redis.eval(BLOCK, 1, key, String(retryAfterMs));
  }
}
