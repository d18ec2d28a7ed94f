// The app layer's live reads on the shared test control plane: a scenario of the app set applied
// in its own namespace and diagnosed with `--logs` through the real gatherer. KWOK serves a pod's
// container log only once a test has written one for it (support/pod-logs.ts): before that, the
// read of each sampled backend's log fails, and the report must say so as a skip with the API
// server's reason, the reads must stay bounded (at most APP_LOG_PODS logs) and be counted in
// apiRequests. Then the scenario's declared lines are written and served through the API server's
// pods/log proxy, and the live diagnosis follows the error lines to the broken dependency; the
// lines it quotes are what the `kubectl logs` it shows prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi } from '../../src/cluster/client.js';
import { APP_LOG_PODS, gatherApp } from '../../src/cluster/gather-app.js';
import { gatherSnapshot } from '../../src/cluster/gather.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { diagnoseLive } from '../../src/engine.js';
import { runRemediationAction } from '../../src/remediation/flow.js';
import {
  APPROVER,
  RecordingNotifier,
  bindIdentities,
  click,
  deps,
  redisFixture,
  savePlan,
} from '../remediation/support.js';
import { TestCluster } from './support/cluster.js';
import { expectReport, summarise } from './support/expect.js';
import { removePodLogs, writeScenarioLogs } from './support/pod-logs.js';
import { type PreparedScenario, prepareScenario } from './support/prepare.js';
import { type Scenario, loadScenario } from './support/schema.js';
import { waitFor } from '../support/cluster.js';

describe('the app layer read live (--logs)', () => {
  let cluster: TestCluster;
  let prepared: PreparedScenario;
  let api: KubeApi;
  let scenario: Scenario;

  beforeAll(async () => {
    cluster = TestCluster.shared();
    scenario = loadScenario('app-database-selector-typo');
    prepared = await prepareScenario(cluster, scenario);
    api = KubeApi.fromOptions({ kubeconfig: cluster.kubeconfig });
  }, 180_000);

  afterAll(async () => {
    api?.close();
    await prepared?.cleanup();
    if (prepared) removePodLogs(cluster, prepared.namespace);
    cluster?.close();
  });

  const target = () => ({
    kind: 'Service' as const,
    name: 'api',
    namespace: prepared.namespace,
    cluster: 'live',
  });

  it('reads the current log of the ready backends, bounded and counted, and skips with the reason when it cannot', async () => {
    // Under load KWOK may mark the backends ready a moment after the scenario is applied.
    const without = await waitFor(
      'both backends ready',
      async () => {
        const r = await diagnoseLive(api, target());
        return r.verdict === 'healthy' ? r : undefined;
      },
      60_000,
    );
    const withLogs = await diagnoseLive(api, target(), Date.now(), {
      logs: { since: new Date(Date.now() - 600_000).toISOString() },
    });
    expect(without.skipped.map((s) => s.check)).not.toContain('app.errors-in-logs');
    // Two ready backends: two more requests, one per log.
    expect(withLogs.apiRequests - without.apiRequests).toBe(2);
    const skip = withLogs.skipped.find((s) => s.check === 'app.errors-in-logs');
    expect(skip?.reason).toMatch(/^logs could not be read \(api-[a-z0-9-]+\/api: .+\)$/);
    // The healthy layers stay healthy: an unreadable log is no finding.
    expect(withLogs.verdict).toBe('healthy');
  });

  it('records each unreadable log with its error, since the alert start, at most APP_LOG_PODS', async () => {
    const snapshot = await gatherSnapshot(api, target());
    const since = new Date(Date.now() - 60_000).toISOString();
    await gatherApp(api, snapshot, target(), { since }, (t) => gatherSnapshot(api, t));
    const current = snapshot.logs.filter((l) => l.kind === 'current');
    expect(current.length).toBeGreaterThan(0);
    expect(current.length).toBeLessThanOrEqual(APP_LOG_PODS);
    for (const l of current) {
      expect(l).toMatchObject({ namespace: prepared.namespace, container: 'api', since });
      expect(l.error).toBeTruthy();
      expect(l.text).toBeUndefined();
    }
    const report = diagnose(snapshot, target(), { strict: true });
    expect(report.findings.map((f) => f.check)).not.toContain('app.errors-in-logs');
  });

  // Last: it makes the logs readable, which the tests above need unreadable.
  it('follows the error lines KWOK serves to the dependency whose selector has a typo', async () => {
    await writeScenarioLogs(cluster, scenario, prepared.namespace);
    const report = await diagnoseLive(api, target(), Date.now(), {
      logs: { since: new Date(Date.now() - 600_000).toISOString() },
    });
    const seen = summarise(report);
    expect(
      report.skipped.map((s) => s.check),
      seen,
    ).not.toContain('app.errors-in-logs');
    expectReport(report, scenario.expected);
    const root = report.findings[0];
    expect(root?.check, seen).toBe('dependency.unhealthy');
    // The dependency's own root cause, with its fix aimed at the dependency, not at api.
    expect(root?.detail, seen).toContain('service.selector-mismatch');
    const fix = root?.remediations.find((p) => p.id === 'patch-service-selector');
    expect(fix?.object, seen).toMatchObject({ name: 'postgres', namespace: prepared.namespace });
    const errors = report.findings.find((f) => f.check === 'app.errors-in-logs');
    expect(errors?.detail, seen).toContain('connection refused');

    // Honest evidence: `kubectl logs` is shown without an output block (kubectl prints the whole
    // tail), and every error line a detail quotes is printed by the command the finding shows.
    const quotedLines = (detail: string) => {
      const at = detail.split('\n').findIndex((l) => /^The error lines .*:$/.test(l));
      if (at < 0) return [];
      const rest = detail.split('\n').slice(at + 1);
      const end = rest.findIndex((l) => !l.startsWith('  '));
      return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.slice(2));
    };
    let checked = 0;
    for (const f of report.findings)
      for (const e of f.evidence.filter((x) => x.argv[1] === 'logs')) {
        expect(e.output, `$ ${e.command}`).toBe('');
        const printed = await cluster.kubectl(e.argv.slice(1));
        for (const line of quotedLines(f.detail)) {
          expect(printed.split('\n'), `$ ${e.command}`).toContain(line);
          checked++;
        }
      }
    expect(checked, seen).toBeGreaterThan(0);

    // Approved with the shipped identities: applied to the dependency and verified there (the
    // dependency is diagnosed again, not the app, whose logs would not be read again).
    if (!fix) throw new Error(`no fix offered\n${seen}`);
    const [ids, fx] = await Promise.all([bindIdentities(cluster.kubeconfig), redisFixture()]);
    try {
      const record = await savePlan(fx.store, fix, { ...target(), cluster: 'test' });
      const notify = new RecordingNotifier();
      const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
      expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
      expect(notify.repliesText()).toContain('service.selector-mismatch');
      const after = await diagnoseLive(api, {
        kind: 'Service',
        name: 'postgres',
        namespace: prepared.namespace,
        cluster: 'test',
      });
      expect(after.findings.map((f) => f.check)).not.toContain('service.selector-mismatch');
    } finally {
      await Promise.all([ids.cleanup(), fx.cleanup()]);
    }
  });
});
