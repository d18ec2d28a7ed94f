// Shared setup of the remediation suites: the two identities bound to exactly the ClusterRoles of
// infra/helm/kubemedic/files/rbac (so the API server proves what they allow), a recording
// notifier, a PlanStore on the real Redis under a private prefix, and scenario helpers.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { KubeApi, loadKubeConfig } from '../../src/cluster/client.js';
import { type ApprovalPolicy, approversPolicy } from '../../src/config/policy.js';
import type { CheckId, Target } from '../../src/diagnosis/types.js';
import { diagnoseLive } from '../../src/engine.js';
import { AuditLog } from '../../src/remediation/audit.js';
import {
  type RemediationDeps,
  type RemediationOutcome,
  runRemediationAction,
} from '../../src/remediation/flow.js';
import { type PlanRecord, PlanStore } from '../../src/remediation/plan-store.js';
import type { RemediationId, RemediationPlan } from '../../src/diagnosis/fixes/types.js';
import type { Mrkdwn } from '../../src/slack/blocks/text.js';
import { type RemediationNotifier, slackReporter } from '../../src/slack/notifier.js';
import { afterAll, beforeAll } from 'vitest';
import {
  createNamespace,
  kubeconfigPath,
  kubectlAt,
  repoRoot,
  waitFor,
} from '../support/cluster.js';

export { kubectlAt };

export const RBAC_DIR = join(repoRoot, 'infra/helm/kubemedic/files/rbac');

export interface Identities {
  reader: KubeApi;
  writer: KubeApi;
  /** Namespace of the two ServiceAccounts (kubemedic-diagnosis, kubemedic-remediation). */
  namespace: string;
  cleanup(): Promise<void>;
}

/**
 * Binds the shipped ClusterRoles to two ServiceAccounts and returns API clients authenticated as
 * them (tokens from `kubectl create token`, server and CA from the admin kubeconfig).
 */
