import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { uniqueNearest } from '../../model/names.js';
import {
  fqdn,
  knownNamespaces,
  patchEvidence,
  resolveHost,
  routesOf,
  routeEvidence,
  scopedVirtualServices,
  serviceAt,
  servicesRead,
  weightNote,
} from './shared.js';

export const virtualServiceMisrouted: CheckDef<'mesh.virtualservice-misrouted'> = defineCheck({
  id: 'mesh.virtualservice-misrouted',
  layer: 'mesh',
  meaning: 'an Istio VirtualService routes to a host or port no Service has',
  explains: [],
  reads: ['virtualServices', 'services'],
  static: true,
  run(ctx) {
    if (ctx.snapshot.virtualServices.length === 0) return [];
    const out: Finding[] = [];
    const namespaces = knownNamespaces(ctx);
    for (const vs of scopedVirtualServices(ctx)) {
      const ns = vs.metadata.namespace ?? '';
      const seen = new Set<string>();
      for (const r of routesOf(vs)) {
        const h = resolveHost(r.destination.host, ns, namespaces);
        if (!h || !servicesRead(ctx, h.namespace)) continue;
        const key = `${fqdn(h)}:${r.destination.port?.number ?? ''}`;
        if (seen.has(key)) continue;
        const svc = serviceAt(ctx.snapshot, h);
        const getVs = () => routeEvidence(vs, r.path);
        if (!svc) {
          seen.add(key);
          const names = ctx.snapshot.services
            .filter((s) => s.metadata.namespace === h.namespace)
            .map((s) => s.metadata.name);
          const near = uniqueNearest(h.name, names);
          const fix = near
            ? patchEvidence(
                vs,
                `${r.path}/host`,
                h.namespace === ns ? near : `${near}.${h.namespace}.svc.cluster.local`,
              )
            : undefined;
          out.push(
            finding('mesh.virtualservice-misrouted', {
              severity: 'critical',
              title: `VirtualService ${vs.metadata.name} routes to host ${r.destination.host}, but Service ${h.name} does not exist in ${h.namespace}`,
              detail:
                `The mesh has no endpoints for ${fqdn(h)}, so the sidecar answers 503 (no healthy upstream) for requests routed there${weightNote(r)}. ` +
                (near
                  ? `Did you mean Service ${near}? Fix the destination host (the command below).`
                  : `Services in ${h.namespace}: ${names.slice(0, 8).join(', ') || '(none)'}. Point the destination at one of them or create ${h.name}.`),
              evidence: [
                getVs(),
                evidence(
                  ['get', 'service', h.name, '-n', h.namespace],
                  `Error from server (NotFound): services "${h.name}" not found`,
                ),
                ...(fix ? [fix] : []),
              ],
              objects: [ref('VirtualService', vs)],
            }),
          );
          continue;
        }
        const portNumber = r.destination.port?.number;
        const ports = svc.spec.ports ?? [];
        if (portNumber === undefined || ports.some((p) => p.port === portNumber)) continue;
        seen.add(key);
        const only = ports.length === 1 ? ports[0] : ports.find((p) => p.targetPort === portNumber);
        const fix = only ? patchEvidence(vs, `${r.path}/port/number`, only.port) : undefined;
        out.push(
          finding('mesh.virtualservice-misrouted', {
            severity: 'critical',
            title: `VirtualService ${vs.metadata.name} routes to port ${portNumber} of Service ${svc.metadata.name}, which has no such port`,
            detail:
              `Service ${svc.metadata.name} exposes ${ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'no ports'}; ` +
              `a destination port must be a Service port (not the container port), else the sidecar finds no upstream and answers 503${weightNote(r)}. ` +
              (fix
                ? `Point it at port ${only?.port} (the command below).`
                : 'Set destination.port.number to one of the Service ports.'),
            evidence: [
              getVs(),
              evidence(
                [
                  'get',
                  'service',
                  svc.metadata.name,
                  '-n',
                  svc.metadata.namespace ?? '',
                  '-o',
                  'jsonpath={.spec.ports}',
                ],
                jsonpathText(ports),
              ),
              ...(fix ? [fix] : []),
            ],
            objects: [ref('VirtualService', vs), ref('Service', svc)],
          }),
        );
      }
    }
    return out;
  },
});
