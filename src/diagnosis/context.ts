import type {
  Condition,
  DaemonSet,
  Deployment,
  KubeEvent,
  KubeObject,
  Pod,
  PodTemplate,
  ReplicaSet,
  Service,
  StatefulSet,
} from '../cluster/k8s-types.js';
import type { Snapshot } from '../cluster/snapshot.js';
import { matchesServiceSelector } from './selectors.js';
import { shellJoin } from '../shell.js';
import type { DiagnosisInput, Evidence, ObjectRef, Severity, Target } from './types.js';

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
  private readonly cache = new Map<string, unknown>();

  constructor(input: DiagnosisInput) {
    this.snapshot = input.snapshot;
    this.target = input.target;
    this.services = input.services;
    this.missing = input.missing;
    this.now = input.now;
  }

  private memo<T>(key: string, compute: () => T): T {
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
          const addr = ep.addresses[0] ?? '';
          if (seen.has(addr)) continue;
          seen.add(addr);
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

export function key(o: KubeObject): string {
  return `${o.kind ?? ''}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function ref(kind: string, o: KubeObject): ObjectRef {
  return { kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

export function controllerRef(o: KubeObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** A ReplicaSet named <deployment>-<pod-template-hash>, when the ReplicaSet itself was not read. */
function guessDeploymentName(rsName: string): string | undefined {
  const i = rsName.lastIndexOf('-');
  return i > 0 ? rsName.slice(0, i) : undefined;
}

export function revision(o: KubeObject): number {
  return Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

export function isLive(p: Pod): boolean {
  const phase = p.status?.phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function condition(
  o: { status?: { conditions?: Condition[] } },
  type: string,
): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(p: Pod): boolean {
  return condition(p, 'Ready')?.status === 'True';
}

/** Parses a Kubernetes quantity ("512Mi", "1G", "250m", "2") to a number of base units. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  const f = factors[m[2] ?? ''];
  return f === undefined ? undefined : n * f;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}Gi`;
  return `${Math.ceil(n / 1024 ** 2)}Mi`;
}

/**
 * Evidence: a kubectl command and what it shows. The command is built from its argv and
 * shell-quoted, so names the cluster holds stay single arguments when the command is pasted.
 */
export function evidence(args: readonly string[], output: string): Evidence {
  return shown(['kubectl', ...args], output);
}

/** Any command a finding shows (kubectl or kubemedic), quoted from its argv. */
export function shown(argv: readonly string[], output: string): Evidence {
  return { command: shellJoin(argv), output, argv: [...argv] };
}

export function ago(from: string | undefined, now: Date): string {
  if (!from) return 'at an unknown time';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}
