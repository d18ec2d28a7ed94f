import type { RemediationPlan } from '../../fixes/types.js';
import { addStartupProbe } from '../../fixes/add-startup-probe.js';
import { ref } from '../../model/objects.js';
import { isPodReady } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import {
  containerHits,
  describeEvidence,
  describeProbe,
  getPodsEvidence,
  type Hit,
  ownerOfHits,
  podsLine,
  restartPlan,
  templateIndex,
} from './shared.js';

export const notReady: CheckDef<'pod.not-ready'> = defineCheck({
  id: 'pod.not-ready',
  layer: 'pod',
  meaning: 'pods are running but fail their readiness probe, so endpoints are drained',
  explains: ['service.no-endpoints', 'ingress.backend-no-endpoints'],
  reads: ['pods'],
  run(ctx) {
    // Running, started, and failing readiness: waiting/crashing containers are other checks' business.
    const hits = containerHits(
      ctx,
      (s, p) =>
        p.status?.phase === 'Running' && !isPodReady(p) && !s.ready && Boolean(s.state?.running),
    );
    if (hits.length === 0) return [];
    const pods = new Set(hits.map((h) => h.pod));
    const total = ctx.allBackends.length;
    const first = hits[0] as Hit;
    const w = ownerOfHits(ctx, hits);
    const probe = first.container.readinessProbe;
    const probeText = probe
      ? describeProbe(probe)
      : 'no readinessProbe (readiness gates or a container not started)';
    const remediations: RemediationPlan[] = [];
    const index = w && !first.init ? templateIndex(w, first.container.name) : undefined;
    if (
      w &&
      index !== undefined &&
      (first.container.livenessProbe || first.container.readinessProbe)
    )
      remediations.push(
        addStartupProbe(w.kind, w.object, index, ['pod.not-ready', 'service.no-endpoints']),
      );
    remediations.push(...restartPlan(ctx, w, ['pod.not-ready', 'service.no-endpoints']));
    return [
      finding('pod.not-ready', {
        severity: ctx.podImpact,
        title: `${pods.size} of ${total} pod(s) are Running but not Ready (${podsLine(hits)})`,
        detail:
          `Container ${first.container.name} is running but fails its readiness check (${probeText}); ` +
          `Kubernetes removes unready pods from the endpoints${ctx.nothingServes ? ', and none is left, so requests get 503' : ''}.`,
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first)],
        objects: [...pods].slice(0, 5).map((p) => ref('Pod', p)),
        remediations,
      }),
    ];
  },
});
