// The bundled demo: each incident in demo/ still diagnoses as its scenario expects when they are
// loaded together, and an approved fix is shown as the change it would make to the dump.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { demoApproval, demoDiagnosis, loadDemoSnapshot } from '../../src/demo.js';
import { TargetError } from '../../src/diagnosis/target.js';
import { LocalPatchError, applyPatchLocally } from '../../src/remediation/local-patch.js';

const root = join(import.meta.dirname, '..', '..');
const FROM: Record<string, string> = {
  'api-service': 'seed-selector-mismatch',
  checkout: 'crashloop',
  'payment-frontend': 'port-mismatch',
  reports: 'oom-killed',
  search: 'image-pull',
  'search-api': 'hpa-maxed',
};

describe('the demo', () => {
  it.each(Object.entries(FROM))('%s diagnoses as scenario %s expects', async (name, scenario) => {
    const snapshot = await loadDemoSnapshot();
    const expected = JSON.parse(
      await readFile(join(root, 'test/scenarios', scenario, 'scenario.json'), 'utf8'),
    ) as { expected: { rootCause: string; remediation: string | null } };
    const report = await demoDiagnosis(snapshot)({ kind: 'Service', name, cluster: 'demo' });
    expect(report.rootCause).toBe(expected.expected.rootCause);
    expect(report.target.namespace).toBe('prod');
    const plans = report.findings.flatMap((f) => f.remediations ?? []);
    if (expected.expected.remediation) {
      const plan = plans.find((p) => p.id === expected.expected.remediation);
      expect(plan).toBeDefined();
      const shown = demoApproval(snapshot, plan!);
      expect(shown).toContain('no cluster is touched');
      expect(shown).toContain(`$ ${plan!.kubectl}`);
      expect(shown).not.toContain('does not apply');
    }
  });

  it('answers a name it does not hold with the nearest ones', async () => {
    const snapshot = await loadDemoSnapshot();
    await expect(
      demoDiagnosis(snapshot)({ kind: 'Deployment', name: 'api-servic', cluster: 'demo' }),
    ).rejects.toThrow(TargetError);
  });
});

describe('applyPatchLocally', () => {
  const svc = { spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } };
  it('applies test, replace, add and remove to a copy', () => {
    const out = applyPatchLocally(svc, [
      { op: 'test', path: '/spec/selector', value: { app: 'a' } },
      { op: 'replace', path: '/spec/selector', value: { app: 'b' } },
      { op: 'add', path: '/spec/ports/-', value: { port: 81 } },
      { op: 'remove', path: '/spec/ports/0' },
    ]);
    expect(out).toEqual({ spec: { selector: { app: 'b' }, ports: [{ port: 81 }] } });
    expect(svc.spec.selector.app).toBe('a');
  });
  it('refuses a failed test and a missing path', () => {
    expect(() =>
      applyPatchLocally(svc, [{ op: 'test', path: '/spec/selector', value: { app: 'x' } }]),
    ).toThrow(LocalPatchError);
    expect(() =>
      applyPatchLocally(svc, [{ op: 'replace', path: '/spec/nope/x', value: 1 }]),
    ).toThrow(LocalPatchError);
  });
});

describe('--from-file dumps', () => {
  it('counts an object once when the same dump is given twice', async () => {
    const dump = join(root, 'demo/api-service.json');
    const once = await snapshotFromFiles([dump]);
    const twice = await snapshotFromFiles([dump, dump]);
    expect(once.pods.length).toBe(3);
    expect(twice.pods.length).toBe(3);
    expect(twice.services.length).toBe(once.services.length);
  });
});
