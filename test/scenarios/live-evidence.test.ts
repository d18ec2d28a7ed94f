// Honest evidence, checked against the cluster itself: a few scenarios are applied live and
// diagnosed, and every read-only `kubectl get` a finding shows with an output block is run with
// the argv the report shows; what kubectl prints (stdout, or the error it fails with) must be what
// the report says it prints, whatever the output format. `describe`, `logs` and `top` print
// layouts kubemedic does not reproduce, so they must be shown without an output block.
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

/** What kubectl prints for argv: its stdout, or its stderr when it fails (`Error from server`). */
async function printed(cluster: TestCluster, argv: readonly string[]): Promise<string> {
  try {
    return await cluster.kubectl(argv.slice(1));
  } catch (err) {
    const cause = (err as { cause?: { stderr?: string } }).cause;
    if (cause?.stderr === undefined) throw err;
    return cause.stderr;
  }
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
    const all = report.findings.flatMap((f) => f.evidence);
    const gets = all.filter((e) => e.argv[0] === 'kubectl' && e.argv[1] === 'get' && e.output);
    expect(
      gets.length,
      `${sc.name} shows a kubectl get with output\n${summarise(report)}`,
    ).toBeGreaterThan(0);
    for (const e of gets)
      expect(e.output.trimEnd(), `$ ${e.command}`).toBe((await printed(cluster, e.argv)).trimEnd());
    const unreproduced = all.filter(
      (e) => e.argv[0] === 'kubectl' && ['describe', 'logs', 'top'].includes(e.argv[1] ?? ''),
    );
    for (const e of unreproduced) expect(e.output, `$ ${e.command}`).toBe('');
  }

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, sc) => check(sc), 240_000);
});
