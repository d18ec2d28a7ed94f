// Evidence under a `$ command` is what that command prints: no JSON under `kubectl describe`,
// no Service of another namespace under `kubectl get services -n NS`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';

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
});
