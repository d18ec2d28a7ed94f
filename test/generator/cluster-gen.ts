// A seeded generator of realistic, healthy cluster states around one target Service: the objects
// `kubectl get ... -o json` prints (the shapes of test/scenarios/*/dump.json), combining what real
// clusters hold and no hand-written scenario does: injected and native sidecars, completed init
// containers, pods leaving in a scale-down, finished and evicted pods and Job pods that keep the
// Service's labels, several EndpointSlices, dual-stack, named ports, NetworkPolicies admitting by
// port name and namespace label, every owner kind, Istio and Gateway API routes, nanocore metrics.
// The same seed and features always give the same state, so a failing case can be replayed.
import {
  type Report,
  type Snapshot,
  type Target,
  addObjects,
  diagnose,
  emptySnapshot,
} from './support.js';

/* Raw API JSON, mutated in place by the fault injectors; typing every kind here would duplicate
 * src/cluster/k8s-types.ts, which the engine reads through its own zod-free casts anyway. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const NOW = '2026-03-01T12:00:00Z';
const at = (secondsAgo: number) => new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString();

/** mulberry32: small, fast, and good enough to spread cases; seeded so every case replays. */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += 'bcdfghjklmnpqrstvwxz2456789'[this.int(0, 26)];
    return s;
  }
}

export const OWNERS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'] as const;
export type Owner = (typeof OWNERS)[number];

/** Ingress controllers as their charts label them. */
export const CONTROLLERS = {
  'ingress-nginx': {
    ns: 'ingress-nginx',
    labels: {
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/instance': 'ingress-nginx',
      'app.kubernetes.io/component': 'controller',
    },
    className: 'nginx',
    controller: 'k8s.io/ingress-nginx',
    image: 'registry.k8s.io/ingress-nginx/controller:v1.11.2',
  },
  'f5-nginx': {
    ns: 'nginx-ingress',
    labels: {
      'app.kubernetes.io/name': 'nginx-ingress',
      'app.kubernetes.io/instance': 'nginx-ingress',
    },
    className: 'nginx',
    controller: 'nginx.org/ingress-controller',
    image: 'nginx/nginx-ingress:3.6.1',
  },
  traefik: {
    ns: 'traefik',
    labels: {
      'app.kubernetes.io/name': 'traefik',
      'app.kubernetes.io/instance': 'traefik-traefik',
    },
    className: 'traefik',
    controller: 'traefik.io/ingress-controller',
    image: 'docker.io/traefik:v3.1.2',
  },
  'haproxy-ingress': {
    ns: 'ingress-controller',
    labels: {
      'app.kubernetes.io/name': 'haproxy-ingress',
      'app.kubernetes.io/instance': 'haproxy-ingress',
    },
    className: 'haproxy',
    controller: 'haproxy-ingress.github.io/controller',
    image: 'quay.io/jcmoraisjr/haproxy-ingress:v0.14.7',
  },
  'haproxy-tech': {
    ns: 'haproxy-controller',
    labels: {
      'app.kubernetes.io/name': 'kubernetes-ingress',
      'app.kubernetes.io/instance': 'haproxy-kubernetes-ingress',
    },
    className: 'haproxy',
    controller: 'haproxy.org/ingress-controller/haproxy',
    image: 'haproxytech/kubernetes-ingress:3.0.1',
  },
  contour: {
    ns: 'projectcontour',
    labels: { 'app.kubernetes.io/name': 'contour', 'app.kubernetes.io/component': 'envoy' },
    className: 'contour',
    controller: 'projectcontour.io/contour',
    image: 'docker.io/envoyproxy/envoy:v1.31.0',
  },
  kong: {
    ns: 'kong',
    labels: {
      'app.kubernetes.io/name': 'kong',
      'app.kubernetes.io/component': 'app',
      'app.kubernetes.io/instance': 'kong',
    },
    className: 'kong',
    controller: 'ingress-controllers.konghq.com/kong',
    image: 'kong:3.7',
  },
  'istio-gateway': {
    ns: 'istio-system',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    className: 'istio',
    controller: 'istio.io/ingress-controller',
    image: 'docker.io/istio/proxyv2:1.22.3',
  },
} as const;
export type ControllerKind = keyof typeof CONTROLLERS;

export interface Features {
  owner: Owner;
  replicas: number;
  /** Selector style: `app: x`, or the recommended app.kubernetes.io labels. */
  recommendedLabels: boolean;
  injectedSidecar: boolean;
  /** Istio rewrites app probes to its agent on 15020 (undeclared, numeric). */
  probeRewrite: boolean;
  nativeSidecar: boolean;
  completedInit: boolean;
  terminating: boolean;
  finishedPods: boolean;
  jobPods: boolean;
  slices: number;
  dualStack: boolean;
  namedTargetPort: boolean;
  numericProbe: boolean;
  metricsPort: boolean;
  netpol: boolean;
  egressPolicy: boolean;
  ingress: boolean;
  controller: ControllerKind;
  istio: boolean;
  gateway: boolean;
  hpa: boolean;
  pvc: boolean;
  metrics: boolean;
  recentRollout: boolean;
  oldRestart: boolean;
  extraServices: boolean;
  /** Which Service is diagnosed: the selecting one, or a selector-less / ExternalName neighbour. */
  targetKind: 'selecting' | 'selectorless' | 'externalName';
}

/** Features a shrinker may turn off, simplest value last. */
export const OPTIONAL: (keyof Features)[] = [
  'injectedSidecar',
  'probeRewrite',
  'nativeSidecar',
  'completedInit',
  'terminating',
  'finishedPods',
  'jobPods',
  'dualStack',
  'namedTargetPort',
  'numericProbe',
  'metricsPort',
  'netpol',
  'egressPolicy',
  'ingress',
  'istio',
  'gateway',
  'hpa',
  'pvc',
  'metrics',
  'recentRollout',
  'oldRestart',
  'extraServices',
  'recommendedLabels',
];

