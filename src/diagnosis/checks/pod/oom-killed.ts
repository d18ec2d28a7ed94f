import type { RemediationPlan } from '../../fixes/types.js';
import { patchResources } from '../../fixes/patch-resources.js';
import { ref } from '../../model/objects.js';
import { formatBytes } from '../../model/quantity.js';
import { parseQuantity } from '../../model/quantity.js';
import { isPodReady } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import {
  containerHits,
  describeEvidence,
  getPodsEvidence,
  type Hit,
  lastTermination,
  ownerOfHits,
  templateIndex,
} from './shared.js';

export const oomKilled: CheckDef<'pod.oom-killed'> = defineCheck({
  id: 'pod.oom-killed',
  layer: 'pod',
  meaning: 'containers were killed for exceeding their memory limit (OOMKilled)',
  explains: ['pod.crashloop', 'pod.not-ready', 'service.no-endpoints'],
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) => lastTermination(s)?.reason === 'OOMKilled');
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    const limit = first.container.resources?.limits?.memory;
    const request = first.container.resources?.requests?.memory;
    const limitBytes = parseQuantity(limit);
    const w = ownerOfHits(ctx, hits);
    const remediations: RemediationPlan[] = [];
    const index = w && !first.init ? templateIndex(w, first.container.name) : undefined;
    if (w && index !== undefined && limitBytes) {
      const raised = Math.ceil((limitBytes * 2) / 1024 ** 2) * 1024 ** 2;
      remediations.push(
        patchResources(w.kind, w.object, index, formatBytes(raised), raised, [
          'pod.oom-killed',
          'service.no-endpoints',
        ]),
      );
    }
    const crashing = hits.some((h) => h.status.state?.waiting?.reason === 'CrashLoopBackOff');
    return [
      finding('pod.oom-killed', {
        severity: crashing || !ctx.allBackends.some(isPodReady) ? ctx.podImpact : 'warning',
        title: `Container ${first.container.name} was OOMKilled (exit 137) in ${new Set(hits.map((h) => h.pod)).size} pod(s): memory limit ${limit ?? 'none'}, request ${request ?? 'none'}`,
        detail:
          `The kernel killed the container for using more memory than its limit (${limit ?? 'no limit: node memory pressure'}); ` +
          `it restarted ${first.status.restartCount} time(s)${crashing ? ' and is now in CrashLoopBackOff' : ''}. ` +
          (limit
            ? 'Raise the limit above the working set, or fix the leak.'
            : 'Set a memory request and limit that fit the working set.'),
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations,
      }),
    ];
  },
});
