import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import { GATEWAY_CHECKS, patchRouteBackend } from '../../fixes/patch-route-backend.js';
import type { Finding } from '../../types.js';
import { uniqueNearest } from '../../model/names.js';
import {
  backendEvidence,
  backendPointer,
  brokenBackend,
  routeName,
  ruleStillServes,
  scopedRouteBackends,
  serviceNamed,
} from './routes.js';
import { evidence } from '../../model/evidence.js';
import type { Service } from '../../../cluster/k8s-types.js';

/** The port to write on the near Service: the same one if it has it, its only one, or the one
 * forwarding to the port given (a targetPort written where the Service port belongs). */
function portOn(svc: Service, given: number | undefined): number | undefined {
  const ports = svc.spec.ports ?? [];
  if (given !== undefined && ports.some((p) => p.port === given)) return given;
  if (ports.length === 1) return ports[0]?.port;
  const byTarget = ports.filter(
    (p) => given !== undefined && String(p.targetPort) === String(given),
  );
  return byTarget.length === 1 ? byTarget[0]?.port : undefined;
}

export const gatewayBackendMissing: CheckDef<'gateway.backend-missing'> = defineCheck({
  id: 'gateway.backend-missing',
  layer: 'gateway',
  meaning: 'an HTTPRoute or GRPCRoute backendRef names a Service that does not exist',
  explains: ['gateway.route-not-accepted'],
  reads: ['httpRoutes', 'services'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const b of scopedRouteBackends(ctx)) {
      if (brokenBackend(ctx.snapshot, b) !== 'missing') continue;
      const ns = b.namespace;
      const names = ctx.snapshot.services
        .filter((s) => s.metadata.namespace === ns)
        .map((s) => s.metadata.name);
      // A Service the rule already sends to is not the one a typo meant (a canary beside stable).
      const inRule = new Set((b.route.spec.rules?.[b.rule]?.backendRefs ?? []).map((r) => r.name));
      const near = uniqueNearest(
        b.ref.name,
        names.filter((n) => !inRule.has(n)),
      );
      const nearSvc = near ? serviceNamed(ctx.snapshot, ns, near) : undefined;
      const port = nearSvc ? portOn(nearSvc, b.ref.port) : undefined;
      const serves = ruleStillServes(ctx.snapshot, b);
      const crossNs = ns !== b.route.metadata.namespace;
      out.push(
        finding('gateway.backend-missing', {
          severity: serves ? 'warning' : 'critical',
          title: `${routeName(b)} sends rule ${b.rule} to Service ${b.ref.name}, which does not exist in ${ns}`,
          detail:
            (serves
              ? `The gateway sends this backend's share of the rule's requests nowhere: they fail with 500 while the other backends of the rule serve the rest. `
              : `The gateway has no backend for the requests this rule matches and answers them with 500. `) +
            (near
              ? `Did you mean Service ${near}? Point the backendRef at it.`
              : names.length
                ? `Services in ${ns}: ${names.slice(0, 8).join(', ')}. Create ${b.ref.name} or fix the backendRef.`
                : `Namespace ${ns} has no Services; create ${b.ref.name} or fix the backendRef.`) +
            (crossNs
              ? ` The Service is in another namespace than the route, which also needs a ReferenceGrant in ${ns} (not checked by kubemedic).`
              : ''),
          evidence: [
            backendEvidence(b),
            evidence(
              ['get', 'service', b.ref.name, '-n', ns],
              `Error from server (NotFound): services "${b.ref.name}" not found`,
            ),
          ],
          objects: [ref(b.routeKind, b.route), ...(nearSvc ? [ref('Service', nearSvc)] : [])],
          // The fix patches HTTPRoutes (the remediation role grants no more).
          remediations:
            near && port !== undefined && b.routeKind === 'HTTPRoute'
              ? [
                  patchRouteBackend.build({
                    route: b.route,
                    path: backendPointer(b),
                    current: { name: b.ref.name, port: b.ref.port },
                    wanted: { name: near, port },
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