export interface ClusterState {
  seed: number;
  features: Features;
  namespace: string;
  /** The selecting Service the faults break (also the target unless targetKind says otherwise). */
  service: string;
  target: Target;
  objects: Json[];
  /** Live references into `objects`, for the injectors. */
  refs: {
    svc: Json;
    backends: Json[];
    slices: Json[];
    workload?: Json;
    currentRs?: Json;
    template: Json;
    selector: Record<string, string>;
    containerPort: number;
    configMap: Json;
    ingress?: Json;
    tlsSecret?: Json;
    controllerPods: Json[];
    vs?: Json;
    dr?: Json;
    route?: Json;
    hpa?: Json;
    pvcs: Json[];
    nodes: Json[];
    coredns: Json[];
    kubeDnsSlice: Json;
    kubeProxyDs: Json;
    kubeProxyPods: Json[];
    netpols: Json[];
    metrics: Json[];
  };
}

const NAMES = [
  'api-service',
  'checkout',
  'payments-api',
  'catalog',
  'orders',
  'web-frontend',
  'search',
  'inventory',
  'auth',
  'cart',
];
const NAMESPACES = ['prod', 'shop', 'payments', 'team-a', 'storefront'];

export function drawFeatures(rng: Rng): Features {
  const owner = rng.pick(OWNERS);
  const scalable = owner !== 'DaemonSet' && owner !== 'Pod';
  const injectedSidecar = rng.chance(0.4);
  const netpol = rng.chance(0.45);
  return {
    owner,
    replicas: owner === 'Pod' ? rng.int(1, 2) : rng.int(2, 5),
    recommendedLabels: rng.chance(0.5),
    injectedSidecar,
    probeRewrite: injectedSidecar && rng.chance(0.5),
    nativeSidecar: rng.chance(0.25),
    completedInit: rng.chance(0.35),
    terminating: scalable && rng.chance(0.3),
    finishedPods: owner !== 'Pod' && rng.chance(0.3),
    jobPods: rng.chance(0.3),
    slices: rng.int(1, 3),
    dualStack: rng.chance(0.25),
    namedTargetPort: rng.chance(0.6),
    numericProbe: rng.chance(0.4),
    metricsPort: rng.chance(0.4),
    netpol,
    egressPolicy: netpol && rng.chance(0.5),
    ingress: rng.chance(0.6),
    controller: rng.pick(Object.keys(CONTROLLERS) as ControllerKind[]),
    istio: rng.chance(0.3),
    gateway: rng.chance(0.3),
    hpa: (owner === 'Deployment' || owner === 'StatefulSet') && rng.chance(0.35),
    pvc: owner === 'StatefulSet' && rng.chance(0.7),
    metrics: rng.chance(0.5),
    recentRollout: owner === 'Deployment' && rng.chance(0.2),
    oldRestart: rng.chance(0.2),
    extraServices: rng.chance(0.4),
    targetKind: rng.chance(0.9) ? 'selecting' : rng.pick(['selectorless', 'externalName'] as const),
  };
}

/** Keeps drawn or forced features coherent (e.g. PVCs only with a StatefulSet). */
function normalise(f: Features): Features {
  const scalable = f.owner !== 'DaemonSet' && f.owner !== 'Pod';
  const g = { ...f };
  if (!scalable) g.terminating = false;
  if (f.owner === 'Pod') g.finishedPods = false;
  if (!g.injectedSidecar) g.probeRewrite = false;
  if (!g.netpol) g.egressPolicy = false;
  if (f.owner !== 'Deployment' && f.owner !== 'StatefulSet') g.hpa = false;
  if (f.owner !== 'StatefulSet') g.pvc = false;
  if (f.owner !== 'Deployment') g.recentRollout = false;
  if (!g.extraServices) g.targetKind = 'selecting';
  if (f.owner === 'Pod') g.replicas = Math.min(g.replicas, 2);
  return g;
}

export function generate(seed: number, overrides: Partial<Features> = {}): ClusterState {
  const rng = new Rng(seed);
  const features = normalise({ ...drawFeatures(rng), ...overrides });
  return build(seed, features, rng);
}

