import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import {
  containerHits,
  containerLabel,
  describeEvidence,
  getPodsEvidence,
  type Hit,
  missingReferences,
  ownerOfHits,
  undoPlan,
} from './shared.js';

export const configError: CheckDef<'pod.config-error'> = defineCheck({
  id: 'pod.config-error',
  layer: 'pod',
  meaning: 'a container cannot be created: a ConfigMap, Secret or key it needs is missing',
  explains: ['rollout.stalled', 'pod.not-ready', 'service.no-endpoints'],
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) =>
      ['CreateContainerConfigError', 'CreateContainerError'].includes(
        s.state?.waiting?.reason ?? '',
      ),
    );
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    const missing = missingReferences(ctx, first.pod, first.container);
    return [
      finding('pod.config-error', {
        severity: ctx.podImpact,
        title: `${containerLabel(first)} cannot be created: ${first.status.state?.waiting?.message ?? first.status.state?.waiting?.reason}`,
        detail:
          `${first.status.state?.waiting?.reason}: ${first.status.state?.waiting?.message ?? 'no message'}. ` +
          (missing.length
            ? `Not found in ${first.pod.metadata.namespace}: ${missing.join(', ')}. `
            : '') +
          'Create the missing object or key, or fix the reference in the pod template.',
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, ownerOfHits(ctx, hits), [
          'pod.config-error',
          'service.no-endpoints',
        ]),
      }),
    ];
  },
});
