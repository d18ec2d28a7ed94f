import type { RemediationPlan } from '../../fixes/types.js';
import { patchResources } from '../../fixes/patch-resources.js';
import { scaleWorkload } from '../../fixes/scale-workload.js';
import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { formatBytes } from '../../model/quantity.js';
import { parseQuantity } from '../../model/quantity.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { templateIndex } from './shared.js';

export const resourceStarvation: CheckDef<'pod.resource-starvation'> = defineCheck({
  id: 'pod.resource-starvation',
  layer: 'pod',
  meaning: 'containers run close to their CPU or memory limit',
  explains: ['pod.not-ready'],
  reads: ['pods', 'podMetrics'],
  run(ctx) {
    const out: Finding[] = [];
    for (const pod of ctx.allBackends) {
      const m = ctx.snapshot.podMetrics.find(
        (x) =>
          x.metadata.name === pod.metadata.name && x.metadata.namespace === pod.metadata.namespace,
      );
      if (!m) continue;
      for (const usage of m.containers) {
        const c = pod.spec.containers.find((x) => x.name === usage.name);
        if (!c) continue;
        const memLimit = parseQuantity(c.resources?.limits?.memory);
        const cpuLimit = parseQuantity(c.resources?.limits?.cpu);
        const mem = parseQuantity(usage.usage.memory);
        const cpu = parseQuantity(usage.usage.cpu);
        const memRatio = memLimit && mem !== undefined ? mem / memLimit : 0;
        const cpuRatio = cpuLimit && cpu !== undefined ? cpu / cpuLimit : 0;
        if (memRatio < 0.9 && cpuRatio < 0.9) continue;
        const w = ctx.ownerOf(pod);
        const remediations: RemediationPlan[] = [];
        // An injected sidecar is not in the template: its limits are the injector's, not ours.
        const inTemplate = w ? templateIndex(w, c.name) : undefined;
        if (w && inTemplate !== undefined && memRatio >= 0.9 && memLimit) {
          const raised = Math.ceil((memLimit * 1.5) / 1024 ** 2) * 1024 ** 2;
          remediations.push(
            patchResources(w.kind, w.object, inTemplate, formatBytes(raised), raised, [
              'pod.resource-starvation',
            ]),
          );
        }
        if (w && w.kind !== 'DaemonSet') {
          const replicas = w.object.spec.replicas ?? 1;
          remediations.push(
            scaleWorkload(w.kind, w.object, replicas + Math.max(1, Math.ceil(replicas / 2)), [
              'pod.resource-starvation',
            ]),
          );
        }
        out.push(
          finding('pod.resource-starvation', {
            severity: 'warning',
            title: `${c.name} in ${pod.metadata.name} runs at ${Math.round(Math.max(memRatio, cpuRatio) * 100)}% of its ${memRatio >= cpuRatio ? 'memory' : 'CPU'} limit`,
            detail: `Usage: memory ${usage.usage.memory ?? '?'} of ${c.resources?.limits?.memory ?? 'no limit'}, CPU ${usage.usage.cpu ?? '?'} of ${c.resources?.limits?.cpu ?? 'no limit'}. Starved pods fail probes intermittently and flap out of the endpoints.`,
            evidence: [
              evidence(
                [
                  'top',
                  'pod',
                  pod.metadata.name,
                  '-n',
                  pod.metadata.namespace ?? '',
                  '--containers',
                ],
                // Usage moves from second to second: the figures read are in the prose.
                '',
              ),
            ],
            objects: [ref('Pod', pod)],
            remediations,
          }),
        );
        break;
      }
      if (out.length > 0) break;
    }
    return out;
  },
});