function build(seed: number, f: Features, rng: Rng): ClusterState {
  const ns = rng.pick(NAMESPACES);
  const svcName = rng.pick(NAMES);
  const objects: Json[] = [];
  const add = <T extends Json>(o: T): T => {
    objects.push(o);
    return o;
  };
  const uid = () => `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const ctl = CONTROLLERS[f.controller];
  const meta = (name: string, namespace?: string, extra: Json = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: uid(),
    resourceVersion: String(rng.int(1000, 99999)),
    creationTimestamp: at(rng.int(3, 60) * 86400),
    ...extra,
  });

  // Namespaces, labelled as the API server labels them (and by teams).
  const nsLabels = (n: string, extra: Record<string, string> = {}) => ({
    'kubernetes.io/metadata.name': n,
    ...extra,
  });
  add({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(ns, undefined, {
      labels: nsLabels(ns, {
        team: 'commerce',
        ...(f.injectedSidecar ? { 'istio-injection': 'enabled' } : {}),
      }),
    }),
    status: { phase: 'Active' },
  });
  for (const n of ['kube-system', 'monitoring', ctl.ns, 'gateway-infra'])
    add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(n, undefined, {
        labels: nsLabels(n, n === 'monitoring' ? { purpose: 'observability' } : {}),
      }),
      status: { phase: 'Active' },
    });

  // Nodes: Ready, no pressure.
  const nodeNames = [0, 1, 2].map((i) => `ip-10-0-${rng.int(1, 254)}-${i + 10}.ec2.internal`);
  const nodes = nodeNames.map((name, i) =>
    add({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(name, undefined, {
        labels: {
          'kubernetes.io/hostname': name,
          'topology.kubernetes.io/zone': `us-east-1${'abc'[i]}`,
        },
      }),
      spec: {},
      status: {
        conditions: [
          {
            type: 'MemoryPressure',
            status: 'False',
            reason: 'KubeletHasSufficientMemory',
            lastTransitionTime: at(86400 * 3),
          },
          {
            type: 'DiskPressure',
            status: 'False',
            reason: 'KubeletHasNoDiskPressure',
            lastTransitionTime: at(86400 * 3),
          },
          {
            type: 'PIDPressure',
            status: 'False',
            reason: 'KubeletHasSufficientPID',
            lastTransitionTime: at(86400 * 3),
          },
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastTransitionTime: at(86400 * 3),
          },
        ],
        addresses: [{ type: 'InternalIP', address: `10.0.${i}.${rng.int(10, 200)}` }],
      },
    }),
  );

  const ip4 = () => `10.244.${rng.int(0, 3)}.${rng.int(2, 250)}`;
  const ip6 = () => `fd00:10:244:${rng.int(0, 3)}::${rng.int(2, 4000).toString(16)}`;

  /** A pod in the shape the kubelet reports; containers/init containers given as spec + state. */
  const runningStatus = (name: string, image: string, restarts = 0): Json => ({
    name,
    image,
    imageID: `${image.split(':')[0]}@sha256:${rng.hex(32)}`,
    containerID: `containerd://${rng.hex(32)}`,
    ready: true,
    started: true,
    restartCount: restarts,
    state: { running: { startedAt: at(rng.int(3600, 86400 * 2)) } },
    ...(restarts > 0
      ? {
          lastState: {
            terminated: {
              reason: 'Error',
              exitCode: 137,
              startedAt: at(86400 * 5),
              finishedAt: at(86400 * 4),
            },
          },
        }
      : {}),
  });
  const readyConditions = (since: number) => [
    { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: at(since + 5) },
    { type: 'Initialized', status: 'True', lastTransitionTime: at(since + 3) },
    { type: 'Ready', status: 'True', lastTransitionTime: at(since) },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: at(since) },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: at(since + 8) },
  ];
  const systemPod = (
    name: string,
    namespace: string,
    labels: Json,
    container: Json,
    node: string,
    owner: Json,
  ): Json => {
    const podIP = ip4();
    return add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(name, namespace, {
        labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: owner.kind,
            name: owner.name,
            uid: uid(),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      }),
      spec: { nodeName: node, containers: [container] },
      status: {
        phase: 'Running',
        conditions: readyConditions(86400),
        hostIP: '10.0.0.1',
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: at(86400 * 2),
        containerStatuses: [runningStatus(container.name, container.image)],
        qosClass: 'Burstable',
      },
    });
  };

  // kube-system: CoreDNS (Deployment, 2 pods, kube-dns Service and slice) and kube-proxy (DaemonSet).
  const dnsHash = rng.hex(10);
  add({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('coredns', 'kube-system', { labels: { 'k8s-app': 'kube-dns' }, generation: 1 }),
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1' }],
        },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  });
  const corednsContainer = {
    name: 'coredns',
    image: 'registry.k8s.io/coredns/coredns:v1.11.1',
    ports: [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
    ],
    readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
    livenessProbe: {
      httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
      initialDelaySeconds: 60,
    },
  };
  const coredns = [0, 1].map((i) =>
    systemPod(
      `coredns-${dnsHash}-${rng.hex(5)}`,
      'kube-system',
      { 'k8s-app': 'kube-dns', 'pod-template-hash': dnsHash },
      corednsContainer,
      nodeNames[i] as string,
      { kind: 'ReplicaSet', name: `coredns-${dnsHash}` },
    ),
  );
  add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('kube-dns', 'kube-system', {
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
    }),
    spec: {
      selector: { 'k8s-app': 'kube-dns' },
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      type: 'ClusterIP',
    },
  });
  const kubeDnsSlice = add({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(`kube-dns-${rng.hex(5)}`, 'kube-system', {
      labels: {
        'kubernetes.io/service-name': 'kube-dns',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    }),
    addressType: 'IPv4',
    endpoints: coredns.map((p) => ({
      addresses: [p.status.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: p.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: 'kube-system', name: p.metadata.name },
    })),
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
  });
  const kubeProxyDs = add({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('kube-proxy', 'kube-system', {
      labels: { 'k8s-app': 'kube-proxy' },
      generation: 1,
    }),
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-proxy' } },
        spec: { containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.31.1' }] },
      },
    },
    status: {
      currentNumberScheduled: 3,
      desiredNumberScheduled: 3,
      numberAvailable: 3,
      numberReady: 3,
      numberMisscheduled: 0,
      updatedNumberScheduled: 3,
      observedGeneration: 1,
    },
  });
  const kubeProxyPods = nodeNames.map((n) =>
    systemPod(
      `kube-proxy-${rng.hex(5)}`,
      'kube-system',
      {
        'k8s-app': 'kube-proxy',
        'controller-revision-hash': 'f7d8b9c6d',
        'pod-template-generation': '1',
      },
      { name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.31.1' },
      n,
      { kind: 'DaemonSet', name: 'kube-proxy' },
    ),
  );

  // Ingress controller pods (in their own namespace), always present: clusters run one.
  const ctlHash = rng.hex(10);
  const controllerPods = [0, 1].map((i) =>
    systemPod(
      `${f.controller}-controller-${ctlHash}-${rng.hex(5)}`,
      ctl.ns,
      { ...ctl.labels, 'pod-template-hash': ctlHash },
      {
        name: 'controller',
        image: ctl.image,
        ports: [
          { name: 'http', containerPort: 80 },
          { name: 'https', containerPort: 443 },
        ],
      },
      nodeNames[i] as string,
      { kind: 'ReplicaSet', name: `${f.controller}-controller-${ctlHash}` },
    ),
  );
  add({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: meta(ctl.className),
    spec: { controller: ctl.controller },
  });

  // The application.
  const baseLabels: Record<string, string> = f.recommendedLabels
    ? { 'app.kubernetes.io/name': svcName, 'app.kubernetes.io/instance': `${svcName}-${ns}` }
    : { app: svcName };
  const selector = { ...baseLabels };
  const podLabels: Record<string, string> = {
    ...baseLabels,
    version: 'v1',
    ...(f.recommendedLabels ? { 'app.kubernetes.io/part-of': 'shop' } : { tier: 'backend' }),
  };
  const containerPort = rng.pick([8080, 3000, 8000, 9000, 5000]);
  const cmName = `${svcName}-config`;
  const configMap = add({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(cmName, ns),
    data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'a,b' },
  });
  add({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(`${svcName}-db`, ns),
    type: 'Opaque',
    data: { password: 'cGFzcw==' },
  });
  const probePort = f.numericProbe ? containerPort : 'http';
  const appContainer: Json = {
    name: svcName.replace(/-api$|-service$/, '') || 'app',
    image: `registry.example.com/shop/${svcName}:1.${rng.int(0, 40)}.${rng.int(0, 9)}`,
    ports: [
      { name: 'http', containerPort, protocol: 'TCP' },
      ...(f.metricsPort ? [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }] : []),
    ],
    readinessProbe: {
      httpGet: { path: '/ready', port: probePort, scheme: 'HTTP' },
      periodSeconds: 5,
      failureThreshold: 3,
      timeoutSeconds: 1,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: probePort, scheme: 'HTTP' },
      initialDelaySeconds: 15,
      periodSeconds: 10,
      failureThreshold: 3,
    },
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
    envFrom: [{ configMapRef: { name: cmName } }],
    env: [
      {
        name: 'DB_PASSWORD',
        valueFrom: { secretKeyRef: { name: `${svcName}-db`, key: 'password' } },
      },
    ],
  };
  const templateInit: Json[] = [];
  if (f.completedInit)
    templateInit.push({
      name: 'migrate',
      image: appContainer.image,
      command: ['/app/migrate', 'up'],
      envFrom: [{ configMapRef: { name: cmName } }],
    });
  if (f.nativeSidecar)
    templateInit.push({
      name: 'log-shipper',
      image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.4',
      restartPolicy: 'Always',
      ports: [{ name: 'fb-metrics', containerPort: 2020 }],
    });
  const volumes = f.pvc ? [] : [{ name: 'tmp', emptyDir: {} }];
  const template: Json = {
    metadata: {
      labels: podLabels,
      annotations: f.injectedSidecar ? { 'sidecar.istio.io/inject': 'true' } : {},
    },
    spec: {
      containers: [appContainer],
      ...(templateInit.length ? { initContainers: templateInit } : {}),
      volumes,
      terminationGracePeriodSeconds: 30,
    },
  };

  // What admission adds: an istio-init and istio-proxy, probes rewritten to the agent on 15020.
  const istioProxy: Json = {
    name: 'istio-proxy',
    image: 'docker.io/istio/proxyv2:1.22.3',
    args: ['proxy', 'sidecar', '--domain', `${ns}.svc.cluster.local`],
    ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }],
    readinessProbe: {
      httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' },
      periodSeconds: 15,
      failureThreshold: 4,
      timeoutSeconds: 3,
    },
    resources: { requests: { cpu: '10m', memory: '40Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  };
  const podSpecOf = (node: string, claim?: string): Json => {
    const app = structuredClone(appContainer);
    if (f.probeRewrite) {
      app.readinessProbe.httpGet = { path: '/app-health/app/readyz', port: 15020, scheme: 'HTTP' };
      app.livenessProbe.httpGet = { path: '/app-health/app/livez', port: 15020, scheme: 'HTTP' };
    }
    const init = structuredClone(templateInit);
    if (f.injectedSidecar)
      init.unshift({
        name: 'istio-init',
        image: 'docker.io/istio/proxyv2:1.22.3',
        args: ['istio-iptables', '-p', '15001'],
        securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
      });
    return {
      nodeName: node,
      containers: f.injectedSidecar ? [app, structuredClone(istioProxy)] : [app],
      ...(init.length ? { initContainers: init } : {}),
      volumes: claim
        ? [{ name: 'data', persistentVolumeClaim: { claimName: claim } }]
        : structuredClone(volumes),
      restartPolicy: 'Always',
      serviceAccountName: svcName,
      terminationGracePeriodSeconds: 30,
    };
  };
  const initStatuses = (spec: Json): Json[] =>
    (spec.initContainers ?? []).map((c: Json) =>
      c.restartPolicy === 'Always'
        ? runningStatus(c.name, c.image)
        : {
            name: c.name,
            image: c.image,
            imageID: `${c.image.split(':')[0]}@sha256:${rng.hex(32)}`,
            ready: true,
            started: false,
            restartCount: 0,
            state: {
              terminated: {
                reason: 'Completed',
                exitCode: 0,
                startedAt: at(86400 + 30),
                finishedAt: at(86400 + 20),
              },
            },
          },
    );
  const backends: Json[] = [];
  const makePod = (
    name: string,
    labels: Json,
    ownerRef: Json | undefined,
    node: string,
    claim?: string,
  ): Json => {
    const spec = podSpecOf(node, claim);
    const podIP = ip4();
    const since = rng.int(3600, 86400);
    const pod = add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(name, ns, {
        labels: {
          ...labels,
          ...(f.injectedSidecar
            ? { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': svcName }
            : {}),
        },
        annotations: f.injectedSidecar
          ? {
              'sidecar.istio.io/status':
                '{"initContainers":["istio-init"],"containers":["istio-proxy"]}',
            }
          : {},
        creationTimestamp: at(since + 60),
        ...(ownerRef
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  ...ownerRef,
                  uid: uid(),
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }
          : {}),
      }),
      spec,
      status: {
        phase: 'Running',
        conditions: readyConditions(since),
        hostIP: (nodes[nodeNames.indexOf(node)] as Json).status.addresses[0].address,
        podIP,
        podIPs: f.dualStack ? [{ ip: podIP }, { ip: ip6() }] : [{ ip: podIP }],
        startTime: at(since + 60),
        ...(spec.initContainers ? { initContainerStatuses: initStatuses(spec) } : {}),
        containerStatuses: spec.containers.map((c: Json, i: number) =>
          runningStatus(c.name, c.image, i === 0 && f.oldRestart ? 1 : 0),
        ),
        qosClass: 'Burstable',
      },
    });
    return pod;
  };

  let workload: Json | undefined;
  let currentRs: Json | undefined;
  const pvcs: Json[] = [];
  const gen = f.recentRollout ? 3 : 2;
  const status = (n: number) => ({
    observedGeneration: gen,
    replicas: n,
    updatedReplicas: n,
    readyReplicas: n,
    availableReplicas: n,
  });
  const n = f.replicas;
  const wlName = svcName;
  if (f.owner === 'Deployment' || f.owner === 'ReplicaSet') {
    const hash = rng.hex(10);
    if (f.owner === 'Deployment') {
      workload = add({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(wlName, ns, {
          generation: gen,
          labels: baseLabels,
          annotations: { 'deployment.kubernetes.io/revision': String(gen) },
        }),
        spec: {
          replicas: n,
          selector: { matchLabels: baseLabels },
          template,
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: rng.pick([
              { maxUnavailable: '25%', maxSurge: '25%' },
              { maxUnavailable: 0, maxSurge: 1 },
              { maxUnavailable: 1, maxSurge: '50%' },
            ]),
          },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
        },
        status: {
          ...status(n),
          conditions: [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              lastTransitionTime: at(86400),
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${wlName}-${hash}" has successfully progressed.`,
              lastTransitionTime: at(f.recentRollout ? 1500 : 86400 * 2),
            },
          ],
        },
      });
      // The previous revision, scaled to 0 (the image was older).
      const prevTemplate = structuredClone(template);
      prevTemplate.spec.containers[0].image = appContainer.image.replace(/:(.*)$/, ':0.9.0');
      const prevHash = rng.hex(10);
      add({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: meta(`${wlName}-${prevHash}`, ns, {
          labels: { ...podLabels, 'pod-template-hash': prevHash },
          annotations: { 'deployment.kubernetes.io/revision': String(gen - 1) },
          creationTimestamp: at(86400 * 10),
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: wlName,
              uid: workload.metadata.uid,
              controller: true,
            },
          ],
        }),
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...baseLabels, 'pod-template-hash': prevHash } },
          template: {
            ...prevTemplate,
            metadata: {
              ...prevTemplate.metadata,
              labels: { ...podLabels, 'pod-template-hash': prevHash },
            },
          },
        },
        status: { replicas: 0, observedGeneration: 1 },
      });
    }
    currentRs = add({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta(`${wlName}-${hash}`, ns, {
        labels: { ...podLabels, 'pod-template-hash': hash },
        annotations: { 'deployment.kubernetes.io/revision': String(gen) },
        creationTimestamp: at(f.recentRollout ? 1800 : 86400 * 3),
        ...(workload
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'Deployment',
                  name: wlName,
                  uid: workload.metadata.uid,
                  controller: true,
                },
              ],
            }
          : {}),
      }),
      spec: {
        replicas: n,
        selector: { matchLabels: { ...baseLabels, 'pod-template-hash': hash } },
        template: {
          ...template,
          metadata: { ...template.metadata, labels: { ...podLabels, 'pod-template-hash': hash } },
        },
      },
      status: {
        replicas: n,
        readyReplicas: n,
        availableReplicas: n,
        fullyLabeledReplicas: n,
        observedGeneration: 1,
      },
    });
    for (let i = 0; i < n; i++)
      backends.push(
        makePod(
          `${wlName}-${hash}-${rng.hex(5)}`,
          { ...podLabels, 'pod-template-hash': hash },
          { kind: 'ReplicaSet', name: currentRs.metadata.name },
          nodeNames[i % 3] as string,
        ),
      );
  } else if (f.owner === 'StatefulSet') {
    workload = add({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(wlName, ns, { generation: 1, labels: baseLabels }),
      spec: {
        replicas: n,
        serviceName: `${svcName}-headless`,
        selector: { matchLabels: baseLabels },
        template,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        ...(f.pvc
          ? {
              volumeClaimTemplates: [
                {
                  metadata: { name: 'data' },
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    resources: { requests: { storage: '10Gi' } },
                  },
                },
              ],
            }
          : {}),
      },
      status: {
        observedGeneration: 1,
        replicas: n,
        readyReplicas: n,
        currentReplicas: n,
        updatedReplicas: n,
        availableReplicas: n,
        currentRevision: `${wlName}-7c9d5f8b6`,
        updateRevision: `${wlName}-7c9d5f8b6`,
      },
    });
    for (let i = 0; i < n; i++) {
      const claim = f.pvc ? `data-${wlName}-${i}` : undefined;
      if (claim)
        pvcs.push(
          add({
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: meta(claim, ns, { labels: baseLabels }),
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'gp3',
              resources: { requests: { storage: '10Gi' } },
              volumeName: `pvc-${uid()}`,
            },
            status: {
              phase: 'Bound',
              accessModes: ['ReadWriteOnce'],
              capacity: { storage: '10Gi' },
            },
          }),
        );
      backends.push(
        makePod(
          `${wlName}-${i}`,
          {
            ...podLabels,
            'controller-revision-hash': `${wlName}-7c9d5f8b6`,
            'statefulset.kubernetes.io/pod-name': `${wlName}-${i}`,
            'apps.kubernetes.io/pod-index': String(i),
          },
          { kind: 'StatefulSet', name: wlName },
          nodeNames[i % 3] as string,
          claim,
        ),
      );
    }
  } else if (f.owner === 'DaemonSet') {
    workload = add({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(wlName, ns, { generation: 1, labels: baseLabels }),
      spec: {
        selector: { matchLabels: baseLabels },
        template,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      },
      status: {
        currentNumberScheduled: 3,
        desiredNumberScheduled: 3,
        numberAvailable: 3,
        numberReady: 3,
        numberMisscheduled: 0,
        updatedNumberScheduled: 3,
        observedGeneration: 1,
      },
    });
    for (const node of nodeNames)
      backends.push(
        makePod(
          `${wlName}-${rng.hex(5)}`,
          { ...podLabels, 'controller-revision-hash': '6d8f7b9c5', 'pod-template-generation': '1' },
          { kind: 'DaemonSet', name: wlName },
          node,
        ),
      );
  } else {
    for (let i = 0; i < n; i++)
      backends.push(
        makePod(
          i === 0 ? wlName : `${wlName}-${i}`,
          { ...podLabels },
          undefined,
          nodeNames[i % 3] as string,
        ),
      );
  }

  // A pod leaving in a scale-down: deletionTimestamp set, still running out its grace period.
  const leaving: Json[] = [];
  if (f.terminating) {
    const source = backends[0];
    const p = structuredClone(source);
    p.metadata.name =
      f.owner === 'StatefulSet'
        ? `${wlName}-${n}`
        : source.metadata.name.replace(/-[^-]+$/, `-${rng.hex(5)}`);
    if (f.owner === 'StatefulSet')
      p.metadata.labels['statefulset.kubernetes.io/pod-name'] = p.metadata.name;
    p.metadata.uid = uid();
    p.metadata.deletionTimestamp = at(5);
    p.metadata.deletionGracePeriodSeconds = 30;
    p.status.podIP = ip4();
    p.status.podIPs = [{ ip: p.status.podIP }, ...(f.dualStack ? [{ ip: ip6() }] : [])];
    if (f.pvc)
      p.spec.volumes = [
        { name: 'data', persistentVolumeClaim: { claimName: `data-${wlName}-${n}` } },
      ];
    if (f.pvc)
      pvcs.push(
        add({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: meta(`data-${wlName}-${n}`, ns, { labels: baseLabels }),
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'gp3',
            resources: { requests: { storage: '10Gi' } },
          },
          status: { phase: 'Bound' },
        }),
      );
    leaving.push(add(p));
    add({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta(`${p.metadata.name}.${rng.hex(12)}`, ns),
      involvedObject: { kind: 'Pod', name: p.metadata.name, namespace: ns },
      reason: 'Killing',
      message: `Stopping container ${appContainer.name}`,
      type: 'Normal',
      lastTimestamp: at(5),
      count: 1,
    });
    if (workload?.kind === 'Deployment')
      add({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: meta(`${wlName}.${rng.hex(12)}`, ns),
        involvedObject: { kind: 'Deployment', name: wlName, namespace: ns },
        reason: 'ScalingReplicaSet',
        message: `Scaled down replica set ${currentRs?.metadata.name} from ${n + 1} to ${n}`,
        type: 'Normal',
        lastTimestamp: at(6),
        count: 1,
      });
  }

  // Pods that are done but keep the labels: an evicted one and an OOM-free completed one.
  if (f.finishedPods) {
    const src = backends[backends.length - 1];
    const evicted = structuredClone(src);
    evicted.metadata.name = `${src.metadata.name.replace(/-[^-]+$/, '')}-${rng.hex(5)}`;
    if (f.owner === 'StatefulSet') evicted.metadata.name = `${wlName}-evicted-${rng.hex(3)}`;
    evicted.metadata.uid = uid();
    evicted.status = {
      phase: 'Failed',
      reason: 'Evicted',
      message:
        'The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi. Container app was using 2Gi, request is 0, has larger consumption of ephemeral-storage.',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: at(86400 * 2) },
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'TerminationByKubelet',
          lastTransitionTime: at(86400 * 2),
        },
      ],
      containerStatuses: evicted.spec.containers.map((c: Json) => ({
        name: c.name,
        image: c.image,
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          terminated: {
            reason: 'ContainerStatusUnknown',
            exitCode: 137,
            message: 'The container could not be located when the pod was terminated',
          },
        },
      })),
    };
    add(evicted);
    const failed = structuredClone(src);
    failed.metadata.name = `${src.metadata.name.replace(/-[^-]+$/, '')}-${rng.hex(5)}x`;
    failed.metadata.uid = uid();
    failed.status = {
      phase: 'Failed',
      reason: 'Terminated',
      message: 'Pod was terminated in response to imminent node shutdown.',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: at(86400 * 3) },
      ],
      containerStatuses: failed.spec.containers.map((c: Json) => ({
        name: c.name,
        image: c.image,
        ready: false,
        restartCount: 0,
        state: { terminated: { reason: 'Error', exitCode: 143, finishedAt: at(86400 * 3) } },
      })),
    };
    add(failed);
  }

  // A migration Job whose pods carry the app's labels: one failed attempt, one succeeded.
  if (f.jobPods) {
    const job = `${svcName}-migrate-${rng.int(28000000, 29000000)}`;
    const jobLabels = {
      ...baseLabels,
      'batch.kubernetes.io/job-name': job,
      'job-name': job,
      component: 'migration',
    };
    add({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta(job, ns, { labels: jobLabels }),
      spec: {
        backoffLimit: 3,
        completions: 1,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'migrate', image: appContainer.image }],
          },
        },
      },
      status: { succeeded: 1, failed: 1, completionTime: at(7200) },
    });
    for (const [suffix, phase, code] of [
      [rng.hex(5), 'Failed', 1],
      [rng.hex(5), 'Succeeded', 0],
    ] as const)
      add({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: meta(`${job}-${suffix}`, ns, {
          labels: jobLabels,
          ownerReferences: [
            { apiVersion: 'batch/v1', kind: 'Job', name: job, uid: uid(), controller: true },
          ],
        }),
        spec: {
          nodeName: nodeNames[0],
          restartPolicy: 'Never',
          containers: [{ name: 'migrate', image: appContainer.image }],
        },
        status: {
          phase,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'PodCompleted',
              lastTransitionTime: at(7200),
            },
          ],
          containerStatuses: [
            {
              name: 'migrate',
              image: appContainer.image,
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  reason: code ? 'Error' : 'Completed',
                  exitCode: code,
                  finishedAt: at(7200),
                },
              },
            },
          ],
        },
      });
  }

  // The Service, dual-stack when asked, named target ports.
  const ports: Json[] = [
    {
      name: 'http',
      port: rng.pick([80, 8080, 8443]),
      targetPort: f.namedTargetPort ? 'http' : containerPort,
      protocol: 'TCP',
    },
  ];
  if (f.metricsPort)
    ports.push({
      name: 'metrics',
      port: 9090,
      targetPort: f.namedTargetPort ? 'metrics' : 9090,
      protocol: 'TCP',
    });
  const clusterIP = `10.96.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const svc = add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(svcName, ns, { labels: baseLabels }),
    spec: {
      type: 'ClusterIP',
      selector,
      ports,
      clusterIP,
      clusterIPs: f.dualStack
        ? [clusterIP, `fd00:10:96::${rng.int(1, 4000).toString(16)}`]
        : [clusterIP],
      ipFamilies: f.dualStack ? ['IPv4', 'IPv6'] : ['IPv4'],
      ipFamilyPolicy: f.dualStack ? 'RequireDualStack' : 'SingleStack',
      sessionAffinity: 'None',
    },
  });
  if (f.owner === 'StatefulSet')
    add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(`${svcName}-headless`, ns, { labels: baseLabels }),
      spec: {
        clusterIP: 'None',
        selector,
        ports: structuredClone(ports),
        publishNotReadyAddresses: true,
      },
    });

  // EndpointSlices, as the controller writes them: split across several, one family each.
  const slicePorts = ports.map((p) => ({
    name: p.name,
    port: p.name === 'metrics' ? 9090 : containerPort,
    protocol: 'TCP',
  }));
  const slices: Json[] = [];
  const families = f.dualStack ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const);
  for (const family of families) {
    const members = [...backends, ...leaving];
    const count = Math.min(f.slices, members.length);
    for (let s = 0; s < count; s++) {
      const chunk = members.filter((_, i) => i % count === s);
      slices.push(
        add({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: meta(`${svcName}-${rng.hex(5)}`, ns, {
            labels: {
              'kubernetes.io/service-name': svcName,
              'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
              ...baseLabels,
            },
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'Service',
                name: svcName,
                uid: svc.metadata.uid,
                controller: true,
              },
            ],
          }),
          addressType: family,
          endpoints: chunk.map((p) => {
            const gone = Boolean(p.metadata.deletionTimestamp);
            const ip = family === 'IPv4' ? p.status.podIPs[0].ip : p.status.podIPs[1].ip;
            return {
              addresses: [ip],
              conditions: { ready: !gone, serving: true, terminating: gone },
              nodeName: p.spec.nodeName,
              zone: 'us-east-1a',
              targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
            };
          }),
          ports: structuredClone(slicePorts),
        }),
      );
    }
  }

  // Neighbours: a selector-less Service with a hand-managed slice, and an ExternalName.
  if (f.extraServices) {
    add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('legacy-db', ns),
      spec: {
        type: 'ClusterIP',
        clusterIP: `10.96.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }],
      },
    });
    add({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta('legacy-db-1', ns, {
        labels: {
          'kubernetes.io/service-name': 'legacy-db',
          'endpointslice.kubernetes.io/managed-by': 'staff',
        },
      }),
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['192.168.10.20'], conditions: { ready: true } },
        { addresses: ['192.168.10.21'] },
      ],
      ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }],
    });
    add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('payments-gateway', ns),
      spec: {
        type: 'ExternalName',
        externalName: 'api.payments.example.com',
        ports: [{ name: 'https', port: 443 }],
      },
    });
  }

  // Network policies: default deny, then admit by port name from the controller's and monitoring
  // namespaces (by namespace label) and from the namespace itself.
  const netpols: Json[] = [];
  if (f.netpol) {
    netpols.push(
      add({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('default-deny', ns),
        spec: {
          podSelector: {},
          policyTypes: f.egressPolicy ? ['Ingress', 'Egress'] : ['Ingress'],
        },
      }),
    );
    const from: Json[] = [
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ctl.ns } } },
    ];
    if (f.gateway)
      from.push({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-infra' } },
      });
    if (rng.chance(0.5))
      from.push({
        namespaceSelector: { matchLabels: { team: 'commerce' } },
        podSelector: { matchLabels: { tier: 'frontend' } },
      });
    const rules: Json[] = [{ from, ports: [{ port: 'http', protocol: 'TCP' }] }];
    if (f.metricsPort)
      rules.push({
        from: [{ namespaceSelector: { matchLabels: { purpose: 'observability' } } }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      });
    netpols.push(
      add({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta(`allow-${svcName}`, ns),
        spec: {
          podSelector: { matchLabels: baseLabels },
          policyTypes: ['Ingress'],
          ingress: rules,
        },
      }),
    );
    if (f.egressPolicy) {
      const dnsPorts = rng.chance(0.5)
        ? [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ]
        : [
            { port: 'dns', protocol: 'UDP' },
            { port: 'dns-tcp', protocol: 'TCP' },
          ];
      netpols.push(
        add({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: meta('allow-dns-egress', ns),
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [
              {
                to: [
                  {
                    namespaceSelector: {
                      matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                    },
                    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                  },
                ],
                ports: dnsPorts,
              },
            ],
          },
        }),
      );
      netpols.push(
        add({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: meta(`${svcName}-egress`, ns),
          spec: {
            podSelector: { matchLabels: baseLabels },
            policyTypes: ['Egress'],
            egress: [
              { to: [{ podSelector: {} }] },
              {
                to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }],
                ports: [{ port: 443, protocol: 'TCP' }],
              },
            ],
          },
        }),
      );
    }
  }

  // Ingress with TLS, backend by port name or number.
  let ingress: Json | undefined;
  let tlsSecret: Json | undefined;
  if (f.ingress) {
    const host = `${svcName}.shop.example.com`;
    tlsSecret = add({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(`${svcName}-tls`, ns),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'LS0t', 'tls.key': 'LS0t' },
    });
    const port = rng.chance(0.5) ? { name: 'http' } : { number: ports[0].port };
    ingress = add({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(svcName, ns, {
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      }),
      spec: {
        ingressClassName: ctl.className,
        tls: [{ hosts: [host], secretName: tlsSecret.metadata.name }],
        rules: [
          {
            host,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: svcName, port } } },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ hostname: 'a1b2c3.elb.amazonaws.com' }] } },
    });
  }

  // Istio routing with a subset that selects the running version.
  let vs: Json | undefined;
  let dr: Json | undefined;
  if (f.istio) {
    vs = add({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: meta(svcName, ns),
      spec: {
        hosts: [svcName, `${svcName}.${ns}.svc.cluster.local`],
        http: [
          {
            retries: { attempts: 2 },
            route: [
              { destination: { host: svcName, port: { number: ports[0].port }, subset: 'v1' } },
            ],
          },
        ],
      },
    });
    dr = add({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta(svcName, ns),
      spec: {
        host: `${svcName}.${ns}.svc.cluster.local`,
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      },
    });
  }

  // Gateway API: a shared Gateway and an accepted HTTPRoute to the Service.
  let route: Json | undefined;
  if (f.gateway) {
    add({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: meta('eg'),
      spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
      status: { conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted' }] },
    });
    add({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: meta('public', 'gateway-infra'),
      spec: {
        gatewayClassName: 'eg',
        listeners: [
          {
            name: 'https',
            protocol: 'HTTPS',
            port: 443,
            hostname: '*.example.com',
            allowedRoutes: { namespaces: { from: 'All' } },
          },
        ],
      },
      status: {
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted' },
          { type: 'Programmed', status: 'True', reason: 'Programmed' },
        ],
      },
    });
    const parentRef = {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: 'public',
      namespace: 'gateway-infra',
      sectionName: 'https',
    };
    route = add({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: meta(`${svcName}-route`, ns, { generation: 1 }),
      spec: {
        parentRefs: [parentRef],
        hostnames: [`${svcName}.example.com`],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { group: '', kind: 'Service', name: svcName, port: ports[0].port, weight: 1 },
            ],
          },
        ],
      },
      status: {
        parents: [
          {
            parentRef,
            controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
            conditions: [
              {
                type: 'Accepted',
                status: 'True',
                reason: 'Accepted',
                message: 'Route is accepted',
                observedGeneration: 1,
                lastTransitionTime: at(86400),
              },
              {
                type: 'ResolvedRefs',
                status: 'True',
                reason: 'ResolvedRefs',
                message: 'Resolved all the Object references for the Route',
                observedGeneration: 1,
                lastTransitionTime: at(86400),
              },
            ],
          },
        ],
      },
    });
  }

  let hpa: Json | undefined;
  if (f.hpa && workload)
    hpa = add({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(wlName, ns),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: workload.kind, name: wlName },
        minReplicas: Math.min(2, n),
        maxReplicas: n + rng.int(2, 8),
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
      status: {
        currentReplicas: n,
        desiredReplicas: n,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } },
        ],
      },
    });

  // metrics-server: CPU in nanocores, memory in Ki, well below the limits.
  const metrics: Json[] = [];
  if (f.metrics)
    for (const p of backends)
      metrics.push(
        add({
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'PodMetrics',
          metadata: { name: p.metadata.name, namespace: ns, creationTimestamp: at(0) },
          timestamp: at(10),
          window: '15.01s',
          containers: p.spec.containers.map((c: Json) => ({
            name: c.name,
            usage: {
              cpu: `${rng.int(1000000, 400000000)}n`,
              memory: `${rng.int(30000, 200000)}Ki`,
            },
          })),
        }),
      );

  // Ordinary events of a working namespace.
  for (const p of backends.slice(0, 2))
    add({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta(`${p.metadata.name}.${rng.hex(12)}`, ns),
      involvedObject: { kind: 'Pod', name: p.metadata.name, namespace: ns },
      reason: 'Pulled',
      message: `Container image "${appContainer.image}" already present on machine`,
      type: 'Normal',
      lastTimestamp: at(3600),
      count: 1,
    });

  const targetName =
    f.targetKind === 'selectorless'
      ? 'legacy-db'
      : f.targetKind === 'externalName'
        ? 'payments-gateway'
        : svcName;
  return {
    seed,
    features: f,
    namespace: ns,
    service: svcName,
    target: { kind: 'Service', name: targetName, namespace: ns, cluster: 'generated' },
    objects,
    refs: {
      svc,
      backends,
      slices,
      workload,
      currentRs,
      template,
      selector,
      containerPort,
      configMap,
      ingress,
      tlsSecret,
      controllerPods,
      vs,
      dr,
      route,
      hpa,
      pvcs,
      nodes,
      coredns,
      kubeDnsSlice,
      kubeProxyDs,
      kubeProxyPods,
      netpols,
      metrics,
    },
  };
}

