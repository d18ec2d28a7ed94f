// The bot under load, as its own process (the build `npm run bench` makes), with real Redis and
// the fake Slack Web API:
// - ack latency of 50, 200 and 1,000 concurrent signed /diagnose commands, each level repeated;
//   a run's p99 is one figure, and the runs' p99s are given as min, median and max;
// - resident memory (VmRSS) idle, at its highest during a 200-command burst, and after 10,000
//   Alertmanager notifications, and the live heap (a heap snapshot's objects, after a full
//   collection) at the end of each cycle; the whole cycle repeated to show whether it grows. RSS
//   alone rises and falls by 100 MiB from cycle to cycle as V8 sizes its heap, so a trend needs
//   several cycles, and the live heap tells a leak from memory kept for later.
// Benchmarks are not tests: nothing here asserts a time or a size.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import {
  DEFAULT_REDIS_URL,
  deletePrefix,
  postAlert,
  testEnv,
  uniquePrefix,
  zeroEndpointsAlert,
} from '../support/app.js';
import { type FakeSlackProcess, startFakeSlackProcess } from './fake-slack-process.js';
import { parse as parseYaml } from 'yaml';
import { NOWHERE_KUBECONFIG } from '../support/bot-process.js';
import { repoRoot } from '../support/cluster.js';
import { CommandLoad } from './load.js';
import { startYardstick } from './yardstick-server.js';
import { type Spread, cpuMs, liveHeapMiB, rssMiB, spread } from './process.js';
import { startBot, stopBot } from './slack.js';
import { percentile } from './stats.js';

const LEVELS = (process.env.BENCH_ACK_LEVELS ?? '50,200,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_ACK_RUNS ?? 5);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 6);
const BURST = 200;

export interface AckBench {
  /**
   * Per level: the p50 and p99 of each run, as min/median/max over the runs; and the CPU time
   * the bot and the load generator (this process, on the same cores) spent per command.
   */
  levels: {
    concurrent: number;
    runs: number;
    p50Ms: Spread;
    p99Ms: Spread;
    maxMs: Spread;
    botCpuMsPerCommand: Spread;
    clientCpuMsPerCommand: Spread;
    /** Redis's CPU time per command (INFO cpu), on the same cores. */
    redisCpuMsPerCommand: Spread;
    /**
     * The burst's CPU time (bot, Redis and load generator) spread over the machine's cores, ms:
     * no p99 can be lower, however the work were divided among processes.
     */
    cpuFloorMs: Spread;
    /**
     * The yardstick's ack p99 and CPU per command, its runs alternating with the bot's: a bare
     * node:http server that only checks the signature (yardstick-server.ts), under the same load.
     */
    yardstick: { p99Ms: Spread; cpuMsPerCommand: Spread };
    /** The machine's 1-minute load average when the level finished (2 cores: above 2, queued). */
    loadAverage: number;
  }[];
  memory: {
    cycles: {
      idleMiB: number;
      burstPeakMiB: number;
      afterAlertsMiB: number;
      liveHeapMiB: number;
    }[];
    alertsPerCycle: number;
    burst: number;
    /** Least-squares slope across the cycles, MiB per cycle: growth shows as a steady rise. */
    trendMiBPerCycle: { idle: number; afterAlerts: number; liveHeap: number };
  };
}

/** The slope of a least-squares line through (0, v0), (1, v1), ... */
export function slope(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of values.entries()) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return Math.round((num / den) * 10) / 10;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Redis's CPU time so far (user + system), ms, as INFO cpu reports it. */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** Resolves once the fake Slack has had no call for a second (at most 60 s). */
async function drained(fake: FakeSlackProcess): Promise<void> {
  const until = Date.now() + 60_000;
  let seen = -1;
  for (let now = await fake.calls(); Date.now() < until && now !== seen; now = await fake.calls()) {
    seen = now;
    await settle(1000);
  }
}

/** A burst of N concurrent /diagnose commands, all for the one Service, from N users. */
function diagnoseBurst(load: CommandLoad, ns: string, tag: string) {
  return load.burst(
    () => `api-service -n ${ns}`,
    (i) => `U0${tag}${i}`,
  );
}

/** Alertmanager notifications, `parallel` at a time, all for the one seed incident. */
async function alerts(url: string, ns: string, count: number, parallel = 16): Promise<void> {
  const body = JSON.stringify(zeroEndpointsAlert(ns));
  let sent = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (sent < count) {
        sent++;
        const res = await postAlert(url, body);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`alert refused: ${res.status}`);
      }
    }),
  );
}

