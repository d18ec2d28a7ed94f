// Gathers the Snapshot for one target with scoped, parallel reads: namespaced lists narrowed by
// the Service's selector and names, cluster-wide reads only for what a check needs. A read that
// fails (forbidden, API absent, timed out) becomes an `unavailable` entry; the rest goes on.
import type {
  Container,
  DaemonSet,
  Deployment,
  EndpointSlice,
  KubeEvent,
  KubeObject,
  Pod,
  PodTemplate,
  Service,
  StatefulSet,
} from './k8s-types.js';
import { ClusterUnreachableError, KubeApiError, type KubeApi } from './client.js';
import { gatherGateway } from './gather-gateway.js';
import { INGRESS_CONTROLLER_SELECTORS } from './ingress-controllers.js';
import { fieldInfo, fieldPath, groupPath } from './kinds.js';
import { kubeletSignals } from './kubelet-events.js';
import { type NameRule, invalidNameReason, isValidName } from './names.js';
import { redact } from '../redact.js';
import { ReadRounds } from './rounds.js';
import { type Snapshot, type UnavailableKey, emptySnapshot, metadataOnly } from './snapshot.js';
import { formatSelector } from '../diagnosis/model/labels.js';
import type { Target } from '../diagnosis/types.js';

interface List<T> {
  items: T[];
}

const MAX_NODES = 30;
/** Up to this many names of one kind are read one by one; more, as one list of the namespace. */
const FEW = 3;
/** Nodes read in round one (one page); a larger cluster reads the backends' others later. */
const NODE_PAGE = 100;
/** The namespace's claims and DaemonSets, listed in round one: one page of each. */
const NAMESPACE_PAGE = 500;
/** Secrets are read by name only (see gatherDependents). */
const MAX_SECRETS = 10;
const MAX_LOGS = 2;
const LOG_TAIL_LINES = 20;
const LOG_LIMIT_BYTES = 8192;
const METADATA_ONLY =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** One page of a namespace's objects of a kind; `complete` when the page held them all. */
interface Listed {
  items: KubeObject[];
  complete: boolean;
}

/** How a read ended, kept until it is known whether the backends need it (Gatherer.readAhead). */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

const settled = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** The ConfigMaps and Secrets containers take their environment from. */
function configRefs(containers: Container[]): { configMaps: string[]; secrets: string[] } {
  const present = (n: string | undefined): n is string => Boolean(n);
  return {
    configMaps: containers
      .flatMap((c) => [
        ...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name),
        ...(c.envFrom ?? []).map((e) => e.configMapRef?.name),
      ])
      .filter(present),
    secrets: containers
      .flatMap((c) => [
        ...(c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name),
        ...(c.envFrom ?? []).map((e) => e.secretRef?.name),
      ])
      .filter(present),
  };
}

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

/** Options of one read. */
interface ReadOptions {
  /** A 404 is an answer (the object does not exist), not a failure. */
  tolerate404?: boolean;
  /** An unreachable API server fails the whole gathering (the first read, of the Services). */
  fatal?: boolean;
  /** Started before the target is known to exist: kept only if it does. */
  early?: boolean;
  /** Best effort: a failure is not recorded as unavailable. */
  quiet?: boolean;
}

export class Gatherer {
  readonly snapshot: Snapshot = emptySnapshot();
  private readonly seen = new Set<string>();
  private readonly log = new ReadRounds();
  /** Whether the target exists (its Services could be read and, for a Service, it is there). */
  private found: Promise<boolean> = Promise.resolve(true);
  /** Set when the round-one node list holds every node, so a missing one is gone, not unread. */
  private allNodesListed = false;
  /** Settles when the round-one node page has answered (or failed). */
  private nodesListed: Promise<void> = Promise.resolve();
  /**
   * The namespace's claims and DaemonSets, listed in round one whatever the workloads show, so
   * that the backends' claims (bare pods' too) and DaemonSet owners are known when the backends
   * are, rather than read after them (a third round).
   */
  private readonly namespaceLists: Partial<
    Record<'pvcs' | 'daemonSets', Promise<Listed | undefined>>
  > = {};
  /** The namespace's events and workload lists, as round one answers them (readsAhead). */
  private eventsListed: Promise<KubeEvent[]> = Promise.resolve([]);
  private workloadLists: Promise<(Deployment | StatefulSet | DaemonSet)[]>[] = [];
  /**
   * Reads started beside the backends because round one's events name the need (a crash-looping
   * container's log, a ConfigMap or Secret a container lacks), by request. Each is used only if
   * the backends turn out to need it; a failure counts only then too.
   */
  private readonly ahead = new Map<string, Promise<Outcome<unknown>>>();
  /** The ConfigMaps and Secrets whose reads ahead are started (configAhead). */
  private readonly aheadNames = { configMaps: new Set<string>(), secrets: new Set<string>() };
  /** Settles once the reads ahead are started, so reads after the backends find them. */
  private aheadStarted: Promise<void> = Promise.resolve();

