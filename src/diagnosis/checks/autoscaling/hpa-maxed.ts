import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';

export const hpaMaxed: CheckDef<'autoscaling.hpa-maxed'> = defineCheck({
  id: 'autoscaling.hpa-maxed',
  layer: 'workload',
  meaning: 'the HorizontalPodAutoscaler is at its maximum while the service fails',
  // Pods past what their replicas can serve fail readiness on timeouts.
  explains: ['pod.not-ready'],
  reads: ['hpas'],
  run(ctx) {
    const out: Finding[] = [];
    const failing =
      ctx.nothingServes ||
      ctx.allBackends.some(
        (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
      );
    if (!failing) return out;
    for (const w of ctx.workloads) {
      const hpa = ctx.snapshot.hpas.find(
        (h) =>
          h.metadata.namespace === w.object.metadata.namespace &&
          h.spec.scaleTargetRef.kind === w.kind &&
          h.spec.scaleTargetRef.name === w.object.metadata.name,
      );
      if (!hpa) continue;
      const current = hpa.status?.currentReplicas ?? 0;
      if (current < hpa.spec.maxReplicas) continue;
      out.push(
        finding('autoscaling.hpa-maxed', {
          severity: 'warning',
          title: `HPA ${hpa.metadata.name} is at its maximum of ${hpa.spec.maxReplicas} replicas while ${w.object.metadata.name} fails`,
          detail: `The autoscaler wants ${hpa.status?.desiredReplicas ?? current} and cannot add more: load exceeds what ${hpa.spec.maxReplicas} pods serve. Raise maxReplicas (the command below doubles it) or cut per-pod cost.`,
          evidence: [
            evidence(
              ['get', 'hpa', hpa.metadata.name, '-n', hpa.metadata.namespace ?? ''],
              `min=${hpa.spec.minReplicas ?? 1} max=${hpa.spec.maxReplicas} current=${current} desired=${hpa.status?.desiredReplicas ?? '?'}`,
            ),
            evidence(
              [
                'patch',
                'hpa',
                hpa.metadata.name,
                '-n',
                hpa.metadata.namespace ?? '',
                '-p',
                JSON.stringify({ spec: { maxReplicas: hpa.spec.maxReplicas * 2 } }),
              ],
              '(raises maxReplicas; not run)',
            ),
          ],
          objects: [ref('HorizontalPodAutoscaler', hpa)],
        }),
      );
    }
    return out;
  },
});
