// One Slack app, two clusters: two real control planes, one Redis, a hub and two agents as
// separate processes. Each agent logs in to Redis as its own ACL user (its cluster's keys only);
// the hub holds no kubeconfig at all. Slash commands are signed as Slack signs them; alerts come
// in through the webhook; the fake Slack Web API records what is posted.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentAclRules, clusterPrefix } from '../../src/queue/clusters.js';
import {
  ALERT_CHANNEL,
  DEFAULT_REDIS_URL,
  SIGNING_SECRET,
  deletePrefix,
  messageText,
  postAlert,
  postCommand,
  testEnv,
  uniquePrefix,
} from '../support/app.js';
import { kubeconfigPath, kubectlAt, waitFor } from '../support/cluster.js';
import { FakeSlack, type StoredMessage } from '../support/fake-slack.js';
import { type KubemedicProcess, startKubemedic } from '../support/kubemedic-process.js';
import { type SecondCluster, startSecondCluster } from '../support/second-cluster.js';
import { SEED_MANIFESTS } from '../support/seed.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const prefix = uniquePrefix('hub');
const ns = `multi-${randomBytes(3).toString('hex')}`;
const APPROVER = 'U0APPROVER';
const HEARTBEAT_MS = 500;
const passwords = { alpha: randomBytes(12).toString('hex'), beta: randomBytes(12).toString('hex') };
const aclUser = (cluster: string) => `${prefix}-agent-${cluster}`;

let second: SecondCluster;
let fake: FakeSlack;
let admin: Redis;
let home: string;
let hub: KubemedicProcess;
const agents: Record<'alpha' | 'beta', KubemedicProcess | undefined> = {
  alpha: undefined,
  beta: undefined,
};
const kubeconfigs = () => ({ alpha: kubeconfigPath, beta: second.kubeconfig });
const kubectlIn = (cluster: 'alpha' | 'beta', args: string[], input?: string) =>
  cluster === 'alpha' ? kubectlAt(kubeconfigPath, args, input) : second.kubectl(args, input);

function startAgent(cluster: 'alpha' | 'beta'): Promise<KubemedicProcess> {
  return startKubemedic({
    HOME: home,
    KUBEMEDIC_ROLE: 'agent',
    KUBEMEDIC_CLUSTER: cluster,
    KUBECONFIG: kubeconfigs()[cluster],
    REDIS_URL: `redis://${aclUser(cluster)}:${passwords[cluster]}@127.0.0.1:6379`,
    KUBEMEDIC_QUEUE_PREFIX: prefix,
    KUBEMEDIC_HEARTBEAT_MS: String(HEARTBEAT_MS),
    KUBEMEDIC_JOB_LOCK_MS: '3000',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
}

/** The seed incident in both clusters, its Deployment named after the cluster (`api-alpha`). */
async function seed(cluster: 'alpha' | 'beta'): Promise<void> {
  await kubectlIn(cluster, ['create', 'namespace', ns]);
  const manifests = SEED_MANIFESTS.replace(
    'metadata: {name: api}',
    `metadata: {name: api-${cluster}}`,
  );
  expect(manifests).toContain(`api-${cluster}`);
  await kubectlIn(cluster, ['apply', '-n', ns, '-f', '-'], manifests);
}

async function podNames(cluster: 'alpha' | 'beta'): Promise<string[]> {
  const out = await kubectlIn(cluster, ['get', 'pods', '-n', ns, '-o', 'name']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace('pod/', ''));
}

async function ask(text: string, channel: string, user = 'U0ONCALL'): Promise<string> {
  const res = await postCommand(hub.url, text, { channel_id: channel, user_id: user });
  expect(res.status).toBe(200);
  return ((await res.json()) as { text: string }).text;
}

/** The channel's answered thread: its parent and replies, all text. */
async function answeredThread(channel: string, timeoutMs = 60_000) {
  const parent = await waitFor(
    `the answer in ${channel}`,
    async () =>
      fake.messages(channel).find((m) => messageText(m).includes('· details in the thread')),
    timeoutMs,
  );
  const replies = fake.thread(channel, parent.ts);
  return { parent, replies, text: [parent, ...replies].map(messageText).join('\n') };
}

/** An Alertmanager notification about `service` in the suite's namespace of `cluster`. */
function alertOf(cluster: string, service = 'api-service') {
  const labels = {
    alertname: 'ServiceZeroEndpoints',
    service,
    namespace: ns,
    cluster,
    severity: 'critical',
  };
  return {
    version: '4',
    groupKey: `{}:{alertname="ServiceZeroEndpoints",cluster="${cluster}",namespace="${ns}",service="${service}"}`,
    status: 'firing',
    receiver: 'kubemedic',
    groupLabels: { alertname: 'ServiceZeroEndpoints', cluster },
    commonLabels: labels,
    commonAnnotations: { summary: `${service} has no ready endpoints` },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString() }],
  };
}