  constructor(private readonly api: KubeApi) {}

  /** Requests made so far. */
  get requests(): number {
    return this.log.requests;
  }

  /** The namespace's Services as the API answered them (resolveServices). */
  private servicesAnswer?: List<Service>;
  /** The list of the target Service's EndpointSlices, read in round one. */
  private targetSlices?: Promise<List<EndpointSlice> | undefined>;
  /** Reads for unmatched selectors already started (readUnmatched). */
  private readonly unmatchedReads = new Set<string>();
  /** Sequential rounds of requests so far (see ReadRounds). */
  get rounds(): number {
    return this.log.rounds;
  }

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

  /** Runs one read; on failure records why under `key` and returns undefined. */
  private async read<T>(
    key: UnavailableKey,
    fn: () => Promise<T>,
    opts: ReadOptions = {},
  ): Promise<T | undefined> {
    let value: T;
    try {
      value = await this.log.track(fn);
    } catch (err) {
      if (err instanceof ClusterUnreachableError && opts.fatal) throw err;
      if (opts.early && !(await this.found)) return undefined;
      this.failed(key, err, opts);
      return undefined;
    }
    if (opts.early && !(await this.found)) return undefined;
    return value;
  }

  /** Records why a read failed, unless its options say the failure is an answer or no matter. */
  private failed(key: UnavailableKey, err: unknown, opts: ReadOptions): void {
    if (opts.tolerate404 && err instanceof KubeApiError && err.status === 404) return;
    if (!opts.quiet) this.snapshot.unavailable[key] ??= readFailure(err);
  }

  /**
   * Starts a read ahead under `id` (once), on round-one evidence that the backends need it;
   * `after`: the answers that evidence came from (ReadRounds counts it one round after them).
   */
  private readAhead(id: string, fn: () => Promise<unknown>, after?: readonly unknown[]): void {
    if (!this.ahead.has(id)) this.ahead.set(id, settled(this.log.track(fn, after)));
  }

  /** How the read under `id` ended: the one started ahead, or else one started now. */
  private take<T>(id: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    return (this.ahead.get(id) as Promise<Outcome<T>> | undefined) ?? settled(this.log.track(fn));
  }

  /** Like read, taking the read started ahead under `id` when there is one. */
  private async readNeeded<T>(
    key: UnavailableKey,
    id: string,
    fn: () => Promise<T>,
    opts: ReadOptions = {},
  ): Promise<T | undefined> {
    const r = await this.take(id, fn);
    if (r.ok) return r.value;
    this.failed(key, r.error, opts);
    return undefined;
  }

  private async list<T extends KubeObject>(
    key: UnavailableKey,
    path: string,
    query?: Record<string, string | number>,
    opts?: ReadOptions,
  ): Promise<T[]> {
    return (await this.read(key, () => this.api.get<List<T>>(path, query), opts))?.items ?? [];
  }

