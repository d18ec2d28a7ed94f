// A real Redis Sentinel set on loopback ports, for failover tests: one primary, its replicas and
// three sentinels (`redis-server sentinel.conf --sentinel`, which Debian's redis-server runs), in
// a temp dir, with a short down-after so a killed primary is replaced within seconds.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './cluster.js';
import { freePort } from './redis-server.js';

export const SENTINEL_NAME = 'mymaster';

interface Node {
  port: number;
  child: ChildProcess;
}

function spawnRedis(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}

async function probe(port: number): Promise<Redis> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Runs `fn` against 127.0.0.1:port over a fresh connection (none is kept across a kill). */
async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = await probe(port);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export class SentinelSet {
  private readonly data: Node[] = [];
  private readonly sentinels: Node[] = [];

  private constructor(private readonly dir: string) {}

  /** Starts the primary, `replicas` replicas and three sentinels, and waits until all know each other. */
  static async start(opts: { replicas: number; downAfterMs?: number }): Promise<SentinelSet> {
    const set = new SentinelSet(mkdtempSync(join(tmpdir(), 'kubemedic-sentinel-')));
    try {
      await set.boot(opts.replicas, opts.downAfterMs ?? 1000);
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  private async boot(replicas: number, downAfterMs: number): Promise<void> {
    const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    const primary = await freePort();
    this.data.push({ port: primary, child: spawnRedis(['--port', String(primary), ...base]) });
    for (let i = 0; i < replicas; i++) {
      const port = await freePort();
      const args = ['--port', String(port), ...base, '--replicaof', '127.0.0.1', String(primary)];
      this.data.push({ port, child: spawnRedis(args) });
    }
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // Sentinel rewrites its config file: one each.
      const conf = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} ${downAfterMs}`,
          `sentinel failover-timeout ${SENTINEL_NAME} ${downAfterMs * 3}`,
          `sentinel parallel-syncs ${SENTINEL_NAME} ${replicas}`,
          '',
        ].join('\n'),
      );
      this.sentinels.push({ port, child: spawnRedis([conf, '--sentinel']) });
    }
    await waitFor(
      'the replicas to sync and the sentinels to see each other and the replicas',
      async () => {
        for (const node of this.data.slice(1)) {
          const info = await ask(node.port, (r) => r.info('replication'));
          if (!info.includes('master_link_status:up')) return false;
        }
        for (const s of this.sentinels) {
          const [others, seen] = await ask(s.port, async (r) => [
            (await r.call('SENTINEL', 'SENTINELS', SENTINEL_NAME)) as unknown[],
            (await r.call('SENTINEL', 'REPLICAS', SENTINEL_NAME)) as unknown[],
          ]);
          if (others?.length !== 2 || seen?.length !== replicas) return false;
        }
        return true;
      },
      30_000,
      200,
    );
  }

  /** REDIS_SENTINELS for the bot. */
  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The primary's port as the sentinels see it. */
  async primaryPort(): Promise<number> {
    for (const s of this.sentinels) {
      const addr = await ask(
        s.port,
        (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME) as Promise<string[]>,
      ).catch(() => undefined);
      if (addr?.[1]) return Number(addr[1]);
    }
    throw new Error('no sentinel answered');
  }

  /** INFO replication of the node on `port`: its role and attached replicas, for failure reports. */
  async replicationOf(port: number): Promise<string> {
    const info = await ask(port, (r) => r.info('replication'));
    return info
      .split('\r\n')
      .filter((l) => /^(role|connected_slaves|slave\d+|master_link_status):/.test(l))
      .join('; ');
  }

  /** SIGKILLs the current primary (no shutdown, nothing flushed) and returns its port. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    const node = this.data.find((n) => n.port === port);
    if (!node) throw new Error(`the primary ${port} is not one of ours`);
    const exited = new Promise((resolve) => node.child.once('exit', resolve));
    node.child.kill('SIGKILL');
    await exited;
    return port;
  }

  /** A client of the node on `port`, for assertions on what it holds. */
  client(port: number): Redis {
    return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    const all = [...this.sentinels, ...this.data].filter((n) => n.child.exitCode === null);
    await Promise.all(
      all.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
            n.child.once('exit', () => resolve());
            n.child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
