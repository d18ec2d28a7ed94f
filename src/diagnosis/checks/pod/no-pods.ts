import { scaleWorkload } from '../../fixes/scale-workload.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import { formatSelector } from '../../model/labels.js';
import type { Finding } from '../../types.js';
import { replicaFailure } from './shared.js';

export const noPods: CheckDef<'pod.no-pods'> = defineCheck({
  id: 'pod.no-pods',
  layer: 'pod',
  meaning: 'the workload has no pods at all',
  explains: ['service.no-endpoints', 'ingress.backend-no-endpoints'],
  reads: ['pods'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      if (ctx.backendsOf(svc).length > 0) continue;
      const ns = svc.metadata.namespace as string;
      const workloads = ctx.workloads.filter((w) => w.object.metadata.namespace === ns);
      const podsInNs = ctx.podsIn(ns).length;
      if (workloads.length === 0 && podsInNs > 0) continue; // pods exist with other labels: selector mismatch
      const w = workloads[0];
      const replicas = w && w.kind !== 'DaemonSet' ? (w.object.spec.replicas ?? 1) : undefined;
      const scaledToZero = replicas === 0;
      const remediations =
        w && w.kind !== 'DaemonSet' && scaledToZero
          ? [scaleWorkload(w.kind, w.object, 2, ['pod.no-pods', 'service.no-endpoints'])]
          : [];
      const why = !w
        ? `no pod in ${ns} and no workload whose pod template carries ${formatSelector(svc.spec.selector)}`
        : scaledToZero
          ? `${w.kind} ${w.object.metadata.name} is scaled to 0 replicas`
          : `${w.kind} ${w.object.metadata.name} wants ${replicas ?? 'one per node'} pod(s) but none exists (${replicaFailure(ctx, w) ?? 'check its ReplicaSet events'})`;
      out.push(
        finding('pod.no-pods', {
          severity: 'critical',
          title: `Service ${svc.metadata.name} has no pods: ${why}`,
          detail: `Nothing runs behind ${svc.metadata.name} (selector ${formatSelector(svc.spec.selector)}): ${why}.`,
          evidence: [
            evidence(
              ['get', 'pods', '-n', ns, '-l', formatSelector(svc.spec.selector)],
              `No resources found in ${ns} namespace.`,
            ),
            ...(w
              ? [
                  evidence(
                    [
                      'get',
                      w.kind.toLowerCase(),
                      w.object.metadata.name,
                      '-n',
                      ns,
                      '-o',
                      'jsonpath={.spec.replicas}',
                    ],
                    jsonpathText(w.kind === 'DaemonSet' ? undefined : w.object.spec.replicas),
                  ),
                ]
              : []),
          ],
          objects: [ref('Service', svc), ...(w ? [ref(w.kind, w.object)] : [])],
          remediations,
        }),
      );
    }
    return out;
  },
});
