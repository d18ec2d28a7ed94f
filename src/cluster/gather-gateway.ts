// Gateway API reads (gateway.networking.k8s.io): the HTTPRoutes and GRPCRoutes of the target
// namespace, routes elsewhere that send into it, the Services those routes name in other
// namespaces (with their endpoints and pods, so a route target's backends are judged like any
// other), and the parent Gateways. The served version is discovered, as for Istio; a cluster
// without the Gateway API marks the three kinds unavailable and the gateway checks are skipped.
import type { Target } from '../diagnosis/types.js';
import type { KubeApi } from './client.js';
import type { GatewayRoute, KubeObject, Service } from './k8s-types.js';
import { GATEWAY_GROUP, type ResourceKind, fieldInfo, fieldPath, groupPath } from './kinds.js';
import type { NameRule } from './names.js';
import type { Snapshot, UnavailableKey } from './snapshot.js';

/** What the gatherer lends these reads (its failure bookkeeping and de-duplication). */
export interface GatewayReads {
  api: KubeApi;
  snapshot: Snapshot;
  read<T>(
    key: UnavailableKey,
    fn: () => Promise<T>,
    opts?: { tolerate404?: boolean; quiet?: boolean },
  ): Promise<T | undefined>;
  add(field: ResourceKind, kind: string, items: KubeObject[]): void;
  pathName(kind: string, name: string, rule?: NameRule): boolean;
}

interface List<T> {
  items: T[];
}

export const GATEWAY_NOT_SERVED = `${GATEWAY_GROUP} is not served (Gateway API is not installed)`;

/** API versions as discovery reports them: nothing else goes into a path. */
const API_VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const MAX_CROSS_NAMESPACE_ROUTES = 500;
const MAX_GATEWAYS = 10;
const KINDS = ['httpRoutes', 'grpcRoutes', 'gateways'] as const;

function markAll(s: Snapshot, reason: string): void {
  for (const k of KINDS) s.unavailable[k] ??= reason;
}

export async function gatherGateway(
  io: GatewayReads,
  target: Target & { namespace: string },
): Promise<void> {
  const ns = target.namespace;
  const group = await io.read(
    'httpRoutes',
    () =>
      io.api.get<{ versions?: { version: string }[]; preferredVersion?: { version: string } }>(
        groupPath(GATEWAY_GROUP),
      ),
    { tolerate404: true },
  );
  if (!group) {
    // A 404 leaves no reason behind: the group is not installed. Any other failure has one.
    markAll(io.snapshot, io.snapshot.unavailable.httpRoutes ?? GATEWAY_NOT_SERVED);
    return;
  }
  const version = group.preferredVersion?.version ?? group.versions?.[0]?.version ?? 'v1';
  if (!API_VERSION.test(version)) {
    markAll(io.snapshot, `${GATEWAY_GROUP} reports an invalid version ${JSON.stringify(version)}`);
    return;
  }
  const at = (field: (typeof KINDS)[number], namespace?: string, name?: string) =>
    fieldPath(field, { version, namespace, name });

  const routes = async (field: 'httpRoutes' | 'grpcRoutes') => {
    const info = fieldInfo(field);
    // GRPCRoute reached v1 after HTTPRoute: an older install may not serve it at this version.
    const l = await io.read(field, () => io.api.get<List<GatewayRoute>>(at(field, ns)), {
      tolerate404: true,
    });
    if (!l) {
      io.snapshot.unavailable[field] ??= `${info.plural}.${GATEWAY_GROUP}/${version} is not served`;
      return;
    }
    io.add(field, info.kind, l.items);
  };
  await Promise.all([routes('httpRoutes'), routes('grpcRoutes'), intoNamespace(io, at, ns)]);

  if (
    target.kind === 'HTTPRoute' &&
    !io.snapshot.httpRoutes.some(
      (r) => r.metadata.namespace === ns && r.metadata.name === target.name,
    )
  ) {
    // Not here: look for the same name in other namespaces, to say where it is.
    const all = await io.read('httpRoutes', () =>
      io.api.get<List<GatewayRoute>>(at('httpRoutes'), {
        fieldSelector: `metadata.name=${target.name}`,
        limit: 20,
      }),
    );
    if (all) io.add('httpRoutes', 'HTTPRoute', all.items);
    return;
  }
  await Promise.all([crossNamespaceBackends(io, ns), parentGateways(io, at, ns)]);
}

