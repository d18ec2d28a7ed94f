// Every environment variable kubemedic reads, validated once at start-up into one typed Config.
// A bad value stops start-up with one line naming the variable (ConfigError).
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import * as z from 'zod';
import { parseLogAlerts } from '../alerts/log-alerts.js';

export class ConfigError extends Error {}

export type SlackMode = 'http' | 'socket' | 'console';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface AlertChannelRule {
  label: string;
  value: string;
  channel: string;
}

export interface RedisSentinelConfig {
  sentinels: { host: string; port: number }[];
  /** The primary's name in the sentinels' `sentinel monitor` line. */
  name: string;
  password?: string;
}

export interface KubeIdentity {
  /** A kubeconfig file; absent: KubeConfig's defaults (KUBECONFIG list, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  context?: string;
}

/** hub: Slack, webhook, threads, approvals, no cluster credentials; agent: one cluster's jobs. */
export const ROLES = ['all-in-one', 'hub', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  role: Role;
  slack: {
    mode: SlackMode;
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    /** Web API base URL (WebClient's slackApiUrl), e.g. for a proxy or a test double. */
    apiUrl?: string;
    defaultChannel?: string;
    /** Minimum gap between two messages posted in one channel (Slack asks for about 1/s). */
    channelIntervalMs: number;
  };
  alertmanager: {
    token?: string;
    basic?: { username: string; password: string };
    /**
     * Accept alerts without credentials when neither token nor basic auth is set: only when
     * KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK=true, or for the local demo (no kubeconfig).
     */
    allowUnauthenticated: boolean;
    channels: AlertChannelRule[];
    /** Alerts that ask for the app layer (backends' logs): KUBEMEDIC_LOG_ALERTS. */
    logAlerts: RegExp[];
  };
  redisUrl: string;
  /** REDIS_SENTINELS: the primary is found through Sentinel; REDIS_URL then gives only auth, db, TLS. */
  redisSentinel?: RedisSentinelConfig;
  /** Replicas that must hold accepted work before it is acknowledged (Redis WAIT). */
  redisReplicaAcks: { replicas: number; timeoutMs: number };
  queuePrefix: string;
  concurrency: { diagnose: number; slackPost: number; remediate: number };
  /** A job whose worker died (a killed pod) is taken up again after about this long. */
  jobLockMs: number;
  http: { port: number; host: string };
  logLevel: LogLevel;
  kube: KubeIdentity & { requestTimeoutMs: number };
  /** The write identity for remediations; defaults to the diagnosis identity. */
  remediationKube: KubeIdentity & {
    /** Minted short-lived tokens of this ServiceAccount win over the kubeconfig's user. */
    serviceAccount?: { namespace: string; name: string };
    tokenSeconds: number;
    boundPod?: { name: string; uid: string };
  };
  /** Cluster name shown in reports; defaults to the kubeconfig context name. The agent's cluster. */
  clusterName?: string;
  clusters: {
    /** Slack channel (id or #name) -> the cluster a `/diagnose` there means when none is named. */
    channelDefaults: Record<string, string>;
    /** The alert label naming the cluster (Prometheus `external_labels`). */
    alertLabel: string;
    /** How often an agent writes its heartbeat; it counts as gone after three missed. */
    heartbeatMs: number;
    /** A job no agent took within this long is removed and its requesters told. */
    jobTtlMs: number;
  };
  approvers: { users: string[]; groups: string[] };
  policyFile?: string;
  shutdownTimeoutMs: number;
  /** Where the alert's expression is graphed for the incident picture (PROMETHEUS_URL). */
  prometheusUrl?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const existingFile = optionalText.refine((p) => p === undefined || existsSync(p), {
  message: 'no such file',
});

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const CHANNEL = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{2,})$/;

/** `label=value:channel` pairs, comma separated: `team=payments:#payments-oncall,namespace=prod:C123`. */
export function parseAlertChannels(text: string): AlertChannelRule[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((rule) => {
      const eq = rule.indexOf('=');
      const colon = rule.lastIndexOf(':');
      const label = rule.slice(0, eq).trim();
      const value = rule.slice(eq + 1, colon).trim();
      const channel = rule.slice(colon + 1).trim();
      if (eq <= 0 || colon < eq + 2 || !LABEL_NAME.test(label) || !CHANNEL.test(channel))
        throw new Error(
          `"${rule}" is not label=value:channel (e.g. team=payments:#payments-oncall or namespace=prod:C0123ABC)`,
        );
      return { label, value, channel };
    });
}

const CLUSTER_NAME = /^[a-z0-9][-a-z0-9.]{0,62}$/i;

/** `C0123ABC=prod-eu,#payments=prod-us`: the cluster a channel's commands mean by default. */
export function parseChannelClusters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.lastIndexOf('=');
    const channel = pair.slice(0, eq).trim();
    const cluster = pair.slice(eq + 1).trim();
    if (eq <= 0 || !CHANNEL.test(channel) || !CLUSTER_NAME.test(cluster))
      throw new Error(
        `"${pair}" is not channel=cluster (e.g. C0123ABC=prod-eu or #payments=prod-us)`,
      );
    out[channel] = cluster;
  }
  return out;
}

