import type {
  DaemonSet,
  Deployment,
  KubeEvent,
  Pod,
  PodTemplate,
  ReplicaSet,
  Service,
  StatefulSet,
} from '../cluster/k8s-types.js';
import type { Snapshot } from '../cluster/snapshot.js';
import { matchesServiceSelector } from './selectors.js';
import { key, unique } from './model/objects.js';
import { controllerRef, isLive, isPodReady, revision } from './model/pods.js';
import type { DiagnosisInput, Severity, Target } from './types.js';

export type Workload =
  | { kind: 'Deployment'; object: Deployment }
  | { kind: 'StatefulSet'; object: StatefulSet }
  | { kind: 'DaemonSet'; object: DaemonSet };

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Derived views of a snapshot that many checks share, computed once per diagnosis. */
export class DiagnosisContext {
  readonly snapshot: Snapshot;
  readonly target: Target & { namespace: string };
  readonly services: Service[];
  readonly missing: DiagnosisInput['missing'];
  readonly now: Date;
  readonly diagnoseOther: NonNullable<DiagnosisInput['diagnoseOther']>;
  private readonly cache = new Map<string, unknown>();

  constructor(input: DiagnosisInput) {
    this.snapshot = input.snapshot;
    this.target = input.target;
    this.services = input.services;
    this.missing = input.missing;
    this.now = input.now;
    this.diagnoseOther = input.diagnoseOther ?? (() => undefined);
  }

