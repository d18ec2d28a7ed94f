// What the gateway checks share: the Service backends of HTTPRoutes and GRPCRoutes, which of them
// this diagnosis is about, and whether a backend can take traffic. A route may name a Service in
// another namespace; the Gateway API then also needs a ReferenceGrant there, which kubemedic does
// not read (a missing grant shows as ResolvedRefs=False, reported by gateway.route-not-accepted).
import type {
  GatewayBackendRef,
  GatewayRoute,
  Service,
  ServicePort,
} from '../../../cluster/k8s-types.js';
import { fieldInfo } from '../../../cluster/kinds.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import type { DiagnosisContext } from '../../context.js';
import { fieldEvidence } from '../../model/evidence.js';
import type { Evidence } from '../../types.js';
import { isNearName } from '../../model/names.js';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

export interface RouteBackend {
  route: GatewayRoute;
  routeKind: RouteKind;
  /** Index of the rule and of the backendRef in it. */
  rule: number;
  index: number;
  ref: GatewayBackendRef;
  /** Where the Service is looked for: the ref's namespace, else the route's. */
  namespace: string;
}

/** A backendRef to a Service: the core group (the default) and kind Service (the default). */
export function isServiceRef(ref: GatewayBackendRef): boolean {
  return (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';
}

/** JSON pointer of a backendRef in its route. */
export function backendPointer(b: Pick<RouteBackend, 'rule' | 'index'>): string {
  return `/spec/rules/${b.rule}/backendRefs/${b.index}`;
}

/** Every Service backendRef of a route. */
export function routeBackends(route: GatewayRoute, routeKind: RouteKind): RouteBackend[] {
  const ns = route.metadata.namespace ?? 'default';
  return (route.spec.rules ?? []).flatMap((rule, i) =>
    (rule.backendRefs ?? []).flatMap((ref, j) =>
      isServiceRef(ref)
        ? [{ route, routeKind, rule: i, index: j, ref, namespace: ref.namespace ?? ns }]
        : [],
    ),
  );
}

function allRoutes(s: Snapshot): { route: GatewayRoute; kind: RouteKind }[] {
  return [
    ...s.httpRoutes.map((route) => ({ route, kind: 'HTTPRoute' as const })),
    ...s.grpcRoutes.map((route) => ({ route, kind: 'GRPCRoute' as const })),
  ];
}

export function serviceNamed(s: Snapshot, ns: string, name: string): Service | undefined {
  return s.services.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
}

/** The Services a route sends to, in whatever namespace they live (the HTTPRoute target). */
export function routeServices(s: Snapshot, route: GatewayRoute | undefined): Service[] {
  if (!route) return [];
  const out = routeBackends(route, 'HTTPRoute')
    .map((b) => serviceNamed(s, b.namespace, b.ref.name))
    .filter((x): x is Service => x !== undefined);
  return [...new Set(out)];
}

// Three checks ask for the same backends of one diagnosis: computed once per context.
const SCOPED = new WeakMap<DiagnosisContext, RouteBackend[]>();

/**
 * The backends this diagnosis is about: every backend of a target route; in other routes, the
 * backends that name a Service in scope (from any namespace), a missing target Service, or a
 * missing Service whose name is a near miss of one in scope (a typo in the route).
 */
export function scopedRouteBackends(ctx: DiagnosisContext): RouteBackend[] {
  const known = SCOPED.get(ctx);
  if (known) return known;
  const found = (() => {
    const out = new Map<string, RouteBackend>();
    const add = (b: RouteBackend) =>
      out.set(
        `${b.routeKind}/${b.route.metadata.namespace}/${b.route.metadata.name}${backendPointer(b)}`,
        b,
      );
    const { snapshot, target } = ctx;
    const routes = allRoutes(snapshot);
    if (target.kind === 'HTTPRoute') {
      const r = snapshot.httpRoutes.find(
        (x) => x.metadata.namespace === target.namespace && x.metadata.name === target.name,
      );
      if (r) routeBackends(r, 'HTTPRoute').forEach(add);
    }
    for (const { route, kind } of routes) {
      for (const b of routeBackends(route, kind)) {
        for (const svc of ctx.services) {
          if (b.namespace !== svc.metadata.namespace) continue;
          if (b.ref.name === svc.metadata.name) add(b);
          else if (
            !serviceNamed(snapshot, b.namespace, b.ref.name) &&
            isNearName(b.ref.name, svc.metadata.name)
          )
            add(b);
        }
        const m = ctx.missing;
        if (m?.kind === 'Service' && b.namespace === m.namespace && b.ref.name === m.name) add(b);
      }
    }
    return [...out.values()];
  })();
  SCOPED.set(ctx, found);
  return found;
}

/** The routes this diagnosis is about: the target route and the routes of the scoped backends. */
export function scopedRoutes(ctx: DiagnosisContext): { route: GatewayRoute; kind: RouteKind }[] {
  const out = new Map<string, { route: GatewayRoute; kind: RouteKind }>();
  const add = (route: GatewayRoute, kind: RouteKind) =>
    out.set(`${kind}/${route.metadata.namespace}/${route.metadata.name}`, { route, kind });
  const { target, snapshot } = ctx;
  if (target.kind === 'HTTPRoute') {
    const r = snapshot.httpRoutes.find(
      (x) => x.metadata.namespace === target.namespace && x.metadata.name === target.name,
    );
    if (r) add(r, 'HTTPRoute');
  }
  for (const b of scopedRouteBackends(ctx)) add(b.route, b.routeKind);
  return [...out.values()];
}

/** Why a backend cannot take traffic: its Service is missing or lacks the port; else undefined. */
export function brokenBackend(s: Snapshot, b: RouteBackend): 'missing' | 'port' | undefined {
  const svc = serviceNamed(s, b.namespace, b.ref.name);
  if (!svc) return 'missing';
  if (svc.spec.type === 'ExternalName' || b.ref.port === undefined) return undefined;
  return (svc.spec.ports ?? []).some((p) => p.port === b.ref.port) ? undefined : 'port';
}

/**
 * Whether the rule of a broken backend still serves some of its requests: another backendRef
 * of the rule with weight that can take traffic. When none can, every request the rule matches
 * fails (the controller answers 500), which is as grave as an Ingress backend that is missing.
 */
export function ruleStillServes(s: Snapshot, b: RouteBackend): boolean {
  const rule = b.route.spec.rules?.[b.rule];
  return (rule?.backendRefs ?? []).some((ref, j) => {
    if (j === b.index || (ref.weight ?? 1) === 0) return false;
    if (!isServiceRef(ref)) return true; // another kind of backend: not judged here
    return (
      brokenBackend(s, { ...b, index: j, ref, namespace: ref.namespace ?? b.namespace }) ===
      undefined
    );
  });
}

export function routeName(b: Pick<RouteBackend, 'route' | 'routeKind'>): string {
  return `${b.routeKind} ${b.route.metadata.name}`;
}

/**
 * `kubectl get httproute NAME -n NS -o jsonpath={POINTER as a path}` and exactly what it prints,
 * the kind's name from the kinds table.
 */
export function getRoute(route: GatewayRoute, kind: RouteKind, pointer: string): Evidence {
  return fieldEvidence(
    fieldInfo(kind === 'HTTPRoute' ? 'httpRoutes' : 'grpcRoutes').kubectl,
    route,
    pointer,
  );
}

export function backendEvidence(b: RouteBackend): Evidence {
  return getRoute(b.route, b.routeKind, `/spec/rules/${b.rule}/backendRefs/${b.index}`);
}

export function servicePortText(p: ServicePort): string {
  const target = p.targetPort !== undefined && p.targetPort !== p.port ? ` -> ${p.targetPort}` : '';
  return `${p.name ? `${p.name}=` : ''}${p.port}${target}/${p.protocol ?? 'TCP'}`;
}