export async function bindIdentities(adminKubeconfig = kubeconfigPath): Promise<Identities> {
  const k = (args: string[], input?: string) => kubectlAt(adminKubeconfig, args, input);
  const suffix = randomBytes(3).toString('hex');
  const ns = `kubemedic-ids-${suffix}`;
  // Suites run in parallel: two first-time creates of the same ClusterRole race (AlreadyExists).
  for (const file of ['diagnosis-clusterrole.yaml', 'remediation-clusterrole.yaml'])
    await waitFor(`kubectl apply ${file}`, () => k(['apply', '-f', join(RBAC_DIR, file)]), 20_000);
  await k(['create', 'namespace', ns]);
  const bindings: string[] = [];
  const tokens: Record<string, string> = {};
  for (const role of ['diagnosis', 'remediation']) {
    const sa = `kubemedic-${role}`;
    const binding = `kubemedic-test-${role}-${suffix}`;
    await k(['create', 'serviceaccount', sa, '-n', ns]);
    await k([
      'create',
      'clusterrolebinding',
      binding,
      `--clusterrole=kubemedic-${role}`,
      `--serviceaccount=${ns}:${sa}`,
    ]);
    bindings.push(binding);
    tokens[role] = (await k(['create', 'token', sa, '-n', ns, '--duration=2h'])).trim();
  }
  const admin = parse(readFileSync(adminKubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const cluster = admin.clusters[0]?.cluster;
  if (!cluster) throw new Error(`no cluster in ${adminKubeconfig}`);
  const dir = mkdtempSync(join(tmpdir(), 'kubemedic-ids-'));
  const client = (role: string) => {
    const path = join(dir, `${role}.kubeconfig`);
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test`,
        `  cluster: {server: '${cluster.server}', certificate-authority-data: ${cluster['certificate-authority-data']}}`,
        'users:',
        `- name: ${role}`,
        `  user: {token: ${tokens[role]}}`,
        'contexts:',
        `- name: ${role}`,
        `  context: {cluster: test, user: ${role}, namespace: default}`,
        `current-context: ${role}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return new KubeApi(loadKubeConfig({ kubeconfig: path }), { timeoutMs: 15_000 });
  };
  const reader = client('diagnosis');
  const writer = client('remediation');
  return {
    reader,
    writer,
    namespace: ns,
    cleanup: async () => {
      reader.close();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
      for (const b of bindings) await k(['delete', 'clusterrolebinding', b]).catch(() => undefined);
      await k(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    },
  };
}

/** A notifier that records what Slack would be asked to post: the steps the flow reported, rendered by slack/. */
export class RecordingNotifier implements RemediationNotifier {
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  readonly replies: { channel: string; threadTs: string; text: string }[] = [];
  readonly cards: { record: PlanRecord; status: string }[] = [];

  async ephemeral(channel: string, user: string, text: Mrkdwn): Promise<void> {
    this.ephemerals.push({ channel, user, text: text.text });
  }

  async threadReply(channel: string, threadTs: string, text: Mrkdwn): Promise<void> {
    this.replies.push({ channel, threadTs, text: text.text });
  }

  async updateCard(record: PlanRecord, status: Mrkdwn): Promise<void> {
    this.cards.push({ record: structuredClone(record), status: status.text });
  }

  repliesText(): string {
    return this.replies.map((r) => r.text).join('\n');
  }

  lastCard(): { record: PlanRecord; status: string } | undefined {
    return this.cards.at(-1);
  }
}

export interface RedisFixture {
  redis: Redis;
  prefix: string;
  store: PlanStore;
  audit: AuditLog;
  cleanup(): Promise<void>;
}

export async function redisFixture(ttlSeconds = 3600): Promise<RedisFixture> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
  });
  const prefix = `kubemedic-test-${randomBytes(4).toString('hex')}`;
  return {
    redis,
    prefix,
    store: new PlanStore(redis, prefix, ttlSeconds),
    audit: new AuditLog(redis, prefix),
    cleanup: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

export const APPROVER = 'U0APPROVER';
export const SECOND_APPROVER = 'U0SECOND';
export const REQUESTER = 'U0REQUESTER';
export const STRANGER = 'U0STRANGER';
export const CHANNEL = 'C0INCIDENTS';

export function defaultPolicy(): ApprovalPolicy {
  return approversPolicy(`${APPROVER},${SECOND_APPROVER}`);
}

export function deps(
  ids: Pick<Identities, 'reader' | 'writer'>,
  fx: RedisFixture,
  notify: RemediationNotifier,
  extra: Partial<RemediationDeps> = {},
): RemediationDeps {
  return {
    store: fx.store,
    writer: ids.writer,
    reader: ids.reader,
    report: slackReporter(notify),
    policy: defaultPolicy(),
    audit: fx.audit,
    waitTimeoutMs: 60_000,
    verifyTimeoutMs: 30_000,
    pollIntervalMs: 250,
    ...extra,
  };
}

/** Gathers and diagnoses live (with the read-only identity in these suites), as the bot does. */
export { diagnoseLive };

/** Diagnoses until a finding of `check` carries a plan `id` (controllers need a moment). */
export async function planFor(
  reader: KubeApi,
  target: Target & { namespace: string },
  check: CheckId,
  id: RemediationId,
): Promise<RemediationPlan> {
  return waitFor(
    `a ${check} finding with a ${id} plan`,
    async () => {
      const report = await diagnoseLive(reader, target);
      const f = report.findings.find((x) => x.check === check);
      const plan = f?.remediations.find((p) => p.id === id);
      if (!plan)
        throw new Error(
          `findings: ${report.findings.map((x) => `${x.check}[${x.remediations.map((p) => p.id).join(',')}]`).join(' ') || 'none'}`,
        );
      return plan;
    },
    60_000,
    500,
  );
}

let threadSeq = 0;

/** Saves a plan as the Slack layer does after posting its card. */
export async function savePlan(
  store: PlanStore,
  plan: RemediationPlan,
  target: Target & { namespace: string },
  extra: Partial<Pick<PlanRecord, 'requesters' | 'channel'>> = {},
  now?: Date,
): Promise<PlanRecord> {
  threadSeq += 1;
  return store.save(
    {
      plan,
      target,
      requesters: [REQUESTER],
      channel: CHANNEL,
      threadTs: `1700000000.${String(threadSeq).padStart(6, '0')}`,
      cardTs: `1700000001.${String(threadSeq).padStart(6, '0')}`,
      ...extra,
    },
    now,
  );
}

export function click(
  record: PlanRecord,
  userId: string,
  action: 'approve' | 'reject' | 'undo' = 'approve',
) {
  return { action, planId: record.id, userId, channel: record.channel ?? CHANNEL };
}

export function serviceTarget(namespace: string, name: string): Target & { namespace: string } {
  return { kind: 'Service', name, namespace, cluster: 'test' };
}

/** The common case of a fix test: diagnose a Service live, save the plan `check` proposes, and
 * click Approve as the approver. */
export async function approveFix(
  ids: Identities,
  fx: RedisFixture,
  namespace: string,
  service: string,
  check: CheckId,
  id: RemediationId,
): Promise<{
  target: Target & { namespace: string };
  record: PlanRecord;
  notify: RecordingNotifier;
  outcome: RemediationOutcome;
}> {
  const target = serviceTarget(namespace, service);
  const plan = await planFor(ids.reader, target, check, id);
  const record = await savePlan(fx.store, plan, target);
  const notify = new RecordingNotifier();
  const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
  return { target, record, notify, outcome };
}

/** A namespace of its own for the enclosing describe: created before its tests, deleted after. */
export function useNamespace(prefix: string): { readonly name: string } {
  let ns: { name: string; cleanup: () => Promise<void> } | undefined;
  beforeAll(async () => {
    ns = await createNamespace(prefix);
  });
  afterAll(async () => ns?.cleanup());
  return {
    get name() {
      if (!ns) throw new Error(`namespace ${prefix} is not ready: use it inside a test`);
      return ns.name;
    },
  };
}

interface PodList {
  items: {
    metadata: { name: string };
    status?: { containerStatuses?: { name: string; image?: string }[] };
  }[];
}

/**
 * Puts the live pods matching `selector` into a failure state by writing their status (as a
 * kubelet would): pods stuck unready, or crash-looping after an OOM kill. New pods (a restart, a
 * rollout) start healthy, which is what the fixes rely on.
 */
export async function setPodsState(
  namespace: string,
  selector: string,
  how: 'not-ready' | 'oom-crashloop' | 'ready',
  adminKubeconfig = kubeconfigPath,
): Promise<number> {
  const pods = JSON.parse(
    await kubectlAt(adminKubeconfig, [
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      selector,
      '-o',
      'json',
    ]),
  ) as PodList;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const p of pods.items) {
    const containers = p.status?.containerStatuses ?? [];
    const ready = how === 'ready';
    const statuses = containers.map((c) =>
      how !== 'oom-crashloop'
        ? {
            name: c.name,
            image: c.image,
            imageID: '',
            ready,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          }
        : {
            name: c.name,
            image: c.image,
            imageID: '',
            ready: false,
            started: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } },
            lastState: {
              terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: now, finishedAt: now },
            },
          },
    );
    const status = {
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        ready
          ? { type: 'Ready', status: 'True', lastTransitionTime: now }
          : {
              type: 'Ready',
              status: 'False',
              reason: 'ContainersNotReady',
              lastTransitionTime: now,
            },
        ready
          ? { type: 'ContainersReady', status: 'True', lastTransitionTime: now }
          : {
              type: 'ContainersReady',
              status: 'False',
              reason: 'ContainersNotReady',
              lastTransitionTime: now,
            },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: statuses,
    };
    await kubectlAt(adminKubeconfig, [
      'patch',
      'pod',
      p.metadata.name,
      '-n',
      namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  }
  return pods.items.length;
}