/** `host:port` pairs, comma separated; IPv6 hosts in brackets: `[::1]:26379`. */
export function parseSentinels(text: string): { host: string; port: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(item);
      const port = Number(m?.[2]);
      if (!m?.[1] || port < 1 || port > 65535)
        throw new Error(`"${item}" is not host:port (e.g. redis-sentinel-0:26379)`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port };
    });
}

const approverList = optionalText.transform((s, ctx) => {
  const users: string[] = [];
  const groups: string[] = [];
  for (const item of (s ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (/^[UW][A-Z0-9]{2,}$/.test(item)) users.push(item);
    else if (/^@[a-z0-9._-]+$/i.test(item)) groups.push(item.slice(1));
    else if (/^S[A-Z0-9]{2,}$/.test(item)) groups.push(item);
    else {
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is neither a Slack user id (U…/W…), a user group id (S…) nor an @handle`,
      });
      return z.NEVER;
    }
  }
  return { users, groups };
});

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalText.refine((s) => s === undefined || s.startsWith('xoxb-'), {
    message: 'must be a bot token (xoxb-…)',
  }),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((s) => s === undefined || s.startsWith('xapp-'), {
    message: 'must be an app-level token (xapp-…)',
  }),
  SLACK_API_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  SLACK_DEFAULT_CHANNEL: optionalText.refine((s) => s === undefined || CHANNEL.test(s), {
    message: 'must be a channel id (C0123ABC) or #name',
  }),
  KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: int(0, 60_000, 1000),
  ALERTMANAGER_TOKEN: optionalText.refine((s) => s === undefined || s.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  ALERTMANAGER_USERNAME: optionalText,
  ALERTMANAGER_PASSWORD: optionalText,
  KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: optionalText
    .pipe(z.enum(['true', 'false'], { error: 'must be true or false' }).optional())
    .transform((s) => s === 'true'),
  KUBEMEDIC_ALERT_CHANNELS: optionalText.transform((s, ctx) => {
    try {
      return parseAlertChannels(s ?? '');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  KUBEMEDIC_LOG_ALERTS: optionalText.transform((s, ctx) => {
    try {
      return parseLogAlerts(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  REDIS_URL: optionalText
    .transform((s) => s ?? 'redis://127.0.0.1:6379')
    .pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  REDIS_SENTINELS: optionalText.transform((s, ctx) => {
    try {
      const list = parseSentinels(s ?? '');
      return list.length ? list : undefined;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  REDIS_SENTINEL_NAME: optionalText
    .transform((s) => s ?? 'mymaster')
    .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - only')),
  REDIS_SENTINEL_PASSWORD: optionalText,
  KUBEMEDIC_REDIS_REPLICA_ACKS: optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 16) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number from 0 to 16' });
      return z.NEVER;
    }
    return n;
  }),
  KUBEMEDIC_REDIS_REPLICA_ACK_TIMEOUT_MS: int(10, 60_000, 2000),
  KUBEMEDIC_QUEUE_PREFIX: optionalText
    .transform((s) => s ?? 'kubemedic')
    .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)')),
  KUBEMEDIC_DIAGNOSE_CONCURRENCY: int(1, 64, 4),
  KUBEMEDIC_SLACK_CONCURRENCY: int(1, 64, 8),
  KUBEMEDIC_REMEDIATE_CONCURRENCY: int(1, 16, 2),
  KUBEMEDIC_JOB_LOCK_MS: int(1000, 600_000, 30_000),
  PORT: int(0, 65535, 3000),
  HOST: optionalText.transform((s) => s ?? '0.0.0.0'),
  LOG_LEVEL: optionalText
    .transform((s) => s?.toLowerCase() ?? 'info')
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  KUBECONFIG: optionalText.refine(
    (s) => s === undefined || s.includes(delimiter) || existsSync(s),
    { message: 'no such file' },
  ),
  KUBE_CONTEXT: optionalText,
  KUBEMEDIC_KUBE_TIMEOUT_MS: int(500, 120_000, 10_000),
  KUBEMEDIC_CLUSTER: optionalText.refine((s) => s === undefined || CLUSTER_NAME.test(s), {
    message: 'letters, digits, - and . only (max 63)',
  }),
  KUBEMEDIC_ROLE: optionalText
    .transform((s) => s ?? 'all-in-one')
    .pipe(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })),
  KUBEMEDIC_CHANNEL_CLUSTERS: optionalText.transform((s, ctx) => {
    try {
      return parseChannelClusters(s ?? '');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  KUBEMEDIC_ALERT_CLUSTER_LABEL: optionalText
    .transform((s) => s ?? 'cluster')
    .pipe(z.string().regex(LABEL_NAME, 'must be a Prometheus label name')),
  KUBEMEDIC_HEARTBEAT_MS: int(200, 300_000, 10_000),
  KUBEMEDIC_CLUSTER_JOB_TTL_MS: int(1000, 86_400_000, 10 * 60_000),
  KUBEMEDIC_APPROVERS: approverList,
  KUBEMEDIC_POLICY: existingFile,
  KUBEMEDIC_REMEDIATION_KUBECONFIG: existingFile,
  KUBEMEDIC_REMEDIATION_CONTEXT: optionalText,
  // `namespace/name`: fixes are applied with short-lived tokens of this ServiceAccount, minted by
  // the diagnosis identity through the TokenRequest API (the Helm chart's default).
  KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT: optionalText.refine(
    (s) =>
      s === undefined || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s),
    { message: 'must be namespace/name' },
  ),
  KUBEMEDIC_REMEDIATION_TOKEN_SECONDS: int(600, 86_400, 600),
  // The pod the fix identity's tokens are bound to (the downward API fills these in).
  POD_NAME: optionalText,
  POD_UID: optionalText,
  KUBEMEDIC_SHUTDOWN_TIMEOUT_MS: int(1000, 600_000, 25_000),
  PROMETHEUS_URL: optionalText.pipe(
    z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  ),
});

type Env = z.infer<typeof EnvSchema>;

/** Every variable kubemedic reads (.env.example lists each, with its default). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);

function slackMode(e: Env): SlackMode {
  if (e.SLACK_APP_TOKEN) return 'socket';
  if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET) return 'http';
  return 'console';
}

export interface LoadOptions {
  /**
   * The first run with no kubeconfig (main.ts): the console answers from bundled dumps on the
   * user's own machine, so its webhook may stay open without KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK.
   */
  localDemo?: boolean;
}

/** Rules that span variables; each names the variable to fix. */
function crossChecks(e: Env, opts: LoadOptions): string[] {
  const problems: string[] = [];
  const mode = slackMode(e);
  if (e.KUBEMEDIC_ROLE === 'agent' && !e.KUBEMEDIC_CLUSTER)
    problems.push(
      'KUBEMEDIC_CLUSTER: required for KUBEMEDIC_ROLE=agent (the name people use in --cluster)',
    );
  if (e.KUBEMEDIC_ROLE === 'agent') return problems;
  if (e.KUBEMEDIC_ROLE === 'hub' && mode === 'console')
    problems.push(
      'SLACK_BOT_TOKEN: a hub serves Slack: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)',
    );
  if (mode !== 'console' && !e.SLACK_BOT_TOKEN)
    problems.push(
      `SLACK_BOT_TOKEN: required when ${mode === 'socket' ? 'SLACK_APP_TOKEN' : 'SLACK_SIGNING_SECRET'} is set`,
    );
  if (mode === 'http' && !e.SLACK_SIGNING_SECRET)
    problems.push(
      'SLACK_SIGNING_SECRET: required in HTTP mode (set SLACK_APP_TOKEN for Socket Mode)',
    );
  if (Boolean(e.ALERTMANAGER_USERNAME) !== Boolean(e.ALERTMANAGER_PASSWORD))
    problems.push(
      `${e.ALERTMANAGER_USERNAME ? 'ALERTMANAGER_PASSWORD' : 'ALERTMANAGER_USERNAME'}: basic auth needs both ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD`,
    );
  const webhookOn = Boolean(e.ALERTMANAGER_TOKEN || e.ALERTMANAGER_USERNAME);
  // Console mode serves the webhook; without credentials anyone who reaches the port could make
  // the bot diagnose (and, once approved, fix) what they name. That is refused unless asked for.
  if (
    mode === 'console' &&
    !webhookOn &&
    !e.KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK &&
    !opts.localDemo
  )
    problems.push(
      'ALERTMANAGER_TOKEN: the Alertmanager webhook would accept anyone; set ALERTMANAGER_TOKEN (or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD), or KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK=true for a local trial',
    );
  if (mode !== 'console' && webhookOn && !e.SLACK_DEFAULT_CHANNEL)
    problems.push(
      'SLACK_DEFAULT_CHANNEL: required when the Alertmanager webhook is enabled (alerts no KUBEMEDIC_ALERT_CHANNELS rule matches go there)',
    );
  return problems;
}

/** Reads the environment; throws ConfigError with one line naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const problems = crossChecks(e, opts);
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  // A KUBECONFIG list (a:b) is left to KubeConfig's own loader, which merges the files.
  const kubeconfig = e.KUBECONFIG && !e.KUBECONFIG.includes(delimiter) ? e.KUBECONFIG : undefined;
  return {
    role: e.KUBEMEDIC_ROLE,
    slack: {
      // An agent never talks to Slack: the hub posts what it reports.
      mode: e.KUBEMEDIC_ROLE === 'agent' ? 'console' : slackMode(e),
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      defaultChannel: e.SLACK_DEFAULT_CHANNEL,
      channelIntervalMs: e.KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS,
    },
    alertmanager: {
      token: e.ALERTMANAGER_TOKEN,
      basic:
        e.ALERTMANAGER_USERNAME && e.ALERTMANAGER_PASSWORD
          ? { username: e.ALERTMANAGER_USERNAME, password: e.ALERTMANAGER_PASSWORD }
          : undefined,
      allowUnauthenticated:
        e.KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK ||
        (Boolean(opts.localDemo) && slackMode(e) === 'console'),
      channels: e.KUBEMEDIC_ALERT_CHANNELS,
      logAlerts: e.KUBEMEDIC_LOG_ALERTS,
    },
    redisUrl: e.REDIS_URL,
    redisSentinel: e.REDIS_SENTINELS
      ? {
          sentinels: e.REDIS_SENTINELS,
          name: e.REDIS_SENTINEL_NAME,
          password: e.REDIS_SENTINEL_PASSWORD,
        }
      : undefined,
    // With Sentinel a failover promotes a replica: work acknowledged before a replica held it
    // would be lost, so one replica must confirm it by default.
    redisReplicaAcks: {
      replicas: e.KUBEMEDIC_REDIS_REPLICA_ACKS ?? (e.REDIS_SENTINELS ? 1 : 0),
      timeoutMs: e.KUBEMEDIC_REDIS_REPLICA_ACK_TIMEOUT_MS,
    },
    queuePrefix: e.KUBEMEDIC_QUEUE_PREFIX,
    concurrency: {
      diagnose: e.KUBEMEDIC_DIAGNOSE_CONCURRENCY,
      slackPost: e.KUBEMEDIC_SLACK_CONCURRENCY,
      remediate: e.KUBEMEDIC_REMEDIATE_CONCURRENCY,
    },
    jobLockMs: e.KUBEMEDIC_JOB_LOCK_MS,
    http: { port: e.PORT, host: e.HOST },
    logLevel: e.LOG_LEVEL,
    kube: { kubeconfig, context: e.KUBE_CONTEXT, requestTimeoutMs: e.KUBEMEDIC_KUBE_TIMEOUT_MS },
    remediationKube: {
      kubeconfig: e.KUBEMEDIC_REMEDIATION_KUBECONFIG ?? kubeconfig,
      // A separate kubeconfig brings its own current context unless one is named.
      context:
        e.KUBEMEDIC_REMEDIATION_CONTEXT ??
        (e.KUBEMEDIC_REMEDIATION_KUBECONFIG ? undefined : e.KUBE_CONTEXT),
      ...(e.KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT
        ? {
            serviceAccount: {
              namespace: e.KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT.split('/')[0] as string,
              name: e.KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT.split('/')[1] as string,
            },
          }
        : {}),
      tokenSeconds: e.KUBEMEDIC_REMEDIATION_TOKEN_SECONDS,
      ...(e.POD_NAME && e.POD_UID ? { boundPod: { name: e.POD_NAME, uid: e.POD_UID } } : {}),
    },
    clusterName: e.KUBEMEDIC_CLUSTER,
    clusters: {
      channelDefaults: e.KUBEMEDIC_CHANNEL_CLUSTERS,
      alertLabel: e.KUBEMEDIC_ALERT_CLUSTER_LABEL,
      heartbeatMs: e.KUBEMEDIC_HEARTBEAT_MS,
      jobTtlMs: e.KUBEMEDIC_CLUSTER_JOB_TTL_MS,
    },
    approvers: e.KUBEMEDIC_APPROVERS ?? { users: [], groups: [] },
    policyFile: e.KUBEMEDIC_POLICY,
    shutdownTimeoutMs: e.KUBEMEDIC_SHUTDOWN_TIMEOUT_MS,
    prometheusUrl: e.PROMETHEUS_URL,
  };
}
