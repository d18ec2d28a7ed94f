// restart-coredns, live, on a private control plane: the shared test cluster has no CoreDNS and
// other suites read kube-system, so this suite starts its own cluster (test/cluster/up.sh with
// KUBEMEDIC_CLUSTER_DIR), runs a KWOK CoreDNS there, makes it hang, and lets kubemedic restart it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemediationAction } from '../../src/remediation/flow.js';
import { repoRoot, waitFor } from '../support/cluster.js';
import {
  APPROVER,
  type Identities,
  RecordingNotifier,
  type RedisFixture,
  bindIdentities,
  click,
  deploymentYaml,
  deps,
  getJson,
  kubectlAt,
  planFor,
  redisFixture,
  savePlan,
  serviceTarget,
  serviceYaml,
  setPodsState,
} from './support.js';

const run = promisify(execFile);
const clusterDir = mkdtempSync(join(tmpdir(), 'kubemedic-coredns-'));
const kubeconfig = join(clusterDir, 'kubeconfig');
// Only the child processes see the private cluster; this process keeps the shared one.
const clusterEnv = {
  ...process.env,
  KUBEMEDIC_CLUSTER_DIR: clusterDir,
  KUBEMEDIC_CLUSTER_NODES: '2',
};

let ids: Identities;
let fx: RedisFixture;
const k = (args: string[], input?: string) => kubectlAt(kubeconfig, args, input);

interface SliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}
const readyDns = async () =>
  (
    await getJson<SliceList>(kubeconfig, [
      'get',
      'endpointslices',
      '-n',
      'kube-system',
      '-l',
      'kubernetes.io/service-name=kube-dns',
    ])
  ).items
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false).length;

beforeAll(async () => {
  await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env: clusterEnv });
  [ids, fx] = await Promise.all([bindIdentities(kubeconfig), redisFixture()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([ids?.cleanup(), fx?.cleanup()]);
  await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env: clusterEnv });
  rmSync(clusterDir, { recursive: true, force: true });
}, 120_000);

describe('restart-coredns (CoreDNS pods hang unready; every lookup in the cluster fails)', () => {
  it('restarts kube-system/coredns, completes the rollout and verifies DNS is back', async () => {
    await k(
      ['apply', '-n', 'kube-system', '-f', '-'],
      [
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'coredns', labels: { 'k8s-app': 'kube-dns' } },
          spec: {
            replicas: 2,
            selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            template: {
              metadata: { labels: { 'k8s-app': 'kube-dns' } },
              spec: {
                containers: [
                  {
                    name: 'coredns',
                    image: 'registry.k8s.io/coredns/coredns:v1.12.0',
                    ports: [
                      { name: 'dns', containerPort: 53, protocol: 'UDP' },
                      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                    ],
                  },
                ],
              },
            },
          },
        }),
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } },
          spec: {
            selector: { 'k8s-app': 'kube-dns' },
            ports: [
              { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
              { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            ],
          },
        }),
      ].join('\n---\n'),
    );
    await k(['create', 'namespace', 'shop']);
    await k(
      ['apply', '-n', 'shop', '-f', '-'],
      [deploymentYaml('web'), serviceYaml('web', { app: 'web' })].join('\n---\n'),
    );
    await waitFor('2 ready CoreDNS endpoints', async () =>
      (await readyDns()) === 2 ? true : undefined,
    );
    await setPodsState('kube-system', 'k8s-app=kube-dns', 'not-ready', kubeconfig);
    await waitFor('CoreDNS endpoints to drain', async () =>
      (await readyDns()) === 0 ? true : undefined,
    );

    const target = serviceTarget('shop', 'web');
    const plan = await planFor(ids.reader, target, 'dns.coredns-unhealthy', 'restart-coredns');
    expect(plan.object).toMatchObject({
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
    });
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));

    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const d = await getJson<{
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
      status: { updatedReplicas?: number; availableReplicas?: number };
    }>(kubeconfig, ['get', 'deployment', 'coredns', '-n', 'kube-system']);
    expect(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(d.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2 });
    expect(await readyDns()).toBe(2);
    expect(notify.repliesText()).toMatch(
      /Verified: deployment "coredns" successfully rolled out; the diagnosis no longer reports dns.coredns-unhealthy/,
    );
    expect(notify.lastCard()?.record).toMatchObject({
      state: 'applied',
      plan: { id: 'restart-coredns' },
    });
  });
});
