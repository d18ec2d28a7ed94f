// The environment as kubemedic reads it: defaults, modes, and one clear line per bad variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV_VARIABLES,
  loadConfig,
  parseAlertChannels,
} from '../../src/config/env.js';
import { kubeconfigPath, repoRoot } from '../support/cluster.js';

// Console mode (most cases here) refuses an open webhook unless allowed; the webhook's own
// rules are tested on their own below.
const base = { KUBECONFIG: kubeconfigPath, KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true' };

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('refuses to serve the webhook without credentials unless explicitly allowed', () => {
    const only = { KUBECONFIG: kubeconfigPath };
    const refused = (env: Record<string, string>, opts = {}) => {
      try {
        loadConfig({ ...only, ...env }, opts);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return undefined;
    };
    expect(refused({})).toBe(
      'invalid configuration: ALERTMANAGER_TOKEN: the Alertmanager webhook would accept anyone; set ALERTMANAGER_TOKEN (or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD), or KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK=true for a local trial',
    );
    expect(refused({ KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'false' })).toContain(
      'ALERTMANAGER_TOKEN: the Alertmanager webhook would accept anyone',
    );
    expect(refused({ KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'yes' })).toContain(
      'KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: must be true or false',
    );
    // Each way out: a token, basic auth, the explicit switch, the local demo.
    expect(refused({ ALERTMANAGER_TOKEN: 'a-long-enough-token-here' })).toBeUndefined();
    expect(refused({ ALERTMANAGER_USERNAME: 'am', ALERTMANAGER_PASSWORD: 'pw' })).toBeUndefined();
    const allowed = loadConfig({ ...only, KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true' });
    expect(allowed.alertmanager.allowUnauthenticated).toBe(true);
    const demo = loadConfig(only, { localDemo: true });
    expect(demo.alertmanager.allowUnauthenticated).toBe(true);
    // A Slack-connected bot without credentials starts with the webhook disabled (401s), and
    // the local-demo exception never opens it.
    const slack = loadConfig(
      { ...only, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' },
      { localDemo: true },
    );
    expect(slack.alertmanager.allowUnauthenticated).toBe(false);
    const withToken = loadConfig({ ...only, ALERTMANAGER_TOKEN: 'a-long-enough-token-here' });
    expect(withToken.alertmanager.allowUnauthenticated).toBe(false);
  });

  it('runs in console mode with defaults when only KUBECONFIG is set (and the open webhook allowed)', () => {
    const c = loadConfig(base);
    expect(c.slack.mode).toBe('console');
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'kubemedic',
      http: { port: 3000, host: '0.0.0.0' },
      logLevel: 'info',
      kube: { kubeconfig: kubeconfigPath, requestTimeoutMs: 10_000 },
      remediationKube: { kubeconfig: kubeconfigPath },
      concurrency: { diagnose: 4, slackPost: 8, remediate: 2 },
      approvers: { users: [], groups: [] },
    });
    expect(c.slack.channelIntervalMs).toBe(1000);
  });

  it('runs all-in-one by default; an agent needs its cluster name and never talks to Slack', () => {
    expect(loadConfig(base).role).toBe('all-in-one');
    expect(problem({ KUBEMEDIC_ROLE: 'agent' })).toBe(
      'invalid configuration: KUBEMEDIC_CLUSTER: required for KUBEMEDIC_ROLE=agent (the name people use in --cluster)',
    );
    expect(problem({ KUBEMEDIC_ROLE: 'worker' })).toBe(
      'invalid configuration: KUBEMEDIC_ROLE: must be one of all-in-one, hub, agent',
    );
    // An agent given the hub's Slack settings by mistake still starts, and posts nothing itself.
    const agent = loadConfig({
      KUBECONFIG: kubeconfigPath,
      KUBEMEDIC_ROLE: 'agent',
      KUBEMEDIC_CLUSTER: 'prod-eu',
      SLACK_BOT_TOKEN: 'xoxb-1',
    });
    expect(agent).toMatchObject({
      role: 'agent',
      clusterName: 'prod-eu',
      slack: { mode: 'console' },
    });
    expect(problem({ KUBEMEDIC_ROLE: 'hub' })).toContain(
      'SLACK_BOT_TOKEN: a hub serves Slack: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)',
    );
  });

  it('reads channel default clusters, the alert cluster label and the agent timings', () => {
    const hub = loadConfig({
      ...base,
      KUBEMEDIC_ROLE: 'hub',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      KUBEMEDIC_CHANNEL_CLUSTERS: 'C0EU=prod-eu, #payments=prod-us',
      KUBEMEDIC_ALERT_CLUSTER_LABEL: 'k8s_cluster',
      KUBEMEDIC_HEARTBEAT_MS: '2000',
    });
    expect(hub.clusters).toEqual({
      channelDefaults: { C0EU: 'prod-eu', '#payments': 'prod-us' },
      alertLabel: 'k8s_cluster',
      heartbeatMs: 2000,
      jobTtlMs: 600_000,
    });
    expect(loadConfig(base).clusters.alertLabel).toBe('cluster');
    expect(problem({ KUBEMEDIC_CHANNEL_CLUSTERS: 'C0EU:prod-eu' })).toBe(
      'invalid configuration: KUBEMEDIC_CHANNEL_CLUSTERS: "C0EU:prod-eu" is not channel=cluster (e.g. C0123ABC=prod-eu or #payments=prod-us)',
    );
    expect(problem({ KUBEMEDIC_ALERT_CLUSTER_LABEL: 'k8s-cluster' })).toBe(
      'invalid configuration: KUBEMEDIC_ALERT_CLUSTER_LABEL: must be a Prometheus label name',
    );
  });

  it('chooses HTTP mode with a bot token and signing secret, Socket Mode with an app token', () => {
    const http = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(http.slack.mode).toBe('http');
    const socket = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(socket.slack.mode).toBe('socket');
  });

  it('names the variable and what is wrong, in one line', () => {
    expect(problem({ PORT: '70000' })).toBe(
      'invalid configuration: PORT: must be a whole number from 0 to 65535',
    );
    expect(problem({ REDIS_URL: 'http://x' })).toBe(
      'invalid configuration: REDIS_URL: must be a redis:// or rediss:// URL',
    );
    expect(problem({ SLACK_SIGNING_SECRET: 'abc' })).toBe(
      'invalid configuration: SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set',
    );
    expect(problem({ SLACK_BOT_TOKEN: 'xoxb-1' })).toContain(
      'SLACK_SIGNING_SECRET: required in HTTP mode',
    );
    expect(problem({ SLACK_BOT_TOKEN: 'xoxp-user' })).toContain(
      'SLACK_BOT_TOKEN: must be a bot token',
    );
    expect(problem({ LOG_LEVEL: 'loud' })).toContain('LOG_LEVEL: must be one of fatal, error');
    expect(problem({ KUBECONFIG: '/nonexistent/kubeconfig' })).toBe(
      'invalid configuration: KUBECONFIG: no such file',
    );
    expect(problem({ ALERTMANAGER_USERNAME: 'am' })).toContain(
      'ALERTMANAGER_PASSWORD: basic auth needs both',
    );
    expect(problem({ KUBEMEDIC_APPROVERS: 'U01,bob' })).toContain(
      'KUBEMEDIC_APPROVERS: "bob" is neither',
    );
    expect(
      problem({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        ALERTMANAGER_TOKEN: 'a-long-enough-token-here',
      }),
    ).toContain('SLACK_DEFAULT_CHANNEL: required when the Alertmanager webhook is enabled');
    expect(problem({ PORT: 'x', LOG_LEVEL: 'y' }).split('\n')).toHaveLength(1);
  });

  it('parses approvers, the remediation identity and alert channel rules', () => {
    const c = loadConfig({
      ...base,
      KUBEMEDIC_APPROVERS: 'U0ALICE, @sre-oncall S0PLATFORM',
      KUBEMEDIC_REMEDIATION_CONTEXT: 'writer',
      KUBEMEDIC_ALERT_CHANNELS: 'team=payments:#payments-oncall,namespace=prod:C0123ABC',
    });
    expect(c.approvers).toEqual({ users: ['U0ALICE'], groups: ['sre-oncall', 'S0PLATFORM'] });
    expect(c.remediationKube).toEqual({
      kubeconfig: kubeconfigPath,
      context: 'writer',
      tokenSeconds: 600,
    });
    // The chart's way: short-lived tokens of a ServiceAccount, bound to the pod.
    const minted = loadConfig({
      ...base,
      KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT: 'ops/kubemedic-remediation',
      KUBEMEDIC_REMEDIATION_TOKEN_SECONDS: '900',
      POD_NAME: 'kubemedic-7f9',
      POD_UID: 'uid-1',
    }).remediationKube;
    expect(minted).toMatchObject({
      serviceAccount: { namespace: 'ops', name: 'kubemedic-remediation' },
      tokenSeconds: 900,
      boundPod: { name: 'kubemedic-7f9', uid: 'uid-1' },
    });
    expect(problem({ KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT: 'kubemedic-remediation' })).toContain(
      'KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT: must be namespace/name',
    );
    expect(problem({ KUBEMEDIC_REMEDIATION_TOKEN_SECONDS: '60' })).toContain(
      'KUBEMEDIC_REMEDIATION_TOKEN_SECONDS',
    );
    expect(c.alertmanager.channels).toEqual([
      { label: 'team', value: 'payments', channel: '#payments-oncall' },
      { label: 'namespace', value: 'prod', channel: 'C0123ABC' },
    ]);
    expect(() => parseAlertChannels('team:payments')).toThrow(/is not label=value:channel/);
  });

  it('finds Redis through Sentinel, takes auth and db from REDIS_URL, and waits for one replica', () => {
    const c = loadConfig({
      ...base,
      REDIS_URL: 'redis://kubemedic:s3cret@ignored:6379/2',
      REDIS_SENTINELS: 'sentinel-0:26379, 10.0.0.7:26380,[::1]:26381',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pass',
    });
    expect(c.redisSentinel).toEqual({
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      password: 'sentinel-pass',
    });
    expect(c.redisReplicaAcks).toEqual({ replicas: 1, timeoutMs: 2000 });
    // Without Sentinel nothing waits for replicas unless asked.
    expect(loadConfig(base).redisReplicaAcks.replicas).toBe(0);
    expect(loadConfig(base).redisSentinel).toBeUndefined();
    expect(
      loadConfig({ ...base, KUBEMEDIC_REDIS_REPLICA_ACKS: '2' }).redisReplicaAcks.replicas,
    ).toBe(2);
  });

  it('names a bad sentinel list, primary name or replica count in one line', () => {
    expect(problem({ REDIS_SENTINELS: 'sentinel-0' })).toBe(
      'invalid configuration: REDIS_SENTINELS: "sentinel-0" is not host:port (e.g. redis-sentinel-0:26379)',
    );
    expect(problem({ REDIS_SENTINELS: 'a:26379,b:99999' })).toContain('"b:99999" is not host:port');
    expect(problem({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'my master' })).toContain(
      'REDIS_SENTINEL_NAME: letters, digits',
    );
    expect(problem({ KUBEMEDIC_REDIS_REPLICA_ACKS: 'one' })).toBe(
      'invalid configuration: KUBEMEDIC_REDIS_REPLICA_ACKS: must be a whole number from 0 to 16',
    );
  });

  it('has every variable, and only those, in .env.example', () => {
    const example = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    const listed = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...ENV_VARIABLES].sort());
    // The listed defaults are the defaults.
    const defaults = Object.fromEntries(
      [...example.matchAll(/^([A-Z_]+)=(.+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(loadConfig({ ...base, ...defaults })).toEqual(loadConfig(base));
  });
});
