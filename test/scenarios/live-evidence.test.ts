// Honest evidence, checked against the cluster itself: a few scenarios are applied live and
// diagnosed, and every read-only `kubectl get` and `kubectl rollout status --watch=false` a
// finding shows with an output block is run with the argv the report shows; what kubectl prints
// (stdout, or the error it fails with) must be what the report says it prints, whatever the
// output format. `describe`, `logs` and `top` print
// layouts kubemedic does not reproduce, so they must be shown without an output block.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/diagnosis/types.js';
import { binDir } from '../support/cluster.js';
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
  'no-pods-scaled-to-zero',
  'ingress-class-missing',
  'ingress-backend-port-mismatch',
  'istio-subset-missing',
  'gateway-backend-port-mismatch',
  'netpol-dns-egress-blocked',
  'pvc-unbound',
  'node-not-ready',
  'crashloop',
  'init-crashloop',
];
const run = promisify(execFile);
const scenarios = loadScenarios().filter((s) => NAMES.includes(s.name));

/**
 * What a person sees when running argv: kubectl's stdout, or its stderr when it prints nothing
 * else (`No resources found in NS namespace.`, `Error from server (NotFound)`).
 */
async function printed(cluster: TestCluster, argv: readonly string[]): Promise<string> {
  const child = run(join(binDir(), 'kubectl'), [
    '--kubeconfig',
    cluster.kubeconfig,
    ...argv.slice(1),
  ]);
  try {
    const { stdout, stderr } = await child;
    return stdout || stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    if (e.stderr === undefined) throw err;
    return e.stdout || e.stderr;
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
    const gets = all.filter(
      (e) =>
        e.argv[0] === 'kubectl' &&
        (e.argv[1] === 'get' || (e.argv[1] === 'rollout' && e.argv[2] === 'status')) &&
        e.output,
    );
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
