import type {
  DaemonSet,
  Deployment,
  DestinationRule,
  EndpointSlice,
  Endpoints,
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

/** The raw API objects one diagnosis read, grouped by kind. Secrets and ConfigMaps keep only metadata. */
export interface Snapshot {
  services: Service[];
  pods: Pod[];
  endpointSlices: EndpointSlice[];
  endpoints: Endpoints[];
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  statefulSets: StatefulSet[];
  daemonSets: DaemonSet[];
  networkPolicies: NetworkPolicy[];
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  hpas: HorizontalPodAutoscaler[];
  nodes: Node[];
  pvcs: PersistentVolumeClaim[];
  events: KubeEvent[];
  podMetrics: PodMetrics[];
  namespaces: Namespace[];
  secrets: KubeObject[];
  configMaps: KubeObject[];
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  /** Tails of previous container logs, read live for crash-looping pods (redacted). */
  logs: ContainerLog[];
  /** Kinds (or whole scopes) that could not be read, with the reason (forbidden, API absent, timed out). */
  unavailable: Partial<Record<UnavailableKey, string>>;
  capturedAt: string;
}

export interface ContainerLog {
  namespace: string;
  pod: string;
  container: string;
  text?: string;
  error?: string;
}

export type ResourceKind = Exclude<keyof Snapshot, 'logs' | 'unavailable' | 'capturedAt'>;

/** A kind, or `kube-system` when the cluster components (CoreDNS, kube-proxy) could not be read. */
export type UnavailableKey = ResourceKind | 'kube-system';

export function emptySnapshot(capturedAt = new Date().toISOString()): Snapshot {
  return {
    services: [],
    pods: [],
    endpointSlices: [],
    endpoints: [],
    deployments: [],
    replicaSets: [],
    statefulSets: [],
    daemonSets: [],
    networkPolicies: [],
    ingresses: [],
    ingressClasses: [],
    hpas: [],
    nodes: [],
    pvcs: [],
    events: [],
    podMetrics: [],
    namespaces: [],
    secrets: [],
    configMaps: [],
    virtualServices: [],
    destinationRules: [],
    logs: [],
    unavailable: {},
    capturedAt,
  };
}

/** API kind (as in `kind:` of an object) to the snapshot field that holds it. */
export const KIND_TO_FIELD: Record<string, ResourceKind> = {
  Service: 'services',
  Pod: 'pods',
  EndpointSlice: 'endpointSlices',
  Endpoints: 'endpoints',
  Deployment: 'deployments',
  ReplicaSet: 'replicaSets',
  StatefulSet: 'statefulSets',
  DaemonSet: 'daemonSets',
  NetworkPolicy: 'networkPolicies',
  Ingress: 'ingresses',
  IngressClass: 'ingressClasses',
  HorizontalPodAutoscaler: 'hpas',
  Node: 'nodes',
  PersistentVolumeClaim: 'pvcs',
  Event: 'events',
  PodMetrics: 'podMetrics',
  Namespace: 'namespaces',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  VirtualService: 'virtualServices',
  DestinationRule: 'destinationRules',
};

/** Keeps what checks need of a Secret or ConfigMap: that it exists and which keys it has. */
export function metadataOnly(obj: KubeObject & { data?: Record<string, unknown> }): KubeObject {
  const keys = Object.keys(obj.data ?? {}).sort();
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      annotations: keys.length ? { 'kubemedic.io/data-keys': keys.join(',') } : undefined,
    },
  };
}

/** Adds API objects of any kinds to a snapshot; kinds no check reads are ignored. */
export function addObjects(snapshot: Snapshot, objects: readonly unknown[]): number {
  let added = 0;
  for (const item of objects) {
    if (!isKubeObject(item)) continue;
    if (item.kind === 'List' || item.kind?.endsWith('List')) {
      const nested = (item as { items?: unknown[] }).items ?? [];
      const listKind = item.kind === 'List' ? undefined : item.kind.slice(0, -4);
      added += addObjects(
        snapshot,
        nested.map((n) => (listKind && isRecord(n) && !n.kind ? { ...n, kind: listKind } : n)),
      );
      continue;
    }
    const field = item.kind ? KIND_TO_FIELD[item.kind] : undefined;
    if (!field) continue;
    const stored = field === 'secrets' || field === 'configMaps' ? metadataOnly(item) : item;
    (snapshot[field] as KubeObject[]).push(stored);
    added++;
  }
  return added;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKubeObject(v: unknown): v is KubeObject & { kind?: string; items?: unknown[] } {
  if (!isRecord(v)) return false;
  if (Array.isArray(v.items)) return true;
  return isRecord(v.metadata) && typeof v.metadata.name === 'string';
}
