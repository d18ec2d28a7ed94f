// The one way kubemedic opens Redis connections. Commands fail fast while Redis is down (so an
// HTTP handler can answer 503 at once instead of queueing work in memory); worker connections
// retry forever, as BullMQ requires for its blocking reads.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { log } from '../log.js';

export type RedisRole = 'command' | 'worker';

export class RedisUnavailableError extends Error {}

export function openRedis(url: string, role: RedisRole): Redis {
  const redis = new Redis(url, {
    // Command connections are connected explicitly (connectRedis) so start-up can fail clearly.
    lazyConnect: role === 'command',
    connectionName: `kubemedic-${role}`,
    enableOfflineQueue: role === 'worker',
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5000,
    // Reconnect quickly but without a storm: 100 ms, 200 ms, ... up to 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each change once.
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ role, err: err.message }, 'redis connection error');
  });
  redis.on('ready', () => {
    if (lastError) log.info({ role }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/** Connects, or throws RedisUnavailableError naming the URL (without its password). */
export async function connectRedis(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  const shown = redactUrl(url);
  const timer = AbortSignal.timeout(timeoutMs);
  try {
    if (redis.status === 'wait') await Promise.race([redis.connect(), rejectOn(timer)]);
    if (redis.status !== 'ready') await once(redis, 'ready', { signal: timer });
  } catch (err) {
    redis.disconnect();
    throw new RedisUnavailableError(
      `cannot connect to Redis at ${shown}: ${err instanceof Error && err.name !== 'AbortError' ? err.message : `no answer within ${timeoutMs / 1000}s`}`,
    );
  }
}

function rejectOn(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** True when the connection can take commands now. */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}