  memo<T>(key: string, compute: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, compute());
    return this.cache.get(key) as T;
  }

  /** Services that route to pods (ExternalName and selector-less Services are excluded). */
  get selectingServices(): Service[] {
    return this.services.filter(
      (s) => s.spec.type !== 'ExternalName' && Object.keys(s.spec.selector ?? {}).length > 0,
    );
  }

  podsIn(namespace: string): Pod[] {
    return this.memo(`pods:${namespace}`, () =>
      this.snapshot.pods.filter((p) => p.metadata.namespace === namespace),
    );
  }

  /** Live pods (not finished, not being deleted) that the Service's selector matches. */
  backendsOf(svc: Service): Pod[] {
    return this.memo(`backends:${key(svc)}`, () =>
      this.podsIn(svc.metadata.namespace ?? '').filter(
        (p) => isLive(p) && matchesServiceSelector(svc.spec.selector, p.metadata.labels),
      ),
    );
  }

  get allBackends(): Pod[] {
    return this.memo('allBackends', () =>
      unique(this.selectingServices.flatMap((s) => this.backendsOf(s))),
    );
  }

  /** Ready and total endpoint addresses of a Service, from EndpointSlices, Endpoints, or pods. */
  endpointsOf(svc: Service): {
    ready: number;
    total: number;
    source: 'EndpointSlice' | 'Endpoints' | 'Pods';
  } {
    return this.memo(`endpoints:${key(svc)}`, () => {
      const ns = svc.metadata.namespace;
      const slices = this.snapshot.endpointSlices.filter(
        (e) =>
          e.metadata.namespace === ns &&
          e.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name,
      );
      if (slices.length > 0) {
        let ready = 0;
        let total = 0;
        const seen = new Set<string>();
        for (const ep of slices.flatMap((s) => s.endpoints ?? [])) {
          // A pod leaving (scale-down, rollout) is not an unready backend: it is going away.
          if (ep.conditions?.terminating === true) continue;
          // One endpoint per pod: dual-stack puts its IPv4 and IPv6 addresses in two slices, and
          // a Service may have several slices; hand-managed endpoints have no targetRef.
          const t = ep.targetRef;
          const id = t?.name
            ? `${t.kind ?? ''}/${t.namespace ?? ns}/${t.name}`
            : (ep.addresses[0] ?? '');
          if (seen.has(id)) continue;
          seen.add(id);
          total++;
          if (ep.conditions?.ready !== false) ready++;
        }
        return { ready, total, source: 'EndpointSlice' as const };
      }
      const eps = this.snapshot.endpoints.find(
        (e) => e.metadata.namespace === ns && e.metadata.name === svc.metadata.name,
      );
      if (eps) {
        const ready = (eps.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
        const notReady = (eps.subsets ?? []).reduce(
          (n, s) => n + (s.notReadyAddresses?.length ?? 0),
          0,
        );
        return { ready, total: ready + notReady, source: 'Endpoints' as const };
      }
      const backends = this.backendsOf(svc);
      return {
        ready: backends.filter(isPodReady).length,
        total: backends.length,
        source: 'Pods' as const,
      };
    });
  }

  /** True when no Service in scope has a ready endpoint: the service is down, not degraded. */
  get nothingServes(): boolean {
    const svcs = this.selectingServices;
    return svcs.length > 0 && svcs.every((s) => this.endpointsOf(s).ready === 0);
  }

  /** Pod-level problems are critical when they leave nothing serving, warnings otherwise. */
  get podImpact(): Severity {
    return this.nothingServes ? 'critical' : 'warning';
  }

  /** Deployments, StatefulSets and DaemonSets behind the Services: owners of the backends, and
   * workloads whose pod template the selector matches (which finds a Deployment scaled to 0). */
  get workloads(): Workload[] {
    return this.memo('workloads', () => {
      const out = new Map<string, Workload>();
      const add = (w: Workload) =>
        out.set(`${w.kind}/${w.object.metadata.namespace}/${w.object.metadata.name}`, w);
      for (const pod of this.allBackends) {
        const w = this.ownerOf(pod);
        if (w) add(w);
      }
      for (const svc of this.selectingServices) {
        const ns = svc.metadata.namespace;
        const matches = (t: PodTemplate) =>
          matchesServiceSelector(svc.spec.selector, t.metadata?.labels);
        for (const d of this.snapshot.deployments)
          if (d.metadata.namespace === ns && matches(d.spec.template))
            add({ kind: 'Deployment', object: d });
        for (const s of this.snapshot.statefulSets)
          if (s.metadata.namespace === ns && matches(s.spec.template))
            add({ kind: 'StatefulSet', object: s });
        for (const d of this.snapshot.daemonSets)
          if (d.metadata.namespace === ns && matches(d.spec.template))
            add({ kind: 'DaemonSet', object: d });
      }
      return [...out.values()];
    });
  }

  ownerOf(pod: Pod): Workload | undefined {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (!ref) return undefined;
    if (ref.kind === 'ReplicaSet') {
      const rs = this.snapshot.replicaSets.find(
        (r) => r.metadata.namespace === ns && r.metadata.name === ref.name,
      );
      const dref = rs ? controllerRef(rs) : undefined;
      const name =
        dref?.kind === 'Deployment' ? dref.name : rs ? undefined : guessDeploymentName(ref.name);
      const d =
        name &&
        this.snapshot.deployments.find(
          (x) => x.metadata.namespace === ns && x.metadata.name === name,
        );
      return d ? { kind: 'Deployment', object: d } : undefined;
    }
    if (ref.kind === 'StatefulSet') {
      const s = this.snapshot.statefulSets.find(
        (x) => x.metadata.namespace === ns && x.metadata.name === ref.name,
      );
      return s ? { kind: 'StatefulSet', object: s } : undefined;
    }
    if (ref.kind === 'DaemonSet') {
      const d = this.snapshot.daemonSets.find(
        (x) => x.metadata.namespace === ns && x.metadata.name === ref.name,
      );
      return d ? { kind: 'DaemonSet', object: d } : undefined;
    }
    return undefined;
  }

  /** The ReplicaSets of a Deployment, newest revision first. */
  replicaSetsOf(d: Deployment): ReplicaSet[] {
    return this.memo(`rs:${key(d)}`, () =>
      this.snapshot.replicaSets
        .filter((rs) => {
          if (rs.metadata.namespace !== d.metadata.namespace) return false;
          const ref = controllerRef(rs);
          return ref ? ref.kind === 'Deployment' && ref.name === d.metadata.name : false;
        })
        .sort((a, b) => revision(b) - revision(a)),
    );
  }

  eventsFor(kind: string, name: string, namespace: string | undefined): KubeEvent[] {
    return this.snapshot.events.filter((e) => {
      const o = e.involvedObject ?? e.regarding;
      return (
        o?.kind === kind &&
        o.name === name &&
        (namespace === undefined || (o.namespace ?? e.metadata.namespace) === namespace)
      );
    });
  }
}

/** A ReplicaSet named <deployment>-<pod-template-hash>, when the ReplicaSet itself was not read. */
function guessDeploymentName(rsName: string): string | undefined {
  const i = rsName.lastIndexOf('-');
  return i > 0 ? rsName.slice(0, i) : undefined;
}
