// Starts kubemedic in-process for end-to-end tests: real Redis (a unique BullMQ prefix per
// suite), the test cluster's kubeconfig, the fake Slack Web API, a random port.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { kubeconfigPath } from './cluster.js';
import { FAKE_SLACK_DEFAULTS, FakeSlack } from './fake-slack.js';
import { createSeedNamespace } from './seed.js';
import {
  FORM_CONTENT_TYPE,
  type SlashCommandFields,
  postSigned,
  slashCommandBody,
} from './slack-signing.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const ALERT_TOKEN = 'alertmanager-test-token-0123456789';
export const ALERT_CHANNEL = 'C0ALERTS';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `kmtest-${name}-${randomBytes(3).toString('hex')}`;
}

export type Mode = 'http' | 'socket' | 'console';

export interface TestEnvOptions {
  prefix: string;
  mode: Mode;
  /** The fake Slack (only its URL is used). */
  slack?: Pick<FakeSlack, 'url'>;
  redisUrl?: string;
  env?: Record<string, string>;
}

/** A Config built the way production builds it: from environment variables. */
export function testConfig(opts: TestEnvOptions): Config {
  return loadConfig(testEnv(opts));
}

/** The environment variables of a test instance (also for one started as a process). */
export function testEnv(opts: TestEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    KUBECONFIG: kubeconfigPath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.KUBEMEDIC_TEST_LOG_LEVEL ?? 'silent',
    KUBEMEDIC_QUEUE_PREFIX: opts.prefix,
    REDIS_URL: opts.redisUrl ?? DEFAULT_REDIS_URL,
    ALERTMANAGER_TOKEN: ALERT_TOKEN,
    KUBEMEDIC_SHUTDOWN_TIMEOUT_MS: '10000',
    // Paced per channel like production, a little faster so suites stay quick.
    KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: '100',
  };
  if (opts.mode !== 'console') {
    if (!opts.slack) throw new Error('Slack modes need the fake Slack');
    Object.assign(env, {
      SLACK_BOT_TOKEN: FAKE_SLACK_DEFAULTS.botToken,
      SLACK_API_URL: opts.slack.url,
      SLACK_DEFAULT_CHANNEL: ALERT_CHANNEL,
      ...(opts.mode === 'http'
        ? { SLACK_SIGNING_SECRET: SIGNING_SECRET }
        : { SLACK_APP_TOKEN: FAKE_SLACK_DEFAULTS.appToken }),
    });
  }
  return { ...env, ...opts.env };
}

export async function startTestApp(
  config: Config,
  consoleOut?: (text: string) => void,
): Promise<RunningApp> {
  return startApp(config, { consoleOut });
}

/** Deletes every key under the suite's prefix. */
export async function deletePrefix(prefix: string, redisUrl = DEFAULT_REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** An Alertmanager v4 notification for the seed's ServiceZeroEndpoints alert. */
export function zeroEndpointsAlert(
  namespace: string,
  status: 'firing' | 'resolved' = 'firing',
  groupKey = `{}/{namespace="${namespace}"}:{alertname="ServiceZeroEndpoints"}`,
): Record<string, unknown> {
  const labels = {
    alertname: 'ServiceZeroEndpoints',
    service: 'api-service',
    endpoint: 'api-service',
    namespace,
    severity: 'critical',
  };
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: 'kubemedic',
    groupLabels: { alertname: 'ServiceZeroEndpoints', namespace },
    commonLabels: labels,
    commonAnnotations: { summary: 'api-service has no ready endpoints' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'api-service has no ready endpoints' },
        startsAt: '2026-01-01T14:02:00Z',
        endsAt: status === 'resolved' ? '2026-01-01T14:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint: 'a1b2c3d4e5f60708',
        someFutureField: { tolerated: true },
      },
    ],
  };
}

export function postAlert(
  url: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${ALERT_TOKEN}` },
): Promise<Response> {
  return fetch(`${url}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** All text a message shows: its fallback text and every text object in its blocks. */
export function messageText(m: { text?: string; blocks?: unknown[] }): string {
  const parts: string[] = [m.text ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') parts.push(o.text);
      for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
    }
  };
  walk(m.blocks ?? []);
  return parts.join('\n');
}

/** Waits until no job of the suite is waiting, running or delayed (so a test leaves nothing behind). */
export async function waitForIdle(prefix: string, redisUrl = DEFAULT_REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queues = ['diagnose', 'slack-post'].map(
    (name) => new Queue(name, { connection: redis, prefix }),
  );
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed')),
      );
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
      if (Date.now() > deadline) throw new Error(`jobs still pending: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
}

/** POSTs a signed `/diagnose <text>` to a running bot, as Slack would. */
export function postCommand(
  url: string,
  text: string,
  fields: SlashCommandFields = {},
): Promise<Response> {
  return postSigned(
    `${url}/slack/events`,
    slashCommandBody({ command: '/diagnose', text, ...fields }),
    FORM_CONTENT_TYPE,
    SIGNING_SECRET,
  );
}

export interface BotSuite {
  readonly prefix: string;
  readonly fake: FakeSlack;
  /** The seed incident's namespace. */
  readonly ns: string;
  /** A client of the suite's Redis, for assertions. */
  readonly redis: Redis;
  /** The instance started before the suite (unless `start: false`). */
  readonly app: RunningApp;
  /** Starts another instance on the same Redis prefix; every one is stopped after the suite. */
  start(env?: Record<string, string>, consoleOut?: (text: string) => void): Promise<RunningApp>;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not ready: use it inside a test`);
  return value;
}

/**
 * A suite's fixture: the fake Slack (Slack modes), the seed incident in a namespace of its own,
 * a unique Redis prefix, and the bot started before the tests and stopped (keys deleted) after.
 */
export function useBotSuite(
  name: string,
  opts: {
    mode: Mode;
    env?: Record<string, string>;
    start?: boolean;
    consoleOut?: (text: string) => void;
    /** Another Redis (read when the suite starts). */
    redisUrl?: () => string;
  },
): BotSuite {
  const prefix = uniquePrefix(name);
  const apps: RunningApp[] = [];
  let fake: FakeSlack | undefined;
  let ns: { name: string; cleanup: () => Promise<void> } | undefined;
  let redis: Redis | undefined;
  const suite: BotSuite = {
    prefix,
    get fake() {
      return required(fake, 'the fake Slack');
    },
    get ns() {
      return required(ns, 'the seed namespace').name;
    },
    get redis() {
      return required(redis, 'Redis');
    },
    get app() {
      return required(apps[0], 'the bot');
    },
    async start(env = {}, consoleOut = opts.consoleOut) {
      const config = testConfig({
        prefix,
        mode: opts.mode,
        slack: fake,
        redisUrl: opts.redisUrl?.(),
        env: { ...opts.env, ...env },
      });
      const app = await startTestApp(config, consoleOut);
      apps.push(app);
      return app;
    },
  };
  beforeAll(async () => {
    if (opts.mode !== 'console') fake = await FakeSlack.start();
    ns = await createSeedNamespace(name);
    redis = new Redis(opts.redisUrl?.() ?? DEFAULT_REDIS_URL);
    // Outage tests stop Redis under it; the assertions say what matters.
    redis.on('error', () => undefined);
    if (opts.start !== false) await suite.start();
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await fake?.close();
    await ns?.cleanup();
    redis?.disconnect();
    // A throwaway Redis goes with its server.
    if (!opts.redisUrl) await deletePrefix(prefix);
  });
  return suite;
}