const selectorIn = (cluster: 'alpha' | 'beta') =>
  kubectlIn(cluster, [
    'get',
    'service',
    'api-service',
    '-n',
    ns,
    '-o',
    'jsonpath={.spec.selector}',
  ]);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubemedic-hub-home-'));
  second = await startSecondCluster();
  await Promise.all([seed('alpha'), seed('beta')]);
  await waitFor(
    'the seed pods to run in both clusters',
    async () => (await podNames('alpha')).length === 2 && (await podNames('beta')).length === 2,
    90_000,
  );
  admin = new Redis(DEFAULT_REDIS_URL);
  for (const c of ['alpha', 'beta'] as const)
    await admin.call('ACL', 'SETUSER', aclUser(c), ...agentAclRules(prefix, c, passwords[c]));
  fake = await FakeSlack.start();
  [agents.alpha, agents.beta] = await Promise.all([startAgent('alpha'), startAgent('beta')]);
  const env = testEnv({
    prefix,
    mode: 'http',
    slack: fake,
    env: {
      KUBEMEDIC_ROLE: 'hub',
      KUBEMEDIC_APPROVERS: APPROVER,
      KUBEMEDIC_HEARTBEAT_MS: String(HEARTBEAT_MS),
      KUBEMEDIC_CHANNEL_CLUSTERS: 'C0BETA=beta',
      LOG_LEVEL: 'info',
      HOME: home,
    },
  });
  // The hub gets no kubeconfig, and finds none in its HOME.
  delete env.KUBECONFIG;
  hub = await startKubemedic(env);
}, 300_000);

afterAll(async () => {
  await Promise.all([hub?.stop(), agents.alpha?.stop(), agents.beta?.stop()]);
  await fake?.close();
  if (admin) {
    for (const c of ['alpha', 'beta']) await admin.call('ACL', 'DELUSER', aclUser(c));
    admin.disconnect();
  }
  for (const c of ['alpha', 'beta'])
    await deletePrefix(clusterPrefix(prefix, c).replace(/[{}]/g, '\\$&'));
  await deletePrefix(prefix);
  await kubectlAt(kubeconfigPath, ['delete', 'namespace', ns, '--wait=false']).catch(
    () => undefined,
  );
  await second?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}, 120_000);

