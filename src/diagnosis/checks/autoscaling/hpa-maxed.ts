import type { HorizontalPodAutoscaler } from '../../../cluster/k8s-types.js';
import { scaleWorkload } from '../../fixes/scale-workload.js';
import { ref } from '../../model/objects.js';
import { customColumns, evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';

export const hpaMaxed: CheckDef<'autoscaling.hpa-maxed'> = defineCheck({
  id: 'autoscaling.hpa-maxed',
  layer: 'workload',
  meaning: 'the HorizontalPodAutoscaler is at its maximum while the service fails',
  // Pods past what their replicas can serve fail readiness on timeouts: a capacity problem is a
  // deeper cause than the unready pods, and more pods (a higher ceiling) come before probe changes.
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
      const max = hpa.spec.maxReplicas;
      if (current < max) continue;
      const ns = hpa.metadata.namespace ?? '';
      const columns = customColumns([
        ['MIN', '.spec.minReplicas', hpa.spec.minReplicas],
        ['MAX', '.spec.maxReplicas', max],
        ['CURRENT', '.status.currentReplicas', hpa.status?.currentReplicas],
        ['DESIRED', '.status.desiredReplicas', hpa.status?.desiredReplicas],
      ]);
      out.push(
        finding('autoscaling.hpa-maxed', {
          // Nothing serving with the autoscaler at its ceiling is an outage of capacity.
          severity: ctx.podImpact,
          title: `HPA ${hpa.metadata.name} is at its maximum of ${max} replicas while ${w.object.metadata.name} fails`,
          detail:
            `The autoscaler runs ${current} of at most ${max} replica(s) (minimum ${hpa.spec.minReplicas ?? 1}); ${wantText(hpa)}. ` +
            `Load beyond what ${max} pods serve makes them fail readiness, and the autoscaler cannot add more: raise its maximum (the fix below doubles it, within the approval policy's bound) or cut per-pod cost.`,
          evidence: [
            evidence(
              ['get', 'hpa', hpa.metadata.name, '-n', ns, '-o', columns.arg],
              columns.output,
            ),
          ],
          objects: [ref('HorizontalPodAutoscaler', hpa)],
          remediations: [
            scaleWorkload('HorizontalPodAutoscaler', hpa, max * 2, ['autoscaling.hpa-maxed']),
          ],
        }),
      );
    }
    return out;
  },
});

/** What the autoscaler says it wants, in its own words when it could not decide. */
function wantText(hpa: HorizontalPodAutoscaler): string {
  const cond = (type: string) => hpa.status?.conditions?.find((c) => c.type === type);
  const active = cond('ScalingActive');
  if (active?.status === 'False')
    return `it cannot compute how many it needs (ScalingActive False, ${active.reason ?? 'no reason'}: ${active.message ?? ''})`;
  const limited = cond('ScalingLimited');
  const desired = hpa.status?.desiredReplicas;
  const wants = desired !== undefined ? `it wants ${desired}` : 'it reports no desired count';
  if (limited?.status === 'True')
    return `${wants} and is held at its bound (ScalingLimited, ${limited.reason ?? 'no reason'}: ${limited.message ?? ''})`;
  return wants;
}
