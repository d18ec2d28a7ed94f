// The one table of the API kinds kubemedic reads or changes: where each lives in the API (group,
// version, plural), the snapshot field that holds it, and the name people type after `kubectl get`.
// The snapshot's fields, the gatherer's REST paths, the apply path and the checks' `reads` all
// derive from it, so a new kind is one entry here (plus its type in k8s-types.ts).
import type {
  DaemonSet,
  Deployment,
  DestinationRule,
  EndpointSlice,
  Endpoints,
  GRPCRoute,
  Gateway,
  HTTPRoute,
  HorizontalPodAutoscaler,
  Ingress,
  IngressClass,
  KubeEvent,
  KubeObject,
  Namespace,
  NetworkPolicy,
  Node,
  PersistentVolumeClaim,
  Pod,
  PodMetrics,
  ReplicaSet,
  Service,
  StatefulSet,
  VirtualService,
} from './k8s-types.js';

export interface KindInfo<Field extends string = string> {
  /** The `kind:` of an object. */
  kind: string;
  /** The Snapshot field holding objects of this kind. */
  field: Field;
  /** API group; '' for the core group. */
  group: string;
  /** The version read and written (the gatherer may discover a newer one for optional APIs). */
  version: string;
  plural: string;
  /** What a person types: `kubectl get <kubectl>`. */
  kubectl: string;
  namespaced: boolean;
}

/** Object type of each snapshot field. */
export interface KindObjects {
  services: Service;
  pods: Pod;
  endpointSlices: EndpointSlice;
  endpoints: Endpoints;
  deployments: Deployment;
  replicaSets: ReplicaSet;
  statefulSets: StatefulSet;
  daemonSets: DaemonSet;
  networkPolicies: NetworkPolicy;
  ingresses: Ingress;
  ingressClasses: IngressClass;
  hpas: HorizontalPodAutoscaler;
  nodes: Node;
  pvcs: PersistentVolumeClaim;
  events: KubeEvent;
  podMetrics: PodMetrics;
  namespaces: Namespace;
  /** Metadata only (snapshot.metadataOnly): which keys exist, never values. */
  secrets: KubeObject;
  configMaps: KubeObject;
  virtualServices: VirtualService;
  destinationRules: DestinationRule;
  httpRoutes: HTTPRoute;
  grpcRoutes: GRPCRoute;
  gateways: Gateway;
}

export type ResourceKind = keyof KindObjects;

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

const k = (
  kind: string,
  field: ResourceKind,
  group: string,
  version: string,
  plural: string,
  kubectl: string,
  namespaced = true,
): KindInfo<ResourceKind> => ({ kind, field, group, version, plural, kubectl, namespaced });

/** Every kind the snapshot holds, in the order the snapshot lists them. */
export const KINDS: readonly KindInfo<ResourceKind>[] = [
  k('Service', 'services', '', 'v1', 'services', 'service'),
  k('Pod', 'pods', '', 'v1', 'pods', 'pod'),
  k(
    'EndpointSlice',
    'endpointSlices',
    'discovery.k8s.io',
    'v1',
    'endpointslices',
    'endpointslices',
  ),
  k('Endpoints', 'endpoints', '', 'v1', 'endpoints', 'endpoints'),
  k('Deployment', 'deployments', 'apps', 'v1', 'deployments', 'deployment'),
  k('ReplicaSet', 'replicaSets', 'apps', 'v1', 'replicasets', 'replicaset'),
  k('StatefulSet', 'statefulSets', 'apps', 'v1', 'statefulsets', 'statefulset'),
  k('DaemonSet', 'daemonSets', 'apps', 'v1', 'daemonsets', 'daemonset'),
  k(
    'NetworkPolicy',
    'networkPolicies',
    'networking.k8s.io',
    'v1',
    'networkpolicies',
    'networkpolicy',
  ),
  k('Ingress', 'ingresses', 'networking.k8s.io', 'v1', 'ingresses', 'ingress'),
  k(
    'IngressClass',
    'ingressClasses',
    'networking.k8s.io',
    'v1',
    'ingressclasses',
    'ingressclass',
    false,
  ),
  k('HorizontalPodAutoscaler', 'hpas', 'autoscaling', 'v2', 'horizontalpodautoscalers', 'hpa'),
  k('Node', 'nodes', '', 'v1', 'nodes', 'nodes', false),
  k('PersistentVolumeClaim', 'pvcs', '', 'v1', 'persistentvolumeclaims', 'pvc'),
  k('Event', 'events', '', 'v1', 'events', 'events'),
  k('PodMetrics', 'podMetrics', 'metrics.k8s.io', 'v1beta1', 'pods', 'pods.metrics.k8s.io'),
  k('Namespace', 'namespaces', '', 'v1', 'namespaces', 'namespace', false),
  k('Secret', 'secrets', '', 'v1', 'secrets', 'secret'),
  k('ConfigMap', 'configMaps', '', 'v1', 'configmaps', 'configmap'),
  k(
    'VirtualService',
    'virtualServices',
    'networking.istio.io',
    'v1beta1',
    'virtualservices',
    'virtualservice',
  ),
  k(
    'DestinationRule',
    'destinationRules',
    'networking.istio.io',
    'v1beta1',
    'destinationrules',
    'destinationrule',
  ),
  // Gateway API: the gatherer discovers the served version (gather-gateway.ts).
  k('HTTPRoute', 'httpRoutes', GATEWAY_GROUP, 'v1', 'httproutes', 'httproute'),
  k('GRPCRoute', 'grpcRoutes', GATEWAY_GROUP, 'v1', 'grpcroutes', 'grpcroute'),
  k('Gateway', 'gateways', GATEWAY_GROUP, 'v1', 'gateways', 'gateway'),
];

const BY_KIND = new Map(KINDS.map((i) => [i.kind, i]));
const BY_FIELD = new Map(KINDS.map((i) => [i.field, i]));

/** The table entry of a `kind:`; undefined for a kind the snapshot does not hold. */
export function kindInfo(kind: string): KindInfo<ResourceKind> | undefined {
  return BY_KIND.get(kind);
}

/** The table entry of a snapshot field (every field has one by construction). */
export function fieldInfo(field: ResourceKind): KindInfo<ResourceKind> {
  const info = BY_FIELD.get(field);
  if (!info) throw new Error(`no kind for snapshot field ${field}`);
  return info;
}

/** `apiVersion` as objects carry it: `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(info: Pick<KindInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/**
 * The REST path of a kind's collection (no name) or of one object. `namespace` undefined reads
 * across namespaces; `version` overrides the table's for APIs whose version is discovered.
 */
export function pathOf(
  info: Pick<KindInfo, 'group' | 'version' | 'plural'>,
  opts: { namespace?: string; name?: string; version?: string } = {},
): string {
  const version = opts.version ?? info.version;
  const base = info.group ? `/apis/${info.group}/${version}` : `/api/${version}`;
  const ns = opts.namespace !== undefined ? `/namespaces/${opts.namespace}` : '';
  return `${base}${ns}/${info.plural}${opts.name !== undefined ? `/${opts.name}` : ''}`;
}

/** `pathOf` for the kind behind a snapshot field. */
export function fieldPath(
  field: ResourceKind,
  opts: { namespace?: string; name?: string; version?: string } = {},
): string {
  return pathOf(fieldInfo(field), opts);
}

/** The discovery path of an API group (its served versions). */
export function groupPath(group: string): string {
  return `/apis/${group}`;
}
