// Honest evidence, checked against the cluster itself: a few scenarios are applied live and
// diagnosed, and every read-only `kubectl get` a finding shows in a form whose output kubectl
// defines exactly (`-o name`, `-o jsonpath=`, `-o custom-columns=`) is run with the argv the
// report shows; what kubectl prints must be what the report says it prints. Tables and `describe`
// are kubemedic's own summaries of those commands and are not compared here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/diagnosis/types.js';
import { TestCluster } from './support/cluster.js';
import { summarise } from './support/expect.js';
import { diagnoseLive } from './support/live.js';
import { type PreparedScenario, prepareScenario } from './support/prepare.js';
import { type Scenario, loadScenarios } from './support/schema.js';

const NAMES = [
  'hpa-maxed',
  'seed-selector-mismatch',
  'selector-one-key-wrong',
  'probe-port-mismatch',
  'service-not-found',
  'port-mismatch',
  'netpol-default-deny',
  'rollout-stalled',
];
const scenarios = loadScenarios().filter((s) => NAMES.includes(s.name));

/** A read-only `kubectl get` whose output format kubectl defines to the character. */
function exactGet(argv: readonly string[]): boolean {
  if (argv[0] !== 'kubectl' || argv[1] !== 'get') return false;
  const o = argv.indexOf('-o');
  const format = o === -1 ? undefined : argv[o + 1];
  return (
    format === 'name' ||
    Boolean(format?.startsWith('jsonpath=')) ||
    Boolean(format?.startsWith('custom-columns='))
  );
}

describe('evidence matches what kubectl prints on the live cluster', () => {
  let cluster: TestCluster;
  const prepared = new Map<string, Promise<PreparedScenario>>();

  beforeAll(() => {
    cluster = TestCluster.shared();
    for (const sc of scenarios) {
      const p = prepareScenario(cluster, sc);
      p.catch(() => undefined);
      prepared.set(sc.name, p);
    }
  });

  afterAll(async () => {
    await Promise.allSettled([...prepared.values()].map(async (p) => (await p).cleanup()));
    cluster.close();
  });

  it('covers the scenarios it names', () => {
    expect(scenarios.map((s) => s.name).sort()).toEqual([...NAMES].sort());
  });

  async function check(sc: Scenario): Promise<void> {
    const { namespace } = await (prepared.get(sc.name) as Promise<PreparedScenario>);
    const report: Report = await diagnoseLive(cluster.kubeconfig, sc, namespace);
    const shown = report.findings.flatMap((f) => f.evidence).filter((e) => exactGet(e.argv));
    expect(
      shown.length,
      `${sc.name} shows an exact kubectl get\n${summarise(report)}`,
    ).toBeGreaterThan(0);
    for (const e of shown) {
      const printed = await cluster.kubectl(e.argv.slice(1));
      expect(e.output.trimEnd(), `$ ${e.command}`).toBe(printed.trimEnd());
    }
  }

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, sc) => check(sc), 240_000);
});
