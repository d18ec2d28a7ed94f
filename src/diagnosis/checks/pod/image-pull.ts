import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import {
  containerHits,
  containerLabel,
  describeEvidence,
  getPodsEvidence,
  type Hit,
  ownerOfHits,
  PULL_REASONS,
  undoPlan,
} from './shared.js';

export const imagePull: CheckDef<'pod.image-pull'> = defineCheck({
  id: 'pod.image-pull',
  layer: 'pod',
  meaning: 'the container image cannot be pulled',
  explains: ['rollout.stalled', 'pod.not-ready', 'service.no-endpoints'],
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) => PULL_REASONS.has(s.state?.waiting?.reason ?? ''));
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    return [
      finding('pod.image-pull', {
        severity: ctx.podImpact,
        title: `Image ${first.container.image} of ${containerLabel(first).toLowerCase()} cannot be pulled (${first.status.state?.waiting?.reason}) for ${new Set(hits.map((h) => h.pod)).size} pod(s)`,
        detail: `${first.status.state?.waiting?.message ?? 'The kubelet cannot pull the image.'} Check the image name and tag, and the registry credentials (imagePullSecrets).`,
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, ownerOfHits(ctx, hits), [
          'pod.image-pull',
          'service.no-endpoints',
        ]),
      }),
    ];
  },
});
