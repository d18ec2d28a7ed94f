// The one way kubemedic opens Redis connections. Commands fail fast while Redis is down (so an
// HTTP handler can answer 503 at once instead of queueing work in memory); worker connections
// retry forever, as BullMQ requires for its blocking reads. With Sentinel every connection asks
// the sentinels for the primary, and finds the new one after a failover.
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSentinelConfig } from '../config/env.js';
import { log } from '../log.js';

export type RedisRole = 'command' | 'worker';

export class RedisUnavailableError extends Error {}

/** A demoted primary answers writes with READONLY: reconnect, and Sentinel names the new one. */
function readonlyReconnect(err: Error): boolean {
  return err.message.startsWith('READONLY');
}

/**
 * Through Sentinel, REDIS_URL gives only what the data nodes need (user, password, db, TLS);
 * its host is not used.
 */
function sentinelOptions(url: string, sentinel: RedisSentinelConfig): RedisOptions {
  const u = new URL(url);
  const db = Number(u.pathname.slice(1) || '0');
  return {
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    sentinelPassword: sentinel.password,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    ...(u.protocol === 'rediss:' ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // Sentinels announce +switch-master: connections move at once instead of on their next error.
    failoverDetector: true,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
}

export function openRedis(url: string, role: RedisRole, sentinel?: RedisSentinelConfig): Redis {
  const options: RedisOptions = {
    // Command connections are connected explicitly (connectRedis) so start-up can fail clearly.
    lazyConnect: role === 'command',
    connectionName: `kubemedic-${role}`,
    enableOfflineQueue: role === 'worker',
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5000,
    // Reconnect quickly but without a storm: 100 ms, 200 ms, ... up to 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    reconnectOnError: readonlyReconnect,
  };
  const redis = sentinel
    ? new Redis({ ...options, ...sentinelOptions(url, sentinel) })
    : new Redis(url, options);
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
export async function connectRedis(
  redis: Redis,
  url: string,
  timeoutMs = 10_000,
  sentinel?: RedisSentinelConfig,
): Promise<void> {
  const shown = describeRedis(url, sentinel);
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

/** Where Redis is, for logs and /readyz: the URL without its password, or the sentinels. */
export function describeRedis(url: string, sentinel?: RedisSentinelConfig): string {
  if (!sentinel) return redactUrl(url);
  const hosts = sentinel.sentinels
    .map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`)
    .join(',');
  return `primary "${sentinel.name}" via sentinels ${hosts}`;
}

/**
 * Waits until `replicas` replicas hold every write this connection made so far (Redis WAIT), so
 * that acknowledged work survives a failover; throws RedisUnavailableError when they do not
 * confirm within `timeoutMs`. With `replicas` 0 it returns at once.
 */
export async function replicated(
  redis: Redis,
  acks: { replicas: number; timeoutMs: number },
): Promise<void> {
  if (acks.replicas <= 0) return;
  const confirmed = await redis.wait(acks.replicas, acks.timeoutMs);
  if (confirmed < acks.replicas)
    throw new RedisUnavailableError(
      `only ${confirmed} of ${acks.replicas} Redis replicas confirmed the write within ${acks.timeoutMs} ms`,
    );
}

/**
 * What /readyz says of Redis: where the primary is, and whether enough replicas are attached to
 * confirm accepted work (else the webhook answers 503 to everything). Throws when unreachable.
 */
export async function redisHealth(
  redis: Redis,
  acks: { replicas: number },
): Promise<{ ok: boolean; detail: string }> {
  const info = await redis.info('replication');
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const replicas = Number(field('connected_slaves') ?? 0);
  const at = redis.stream?.remoteAddress
    ? `${redis.stream.remoteAddress}:${redis.stream.remotePort}`
    : 'unknown address';
  if (field('role') !== 'master')
    return { ok: false, detail: `connected to a replica at ${at}, not the primary` };
  const detail = `primary at ${at}, ${replicas} replica${replicas === 1 ? '' : 's'}`;
  if (replicas < acks.replicas)
    return {
      ok: false,
      detail: `${detail}; ${acks.replicas} must confirm accepted work (KUBEMEDIC_REDIS_REPLICA_ACKS)`,
    };
  return { ok: true, detail };
}

/**
 * An error that says Redis could not be reached or could not take writes (a dropped connection,
 * a failover in progress), as opposed to a bug: the caller answers 503 and is retried.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /Stream isn't writeable|Connection is closed|max retries per request|ECONNREFUSED|ECONNRESET|EPIPE|^READONLY|^LOADING|^MASTERDOWN|All sentinels are unreachable/.test(
    message,
  );
}

/** True when the connection can take commands now. */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}