export function snapshotOf(state: ClusterState): Snapshot {
  const snapshot = emptySnapshot(NOW);
  addObjects(snapshot, [{ apiVersion: 'v1', kind: 'List', items: state.objects }]);
  return snapshot;
}

/**
 * Diagnoses a generated state. Strict by default: a check that throws throws here, so the test that
 * met it fails with the stack. The suites that count exceptions per class pass `strict: false`
 * and read them from `skipped` (exceptionsOf), which they then require to be none.
 */
export function diagnoseState(
  state: ClusterState,
  target: Target = state.target,
  opts: { strict?: boolean } = {},
): Report {
  return diagnose(snapshotOf(state), target, { now: new Date(NOW), strict: opts.strict ?? true });
}

/** Skipped entries that are exceptions thrown by a check (diagnose reports them as `check failed`). */
export function exceptionsOf(report: Report): string[] {
  return report.skipped
    .filter((s) => s.reason.startsWith('check failed'))
    .map((s) => `${s.check}: ${s.reason}`);
}

/** A one-line account of a report, for failure messages. */
export function describeReport(report: Report): string {
  const findings = report.findings
    .map((f) => `${f.severity} ${f.check}: ${f.title}`)
    .join('\n    ');
  const skipped = report.skipped.map((s) => `${s.check}: ${s.reason}`).join('\n    ');
  return `verdict ${report.verdict}, root cause ${report.rootCause ?? 'none'}\n  findings:\n    ${findings || '(none)'}\n  skipped:\n    ${skipped || '(none)'}`;
}