describe('one hub, an agent per cluster', () => {
  it('lists both clusters with their agent’s version, Kubernetes version and capabilities; the hub needs only Redis', async () => {
    const listed = await ask('clusters', 'C0ANY');
    expect(listed).toContain('*Clusters* (2):');
    for (const c of ['alpha', 'beta'])
      expect(listed).toMatch(
        new RegExp(`\`${c}\`: online, kubemedic \\S+, Kubernetes v1\\.\\d+\\.\\d+; \\d+ checks`),
      );
    // The test identity is an admin: every fix is allowed.
    expect(listed).toMatch(/ [1-9]\d* fixes it may apply/);
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    // Named by nobody and no channel default: the requester is asked which cluster.
    const which = await ask(`api-service -n ${ns}`, 'C0ANY');
    expect(which).toContain('Which cluster? Add `--cluster NAME`');
    expect(which).toContain('`alpha`');
    expect(which).toContain('`beta`');
  });

  it('answers /diagnose --cluster alpha from alpha, and the beta channel’s /diagnose from beta, each thread naming its cluster', async () => {
    expect(await ask(`api-service -n ${ns} --cluster alpha`, 'C0ALPHA')).toContain(
      'of cluster *alpha*',
    );
    expect(await ask(`api-service -n ${ns}`, 'C0BETA')).toContain('of cluster *beta*');
    const alpha = await answeredThread('C0ALPHA');
    const beta = await answeredThread('C0BETA');
    expect(messageText(alpha.parent)).toContain('cluster `alpha`');
    expect(messageText(beta.parent)).toContain('cluster `beta`');
    for (const t of [alpha, beta]) expect(t.text).toContain('service.selector-mismatch');
    // Each thread's evidence is its own cluster's objects.
    expect(alpha.text).toContain('Deployment api-alpha');
    expect(alpha.text).not.toContain('api-beta');
    expect(beta.text).toContain('Deployment api-beta');
    expect(beta.text).not.toContain('api-alpha');
    // And each agent worked only its own cluster's job.
    expect(agents.alpha?.output()).toContain(`"target":"alpha/${ns}/Service/api-service"`);
    expect(agents.alpha?.output()).not.toContain('"target":"beta/');
    expect(agents.beta?.output()).toContain(`"target":"beta/${ns}/Service/api-service"`);
    expect(agents.beta?.output()).not.toContain('"target":"alpha/');
  });

  it('routes each alert by its cluster label to that cluster’s agent, one thread per alert group', async () => {
    for (const cluster of ['alpha', 'beta'])
      expect((await postAlert(hub.url, alertOf(cluster))).status).toBe(200);
    const parents = await waitFor(
      'both alert threads answered',
      async () => {
        const done = fake
          .messages(ALERT_CHANNEL)
          .filter((m) => messageText(m).includes('· details in the thread'));
        return done.length === 2 ? done : undefined;
      },
      60_000,
    );
    expect(fake.messages(ALERT_CHANNEL)).toHaveLength(2);
    for (const [cluster, other] of [
      ['alpha', 'beta'],
      ['beta', 'alpha'],
    ] as const) {
      const parent = parents.find((m) => messageText(m).includes(`cluster \`${cluster}\``));
      expect(parent, cluster).toBeDefined();
      const text = [parent, ...fake.thread(ALERT_CHANNEL, parent?.ts ?? '')]
        .map((m) => messageText(m ?? {}))
        .join('\n');
      expect(text).toContain('ServiceZeroEndpoints');
      expect(text).toContain('service.selector-mismatch');
      expect(text).toContain(`Deployment api-${cluster}`);
      expect(text).not.toContain(`api-${other}`);
    }
  });

  it('applies an approved fix in its own cluster only, after the hub refused a stranger', async () => {
    type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
    const actionsOf = (m: StoredMessage) =>
      (m.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');
    const { replies } = await answeredThread('C0ALPHA');
    const card = replies.find((m) => actionsOf(m)?.elements[0]?.action_id === 'kubemedic_approve');
    const planId = card && actionsOf(card)?.elements[0]?.value;
    expect(planId).toBeTruthy();
    const click = (user: string) =>
      postSigned(
        `${hub.url}/slack/events`,
        blockActionsBody(
          blockActionsPayload({
            actionId: 'kubemedic_approve',
            value: planId,
            messageTs: card?.ts ?? '',
            channelId: 'C0ALPHA',
            userId: user,
          }),
        ),
        FORM_CONTENT_TYPE,
        SIGNING_SECRET,
      );
    expect((await click('U0STRANGER')).status).toBe(200);
    const refusal = await fake.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === 'U0STRANGER',
      20_000,
    );
    expect(messageText(refusal.args)).toMatch(/may not approve/);
    expect(await selectorIn('alpha')).toBe('{"app":"api-svc"}');

    expect((await click(APPROVER)).status).toBe(200);
    await waitFor(
      'the fix in alpha',
      async () => (await selectorIn('alpha')) === '{"app":"api-service"}',
      60_000,
    );
    // The same broken Service in beta is untouched.
    expect(await selectorIn('beta')).toBe('{"app":"api-svc"}');
    await waitFor(
      'the verified outcome in alpha’s thread',
      async () =>
        fake
          .thread('C0ALPHA', (await answeredThread('C0ALPHA')).parent.ts)
          .some((m) => messageText(m).includes('Applied and verified')),
      60_000,
    );
  });

  it('finishes a job whose agent was killed mid-diagnosis once the agent is back, and says "no agent" at once meanwhile', async () => {
    const betaDiagnose = new Queue('diagnose', {
      connection: admin,
      prefix: clusterPrefix(prefix, 'beta'),
    });
    const apiserver = second.pid('kube-apiserver');
    try {
      // Beta's API server stops answering, so the agent's diagnosis is in hand when it is killed.
      process.kill(apiserver, 'SIGSTOP');
      expect(await ask(`api-service -n ${ns} --cluster beta`, 'C0RESTART')).toContain('Diagnosing');
      await waitFor(
        'beta’s agent to take the job',
        async () => (await betaDiagnose.getJobCounts('active')).active === 1,
        20_000,
        50,
      );
      await agents.beta?.stop('SIGKILL');
    } finally {
      process.kill(apiserver, 'SIGCONT');
    }

    // Until the heartbeat lapses the hub still queues; after it, the answer comes at once.
    const gone = await waitFor(
      'the hub to see beta’s agent gone',
      async () => {
        const t = await ask(`checkout -n ${ns} --cluster beta`, 'C0GONE');
        return t.includes('no agent for beta') ? t : undefined;
      },
      20_000,
      HEARTBEAT_MS,
    );
    expect(gone).toMatch(/no agent for beta since \d\d:\d\d UTC: nothing was queued/);
    const answeredIn = performance.now();
    expect(await ask(`checkout -n ${ns} --cluster beta`, 'C0GONE')).toContain('no agent for beta');
    const noAgentMs = performance.now() - answeredIn;
    expect(fake.messages('C0RESTART').some((m) => messageText(m).includes('details'))).toBe(false);
    // An alert for the cluster meanwhile: its thread says why at once, and nothing is queued.
    const queuedBefore = await betaDiagnose.count();
    expect((await postAlert(hub.url, alertOf('beta', 'cart'))).status).toBe(200);
    const refusedAlert = await waitFor(
      'the alert thread to say there is no agent',
      async () =>
        fake
          .messages(ALERT_CHANNEL)
          .flatMap((p) => fake.thread(ALERT_CHANNEL, p.ts))
          .find((m) => messageText(m).includes('Cannot diagnose cart')),
      20_000,
    );
    expect(messageText(refusedAlert)).toMatch(/no agent for beta since \d\d:\d\d UTC/);
    expect(await betaDiagnose.count()).toBe(queuedBefore);

    const restarted = performance.now();
    agents.beta = await startAgent('beta');
    const upAgain = performance.now();
    const answer = await answeredThread('C0RESTART', 90_000);
    expect(answer.text).toContain('service.selector-mismatch');
    expect(messageText(answer.parent)).toContain('cluster `beta`');
    // One thread for the request: the restart did not ask twice.
    expect(fake.messages('C0RESTART')).toHaveLength(1);
    console.log(
      `[hub-agents] "no agent" answer: ${Math.round(noAgentMs)} ms; agent restarted in ${((upAgain - restarted) / 1000).toFixed(1)} s; the killed agent's job answered ${((performance.now() - upAgain) / 1000).toFixed(1)} s after that (job lock 3 s)`,
    );
    await betaDiagnose.close();
  });
});