/** A Deployment manifest with `replicas` KWOK pods labelled `app: name`. */
export function deploymentYaml(
  name: string,
  opts: {
    replicas?: number;
    image?: string;
    labels?: Record<string, string>;
    container?: Record<string, unknown>;
    strategy?: Record<string, unknown>;
    annotations?: Record<string, string>;
  } = {},
): string {
  const labels = { app: name, ...(opts.labels ?? {}) };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'app',
              image: opts.image ?? `registry.example/${name}:1`,
              ports: [{ name: 'http', containerPort: 8080 }],
              ...(opts.container ?? {}),
            },
          ],
        },
      },
    },
  });
}

export function serviceYaml(
  name: string,
  selector: Record<string, string>,
  targetPort: number | string = 8080,
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort }] },
  });
}

export async function getJson<T>(kubeconfig: string, args: string[]): Promise<T> {
  return JSON.parse(await kubectlAt(kubeconfig, [...args, '-o', 'json'])) as T;
}

/**
 * A control plane of the suite's own (test/cluster/up.sh in a temporary KUBEMEDIC_CLUSTER_DIR),
 * for fixes that change cluster-wide state the shared cluster must not see; with the shipped
 * identities bound on it and a Redis fixture. Only child processes see it: this process keeps
 * the shared cluster as its default.
 */
export function usePrivateCluster(
  prefix: string,
  opts: { setup?: (kubeconfig: string) => Promise<void> } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), `kubemedic-${prefix}-`));
  const env = { ...process.env, KUBEMEDIC_CLUSTER_DIR: dir, KUBEMEDIC_CLUSTER_NODES: '2' };
  const script = (name: string) =>
    new Promise<void>((resolve, reject) =>
      execFile('bash', [join(repoRoot, 'test/cluster', name)], { env }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  let ids: Identities | undefined;
  let fx: RedisFixture | undefined;
  const kubeconfig = join(dir, 'kubeconfig');
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error(`the private cluster of ${prefix} did not start`);
    return v;
  };
  const cluster = {
    kubeconfig,
    get ids() {
      return started(ids);
    },
    get fx() {
      return started(fx);
    },
    k: (args: string[], input?: string) => kubectlAt(kubeconfig, args, input),
  };
  beforeAll(async () => {
    await script('up.sh');
    await opts.setup?.(kubeconfig);
    [ids, fx] = await Promise.all([bindIdentities(kubeconfig), redisFixture()]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([ids?.cleanup(), fx?.cleanup()]);
    await script('down.sh');
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
  return cluster;
}