/**
 * Shrinks a failing case: turns optional features off one at a time (and simplifies the owner and
 * slice count), keeping each change that still fails, so the printed case holds only what matters.
 */
export function shrink(
  seed: number,
  fails: (state: ClusterState) => boolean,
  base: Partial<Features> = {},
): ClusterState {
  let forced: Partial<Features> = { ...base };
  let current = generate(seed, forced);
  const attempt = (extra: Partial<Features>) => {
    const next = { ...forced, ...extra };
    const state = generate(seed, next);
    if (fails(state)) {
      forced = next;
      current = state;
    }
  };
  // What `base` fixes (a fault's needs) stays: dropping it would shrink to a state the fault
  // cannot be injected into.
  const free = (k: keyof Features) => !(k in base);
  for (const k of OPTIONAL)
    if (free(k) && current.features[k] === true) attempt({ [k]: false } as Partial<Features>);
  if (free('slices') && current.features.slices > 1) attempt({ slices: 1 });
  if (free('owner') && current.features.owner !== 'Deployment') attempt({ owner: 'Deployment' });
  if (free('replicas') && current.features.replicas > 2) attempt({ replicas: 2 });
  if (free('targetKind') && current.features.targetKind !== 'selecting')
    attempt({ targetKind: 'selecting' });
  return current;
}

/** The features that differ from the plainest case, for a printed reproduction. */
export function featureLine(f: Features): string {
  const on = OPTIONAL.filter((k) => f[k] === true);
  return `owner=${f.owner} replicas=${f.replicas} slices=${f.slices} controller=${f.controller} target=${f.targetKind} ${on.join(' ')}`;
}
