// Every shared-scope scenario, applied live to the shared test control plane in a namespace of
// its own and diagnosed by the real gatherer. Scenarios are prepared in parallel (they touch
// nothing outside their namespace); each test waits for its own and asserts its expectations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './support/cluster.js';
import { expectReport, summarise } from './support/expect.js';
import { diagnoseLive } from './support/live.js';
import { removePodLogs, writeScenarioLogs } from './support/pod-logs.js';
import { type PreparedScenario, limiter, prepareScenario } from './support/prepare.js';
import { type Scenario, loadScenarios } from './support/schema.js';

// KUBEMEDIC_SCENARIOS=a,b runs only those (to try new scenarios without preparing them all).
const only = process.env.KUBEMEDIC_SCENARIOS?.split(',').filter(Boolean);
// Scenarios that declare container logs get them written for KWOK to serve (support/pod-logs.ts)
// and are diagnosed with `--logs`. app-database-selector-typo runs in live-app-logs.test.ts: its
// fixed ClusterIP cannot be allocated twice at once.
const LIVE_ELSEWHERE = new Set(['app-database-selector-typo']);
const scenarios = loadScenarios().filter(
  (s) => s.scope === 'shared' && !LIVE_ELSEWHERE.has(s.name) && (!only || only.includes(s.name)),
);
// Enough to overlap the waiting (rollouts, deadlines) without starving two cores of kubectl runs.
const PARALLEL = 12;

describe('scenarios diagnosed live on the shared test cluster', () => {
  let cluster: TestCluster;
  const prepared = new Map<string, Promise<PreparedScenario>>();
  const cleaned = new Set<string>();

  beforeAll(() => {
    cluster = TestCluster.shared();
    const limit = limiter(PARALLEL);
    for (const sc of scenarios) {
      const p = limit(() => prepareScenario(cluster, sc));
      p.catch(() => undefined); // the scenario's own test reports the failure
      prepared.set(sc.name, p);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(
      [...prepared].map(async ([name, p]) => {
        if (!cleaned.has(name)) await (await p).cleanup();
      }),
    );
    cluster.close();
  });

  async function run(sc: Scenario): Promise<void> {
    const setup = prepared.get(sc.name);
    if (!setup) throw new Error(`${sc.name} was not prepared`);
    const { namespace, cleanup } = await setup;
    try {
      await writeScenarioLogs(cluster, sc, namespace);
      const report = await diagnoseLive(cluster.kubeconfig, sc, namespace);
      expect(report.target.namespace).toBe(namespace);
      expect(report.apiRequests, summarise(report)).toBeGreaterThan(0);
      expectReport(report, sc.expected);
      if (sc.expected.apiRounds !== undefined)
        expect(report.apiRounds, summarise(report)).toBeLessThanOrEqual(sc.expected.apiRounds);
    } finally {
      cleaned.add(sc.name);
      await cleanup();
      removePodLogs(cluster, namespace);
    }
  }

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, sc) => run(sc), 240_000);
});
