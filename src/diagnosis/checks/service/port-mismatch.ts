import type { Pod } from '../../../cluster/k8s-types.js';
import { patchServiceTargetPort } from '../../fixes/patch-service-target-port.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { bestContainerPort, declaredTargetPort } from './shared.js';

export const portMismatch: CheckDef<'service.port-mismatch'> = defineCheck({
  id: 'service.port-mismatch',
  layer: 'service',
  meaning: "the Service's targetPort is not a port the pods listen on",
  explains: [],
  reads: ['services', 'pods'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      const backends = ctx.backendsOf(svc);
      if (backends.length === 0) continue;
      const ports = svc.spec.ports ?? [];
      const broken = ports
        .map((port, index) => ({
          port,
          index,
          missing: backends.filter((p) => declaredTargetPort(port, p) === undefined),
        }))
        .filter((b) => b.missing.length > 0);
      for (const b of broken) {
        const ns = svc.metadata.namespace as string;
        const sample = b.missing[0] as Pod;
        const declared = sample.spec.containers.flatMap((c) =>
          (c.ports ?? []).map(
            (p) =>
              `${c.name}:${p.name ? p.name + '=' : ''}${p.containerPort}/${p.protocol ?? 'TCP'}`,
          ),
        );
        const wanted = bestContainerPort(b.port, sample);
        const allPortsBroken = broken.length === ports.length;
        const target = b.port.targetPort ?? b.port.port;
        out.push(
          finding('service.port-mismatch', {
            severity: allPortsBroken ? 'critical' : 'warning',
            title: `Service ${svc.metadata.name} port ${b.port.name ?? b.port.port} targets ${target}, which ${b.missing.length === backends.length ? 'no' : `${b.missing.length} of ${backends.length}`} backing pod(s) expose`,
            detail:
              `Port ${b.port.port} forwards to targetPort ${JSON.stringify(target)}, but the pods declare ${declared.join(', ') || 'no ports'}. ` +
              (typeof target === 'string'
                ? 'A named targetPort must match a named containerPort.'
                : 'Connections to that port are refused.'),
            evidence: [
              evidence(
                ['get', 'service', svc.metadata.name, '-n', ns, '-o', 'jsonpath={.spec.ports}'],
                jsonpathText(ports),
              ),
              evidence(
                [
                  'get',
                  'pod',
                  sample.metadata.name,
                  '-n',
                  ns,
                  '-o',
                  'jsonpath={.spec.containers[*].ports}',
                ],
                sample.spec.containers.map((c) => jsonpathText(c.ports)).join(' '),
              ),
            ],
            objects: [ref('Service', svc), ...b.missing.slice(0, 5).map((p) => ref('Pod', p))],
            remediations:
              wanted !== undefined
                ? [patchServiceTargetPort(svc, b.index, wanted, ['service.port-mismatch'])]
                : [],
          }),
        );
      }
    }
    return out;
  },
});
