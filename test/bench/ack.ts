// The bot under load, as its own process (the build `npm run bench` makes), with real Redis and
// the fake Slack Web API:
// - ack latency of 50, 200 and 1,000 concurrent signed /diagnose commands, each level repeated;
//   a run's p99 is one figure, and the runs' p99s are given as min, median and max;
// - resident memory (VmRSS) idle, at its highest during a 200-command burst, and after 10,000
//   Alertmanager notifications, the whole cycle repeated to show whether it grows.
// Benchmarks are not tests: nothing here asserts a time or a size.
import { Agent } from 'node:http';
import {
  deletePrefix,
  postAlert,
  testEnv,
  uniquePrefix,
  zeroEndpointsAlert,
} from '../support/app.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type Spread, rssMiB, spread } from './process.js';
import { startBot, stopBot, timedCommand } from './slack.js';
import { percentile } from './stats.js';

const LEVELS = (process.env.BENCH_ACK_LEVELS ?? '50,200,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_ACK_RUNS ?? 5);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 3);
const BURST = 200;

export interface AckBench {
  /** Per level: the p50 and p99 of each run, as min/median/max over the runs. */
  levels: { concurrent: number; runs: number; p50Ms: Spread; p99Ms: Spread; maxMs: Spread }[];
  memory: {
    cycles: { idleMiB: number; burstPeakMiB: number; afterAlertsMiB: number }[];
    alertsPerCycle: number;
    burst: number;
  };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** N concurrent commands over N kept-alive connections; resolves with each ack's latency. */
async function burst(url: string, agent: Agent, n: number, ns: string, tag: string) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      timedCommand(url, agent, `api-service -n ${ns}`, `U0${tag}${i}`),
    ),
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

export async function benchAck(): Promise<AckBench> {
  const fake = await FakeSlack.start();
  // The commands and alerts name one Service; whether it exists only changes what the worker
  // posts later, not the front door measured here, so no namespace is set up for it.
  const seed = { name: 'bench-ack' };
  const prefix = uniquePrefix('bench-ack');
  const { url, child } = await startBot(testEnv({ prefix, mode: 'http', slack: fake }));
  const pid = child.pid as number;
  try {
    const levels: AckBench['levels'] = [];
    for (const n of LEVELS) {
      const agent = new Agent({ keepAlive: true, maxSockets: n });
      try {
        // Warm the connections (as Slack's would be) and the JIT, then measure.
        await Promise.all(
          Array.from({ length: n }, (_, i) => timedCommand(url, agent, 'help', `U0W${i}`)),
        );
        const p50: number[] = [];
        const p99: number[] = [];
        const max: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          const acks = await burst(url, agent, n, seed.name, `L${n}R${r}X`);
          p50.push(percentile(acks, 50));
          p99.push(percentile(acks, 99));
          max.push(percentile(acks, 100));
          // Let the coalesced diagnosis and its replies drain before the next run.
          await settle(1000);
        }
        levels.push({
          concurrent: n,
          runs: RUNS,
          p50Ms: spread(p50),
          p99Ms: spread(p99),
          maxMs: spread(max),
        });
        console.log(
          `[bench] ${n} concurrent /diagnose acks: p99 median ${spread(p99).median} ms (min ${spread(p99).min}, max ${spread(p99).max})`,
        );
      } finally {
        agent.destroy();
      }
    }

    const cycles: AckBench['memory']['cycles'] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: BURST });
    try {
      for (let c = 0; c < CYCLES; c++) {
        await settle(2000);
        const idleMiB = rssMiB(pid);
        let burstPeakMiB = idleMiB;
        const sampler = setInterval(() => (burstPeakMiB = Math.max(burstPeakMiB, rssMiB(pid))), 5);
        await burst(url, agent, BURST, seed.name, `M${c}X`);
        clearInterval(sampler);
        burstPeakMiB = Math.max(burstPeakMiB, rssMiB(pid));
        await alerts(url, seed.name, ALERTS);
        await settle(2000);
        const afterAlertsMiB = rssMiB(pid);
        cycles.push({ idleMiB, burstPeakMiB, afterAlertsMiB });
        console.log(
          `[bench] memory cycle ${c + 1}: idle ${idleMiB} MiB, ${BURST}-command burst peak ${burstPeakMiB} MiB, after ${ALERTS} alerts ${afterAlertsMiB} MiB`,
        );
      }
    } finally {
      agent.destroy();
    }
    return { levels, memory: { cycles, alertsPerCycle: ALERTS, burst: BURST } };
  } finally {
    await stopBot(child);
    await fake.close();
    await deletePrefix(prefix);
  }
}
