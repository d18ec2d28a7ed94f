// Slack-side speed, on the live test cluster with real Redis and the fake Slack Web API. The bot
// runs as its own process (as in production), so the load generator does not share its CPU:
// - ack latency of 200 concurrent signed /diagnose commands (Slack wants an ack within 3 s);
// - Alertmanager webhook -> first Slack post (the thread's parent), and -> the root cause posted
//   (the parent updated with it), one alert group at a time, each in its own channel.
// Benchmarks are not tests: nothing here asserts a time.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import {
  SIGNING_SECRET,
  deletePrefix,
  messageText,
  postAlert,
  testEnv,
  uniquePrefix,
  zeroEndpointsAlert,
} from '../support/app.js';
import { repoRoot, waitFor } from '../support/cluster.js';
import { FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { createSeedNamespace } from '../support/seed.js';
import { FORM_CONTENT_TYPE, signSlackRequest, slashCommandBody } from '../support/slack-signing.js';
import { summary } from './stats.js';

const COMMANDS = 200;
const ALERT_RUNS = Number(process.env.BENCH_ALERT_RUNS ?? 20);
const CHANNEL_INTERVAL_MS = 1000;

export interface SlackBench {
  ackMs: ReturnType<typeof summary>;
  alertToFirstPostMs: ReturnType<typeof summary>;
  alertToRootCauseMs: ReturnType<typeof summary>;
  commands: number;
  alertRuns: number;
  slackChannelIntervalMs: number;
}

/** Starts the bot in its own process (the build `npm run bench` makes); resolves with its URL. */
export async function startBot(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  const built = existsSync(join(repoRoot, 'dist', 'main.js'));
  // BENCH_BOT_NODE_ARGS adds node options to the bot, e.g. `--cpu-prof --cpu-prof-dir=prof`
  // for a CPU profile of it under the load (written when it stops).
  const extra = [
    ...nodeArgs,
    ...(process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const args = [...extra, ...(built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'])];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = await waitFor(
    'the bot to start',
    async () => /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1],
    60_000,
  );
  return { url, child };
}

export async function stopBot(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One signed slash command over a kept-alive connection; resolves with the ack latency. */
export function timedCommand(
  url: string,
  agent: Agent,
  text: string,
  user: string,
): Promise<number> {
  const body = slashCommandBody({
    command: '/diagnose',
    text,
    channel_id: 'C0BENCHCMD',
    user_id: user,
  });
  const headers = {
    'content-type': FORM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    ...signSlackRequest(SIGNING_SECRET, body),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${url}/slack/events`, { method: 'POST', agent, headers }, (res) => {
      let ack = '';
      res.on('data', (d: Buffer) => (ack += d.toString()));
      res.on('end', () => {
        const ms = performance.now() - started;
        if (res.statusCode !== 200 || !ack.includes('ephemeral'))
          reject(new Error(`command was not acked: ${res.statusCode} ${ack}`));
        else resolve(ms);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function firstCall(fake: FakeSlack, channel: string, match: (c: RecordedCall) => boolean) {
  return fake.calls.find((c) => c.args.channel === channel && c.response.ok && match(c));
}

export async function benchSlack(): Promise<SlackBench> {
  const fake = await FakeSlack.start();
  const seed = await createSeedNamespace('bench-slack');
  const prefix = uniquePrefix('bench');
  const channels = Array.from({ length: ALERT_RUNS }, (_, i) => `C0BENCH${i}`);
  const env = testEnv({
    prefix,
    mode: 'http',
    slack: fake,
    env: {
      // Production pacing: one message per second per channel.
      KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: String(CHANNEL_INTERVAL_MS),
      KUBEMEDIC_ALERT_CHANNELS: channels.map((c, i) => `bench_run=r${i}:${c}`).join(','),
    },
  });
  const { url, child } = await startBot(env);
  const agent = new Agent({ keepAlive: true, maxSockets: COMMANDS });
  try {
    // Warm up the connections (as Slack's would be) and the JIT, then measure.
    await Promise.all(
      Array.from({ length: COMMANDS }, (_, i) => timedCommand(url, agent, 'help', `U0W${i}`)),
    );
    const acks = await Promise.all(
      Array.from({ length: COMMANDS }, (_, i) =>
        timedCommand(url, agent, `api-service -n ${seed.name}`, `U0BENCH${i}`),
      ),
    );
    console.log(
      `[bench] ${COMMANDS} concurrent /diagnose acks: p50 ${summary(acks).p50} ms, p99 ${summary(acks).p99} ms`,
    );

    const firstPost: number[] = [];
    const rootCause: number[] = [];
    for (const [i, channel] of channels.entries()) {
      const alert = zeroEndpointsAlert(seed.name, 'firing', `bench-group-${prefix}-${i}`);
      for (const a of alert.alerts as { labels: Record<string, string> }[])
        a.labels.bench_run = `r${i}`;
      const started = Date.now();
      const res = await postAlert(url, alert);
      if (res.status !== 200) throw new Error(`alert ${i} refused: ${res.status}`);
      const parent = await waitFor(
        'the alert thread parent',
        async () =>
          firstCall(fake, channel, (c) => c.method === 'chat.postMessage' && !c.args.thread_ts),
        30_000,
        5,
      );
      const ts = String(parent.response.ts);
      const cause = await waitFor(
        'the root cause in the thread',
        async () =>
          firstCall(
            fake,
            channel,
            (c) =>
              (c.response.ts === ts || c.args.ts === ts || c.args.thread_ts === ts) &&
              messageText(c.args).includes('service.selector-mismatch'),
          ),
        30_000,
        5,
      );
      firstPost.push(parent.time - started);
      if (process.env.BENCH_DEBUG) console.log(i, parent.time - started, cause.time - started);
      rootCause.push(cause.time - started);
    }
    console.log(
      `[bench] alert -> first post p50 ${summary(firstPost).p50} ms p95 ${summary(firstPost).p95} ms; -> root cause p50 ${summary(rootCause).p50} ms p95 ${summary(rootCause).p95} ms`,
    );
    return {
      ackMs: summary(acks),
      alertToFirstPostMs: summary(firstPost),
      alertToRootCauseMs: summary(rootCause),
      commands: COMMANDS,
      alertRuns: ALERT_RUNS,
      slackChannelIntervalMs: CHANNEL_INTERVAL_MS,
    };
  } finally {
    agent.destroy();
    await stopBot(child);
    await fake.close();
    await seed.cleanup();
    await deletePrefix(prefix);
  }
}
