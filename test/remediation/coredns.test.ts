// restart-coredns, live, on a private control plane: the shared test cluster has no CoreDNS and
// other suites read kube-system, so this suite starts its own cluster (test/cluster/up.sh with
// KUBEMEDIC_CLUSTER_DIR), runs a KWOK CoreDNS there, makes it hang, and lets kubemedic restart it.
import { describe, expect, it } from 'vitest';
import { runRemediationAction } from '../../src/remediation/flow.js';
import { waitFor } from '../support/cluster.js';
import {
  APPROVER,
  RecordingNotifier,
  click,
  deploymentYaml,
  deps,
  getJson,
  planFor,
  savePlan,
  serviceTarget,
  serviceYaml,
  setPodsState,
  usePrivateCluster,
} from './support.js';

const pc = usePrivateCluster('coredns');
const k = pc.k;

interface SliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}
const readyDns = async () =>
  (
    await getJson<SliceList>(pc.kubeconfig, [
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
    await setPodsState('kube-system', 'k8s-app=kube-dns', 'not-ready', pc.kubeconfig);
    await waitFor('CoreDNS endpoints to drain', async () =>
      (await readyDns()) === 0 ? true : undefined,
    );

    const target = serviceTarget('shop', 'web');
    const plan = await planFor(pc.ids.reader, target, 'dns.coredns-unhealthy', 'restart-coredns');
    expect(plan.object).toMatchObject({
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
    });
    const record = await savePlan(pc.fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(
      click(record, APPROVER),
      deps(pc.ids, pc.fx, notify),
    );

    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const d = await getJson<{
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
      status: { updatedReplicas?: number; availableReplicas?: number };
    }>(pc.kubeconfig, ['get', 'deployment', 'coredns', '-n', 'kube-system']);
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