/**
 * Routes in other namespaces whose backendRefs name this namespace (a Service target takes them
 * in). Best effort: a role bound per namespace may not list routes cluster-wide, and that loses
 * only these, not the namespace's own routes, so a failure is not recorded as unavailable.
 */
async function intoNamespace(
  io: GatewayReads,
  at: (field: 'httpRoutes', namespace?: string) => string,
  ns: string,
): Promise<void> {
  const l = await io.read(
    'httpRoutes',
    () => io.api.get<List<GatewayRoute>>(at('httpRoutes'), { limit: MAX_CROSS_NAMESPACE_ROUTES }),
    { quiet: true },
  );
  if (l)
    io.add(
      'httpRoutes',
      'HTTPRoute',
      l.items.filter(
        (r) =>
          r.metadata.namespace !== ns &&
          (r.spec.rules ?? []).some((rule) =>
            (rule.backendRefs ?? []).some((b) => b.namespace === ns),
          ),
      ),
    );
}

/**
 * The Services that the namespace's routes name in other namespaces, and for those that select
 * pods, their EndpointSlices and pods: the gatherer reads backends of the target namespace only.
 */
async function crossNamespaceBackends(io: GatewayReads, ns: string): Promise<void> {
  const wanted = new Map<string, Set<string>>();
  for (const r of [...io.snapshot.httpRoutes, ...io.snapshot.grpcRoutes]) {
    if (r.metadata.namespace !== ns) continue;
    for (const rule of r.spec.rules ?? [])
      for (const b of rule.backendRefs ?? [])
        if (
          b.namespace &&
          b.namespace !== ns &&
          (b.group ?? '') === '' &&
          (b.kind ?? 'Service') === 'Service'
        )
          wanted.set(b.namespace, (wanted.get(b.namespace) ?? new Set()).add(b.name));
  }
  await Promise.all(
    [...wanted]
      .filter(([other]) => io.pathName('Namespace', other, 'label'))
      .map(async ([other, names]) => {
        // Listed whole: the nearest name of a missing one is the fix. A failure is recorded
        // against the routes, so that no Service is called missing that was not read.
        const l = await io.read('httpRoutes', () =>
          io.api.get<List<Service>>(fieldPath('services', { namespace: other })),
        );
        if (!l) return;
        io.add('services', 'Service', l.items);
        const named = l.items.filter(
          (s) =>
            names.has(s.metadata.name) &&
            s.spec.type !== 'ExternalName' &&
            Object.keys(s.spec.selector ?? {}).length > 0,
        );
        await Promise.all(named.flatMap((s) => backendsOf(io, s)));
      }),
  );
}

function backendsOf(io: GatewayReads, svc: Service): Promise<void>[] {
  const namespace = svc.metadata.namespace ?? '';
  const selector = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    io
      .read('pods', () =>
        io.api.get<List<KubeObject>>(fieldPath('pods', { namespace }), {
          labelSelector: selector,
        }),
      )
      .then((l) => l && io.add('pods', 'Pod', l.items)),
    io
      .read('endpointSlices', () =>
        io.api.get<List<KubeObject>>(fieldPath('endpointSlices', { namespace }), {
          labelSelector: `kubernetes.io/service-name=${svc.metadata.name}`,
        }),
      )
      .then((l) => l && io.add('endpointSlices', 'EndpointSlice', l.items)),
  ];
}

/** The Gateways the namespace's routes attach to, by name. */
async function parentGateways(
  io: GatewayReads,
  at: (field: 'gateways', namespace?: string, name?: string) => string,
  ns: string,
): Promise<void> {
  const parents = new Map<string, { namespace: string; name: string }>();
  for (const r of [...io.snapshot.httpRoutes, ...io.snapshot.grpcRoutes]) {
    if (r.metadata.namespace !== ns) continue;
    for (const p of r.spec.parentRefs ?? []) {
      if ((p.kind ?? 'Gateway') !== 'Gateway' || (p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP)
        continue;
      const namespace = p.namespace ?? ns;
      parents.set(`${namespace}/${p.name}`, { namespace, name: p.name });
    }
  }
  await Promise.all(
    [...parents.values()]
      .filter(
        (p) => io.pathName('Namespace', p.namespace, 'label') && io.pathName('Gateway', p.name),
      )
      .slice(0, MAX_GATEWAYS)
      .map((p) =>
        io
          .read('gateways', () => io.api.get<KubeObject>(at('gateways', p.namespace, p.name)), {
            tolerate404: true,
          })
          .then((g) => g && io.add('gateways', 'Gateway', [g])),
      ),
  );
}
