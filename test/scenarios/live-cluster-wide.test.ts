// The private-scope scenarios: they change cluster-wide state (CoreDNS and kube-proxy in
// kube-system, an ingress controller, Istio CRDs, a metrics API, a NotReady node), which must
// never happen on the shared cluster other suites use at the same time. They run one by one on
// a private control plane started for this file, each removing its cluster-wide objects after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './support/cluster.js';
import { expectReport, summarise } from './support/expect.js';
import { diagnoseLive } from './support/live.js';
import { prepareScenario } from './support/prepare.js';
import { type Scenario, loadScenarios } from './support/schema.js';

const scenarios = loadScenarios().filter((s) => s.scope === 'private');

describe('cluster-wide scenarios diagnosed live on a private cluster', () => {
  let cluster: TestCluster | undefined;

  beforeAll(async () => {
    cluster = await TestCluster.startPrivate(2);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  async function run(sc: Scenario): Promise<void> {
    if (!cluster) throw new Error('the private cluster did not start');
    const { namespace, cleanup } = await prepareScenario(cluster, sc);
    try {
      const report = await diagnoseLive(cluster.kubeconfig, sc, namespace);
      expect(report.target.namespace).toBe(namespace);
      expect(report.apiRequests, summarise(report)).toBeGreaterThan(0);
      expectReport(report, sc.expected);
    } finally {
      await cleanup();
    }
  }

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, sc) => run(sc), 180_000);
});