/** An untimed burst of `help` commands: warms the connections' paths and the JIT. */
function warm(load: CommandLoad) {
  return load.burst(
    () => 'help',
    (i) => `U0W${i}`,
  );
}

export async function benchAck(): Promise<AckBench> {
  const fake = await startFakeSlackProcess();
  const seed = { name: 'bench-ack' };
  const prefix = uniquePrefix('bench-ack');
  const heapDir = mkdtempSync(join(tmpdir(), 'kubemedic-bench-heap-'));
  // The front door is measured, not the diagnosis: the bot's kubeconfig names a closed port, so
  // each coalesced diagnosis fails at once (its requesters are told so) and the figures do not
  // depend on whether the test cluster is up.
  const kubeconfig = join(heapDir, 'kubeconfig');
  writeFileSync(kubeconfig, NOWHERE_KUBECONFIG);
  const env = testEnv({ prefix, mode: 'http', slack: fake, env: { KUBECONFIG: kubeconfig } });
  // As the chart runs it: V8's heap bounded by the chart's nodeHeapMiB.
  const chart = parseYaml(
    readFileSync(join(repoRoot, 'infra/helm/kubemedic/values.yaml'), 'utf8'),
  ) as { nodeHeapMiB: number };
  const { url, child } = await startBot(env, [
    `--max-old-space-size=${chart.nodeHeapMiB}`,
    '--heapsnapshot-signal=SIGUSR2',
    `--diagnostic-dir=${heapDir}`,
  ]);
  const pid = child.pid as number;
  const redis = new Redis(DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  const cores = availableParallelism();
  const yardstick = await startYardstick();
  try {
    const levels: AckBench['levels'] = [];
    for (const n of LEVELS) {
      const load = await CommandLoad.open(url, n);
      const bare = await CommandLoad.open(yardstick.url, n);
      try {
        await warm(load);
        const p50: number[] = [];
        const p99: number[] = [];
        const max: number[] = [];
        const botCpu: number[] = [];
        const clientCpu: number[] = [];
        const redisCpu: number[] = [];
        const floor: number[] = [];
        const yardP99: number[] = [];
        const yardCpu: number[] = [];
        await warm(bare);
        for (let r = 0; r < RUNS; r++) {
          // The yardstick's run first, on an idle machine as the bot's is.
          const yardBefore = cpuMs(yardstick.pid);
          const y = await diagnoseBurst(bare, seed.name, `Y${n}R${r}X`);
          yardCpu.push((cpuMs(yardstick.pid) - yardBefore) / n);
          yardP99.push(percentile(y.acksMs, 99));
          await settle(500);
          const before = cpuMs(pid);
          const redisBefore = await redisCpuMs(redis);
          const { acksMs, clientCpuMs } = await diagnoseBurst(load, seed.name, `L${n}R${r}X`);
          const bot = cpuMs(pid) - before;
          const red = (await redisCpuMs(redis)) - redisBefore;
          botCpu.push(bot / n);
          clientCpu.push(clientCpuMs / n);
          redisCpu.push(red / n);
          floor.push((bot + red + clientCpuMs) / cores);
          p50.push(percentile(acksMs, 50));
          p99.push(percentile(acksMs, 99));
          max.push(percentile(acksMs, 100));
          // Each run meets an idle bot: the coalesced diagnosis and its replies (here one
          // ephemeral per requester saying the cluster cannot be reached, some 3 ms of the bot's
          // CPU each) drain first, or they would be measured as part of the next burst's acks.
          await drained(fake);
          // Draining outlasts the bot's keep-alive (5 s): warm the connections again, untimed.
          await warm(load);
          await warm(bare);
        }
        levels.push({
          concurrent: n,
          runs: RUNS,
          p50Ms: spread(p50),
          p99Ms: spread(p99),
          maxMs: spread(max),
          botCpuMsPerCommand: spread(botCpu, 3),
          clientCpuMsPerCommand: spread(clientCpu, 3),
          redisCpuMsPerCommand: spread(redisCpu, 3),
          cpuFloorMs: spread(floor),
          yardstick: { p99Ms: spread(yardP99), cpuMsPerCommand: spread(yardCpu, 3) },
          loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
        });
        console.log(
          `[bench] ${n} concurrent /diagnose acks: p99 median ${spread(p99).median} ms (min ${spread(p99).min}, max ${spread(p99).max}); p50 median ${spread(p50).median} ms; CPU per command: bot ${spread(botCpu, 3).median} ms, Redis ${spread(redisCpu, 3).median} ms, load generator ${spread(clientCpu, 3).median} ms; the burst's CPU over ${cores} cores ${spread(floor).median} ms; yardstick (bare node:http, signature only) p99 median ${spread(yardP99).median} ms, CPU ${spread(yardCpu, 3).median} ms per command; load average ${loadavg()[0]?.toFixed(1)}`,
        );
      } finally {
        load.close();
        bare.close();
      }
    }

    const cycles: AckBench['memory']['cycles'] = [];
    const load = await CommandLoad.open(url, BURST);
    try {
      // Writing a heap snapshot grows RSS once (by about 100 MiB, kept): one first, before any
      // cycle, so that the cycles' RSS figures are alike and a rise between them means growth.
      if (CYCLES > 0) await liveHeapMiB(pid, heapDir);
      for (let c = 0; c < CYCLES; c++) {
        await settle(2000);
        const idleMiB = rssMiB(pid);
        let burstPeakMiB = idleMiB;
        const sampler = setInterval(() => (burstPeakMiB = Math.max(burstPeakMiB, rssMiB(pid))), 5);
        await diagnoseBurst(load, seed.name, `M${c}X`);
        clearInterval(sampler);
        burstPeakMiB = Math.max(burstPeakMiB, rssMiB(pid));
        await alerts(url, seed.name, ALERTS);
        await settle(2000);
        const afterAlertsMiB = rssMiB(pid);
        const live = await liveHeapMiB(pid, heapDir);
        cycles.push({ idleMiB, burstPeakMiB, afterAlertsMiB, liveHeapMiB: live });
        console.log(
          `[bench] memory cycle ${c + 1}: idle ${idleMiB} MiB, ${BURST}-command burst peak ${burstPeakMiB} MiB, after ${ALERTS} alerts ${afterAlertsMiB} MiB, live heap ${live} MiB`,
        );
      }
    } finally {
      load.close();
    }
    const trendMiBPerCycle = {
      idle: slope(cycles.map((c) => c.idleMiB)),
      afterAlerts: slope(cycles.map((c) => c.afterAlertsMiB)),
      liveHeap: slope(cycles.map((c) => c.liveHeapMiB)),
    };
    console.log(
      `[bench] memory trend over ${cycles.length} cycles: idle ${trendMiBPerCycle.idle} MiB/cycle, after alerts ${trendMiBPerCycle.afterAlerts} MiB/cycle, live heap ${trendMiBPerCycle.liveHeap} MiB/cycle`,
    );
    return {
      levels,
      memory: { cycles, alertsPerCycle: ALERTS, burst: BURST, trendMiBPerCycle },
    };
  } finally {
    redis.disconnect();
    yardstick.stop();
    await stopBot(child);
    rmSync(heapDir, { recursive: true, force: true });
    await fake.close();
    await deletePrefix(prefix);
  }
}
