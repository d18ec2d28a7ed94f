import type { RouteParentStatus } from '../../../cluster/k8s-types.js';
import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { getRoute, scopedRoutes } from './routes.js';

/** The conditions a controller sets on a route's parent that mean it does not serve it. */
const SERVING = ['Accepted', 'ResolvedRefs'];

function parentName(p: RouteParentStatus, routeNs: string | undefined): string {
  const ns = p.parentRef.namespace ?? routeNs;
  const section = p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : '';
  return `${p.parentRef.kind ?? 'Gateway'} ${ns ? `${ns}/` : ''}${p.parentRef.name}${section}`;
}

export const gatewayRouteNotAccepted: CheckDef<'gateway.route-not-accepted'> = defineCheck({
  id: 'gateway.route-not-accepted',
  layer: 'gateway',
  meaning: "a route's parent Gateway reports it Accepted=False or ResolvedRefs=False",
  explains: [],
  reads: ['httpRoutes'],
  run(ctx) {
    const out: Finding[] = [];
    for (const { route, kind } of scopedRoutes(ctx)) {
      const parents = route.status?.parents ?? [];
      const bad = parents.flatMap((p) => {
        const failed = (p.conditions ?? []).filter(
          (c) => SERVING.includes(c.type) && c.status === 'False',
        );
        return failed.length ? [{ parent: p, failed }] : [];
      });
      const first = bad[0];
      if (!first) continue;
      // A route some other parent serves still takes traffic through that Gateway.
      const none = bad.length === parents.length;
      const ns = route.metadata.namespace;
      const lines = bad.flatMap(({ parent, failed }) =>
        failed.map(
          (c) =>
            `${parentName(parent, ns)} (${parent.controllerName}): ${c.type}=False ${c.reason ?? ''}: ${c.message ?? ''}`,
        ),
      );
      const stale = bad.some(({ failed }) =>
        failed.some(
          (c) =>
            c.observedGeneration !== undefined &&
            route.metadata.generation !== undefined &&
            c.observedGeneration < route.metadata.generation,
        ),
      );
      const c = first.failed[0];
      out.push(
        finding('gateway.route-not-accepted', {
          severity: none ? 'critical' : 'warning',
          title: `${kind} ${route.metadata.name}: ${parentName(first.parent, ns)} reports ${c?.type}=False (${c?.reason ?? 'no reason'})`,
          detail:
            (none
              ? `No parent Gateway serves this route, so the requests it should match get no route there (404) or fail. `
              : `${bad.length} of ${parents.length} parent(s) do not serve this route; traffic through them fails. `) +
            `The controller ${first.parent.controllerName} says: ${lines.join(' ')}` +
            (stale
              ? ' The condition was written for an older generation of the route: the controller may not have processed the latest change yet.'
              : '') +
            ' Accepted=False: the Gateway does not allow the route to attach (listener hostname, namespace, or kind); ResolvedRefs=False: a reference (a backend, a ReferenceGrant) cannot be resolved.',
          evidence: [getRoute(route, kind, '/status/parents')],
          objects: [
            ref(kind, route),
            ...bad.map(({ parent }) => ({
              kind: parent.parentRef.kind ?? 'Gateway',
              namespace: parent.parentRef.namespace ?? ns,
              name: parent.parentRef.name,
            })),
          ],
        }),
      );
    }
    return out;
  },
});