  /**
   * Two rounds of reads for a Service target. Round one is everything that needs nothing read
   * first: the Services (the target), the namespace's workloads (DaemonSets too), claims,
   * policies, ingresses and events, the target's EndpointSlices, kube-system, the nodes, API
   * discovery for Istio and the Gateway API. Round two is what needs one of those: pods and
   * ReplicaSets by the Service's selector, the Istio and Gateway objects at the served version,
   * namespaces behind NetworkPolicies, ingress classes and controllers, when the target's
   * EndpointSlices hold no endpoint where its pods may be (readUnmatched), and what the kubelet's
   * events say the backends will need (readsAhead): the previous log of a container it backs off
   * restarting, the ConfigMaps and Secrets behind a container it cannot create. The backends'
   * claims and DaemonSet owners come from round one's lists; what the backends need and round
   * one did not name is read after them, a third round only then: a claim or DaemonSet past the
   * lists' page, a crash log or a missing ConfigMap or Secret without the kubelet's event (events
   * expire after an hour; the list holds the first 500), a bare pod's second missing reference
   * (the kubelet names the first). Two exceptions are left as extra rounds: the nodes of the
   * backends past the first page of nodes (clusters of more than 100 nodes), and the app layer
   * of `--logs` (src/engine.ts), whose lookups follow the log lines. Each read per name is
   * bounded: past a few names, one list of the namespace.
   */
  async gather(target: Target & { namespace: string }): Promise<Snapshot> {
    const ns = target.namespace;
    if (!this.pathName('Namespace', ns, 'label')) {
      this.snapshot.unavailable.services = invalidNameReason('Namespace', ns, 'label');
      return this.snapshot;
    }
    let settle: (found: boolean) => void = () => undefined;
    this.found = new Promise<boolean>((resolve) => (settle = resolve));
    const early = this.readEarly(target);
    let services: Service[] | undefined;
    try {
      services = await this.resolveServices(target);
    } finally {
      // Nothing to diagnose behind a target that does not exist: its nearest names are read.
      settle(services !== undefined && !(target.kind === 'Service' && services.length === 0));
    }
    if (!(await this.found)) {
      // The early reads are dropped, and so are their failures: only the target's absence counts.
      const unavailable = { ...this.snapshot.unavailable };
      await early;
      for (const k of Object.keys(this.snapshot.unavailable) as UnavailableKey[])
        if (!(k in unavailable)) delete this.snapshot.unavailable[k];
      return this.snapshot;
    }
    const selecting = (services ?? []).filter(
      (s) =>
        s.spec.type !== 'ExternalName' &&
        Object.keys(s.spec.selector ?? {}).length > 0 &&
        this.pathName('Service', s.metadata.name, 'label'),
    );
    const slicesRead = target.kind === 'Service' ? target.name : undefined;
    this.aheadStarted = this.readsAhead(ns, selecting, target.kind === 'Service');

    const perService = selecting.flatMap((svc) => {
      const sel = formatSelector(svc.spec.selector);
      return [
        this.list<Pod>('pods', fieldPath('pods', { namespace: ns }), { labelSelector: sel }).then(
          (p) => this.add('pods', 'Pod', p),
        ),
        svc.metadata.name === slicesRead ? undefined : this.readSlices(ns, svc.metadata.name),
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

    // A target Service without a single endpoint most often selects no pod: the reads that name
    // the nearest labels start beside the backends' instead of after them (a third round).
    const targetService =
      target.kind === 'Service'
        ? selecting.find((s) => s.metadata.name === target.name)
        : undefined;
    const speculative =
      targetService &&
      this.targetSlices?.then((l) =>
        l && !l.items.some((e) => (e.endpoints ?? []).length > 0)
          ? Promise.all(this.readUnmatched(ns, [targetService]))
          : undefined,
      );

    await Promise.all([
      early,
      Promise.all(perService).then(() => this.gatherDependents(ns, selecting)),
      speculative,
      // Reads ahead the backends turned out not to need are still waited for (and counted).
      this.aheadStarted.then(() => Promise.all(this.ahead.values())),
    ]);
    this.snapshot.capturedAt = new Date().toISOString();
    return this.snapshot;
  }

  /** Round one: reads that need nothing read before them, each with what follows from it. */
  private readEarly(target: Target & { namespace: string }): Promise<unknown> {
    const ns = target.namespace;
    const early = { early: true } as const;
    const inNs = <T extends KubeObject>(field: Parameters<typeof fieldPath>[0]) =>
      this.list<T>(field, fieldPath(field, { namespace: ns }), undefined, early);
    return Promise.all([
      // The target's own EndpointSlices need only its name.
      target.kind === 'Service' && isValidName('label', target.name)
        ? this.addSlices(
            ns,
            target.name,
            (this.targetSlices = this.listSlices(ns, target.name, early)),
          )
        : undefined,
      ...(this.workloadLists = [
        inNs<Deployment>('deployments').then((d) => {
          this.add('deployments', 'Deployment', d);
          return d;
        }),
        inNs<StatefulSet>('statefulSets').then((d) => {
          this.add('statefulSets', 'StatefulSet', d);
          return d;
        }),
        this.listPage('daemonSets', ns).then((l) => (l?.items ?? []) as DaemonSet[]),
      ]),
      this.listPage('pvcs', ns),
      inNs('networkPolicies').then(async (n) => {
        this.add('networkPolicies', 'NetworkPolicy', n);
        if (n.length === 0) return;
        const l = await this.list('namespaces', fieldPath('namespaces'));
        this.add('namespaces', 'Namespace', l);
      }),
      inNs('ingresses').then(async (i) => {
        this.add('ingresses', 'Ingress', i);
        await this.gatherIngressDependents(ns);
      }),
      inNs('hpas').then((h) => this.add('hpas', 'HorizontalPodAutoscaler', h)),
      (this.eventsListed = this.list<KubeEvent>(
        'events',
        fieldPath('events', { namespace: ns }),
        { limit: 500 },
        early,
      ).then((e) => {
        this.add('events', 'Event', e);
        return e;
      })),
      // The nodes, one page: most clusters have fewer, and the backends' nodes are then known
      // without waiting for the backends. A larger cluster reads the few missing ones later.
      (this.nodesListed = this.read(
        'nodes',
        () =>
          this.api.get<List<KubeObject> & { metadata?: { continue?: string } }>(
            fieldPath('nodes'),
            { limit: NODE_PAGE },
          ),
        early,
      ).then((l) => {
        if (!l) return;
        this.allNodesListed = !l.metadata?.continue;
        this.add('nodes', 'Node', l.items);
      })),
      this.gatherKubeSystem(),
      this.gatherMesh(ns),
      gatherGateway(
        {
          api: this.api,
          snapshot: this.snapshot,
          read: (key, fn, opts) => this.read(key, fn, { ...opts, early: true }),
          add: (field, kind, items) => this.add(field, kind, items),
          pathName: (kind, name, rule) => this.pathName(kind, name, rule),
        },
        target,
      ),
    ]);
  }

  /**
   * One page of the namespace's claims or DaemonSets (see namespaceLists). Quiet: if it fails,
   * the backends' names are read one by one as before, and their failures count.
   */
  private listPage(field: 'pvcs' | 'daemonSets', ns: string): Promise<Listed | undefined> {
    return (this.namespaceLists[field] ??= this.read(
      field,
      () =>
        this.api.get<List<KubeObject> & { metadata?: { continue?: string } }>(
          fieldPath(field, { namespace: ns }),
          { limit: NAMESPACE_PAGE },
        ),
      { early: true, quiet: true },
    ).then((l) => l && { items: l.items, complete: !l.metadata?.continue }));
  }

  /** Objects the backends name (claims, owners): from round one's list, the rest by name. */
  private async readListed(
    field: 'pvcs' | 'daemonSets',
    kind: string,
    ns: string,
    names: string[],
  ): Promise<void> {
    const listed = await this.namespaceLists[field];
    let unread = names;
    if (listed) {
      const wanted = new Set(names);
      const found = listed.items.filter((o) => wanted.has(o.metadata.name));
      this.add(field, kind, found);
      const have = new Set(found.map((o) => o.metadata.name));
      unread = names.filter((n) => !have.has(n));
      // A complete list without the name means it does not exist (an invalid name is still noted).
      if (listed.complete) {
        for (const n of new Set(unread)) this.pathName(kind, n);
        unread = [];
      }
    }
    await Promise.all(this.readNamed(field, kind, ns, unread));
  }

  /** A Service's EndpointSlices; on older clusters without them, its Endpoints object. */
  private readSlices(ns: string, name: string, opts: ReadOptions = {}): Promise<void> {
    return this.addSlices(ns, name, this.listSlices(ns, name, opts));
  }

  private listSlices(
    ns: string,
    name: string,
    opts: ReadOptions = {},
  ): Promise<List<EndpointSlice> | undefined> {
    return this.read(
      'endpointSlices',
      () =>
        this.api.get<List<EndpointSlice>>(fieldPath('endpointSlices', { namespace: ns }), {
          labelSelector: `kubernetes.io/service-name=${name}`,
        }),
      opts,
    );
  }

  private async addSlices(
    ns: string,
    name: string,
    listed: Promise<List<EndpointSlice> | undefined>,
  ): Promise<void> {
    const l = await listed;
    if (l) return this.add('endpointSlices', 'EndpointSlice', l.items);
    if (this.snapshot.unavailable.endpointSlices === undefined) return;
    const ep = await this.read(
      'endpoints',
      () => this.api.get<KubeObject>(fieldPath('endpoints', { namespace: ns, name })),
      { tolerate404: true },
    );
    if (ep) this.add('endpoints', 'Endpoints', [ep]);
  }

  /** Reads the target and the Services it stands for; undefined when the Services cannot be read. */
  private async resolveServices(
    target: Target & { namespace: string },
  ): Promise<Service[] | undefined> {
    const ns = target.namespace;
    // A Deployment, Ingress or Pod target is read by name beside the Services, not after them.
    const single =
      target.kind === 'Deployment' || target.kind === 'Ingress' || target.kind === 'Pod'
        ? this.readTarget({ ...target, kind: target.kind })
        : undefined;
    const inNs = await this.read(
      'services',
      () => this.api.get<List<Service>>(fieldPath('services', { namespace: ns })),
      { fatal: true },
    );
    if (!inNs) {
      await single;
      return undefined;
    }
    this.add('services', 'Service', inNs.items);
    this.servicesAnswer = inNs;
    const byName = (name: string) => inNs.items.filter((s) => s.metadata.name === name);
    switch (target.kind) {
      case 'Service': {
        const found = byName(target.name);
        if (found.length === 0) await this.findElsewhere(target, 'services');
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
      case 'Pod':
        // The engine picks the Services in front of the target; none when it is not there.
        return (await single) ? inNs.items : [];
    }
  }

  /** A Deployment, Ingress or Pod target by name; not there, the same name elsewhere. */
  private async readTarget(
    target: Target & { namespace: string; kind: 'Deployment' | 'Ingress' | 'Pod' },
  ): Promise<boolean> {
    const field = ({ Deployment: 'deployments', Ingress: 'ingresses', Pod: 'pods' } as const)[
      target.kind
    ];
    const one = fieldPath(field, { namespace: target.namespace, name: target.name });
    // An invalid name cannot exist: look for it elsewhere (by field selector, a query
    // parameter) and let the engine say it was not found.
    const obj = this.pathName(target.kind, target.name)
      ? await this.read(field, () => this.api.get<KubeObject>(one), { tolerate404: true })
      : undefined;
    if (!obj) {
      await this.findElsewhere(target, field);
      return false;
    }
    this.add(field, target.kind, [obj]);
    return true;
  }

  /** Not here: the same name in other namespaces, to say where it is. */
  private async findElsewhere(
    target: Target,
    field: 'services' | 'deployments' | 'ingresses' | 'pods',
  ): Promise<void> {
    const all = await this.list(field, fieldPath(field), {
      fieldSelector: `metadata.name=${target.name}`,
      limit: 20,
    });
    this.add(field, fieldInfo(field).kind, all);
  }

  private async gatherKubeSystem(): Promise<void> {
    const ks = { namespace: 'kube-system' };
    const early = { early: true } as const;
    await Promise.all([
      this.read(
        'kube-system',
        () =>
          this.api.get<List<KubeObject>>(fieldPath('pods', ks), {
            labelSelector: 'k8s-app in (kube-dns,kube-proxy)',
          }),
        early,
      ).then((l) => l && this.add('pods', 'Pod', l.items)),
      this.read(
        'kube-system',
        () =>
          this.api.get<List<KubeObject>>(fieldPath('endpointSlices', ks), {
            labelSelector: 'kubernetes.io/service-name=kube-dns',
          }),
        early,
      ).then((l) => l && this.add('endpointSlices', 'EndpointSlice', l.items)),
      this.read(
        'kube-system',
        () => this.api.get<KubeObject>(fieldPath('daemonSets', { ...ks, name: 'kube-proxy' })),
        { tolerate404: true, early: true },
      ).then((d) => d && this.add('daemonSets', 'DaemonSet', [d])),
      this.read(
        'kube-system',
        () => this.api.get<KubeObject>(fieldPath('deployments', { ...ks, name: 'coredns' })),
        { tolerate404: true, early: true },
      ).then((d) => d && this.add('deployments', 'Deployment', [d])),
    ]);
  }

  private async gatherMesh(ns: string): Promise<void> {
    const group = await this.read(
      'virtualServices',
      () =>
        this.api.get<{ versions?: { version: string }[]; preferredVersion?: { version: string } }>(
          groupPath(fieldInfo('virtualServices').group),
        ),
      { early: true },
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

  /** What the namespace's Ingresses need: their classes, the controllers, their TLS Secrets. */
  private async gatherIngressDependents(ns: string): Promise<void> {
    const ingresses = this.snapshot.ingresses.filter((i) => i.metadata.namespace === ns);
    if (ingresses.length === 0) return;
    const work: Promise<unknown>[] = [
      this.list('ingressClasses', fieldPath('ingressClasses')).then((l) =>
        this.add('ingressClasses', 'IngressClass', l),
      ),
    ];
    // The controllers the ingress checks recognise: one read per label key.
    for (const labelSelector of INGRESS_CONTROLLER_SELECTORS)
      work.push(
        this.read('pods', () =>
          this.api.get<List<KubeObject>>(fieldPath('pods'), { labelSelector, limit: 50 }),
        ).then((l) => l && this.add('pods', 'Pod', l.items)),
      );
    // As many as the Ingresses name (their count, not the pods', bounds it).
    const secrets = new Set(
      ingresses.flatMap((i) =>
        (i.spec.tls ?? []).map((t) => t.secretName).filter((s): s is string => Boolean(s)),
      ),
    );
    for (const s of [...secrets].filter((x) => this.pathName('Secret', x)).slice(0, MAX_SECRETS))
      work.push(this.readMetadata('secrets', ns, s));
    await Promise.all(work);
  }

  /**
   * Reads `names` of a namespaced kind: a few one by one, more as one list of the namespace, so
   * that the number of requests does not grow with the number of backends.
   */
  private readNamed(
    field: 'pvcs' | 'daemonSets',
    kind: string,
    ns: string,
    names: Iterable<string>,
  ): Promise<unknown>[] {
    const valid = [...new Set(names)].filter((n) => this.pathName(kind, n));
    if (valid.length > FEW)
      return [
        this.list(field, fieldPath(field, { namespace: ns })).then((l) => {
          const wanted = new Set(valid);
          this.add(
            field,
            kind,
            l.filter((o) => wanted.has(o.metadata.name)),
          );
        }),
      ];
    return valid.map((name) =>
      this.read(field, () => this.api.get<KubeObject>(fieldPath(field, { namespace: ns, name })), {
        tolerate404: true,
      }).then((o) => o && this.add(field, kind, [o])),
    );
  }

  /** Reads that depend on the backends: unmatched selectors, nodes, claims, owners, refs, logs. */
  private async gatherDependents(ns: string, selecting: Service[]): Promise<void> {
    // Round one's answers are in (the node page, and what starts the reads ahead, which the
    // reads below take): which reads follow must not depend on which answer came first.
    await Promise.all([this.aheadStarted, this.nodesListed]);
    const selects = (s: Service, p: Pod) =>
      Object.entries(s.spec.selector ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v);
    // The pods the Services select (the namespace's other pods may be in the snapshot already,
    // read to name the nearest labels).
    const backends = this.snapshot.pods.filter(
      (p) => p.metadata.namespace === ns && selecting.some((s) => selects(s, p)),
    );
    const work: Promise<unknown>[] = [];
    const unmatched = selecting.filter((s) => !backends.some((p) => selects(s, p)));
    work.push(...this.readUnmatched(ns, unmatched));
    // Nodes the round-one page did not hold (a large cluster), if it could be read at all.
    if (!this.allNodesListed && this.snapshot.unavailable.nodes === undefined) {
      const listed = new Set(this.snapshot.nodes.map((n) => n.metadata.name));
      const missing = [
        ...new Set(backends.map((p) => p.spec.nodeName).filter((n): n is string => Boolean(n))),
      ]
        .filter((n) => !listed.has(n) && this.pathName('Node', n))
        .slice(0, MAX_NODES);
      if (missing.length > FEW)
        work.push(
          this.list('nodes', fieldPath('nodes')).then((l) =>
            this.add(
              'nodes',
              'Node',
              l.filter((o) => missing.includes(o.metadata.name)),
            ),
          ),
        );
      else
        for (const n of missing)
          work.push(
            this.read('nodes', () => this.api.get<KubeObject>(fieldPath('nodes', { name: n })), {
              tolerate404: true,
            }).then((o) => o && this.add('nodes', 'Node', [o])),
          );
    }
    work.push(
      this.readListed(
        'pvcs',
        'PersistentVolumeClaim',
        ns,
        backends.flatMap((p) =>
          (p.spec.volumes ?? [])
            .map((v) => v.persistentVolumeClaim?.claimName)
            .filter((c): c is string => Boolean(c)),
        ),
      ),
      this.readListed(
        'daemonSets',
        'DaemonSet',
        ns,
        backends.flatMap((p) =>
          (p.metadata.ownerReferences ?? [])
            .filter((r) => r.kind === 'DaemonSet')
            .map((r) => r.name),
        ),
      ),
    );

    // Missing ConfigMaps and Secrets behind CreateContainerConfigError, of init containers too.
    // The names come from pod templates, so they do not grow with the pods; still, past a few
    // ConfigMaps one metadata list of the namespace answers, and Secrets (read by name only:
    // RBAC cannot grant a metadata-only list) stop at MAX_SECRETS. Those read ahead are taken.
    const configMaps = new Set<string>();
    const secrets = new Set<string>();
    for (const p of backends.filter((x) =>
      [...(x.status?.initContainerStatuses ?? []), ...(x.status?.containerStatuses ?? [])].some(
        (s) => s.state?.waiting?.reason === 'CreateContainerConfigError',
      ),
    )) {
      const refs = configRefs([...(p.spec.initContainers ?? []), ...p.spec.containers]);
      for (const name of refs.configMaps)
        if (!configMaps.has(name) && this.pathName('ConfigMap', name)) configMaps.add(name);
      for (const name of refs.secrets)
        if (!secrets.has(name) && this.pathName('Secret', name)) secrets.add(name);
    }
    const unread = [...configMaps].filter((n) => !this.ahead.has(metadataId('configMaps', ns, n)));
    if (this.ahead.has(configMapListId(ns)) || unread.length > FEW)
      work.push(this.listConfigMapMetadata(ns, configMaps));
    else for (const name of configMaps) work.push(this.readMetadata('configMaps', ns, name));
    const aheadFirst = [...secrets].sort(
      (a, b) =>
        Number(this.ahead.has(metadataId('secrets', ns, b))) -
        Number(this.ahead.has(metadataId('secrets', ns, a))),
    );
    for (const name of aheadFirst.slice(0, MAX_SECRETS))
      work.push(this.readMetadata('secrets', ns, name));
    work.push(this.gatherLogs(backends));
    await Promise.all(work);
  }

  /**
   * Round two, beside the backends: what the kubelet's events of round one say the backends
   * will need. A container the kubelet backs off restarting (prefer pods the target's
   * EndpointSlices name): its previous log, MAX_LOGS at most. A container it cannot create for a
   * missing ConfigMap or Secret: that object, and the others the pod templates of the Services'
   * workloads name (the kubelet names only the first missing one). Bounded like the reads after
   * the backends, which take these when the backends need them and drop them otherwise.
   */
  private async readsAhead(ns: string, selecting: Service[], service: boolean): Promise<void> {
    // Each read starts from the answers it needs, not round one's slowest, and is counted one
    // round after those answers (for a Service target, whose Services are the one list read).
    const [events, slices] = await Promise.all([this.eventsListed, this.targetSlices]);
    if (events.length === 0 || selecting.length === 0) return;
    const from = service
      ? [this.servicesAnswer, events, ...(this.targetSlices ? [slices] : [])]
      : undefined;
    const inSlices = new Set(
      (slices?.items ?? []).flatMap((sl) =>
        (sl.endpoints ?? []).flatMap((e) =>
          e.targetRef?.kind === 'Pod' && e.targetRef.name ? [e.targetRef.name] : [],
        ),
      ),
    );
    const candidate = (pod: string) =>
      (inSlices.size === 0 || inSlices.has(pod)) && isValidName('subdomain', pod);
    const signals = kubeletSignals(events, ns);

    for (const s of signals.backOff.filter((x) => candidate(x.pod)).slice(0, MAX_LOGS))
      this.readAhead(logId(ns, s.pod, s.container), this.previousLog(ns, s.pod, s.container), from);

    const config = signals.config.filter((x) => candidate(x.pod));
    if (config.length === 0) return;
    // What the kubelet names, now; what else the Services' pod templates name (the kubelet
    // names only the first missing object), as each workload list answers.
    this.configAhead(
      ns,
      config.filter((c) => c.kind === 'ConfigMap').map((c) => c.name),
      config.filter((c) => c.kind === 'Secret').map((c) => c.name),
      from,
    );
    const selects = (t: PodTemplate) =>
      selecting.some((svc) =>
        Object.entries(svc.spec.selector ?? {}).every(([k, v]) => t.metadata?.labels?.[k] === v),
      );
    await Promise.all(
      this.workloadLists.map(async (listed) => {
        const workloads = await listed;
        const refs = configRefs(
          workloads
            .filter((w) => w.metadata.namespace === ns && selects(w.spec.template))
            .flatMap((w) => [
              ...(w.spec.template.spec.initContainers ?? []),
              ...w.spec.template.spec.containers,
            ]),
        );
        this.configAhead(ns, refs.configMaps, refs.secrets, from && [...from, workloads]);
      }),
    );
  }

  /**
   * Starts the metadata reads of ConfigMaps and Secrets ahead, each once: ConfigMaps by name
   * while they are few, then one list of the namespace; Secrets by name, MAX_SECRETS at most.
   */
  private configAhead(
    ns: string,
    configMaps: string[],
    secrets: string[],
    after: readonly unknown[] | undefined,
  ): void {
    const valid = (names: string[]) =>
      [...new Set(names)].filter((n) => isValidName('subdomain', n));
    for (const name of valid(configMaps)) this.aheadNames.configMaps.add(name);
    if (!this.ahead.has(configMapListId(ns))) {
      if (this.aheadNames.configMaps.size > FEW)
        this.readAhead(configMapListId(ns), this.configMapMetadataList(ns), after);
      else
        for (const name of this.aheadNames.configMaps)
          this.readAhead(
            metadataId('configMaps', ns, name),
            this.metadata('configMaps', ns, name),
            after,
          );
    }
    for (const name of valid(secrets)) {
      if (this.aheadNames.secrets.size >= MAX_SECRETS) break;
      this.aheadNames.secrets.add(name);
      this.readAhead(metadataId('secrets', ns, name), this.metadata('secrets', ns, name), after);
    }
  }

  /**
   * For Services whose selector matches nothing: the namespace's pods, to name the nearest
   * labels, and pods elsewhere with exactly these labels. Each read once, however often asked.
   */
  private readUnmatched(ns: string, services: Service[]): Promise<unknown>[] {
    const work: Promise<unknown>[] = [];
    const once = (key: string, read: () => Promise<unknown>) => {
      if (this.unmatchedReads.has(key)) return;
      this.unmatchedReads.add(key);
      work.push(read());
    };
    if (services.length === 0) return work;
    once(`ns/${ns}`, () =>
      this.list('pods', fieldPath('pods', { namespace: ns }), { limit: 500 }).then((p) =>
        this.add('pods', 'Pod', p),
      ),
    );
    for (const s of services) {
      const selector = formatSelector(s.spec.selector);
      once(`elsewhere/${selector}`, () =>
        this.list('pods', fieldPath('pods'), { labelSelector: selector, limit: 20 }).then((p) =>
          this.add('pods', 'Pod', p),
        ),
      );
    }
    return work;
  }

  /** The request of the namespace's ConfigMaps as metadata only (never their data). */
  private configMapMetadataList(ns: string): () => Promise<List<KubeObject>> {
    return () =>
      this.api.request<List<KubeObject>>('GET', fieldPath('configMaps', { namespace: ns }), {
        accept: METADATA_LIST,
      });
  }

  /** The namespace's ConfigMaps as metadata only, keeping those named. */
  private async listConfigMapMetadata(ns: string, names: Set<string>): Promise<void> {
    const l = await this.readNeeded(
      'configMaps',
      configMapListId(ns),
      this.configMapMetadataList(ns),
    );
    if (l)
      this.add(
        'configMaps',
        'ConfigMap',
        l.items.filter((o) => names.has(o.metadata.name)).map((o) => ({ ...o, kind: 'ConfigMap' })),
      );
  }

  /** The request of a Secret's or ConfigMap's metadata, never its data. */
  private metadata(
    field: 'secrets' | 'configMaps',
    ns: string,
    name: string,
  ): () => Promise<KubeObject> {
    return () =>
      this.api.request<KubeObject>('GET', fieldPath(field, { namespace: ns, name }), {
        accept: METADATA_ONLY,
      });
  }

  /** Existence and metadata of a Secret or ConfigMap, never its data. */
  private async readMetadata(
    field: 'secrets' | 'configMaps',
    ns: string,
    name: string,
  ): Promise<void> {
    const o = await this.readNeeded(
      field,
      metadataId(field, ns, name),
      this.metadata(field, ns, name),
      { tolerate404: true },
    );
    const kind = field === 'secrets' ? 'Secret' : 'ConfigMap';
    if (o) this.add(field, kind, [{ ...o, kind }]);
  }

  /** The request of a container's previous log: its last lines, bounded in bytes. */
  private previousLog(ns: string, pod: string, container: string): () => Promise<string> {
    return () =>
      this.api.getText(`${fieldPath('pods', { namespace: ns, name: pod })}/log`, {
        container,
        previous: true,
        tailLines: LOG_TAIL_LINES,
        limitBytes: LOG_LIMIT_BYTES,
      });
  }

  /** The previous log of crash-looping backends' containers, MAX_LOGS at most. */
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
          .map((s) => ({
            ns: p.metadata.namespace ?? '',
            pod: p.metadata.name,
            container: s.name,
          })),
      );
    // Any crash-looping container shows the crash: those read ahead first (stable otherwise).
    const read = (c: (typeof crashing)[number]) => this.ahead.has(logId(c.ns, c.pod, c.container));
    const chosen = [...crashing.filter(read), ...crashing.filter((c) => !read(c))].slice(
      0,
      MAX_LOGS,
    );
    await Promise.all(
      chosen.map(async ({ ns, pod, container }) => {
        const base = { namespace: ns, pod, container };
        const r = await this.take(logId(ns, pod, container), this.previousLog(ns, pod, container));
        this.snapshot.logs.push(
          r.ok
            ? { ...base, text: redact(r.value) }
            : { ...base, error: redact(readFailure(r.error)) },
        );
      }),
    );
  }
}

/** Keys of the reads ahead (Gatherer.readAhead): one per request. */
const logId = (ns: string, pod: string, container: string) => `log/${ns}/${pod}/${container}`;
const metadataId = (field: 'secrets' | 'configMaps', ns: string, name: string) =>
  `${field}/${ns}/${name}`;
const configMapListId = (ns: string) => `configMaps/${ns}`;

export async function gatherSnapshot(
  api: KubeApi,
  target: Target & { namespace: string },
): Promise<Snapshot> {
  return new Gatherer(api).gather(target);
}
