import { patchIngressBackend } from '../../fixes/patch-ingress-backend.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import {
  backendEvidence,
  type BackendPort,
  hasPort,
  intendedPort,
  portText,
  scopedIngressBackends,
  serviceNamed,
  servicePortText,
} from './shared.js';

export const backendPortMismatch: CheckDef<'ingress.backend-port-mismatch'> = defineCheck({
  id: 'ingress.backend-port-mismatch',
  layer: 'ingress',
  meaning: 'an Ingress rule names a port the Service does not have',
  explains: [],
  reads: ['ingresses', 'services'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      const svc = serviceNamed(ctx.snapshot, ns, r.service.name);
      if (!svc || svc.spec.type === 'ExternalName') continue;
      if (hasPort(svc, r.service.port) !== false) continue;
      const ports = svc.spec.ports ?? [];
      const chosen = intendedPort(svc, r.service.port);
      const byName = r.service.port?.name !== undefined;
      const wanted: BackendPort | undefined = chosen
        ? byName && chosen.name
          ? { name: chosen.name }
          : { number: chosen.port }
        : undefined;
      const given = portText(r.service.port);
      out.push(
        finding('ingress.backend-port-mismatch', {
          severity: 'critical',
          title: `Ingress ${r.ingress.metadata.name} routes ${r.route} to port ${given} of Service ${svc.metadata.name}, which has no such port`,
          detail:
            `Service ${svc.metadata.name} exposes ${ports.map(servicePortText).join(', ') || 'no ports'}. ` +
            `An Ingress backend names a Service port ${byName ? '(by its name)' : '(port, not targetPort)'}; ` +
            `with no match the controller has no upstream and answers 503. ` +
            (chosen
              ? `Use port ${portText(wanted)}.`
              : 'Set the backend port to one of the Service ports above.'),
          evidence: [
            backendEvidence(r),
            evidence(
              ['get', 'service', svc.metadata.name, '-n', ns ?? '', '-o', 'jsonpath={.spec.ports}'],
              jsonpathText(ports),
            ),
          ],
          objects: [ref('Ingress', r.ingress), ref('Service', svc)],
          remediations: wanted
            ? [
                patchIngressBackend(
                  r.ingress,
                  r.path,
                  r.service,
                  { name: svc.metadata.name, port: wanted },
                  ['ingress.backend-port-mismatch'],
                ),
              ]
            : [],
        }),
      );
    }
    return out;
  },
});
