import type { Service, ServicePort } from '../../../cluster/k8s-types.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import { GATEWAY_CHECKS, patchRouteBackend } from '../../fixes/patch-route-backend.js';
import type { Finding } from '../../types.js';
import {
  backendEvidence,
  backendPointer,
  brokenBackend,
  routeName,
  ruleStillServes,
  scopedRouteBackends,
  serviceNamed,
  servicePortText,
} from './routes.js';

/** The Service port a route most likely meant: the only one, or the one forwarding to the port
 * it gave (a container port written where the Service port belongs). */
function intendedPort(svc: Service, given: number | undefined): ServicePort | undefined {
  const ports = svc.spec.ports ?? [];
  if (ports.length === 1) return ports[0];
  if (given === undefined) return undefined;
  const byTarget = ports.filter((p) => String(p.targetPort) === String(given));
  return byTarget.length === 1 ? byTarget[0] : undefined;
}

export const gatewayBackendPortMismatch: CheckDef<'gateway.backend-port-mismatch'> = defineCheck({
  id: 'gateway.backend-port-mismatch',
  layer: 'gateway',
  meaning: 'an HTTPRoute or GRPCRoute backendRef port is not a port of the Service',
  explains: ['gateway.route-not-accepted'],
  reads: ['httpRoutes', 'services'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const b of scopedRouteBackends(ctx)) {
      if (brokenBackend(ctx.snapshot, b) !== 'port') continue;
      const svc = serviceNamed(ctx.snapshot, b.namespace, b.ref.name) as Service;
      const ports = svc.spec.ports ?? [];
      const chosen = intendedPort(svc, b.ref.port);
      const serves = ruleStillServes(ctx.snapshot, b);
      out.push(
        finding('gateway.backend-port-mismatch', {
          severity: serves ? 'warning' : 'critical',
          title: `${routeName(b)} sends rule ${b.rule} to port ${b.ref.port} of Service ${svc.metadata.name}, which has no such port`,
          detail:
            `Service ${svc.metadata.name} exposes ${ports.map(servicePortText).join(', ') || 'no ports'}. ` +
            'A backendRef names a Service port (port, not targetPort); with no match the gateway has no upstream ' +
            (serves
              ? "for this backend's share of the rule's requests, which fail while the other backends serve the rest. "
              : 'for the requests this rule matches and answers them with an error. ') +
            (chosen
              ? `Use port ${chosen.port}.`
              : 'Set the backendRef port to one of the Service ports above.'),
          evidence: [
            backendEvidence(b),
            evidence(
              [
                'get',
                'service',
                svc.metadata.name,
                '-n',
                b.namespace,
                '-o',
                'jsonpath={.spec.ports}',
              ],
              jsonpathText(ports),
            ),
          ],
          objects: [ref(b.routeKind, b.route), ref('Service', svc)],
          remediations:
            chosen && b.routeKind === 'HTTPRoute'
              ? [
                  patchRouteBackend.build({
                    route: b.route,
                    path: backendPointer(b),
                    current: { name: b.ref.name, port: b.ref.port },
                    wanted: { name: svc.metadata.name, port: chosen.port },
                    checks: GATEWAY_CHECKS,
                  }),
                ]
              : [],
        }),
      );
    }
    return out;
  },
});
