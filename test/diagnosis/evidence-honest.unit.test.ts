// Evidence under a `$ command` is what that command prints: no JSON under `kubectl describe`,
// no Service of another namespace under `kubectl get services -n NS`, and no filtered, redacted
// lines under `kubectl logs` (which prints the whole tail): the lines read are in the prose.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import type { Report } from '../../src/diagnosis/types.js';

const root = join(import.meta.dirname, '..', '..');
const dump = (name: string) => join(root, 'test/scenarios', name, 'dump.json');

describe('honest evidence', () => {
  it('kubectl describe pod is shown without an output block; the crash is in the pod table and the prose', async () => {
    const snapshot = await snapshotFromFiles([dump('crashloop')]);
    const report = diagnose(snapshot, { kind: 'Service', name: 'checkout', cluster: 'c' });
    const f = report.findings.find((x) => x.check === 'pod.crashloop');
    const described = f?.evidence.filter((e) => e.argv[1] === 'describe') ?? [];
    expect(described.length).toBeGreaterThan(0);
    for (const e of described) expect(e.output).toBe('');
    const table = f?.evidence.find((e) => e.argv[1] === 'get' && e.argv[2] === 'pods');
    expect(table?.argv.at(-2)).toBe('-o');
    expect(table?.argv.at(-1)).toMatch(/^custom-columns=NAME:\.metadata\.name,/);
    const [header, ...rows] = table?.output.split('\n') ?? [];
    expect(header?.split(/ +/)).toEqual(['NAME', 'STATUS', 'READY', 'RESTARTS', 'WAITING', 'NODE']);
    expect(rows.length).toBe(
      snapshot.pods.filter((p) => p.metadata.labels?.app === 'checkout').length,
    );
    for (const row of rows) expect(row).toMatch(/ +Running +false +\d+ +CrashLoopBackOff +\S+$/);
    expect(f?.detail).toMatch(/exit code 1/);
  });

  it('kubectl get services -n NS lists only the Services of NS', async () => {
    // Two dumps: the seed's namespace holds api-service; the other namespace's Services must
    // not appear under the command for the namespace that lacks the name.
    const snapshot = await snapshotFromFiles([
      dump('service-not-found'),
      dump('seed-selector-mismatch'),
    ]);
    const ns = snapshot.services.find((s) => s.metadata.name === 'api-svc')?.metadata.namespace;
    const report = diagnose(snapshot, {
      kind: 'Service',
      name: 'api-service',
      namespace: ns,
      cluster: 'c',
    });
    const e = report.findings.find((f) => f.check === 'service.not-found')?.evidence[0];
    expect(e?.argv).toEqual(['kubectl', 'get', 'services', '-n', ns, '-o', 'name']);
    const inNs = snapshot.services
      .filter((s) => s.metadata.namespace === ns)
      .map((s) => `service/${s.metadata.name}`)
      .sort();
    expect(e?.output.split('\n')).toEqual(inNs);
    expect(e?.output).not.toContain('api-service');
    // The Service of that name elsewhere is still named, in the detail.
    expect(report.findings[0]?.detail).toContain('api-service');
  });

  const logsShown = (r: Report) =>
    r.findings.flatMap((f) =>
      f.evidence.filter((e) => e.argv[1] === 'logs').map((e) => ({ f, e })),
    );

  it.each([
    ['app-dependency-not-found', 'api', 'dependency.not-found', 'ENOTFOUND redis-cache'],
    ['app-egress-blocked', 'api', 'netpol.egress-blocked', '10.96.213.48:5432: i/o timeout'],
    ['app-database-selector-typo', 'api', 'dependency.unhealthy', 'connection refused'],
    ['app-stacktrace-after-revision', 'shop', 'app.errors-in-logs', 'NullPointerException'],
  ])(
    '%s: kubectl logs is shown without an output block; the error lines are in the detail',
    async (name, service, check, line) => {
      const snapshot = await snapshotFromFiles([dump(name)]);
      const report = diagnose(snapshot, { kind: 'Service', name: service, cluster: 'c' });
      const shown = logsShown(report);
      expect(shown.map((x) => x.f.check)).toContain(check);
      for (const { f, e } of shown) {
        expect(e.output, `$ ${e.command}`).toBe('');
        expect(e.argv).toContain('--tail=200');
        expect(f.detail, f.check).toContain(line);
      }
    },
  );

  it('pod.crashloop: the previous log is shown as a command; its last lines, or why it could not be read, are in the detail', async () => {
    const base = JSON.parse(readFileSync(dump('crashloop'), 'utf8')) as {
      items: { kind: string; metadata: { name: string; namespace?: string } }[];
    };
    const pod = base.items.find((i) => i.kind === 'Pod');
    if (!pod) throw new Error('crashloop dump holds no Pod');
    const log = (extra: Record<string, string>) => ({
      apiVersion: 'kubemedic.io/v1',
      kind: 'PodLog',
      metadata: { name: `${pod.metadata.name}.checkout`, namespace: pod.metadata.namespace },
      pod: pod.metadata.name,
      container: (pod as unknown as { spec: { containers: { name: string }[] } }).spec.containers[0]
        ?.name,
      logKind: 'previous',
      ...extra,
    });
    const diagnoseWith = async (extra: Record<string, string>) => {
      const file = join(tmpdir(), `crashloop-log-${process.pid}-${Object.keys(extra)[0]}.json`);
      writeFileSync(file, JSON.stringify({ ...base, items: [...base.items, log(extra)] }));
      const r = diagnose(await snapshotFromFiles([file]), {
        kind: 'Service',
        name: 'checkout',
        cluster: 'c',
      });
      const f = r.findings.find((x) => x.check === 'pod.crashloop');
      const e = f?.evidence.find((x) => x.argv[1] === 'logs');
      return { f, e };
    };

    const read = await diagnoseWith({
      text: 'starting\npanic: DATABASE_URL is not set\ngoroutine 1 [running]:\n',
    });
    expect(read.e?.argv).toContain('--previous');
    expect(read.e?.output).toBe('');
    expect(read.f?.detail).toContain('panic: DATABASE_URL is not set');

    const failed = await diagnoseWith({ error: 'previous terminated container not found' });
    expect(failed.e?.output).toBe('');
    expect(failed.f?.detail).toContain('previous terminated container not found');
  });
});
