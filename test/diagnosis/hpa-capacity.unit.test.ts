// An autoscaler at its ceiling while every pod fails readiness under load is a capacity problem:
// the report ranks it first and offers more capacity (a higher HPA maximum) before probe surgery,
// and it states what the autoscaler really reports.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli/render-text.js';
import type { HorizontalPodAutoscaler } from '../../src/cluster/k8s-types.js';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import type { Snapshot } from '../../src/cluster/snapshot.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { fixOf } from '../../src/diagnosis/fixes/registry.js';
import type { RemediationPlan } from '../../src/diagnosis/fixes/types.js';

const dump = join(import.meta.dirname, '..', 'scenarios', 'hpa-maxed', 'dump.json');

async function hpaMaxed(edit: (h: HorizontalPodAutoscaler) => void = () => undefined) {
  const snapshot: Snapshot = await snapshotFromFiles([dump]);
  const hpa = snapshot.hpas[0] as HorizontalPodAutoscaler;
  edit(hpa);
  const report = diagnose(snapshot, { kind: 'Service', name: 'search-api', cluster: 'c' });
  const finding = report.findings.find((f) => f.check === 'autoscaling.hpa-maxed');
  return { report, hpa, finding };
}

describe('an HPA at its ceiling with pods unready under load', () => {
  it('is the root cause, and raising its maximum is offered before adding a startupProbe', async () => {
    const { report, hpa } = await hpaMaxed();
    expect(report.rootCause).toBe('autoscaling.hpa-maxed');
    expect(report.findings[0]?.check).toBe('autoscaling.hpa-maxed');
    const offered = report.findings.flatMap((f) => f.remediations);
    expect(offered[0]?.id).toBe('scale-workload');
    const probeAt = offered.findIndex((p) => p.id === 'add-startup-probe');
    expect(probeAt === -1 || probeAt > 0).toBe(true);

    const plan = offered[0] as RemediationPlan;
    expect(plan.object).toMatchObject({ kind: 'HorizontalPodAutoscaler', name: 'search-api' });
    expect(plan.mutation).toEqual({
      type: 'json-patch',
      ops: [
        { op: 'test', path: '/spec/maxReplicas', value: 3 },
        { op: 'replace', path: '/spec/maxReplicas', value: 6 },
      ],
    });
    expect(plan.kubectl).toBe(
      `kubectl patch hpa search-api -n ${hpa.metadata.namespace} --type=json -p '[{"op":"test","path":"/spec/maxReplicas","value":3},{"op":"replace","path":"/spec/maxReplicas","value":6}]'`,
    );
    expect(plan.inverse).toEqual({
      type: 'json-patch',
      ops: [
        { op: 'test', path: '/spec/maxReplicas', value: 6 },
        { op: 'replace', path: '/spec/maxReplicas', value: 3 },
      ],
    });

    // The terminal reads the same order: the first fix printed is the higher ceiling.
    const text = renderText(report);
    const fixes = text.split('\n').filter((l) => /^\s+Fix /.test(l));
    expect(fixes[0]).toContain('Fix scale-workload');
    expect(fixes[0]).toContain('Raise the maximum of HPA search-api from 3 to 6 replicas');
  });

  it("states the autoscaler's own figures, not a desired count of 0", async () => {
    const { finding, hpa } = await hpaMaxed();
    // The captured autoscaler could not read metrics: desiredReplicas 0 means "could not decide".
    expect(hpa.status?.desiredReplicas).toBe(0);
    expect(finding?.detail).not.toMatch(/wants 0/);
    expect(finding?.detail).toContain('runs 3 of at most 3 replica(s) (minimum 2)');
    expect(finding?.detail).toContain(
      'it cannot compute how many it needs (ScalingActive False, FailedGetResourceMetric: the HPA was unable to compute the replica count',
    );
    expect(finding?.evidence[0]?.argv).toEqual([
      'kubectl',
      'get',
      'hpa',
      'search-api',
      '-n',
      hpa.metadata.namespace,
      '-o',
      'custom-columns=MIN:.spec.minReplicas,MAX:.spec.maxReplicas,CURRENT:.status.currentReplicas,DESIRED:.status.desiredReplicas',
    ]);
    expect(finding?.evidence[0]?.output).toBe(
      'MIN   MAX   CURRENT   DESIRED\n2     3     3         0',
    );
  });

  it('an autoscaler that can compute says how many it wants and why it is held', async () => {
    const { finding } = await hpaMaxed((h) => {
      h.status = {
        currentReplicas: 3,
        desiredReplicas: 3,
        conditions: [
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
          {
            type: 'ScalingLimited',
            status: 'True',
            reason: 'TooManyReplicas',
            message: 'the desired replica count is more than the maximum replica count',
          },
        ],
      };
    });
    expect(finding?.detail).toContain(
      'it wants 3 and is held at its bound (ScalingLimited, TooManyReplicas: the desired replica count is more than the maximum replica count)',
    );
  });

  it("a higher ceiling stays within the approval policy's maxReplicas, and is refused at or under it", async () => {
    const { finding } = await hpaMaxed();
    const plan = finding?.remediations[0] as RemediationPlan;
    const fix = fixOf('scale-workload');
    const bounds = { maxMemory: '4Gi', maxMemoryBytes: 4 * 1024 ** 3 };
    const clamped = fix.clamp?.(plan, { ...bounds, maxReplicas: 4 });
    expect(clamped).toMatchObject({ ok: true, clamped: expect.stringContaining('from 6 to 4') });
    expect(clamped?.ok && clamped.plan.mutation).toEqual({
      type: 'json-patch',
      ops: [
        { op: 'test', path: '/spec/maxReplicas', value: 3 },
        { op: 'replace', path: '/spec/maxReplicas', value: 4 },
      ],
    });
    expect(clamped?.ok && clamped.plan.object.kind).toBe('HorizontalPodAutoscaler');
    const refused = fix.clamp?.(plan, { ...bounds, maxReplicas: 3 });
    expect(refused).toMatchObject({ ok: false });
  });
});
