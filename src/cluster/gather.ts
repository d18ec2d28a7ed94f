// Gathers the Snapshot for one target with scoped, parallel reads: namespaced lists narrowed by
// the Service's selector and names, cluster-wide reads only for what a check needs. A read that
// fails (forbidden, API absent, timed out) becomes an `unavailable` entry; the rest goes on.
import type { KubeObject, Pod, Service } from './k8s-types.js';
import { ClusterUnreachableError, KubeApiError, type KubeApi } from './client.js';
import { gatherGateway } from './gather-gateway.js';
import { INGRESS_CONTROLLER_SELECTORS } from './ingress-controllers.js';
import { fieldInfo, fieldPath, groupPath } from './kinds.js';
import { type NameRule, invalidNameReason, isValidName } from './names.js';
import { redact } from './redact.js';
import { type Snapshot, type UnavailableKey, emptySnapshot, metadataOnly } from './snapshot.js';
import { formatSelector } from '../diagnosis/model/labels.js';
import type { Target } from '../diagnosis/types.js';

interface List<T> {
  items: T[];
}

const MAX_NODES = 30;
const MAX_LOGS = 2;
const LOG_TAIL_LINES = 20;

/** Words for why a read failed, as the skipped list shows them. */
export function readFailure(err: unknown): string {
  if (err instanceof KubeApiError) {
    if (err.status === 403) return err.message.split(':')[0] ?? 'forbidden';
    if (err.status === 404) return `${err.path.split('?')[0]} is not served by this cluster`;
    return `${err.status} ${err.reason}: ${err.message.slice(0, 160)}`;
  }
  if (err instanceof ClusterUnreachableError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** API versions as discovery reports them (v1, v1beta1, v2alpha1): nothing else goes in a path. */
const API_VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

export class Gatherer {
  readonly snapshot: Snapshot = emptySnapshot();
  private readonly seen = new Set<string>();

  constructor(private readonly api: KubeApi) {}

  /**
   * Whether `name` may go into a request path as the name of a `kind`. Names come from objects
   * anyone with write access authored (a claimName may be `../secrets/x`): an invalid one is
   * noted and not read, and the checks that need it say why from the object itself.
   */
  private pathName(kind: string, name: string, rule: NameRule = 'subdomain'): boolean {
    if (isValidName(rule, name)) return true;
    this.snapshot.notRead.push(invalidNameReason(kind, name, rule));
    return false;
  }

  /** Adds objects of one kind, once each (several reads may return the same object). */
  private add<K extends keyof Snapshot>(field: K, kind: string, items: KubeObject[]): void {
    const list = this.snapshot[field] as unknown as KubeObject[];
    for (const item of items) {
      const id = `${kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      list.push(
        field === 'secrets' || field === 'configMaps' ? metadataOnly(item) : { kind, ...item },
      );
    }
  }

  /** Runs one read; on failure records why under `key` and returns undefined. Unreachable propagates. */
  private async read<T>(
    key: UnavailableKey,
    fn: () => Promise<T>,
    opts: { tolerate404?: boolean } = {},
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ClusterUnreachableError && this.api.requestCount <= 1) throw err;
      if (opts.tolerate404 && err instanceof KubeApiError && err.status === 404) return undefined;
      this.snapshot.unavailable[key] ??= readFailure(err);
      return undefined;
    }
  }

  private async list<T extends KubeObject>(
    key: UnavailableKey,
    path: string,
    query?: Record<string, string | number>,
  ): Promise<T[]> {
    return (await this.read(key, () => this.api.get<List<T>>(path, query)))?.items ?? [];
  }

  async gather(target: Target & { namespace: string }): Promise<Snapshot> {
    const ns = target.namespace;
    if (!this.pathName('Namespace', ns, 'label')) {
      this.snapshot.unavailable.services = invalidNameReason('Namespace', ns, 'label');
      return this.snapshot;
    }
    const services = await this.resolveServices(target);
    // Nothing to diagnose behind a target that does not exist: its nearest names are read already.
    if (services === undefined || (target.kind === 'Service' && services.length === 0))
      return this.snapshot;
    const selecting = services.filter(
      (s) =>
        s.spec.type !== 'ExternalName' &&
        Object.keys(s.spec.selector ?? {}).length > 0 &&
        this.pathName('Service', s.metadata.name, 'label'),
    );

    const perService = selecting.flatMap((svc) => {
      const sel = formatSelector(svc.spec.selector);
      return [
        this.list<Pod>('pods', fieldPath('pods', { namespace: ns }), { labelSelector: sel }).then(
          (p) => this.add('pods', 'Pod', p),
        ),
        this.read('endpointSlices', () =>
          this.api.get<List<KubeObject>>(fieldPath('endpointSlices', { namespace: ns }), {
            labelSelector: `kubernetes.io/service-name=${svc.metadata.name}`,
          }),
        ).then(async (l) => {
          if (l) return this.add('endpointSlices', 'EndpointSlice', l.items);
          // Older clusters: fall back to the Endpoints object.
          const ep = await this.read(
            'endpoints',
            () =>
              this.api.get<KubeObject>(
                fieldPath('endpoints', { namespace: ns, name: svc.metadata.name }),
              ),
            { tolerate404: true },
          );
          if (ep) this.add('endpoints', 'Endpoints', [ep]);
        }),
        this.list('replicaSets', fieldPath('replicaSets', { namespace: ns }), {
          labelSelector: sel,
        }).then((r) => this.add('replicaSets', 'ReplicaSet', r)),
        this.read('podMetrics', () =>
          this.api.get<List<KubeObject>>(fieldPath('podMetrics', { namespace: ns }), {
            labelSelector: sel,
          }),
        ).then((l) => l && this.add('podMetrics', 'PodMetrics', l.items)),
      ];
    });

    await Promise.all([
      ...perService,
      this.list('deployments', fieldPath('deployments', { namespace: ns })).then((d) =>
        this.add('deployments', 'Deployment', d),
      ),
      this.list('statefulSets', fieldPath('statefulSets', { namespace: ns })).then((d) =>
        this.add('statefulSets', 'StatefulSet', d),
      ),
      this.list('networkPolicies', fieldPath('networkPolicies', { namespace: ns })).then((n) =>
        this.add('networkPolicies', 'NetworkPolicy', n),
      ),
      this.list('ingresses', fieldPath('ingresses', { namespace: ns })).then((i) =>
        this.add('ingresses', 'Ingress', i),
      ),
      this.list('hpas', fieldPath('hpas', { namespace: ns })).then((h) =>
        this.add('hpas', 'HorizontalPodAutoscaler', h),
      ),
      this.list('events', fieldPath('events', { namespace: ns }), { limit: 500 }).then((e) =>
        this.add('events', 'Event', e),
      ),
      this.gatherKubeSystem(),
      this.gatherMesh(ns),
      gatherGateway(
        {
          api: this.api,
          snapshot: this.snapshot,
          read: (key, fn, opts) => this.read(key, fn, opts),
          add: (field, kind, items) => this.add(field, kind, items),
          pathName: (kind, name, rule) => this.pathName(kind, name, rule),
        },
        target,
      ),
    ]);

    await this.gatherDependents(ns, selecting);
    this.snapshot.capturedAt = new Date().toISOString();
    return this.snapshot;
  }

  /** Reads the target and the Services it stands for; undefined when the Services cannot be read. */
  private async resolveServices(
    target: Target & { namespace: string },
  ): Promise<Service[] | undefined> {
    const ns = target.namespace;
    const inNs = await this.read('services', () =>
      this.api.get<List<Service>>(fieldPath('services', { namespace: ns })),
    );
    if (!inNs) return undefined;
    this.add('services', 'Service', inNs.items);
    const byName = (name: string) => inNs.items.filter((s) => s.metadata.name === name);
    const findElsewhere = async (field: 'services' | 'deployments' | 'ingresses' | 'pods') => {
      // Not here: look for the same name in other namespaces, to say where it is.
      const all = await this.list(field, fieldPath(field), {
        fieldSelector: `metadata.name=${target.name}`,
        limit: 20,
      });
      this.add(field, fieldInfo(field).kind, all);
    };
    switch (target.kind) {
      case 'Service': {
        const found = byName(target.name);
        if (found.length === 0) await findElsewhere('services');
        return found;
      }
      case 'Namespace': {
        await this.read(
          'namespaces',
          () => this.api.get<KubeObject>(fieldPath('namespaces', { name: ns })),
          {
            tolerate404: true,
          },
        ).then((n) => n && this.add('namespaces', 'Namespace', [n]));
        return inNs.items;
      }
      // The route and the Services it names elsewhere are read by gatherGateway.
      case 'HTTPRoute':
        return inNs.items;
      case 'Deployment':
      case 'Ingress':
      case 'Pod': {
        const field = ({ Deployment: 'deployments', Ingress: 'ingresses', Pod: 'pods' } as const)[
          target.kind
        ];
        const one = fieldPath(field, { namespace: ns, name: target.name });
        // An invalid name cannot exist: look for it elsewhere (by field selector, a query
        // parameter) and let the engine say it was not found.
        const obj = this.pathName(target.kind, target.name)
          ? await this.read(field, () => this.api.get<KubeObject>(one), { tolerate404: true })
          : undefined;
        if (!obj) {
          await findElsewhere(field);
          return [];
        }
        this.add(field, target.kind, [obj]);
        return inNs.items; // the engine picks the Services in front of the target
      }
    }
  }

  private async gatherKubeSystem(): Promise<void> {
    const ks = { namespace: 'kube-system' };
    await Promise.all([
      this.read('kube-system', () =>
        this.api.get<List<KubeObject>>(fieldPath('pods', ks), {
          labelSelector: 'k8s-app in (kube-dns,kube-proxy)',
        }),
      ).then((l) => l && this.add('pods', 'Pod', l.items)),
      this.read('kube-system', () =>
        this.api.get<List<KubeObject>>(fieldPath('endpointSlices', ks), {
          labelSelector: 'kubernetes.io/service-name=kube-dns',
        }),
      ).then((l) => l && this.add('endpointSlices', 'EndpointSlice', l.items)),
      this.read(
        'kube-system',
        () => this.api.get<KubeObject>(fieldPath('daemonSets', { ...ks, name: 'kube-proxy' })),
        { tolerate404: true },
      ).then((d) => d && this.add('daemonSets', 'DaemonSet', [d])),
      this.read(
        'kube-system',
        () => this.api.get<KubeObject>(fieldPath('deployments', { ...ks, name: 'coredns' })),
        { tolerate404: true },
      ).then((d) => d && this.add('deployments', 'Deployment', [d])),
    ]);
  }

  private async gatherMesh(ns: string): Promise<void> {
    const group = await this.read('virtualServices', () =>
      this.api.get<{ versions?: { version: string }[]; preferredVersion?: { version: string } }>(
        groupPath(fieldInfo('virtualServices').group),
      ),
    );
    if (!group) {
      this.snapshot.unavailable.virtualServices =
        'networking.istio.io is not served (Istio is not installed)';
      this.snapshot.unavailable.destinationRules = this.snapshot.unavailable.virtualServices;
      return;
    }
    const v = group.preferredVersion?.version ?? group.versions?.[0]?.version ?? 'v1';
    if (!API_VERSION.test(v)) {
      this.snapshot.unavailable.virtualServices = `networking.istio.io reports an invalid version ${JSON.stringify(v)}`;
      this.snapshot.unavailable.destinationRules = this.snapshot.unavailable.virtualServices;
      return;
    }
    await Promise.all([
      this.list(
        'virtualServices',
        fieldPath('virtualServices', { version: v, namespace: ns }),
      ).then((l) => this.add('virtualServices', 'VirtualService', l)),
      this.list(
        'destinationRules',
        fieldPath('destinationRules', { version: v, namespace: ns }),
      ).then((l) => this.add('destinationRules', 'DestinationRule', l)),
    ]);
  }

  /** Reads that depend on what the first round found: nodes, claims, owners, neighbours, logs. */
  private async gatherDependents(ns: string, selecting: Service[]): Promise<void> {
    const backends = this.snapshot.pods.filter((p) => p.metadata.namespace === ns);
    const work: Promise<unknown>[] = [];
    // A selector that matches nothing: read the namespace's pods to name the nearest labels,
    // and pods elsewhere with exactly these labels.
    const unmatched = selecting.filter(
      (s) =>
        !backends.some((p) =>
          Object.entries(s.spec.selector ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v),
        ),
    );
    if (unmatched.length > 0) {
      work.push(
        this.list('pods', fieldPath('pods', { namespace: ns }), { limit: 500 }).then((p) =>
          this.add('pods', 'Pod', p),
        ),
      );
      for (const s of unmatched)
        work.push(
          this.list('pods', fieldPath('pods'), {
            labelSelector: formatSelector(s.spec.selector),
            limit: 20,
          }).then((p) => this.add('pods', 'Pod', p)),
        );
    }
    const nodes = [
      ...new Set(backends.map((p) => p.spec.nodeName).filter((n): n is string => Boolean(n))),
    ]
      .filter((n) => this.pathName('Node', n))
      .slice(0, MAX_NODES);
    for (const n of nodes)
      work.push(
        this.read('nodes', () => this.api.get<KubeObject>(fieldPath('nodes', { name: n })), {
          tolerate404: true,
        }).then((o) => o && this.add('nodes', 'Node', [o])),
      );
    const claims = new Set(
      backends.flatMap((p) =>
        (p.spec.volumes ?? [])
          .map((v) => v.persistentVolumeClaim?.claimName)
          .filter((c): c is string => Boolean(c)),
      ),
    );
    for (const c of [...claims].filter((x) => this.pathName('PersistentVolumeClaim', x)))
      work.push(
        this.read(
          'pvcs',
          () => this.api.get<KubeObject>(fieldPath('pvcs', { namespace: ns, name: c })),
          { tolerate404: true },
        ).then((o) => o && this.add('pvcs', 'PersistentVolumeClaim', [o])),
      );
    const daemonSets = new Set(
      backends.flatMap((p) =>
        (p.metadata.ownerReferences ?? []).filter((r) => r.kind === 'DaemonSet').map((r) => r.name),
      ),
    );
    for (const d of [...daemonSets].filter((x) => this.pathName('DaemonSet', x)))
      work.push(
        this.read(
          'daemonSets',
          () => this.api.get<KubeObject>(fieldPath('daemonSets', { namespace: ns, name: d })),
          { tolerate404: true },
        ).then((o) => o && this.add('daemonSets', 'DaemonSet', [o])),
      );

    const ingresses = this.snapshot.ingresses.filter((i) => i.metadata.namespace === ns);
    if (ingresses.length > 0) {
      work.push(
        this.list('ingressClasses', fieldPath('ingressClasses')).then((l) =>
          this.add('ingressClasses', 'IngressClass', l),
        ),
      );
      // The controllers the ingress checks recognise: one read per label key.
      for (const labelSelector of INGRESS_CONTROLLER_SELECTORS)
        work.push(
          this.read('pods', () =>
            this.api.get<List<KubeObject>>(fieldPath('pods'), { labelSelector, limit: 50 }),
          ).then((l) => l && this.add('pods', 'Pod', l.items)),
        );
      const secrets = new Set(
        ingresses.flatMap((i) =>
          (i.spec.tls ?? []).map((t) => t.secretName).filter((s): s is string => Boolean(s)),
        ),
      );
      for (const s of [...secrets].filter((x) => this.pathName('Secret', x)))
        work.push(
          this.readMetadata('secrets', 'Secret', fieldPath('secrets', { namespace: ns, name: s })),
        );
    }
    if (this.snapshot.networkPolicies.length > 0) {
      work.push(
        this.list('namespaces', fieldPath('namespaces')).then((l) =>
          this.add('namespaces', 'Namespace', l),
        ),
      );
    }
    // Missing ConfigMaps and Secrets behind CreateContainerConfigError, of init containers too.
    for (const p of backends.filter((x) =>
      [...(x.status?.initContainerStatuses ?? []), ...(x.status?.containerStatuses ?? [])].some(
        (s) => s.state?.waiting?.reason === 'CreateContainerConfigError',
      ),
    )) {
      for (const c of [...(p.spec.initContainers ?? []), ...p.spec.containers]) {
        for (const name of new Set(
          [
            ...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name),
            ...(c.envFrom ?? []).map((e) => e.configMapRef?.name),
          ].filter((n): n is string => Boolean(n) && this.pathName('ConfigMap', n as string)),
        ))
          work.push(
            this.readMetadata(
              'configMaps',
              'ConfigMap',
              fieldPath('configMaps', { namespace: ns, name }),
            ),
          );
        for (const name of new Set(
          [
            ...(c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name),
            ...(c.envFrom ?? []).map((e) => e.secretRef?.name),
          ].filter((n): n is string => Boolean(n) && this.pathName('Secret', n as string)),
        ))
          work.push(
            this.readMetadata('secrets', 'Secret', fieldPath('secrets', { namespace: ns, name })),
          );
      }
    }
    work.push(this.gatherLogs(backends));
    await Promise.all(work);
  }

  /** Existence and metadata of a Secret or ConfigMap, never its data. */
  private async readMetadata(
    field: 'secrets' | 'configMaps',
    kind: string,
    path: string,
  ): Promise<void> {
    const o = await this.read(
      field,
      () =>
        this.api.request<KubeObject>('GET', path, {
          accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
        }),
      { tolerate404: true },
    );
    if (o) this.add(field, kind, [{ ...o, kind }]);
  }

  private async gatherLogs(backends: Pod[]): Promise<void> {
    const crashing = backends
      .filter(
        (p) =>
          this.pathName('Pod', p.metadata.name) &&
          this.pathName('Namespace', p.metadata.namespace ?? '', 'label'),
      )
      .flatMap((p) =>
        // Init containers first: Init:CrashLoopBackOff (a failing migration) is the usual case.
        [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
          .filter((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')
          .map((s) => ({ p, c: s.name })),
      )
      .slice(0, MAX_LOGS);
    await Promise.all(
      crashing.map(async ({ p, c }) => {
        const base = { namespace: p.metadata.namespace ?? '', pod: p.metadata.name, container: c };
        try {
          const text = await this.api.getText(
            `${fieldPath('pods', { namespace: base.namespace, name: p.metadata.name })}/log`,
            {
              container: c,
              previous: true,
              tailLines: LOG_TAIL_LINES,
              limitBytes: 8192,
            },
          );
          this.snapshot.logs.push({ ...base, text: redact(text) });
        } catch (err) {
          this.snapshot.logs.push({ ...base, error: redact(readFailure(err)) });
        }
      }),
    );
  }
}

export async function gatherSnapshot(
  api: KubeApi,
  target: Target & { namespace: string },
): Promise<Snapshot> {
  return new Gatherer(api).gather(target);
}
