// Issue 11: the reads of a diagnosis do not grow with the backends, and a Service target takes at
// most two sequential rounds of reads: what the backends need (their claims, their DaemonSet, a
// crash-looping container's previous log, the ConfigMaps and Secrets behind
// CreateContainerConfigError) is read beside them whenever round one (the namespace's claims,
// DaemonSets and events, the Service's EndpointSlices) names the need. A local HTTP server
// answers from generated objects and records every request; the gatherer talks to it through
// the real client, so the counts are what an API server would see.
import { describe, expect, it } from 'vitest';
import { Gatherer } from '../../src/cluster/gather.js';
import type { Snapshot } from '../../src/cluster/snapshot.js';
import { Rng } from '../generator/cluster-gen.js';
import { useFakeApi } from '../support/fake-api.js';

const NS = 'shop';
const target = { kind: 'Service' as const, name: 'web', namespace: NS, cluster: 'local' };

interface World {
  pods: number;
  nodes: number;
  /** One claim per pod, as a StatefulSet has. */
  claims: boolean;
  /** The claims' StatefulSet is in the namespace (false: bare pods mount them). */
  statefulSet?: boolean;
  /** Claims the namespace does not hold (the pods name them anyway). */
  missingClaims?: number;
  /** The node list answers one page and a continue token (a large cluster). */
  pagedNodes?: boolean;
  /** The Service's selector (default: the pods' labels). */
  selector?: Record<string, string>;
  /** The Service's EndpointSlice is read and holds no endpoint. */
  emptySlices?: boolean;
  /** The Service's EndpointSlice names every backend (targetRef), ready or not. */
  slices?: boolean;
  /** Who made the backends (default: nobody, bare pods). */
  owner?: 'Deployment' | 'DaemonSet';
  /** The first `pods` backends crash-loop in their app container or their init container; with
   *  `events`, the kubelet's BackOff event about each is in the namespace. */
  crash?: { container: 'app' | 'init'; pods: number; events: boolean };
  /** A BackOff event, the newest, about the last backend, which runs fine now. */
  staleBackOff?: boolean;
  /** The backends cannot be created: one of the two objects they name (ConfigMap app-config,
   *  Secret db-credentials) is missing; with `events`, the kubelet's Failed event says which. */
  configError?: { missing: 'configmap' | 'secret'; events: boolean };
}

const CRASH_LOG = 'panic: cannot reach the database';
/** The container env of the backends when they fail on their configuration. */
const CONFIG_ENV = [
  { name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'url' } } },
  { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
];

function answers(w: World): Record<string, unknown> {
  const crashing = (i: number) => w.crash !== undefined && i < w.crash.pods;
  const waiting = (reason: string, message?: string) => ({
    name: 'web',
    ready: false,
    restartCount: 0,
    state: { waiting: { reason, message } },
  });
  const configMessage =
    w.configError?.missing === 'secret'
      ? 'secret "db-credentials" not found'
      : 'configmap "app-config" not found';
  const owner =
    w.owner === 'Deployment'
      ? [{ kind: 'ReplicaSet', name: 'web-5d8f7c', controller: true }]
      : w.owner === 'DaemonSet'
        ? [{ kind: 'DaemonSet', name: 'web', controller: true }]
        : undefined;
  const containers = [
    { name: 'web', image: 'web:1', ...(w.configError ? { env: CONFIG_ENV } : {}) },
  ];
  const initContainers =
    w.crash?.container === 'init' ? [{ name: 'migrate', image: 'web:1' }] : undefined;
  const pods = Array.from({ length: w.pods }, (_, i) => ({
    metadata: {
      name: `web-${i}`,
      namespace: NS,
      labels: { app: 'web' },
      ...(owner ? { ownerReferences: owner } : {}),
    },
    spec: {
      nodeName: `node-${i % w.nodes}`,
      ...(initContainers ? { initContainers } : {}),
      containers,
      volumes: w.claims
        ? [{ name: 'd', persistentVolumeClaim: { claimName: `data-web-${i}` } }]
        : [],
    },
    status: w.configError
      ? {
          phase: 'Pending',
          containerStatuses: [waiting('CreateContainerConfigError', configMessage)],
        }
      : crashing(i) && w.crash?.container === 'init'
        ? {
            phase: 'Pending',
            initContainerStatuses: [
              { ...waiting('CrashLoopBackOff'), name: 'migrate', restartCount: 6 },
            ],
            containerStatuses: [waiting('PodInitializing')],
          }
        : crashing(i)
          ? {
              phase: 'Running',
              containerStatuses: [{ ...waiting('CrashLoopBackOff'), restartCount: 6 }],
            }
          : {
              phase: 'Running',
              containerStatuses: [{ name: 'web', ready: true, restartCount: 0 }],
            },
  }));
  const nodes = Array.from({ length: w.nodes }, (_, i) => ({
    metadata: { name: `node-${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { ...(initContainers ? { initContainers } : {}), containers },
  };
  // What the kubelet posts about a pod's container (involvedObject with the container's fieldPath).
  const event = (pod: string, fieldPath: string, reason: string, message: string, at: string) => ({
    metadata: { name: `${pod}.${reason}.${at}`, namespace: NS },
    involvedObject: { kind: 'Pod', name: pod, namespace: NS, fieldPath },
    reason,
    message,
    type: 'Warning',
    count: 6,
    lastTimestamp: at,
    source: { component: 'kubelet' },
  });
  const events = [
    ...(w.crash?.events
      ? pods
          .filter((_, i) => crashing(i))
          .map((p, i) => {
            const c = w.crash?.container === 'init' ? 'migrate' : 'web';
            return event(
              p.metadata.name,
              w.crash?.container === 'init' ? `spec.initContainers{${c}}` : `spec.containers{${c}}`,
              'BackOff',
              `Back-off restarting failed container ${c} in pod ${p.metadata.name}_${NS}(uid-${i})`,
              `2026-03-01T11:5${i % 10}:00Z`,
            );
          })
      : []),
    ...(w.staleBackOff
      ? [
          event(
            `web-${w.pods - 1}`,
            'spec.containers{web}',
            'BackOff',
            `Back-off restarting failed container web in pod web-${w.pods - 1}_${NS}(uid-x)`,
            '2026-03-01T11:59:59Z',
          ),
        ]
      : []),
    // Image pulls back off too: the same reason, not a crash.
    event(
      'web-0',
      'spec.containers{web}',
      'BackOff',
      'Back-off pulling image "web:1"',
      '2026-03-01T11:00:00Z',
    ),
    ...(w.configError?.events
      ? pods.map((p) =>
          event(
            p.metadata.name,
            'spec.containers{web}',
            'Failed',
            `Error: ${configMessage}`,
            '2026-03-01T11:58:00Z',
          ),
        )
      : []),
  ];
  const logs = Object.fromEntries(
    pods.map((p) => [
      `/api/v1/namespaces/${NS}/pods/${p.metadata.name}/log`,
      `${CRASH_LOG} (${p.metadata.name})`,
    ]),
  );
  const slices = w.emptySlices
    ? [
        {
          metadata: {
            name: 'web-x1',
            namespace: NS,
            labels: { 'kubernetes.io/service-name': 'web' },
          },
          endpoints: [],
        },
      ]
    : w.slices
      ? [
          {
            metadata: {
              name: 'web-x1',
              namespace: NS,
              labels: { 'kubernetes.io/service-name': 'web' },
            },
            endpoints: pods.map((p, i) => ({
              addresses: [`10.1.${Math.floor(i / 250)}.${i % 250}`],
              conditions: { ready: p.status.containerStatuses[0]?.ready === true },
              targetRef: { kind: 'Pod', name: p.metadata.name, namespace: NS },
            })),
          },
        ]
      : undefined;
  return {
    [`/api/v1/namespaces/${NS}/services`]: {
      items: [
        {
          metadata: { name: 'web', namespace: NS },
          spec: { selector: w.selector ?? { app: 'web' } },
        },
      ],
    },
    ...(slices
      ? { [`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`]: { items: slices } }
      : {}),
    [`/api/v1/namespaces/${NS}/pods`]: { items: pods },
    [`/api/v1/namespaces/${NS}/events`]: { items: events },
    ...logs,
    '/api/v1/nodes': w.pagedNodes
      ? { metadata: { continue: 'more' }, items: nodes.slice(0, 2) }
      : { items: nodes },
    [`/api/v1/namespaces/${NS}/persistentvolumeclaims`]: {
      items: pods
        .slice(w.missingClaims ?? 0)
        .map((p) => ({ metadata: { name: `data-${p.metadata.name}`, namespace: NS } })),
    },
    [`/apis/apps/v1/namespaces/${NS}/statefulsets`]: {
      items: w.statefulSet
        ? [
            {
              metadata: { name: 'web', namespace: NS },
              spec: {
                selector: { matchLabels: { app: 'web' } },
                template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
                volumeClaimTemplates: [{ metadata: { name: 'data' } }],
              },
            },
          ]
        : [],
    },
    [`/apis/apps/v1/namespaces/${NS}/deployments`]: {
      items:
        w.owner === 'Deployment'
          ? [
              {
                metadata: { name: 'web', namespace: NS },
                spec: { selector: { matchLabels: { app: 'web' } }, template },
              },
            ]
          : [],
    },
    [`/apis/apps/v1/namespaces/${NS}/replicasets`]: {
      items:
        w.owner === 'Deployment'
          ? [
              {
                metadata: {
                  name: 'web-5d8f7c',
                  namespace: NS,
                  labels: { app: 'web' },
                  ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
                },
                spec: { selector: { matchLabels: { app: 'web' } }, template },
              },
            ]
          : [],
    },
    [`/apis/apps/v1/namespaces/${NS}/daemonsets`]: {
      items: [
        // Another DaemonSet of the namespace, which no backend belongs to.
        {
          metadata: { name: 'log-shipper', namespace: NS },
          spec: {
            selector: { matchLabels: { app: 'logs' } },
            template: { metadata: { labels: { app: 'logs' } }, spec: { containers: [] } },
          },
        },
        ...(w.owner === 'DaemonSet'
          ? [
              {
                metadata: { name: 'web', namespace: NS },
                spec: { selector: { matchLabels: { app: 'web' } }, template },
              },
            ]
          : []),
      ],
    },
    // Read by name when the list cannot serve (it always can here).
    ...(w.owner === 'DaemonSet'
      ? {
          [`/apis/apps/v1/namespaces/${NS}/daemonsets/web`]: {
            metadata: { name: 'web', namespace: NS },
            spec: { selector: { matchLabels: { app: 'web' } }, template },
          },
        }
      : {}),
    ...(w.configError?.missing === 'secret'
      ? {
          [`/api/v1/namespaces/${NS}/configmaps/app-config`]: {
            metadata: { name: 'app-config', namespace: NS },
          },
        }
      : {
          [`/api/v1/namespaces/${NS}/secrets/db-credentials`]: {
            metadata: { name: 'db-credentials', namespace: NS },
          },
        }),
  };
}

/**
 * In two rounds, the object of the two that exists is in the snapshot (metadata only), the
 * missing one is not, and neither read is said to have failed.
 */
function expectConfigRead(
  r: { rounds: number; snapshot: Snapshot },
  missing: 'configmap' | 'secret',
  what: string,
): void {
  expect(r.rounds, what).toBeLessThanOrEqual(2);
  expect(
    r.snapshot.configMaps.map((c) => c.metadata.name),
    what,
  ).toEqual(missing === 'configmap' ? [] : ['app-config']);
  expect(
    r.snapshot.secrets.map((c) => c.metadata.name),
    what,
  ).toEqual(missing === 'secret' ? [] : ['db-credentials']);
  expect(r.snapshot.unavailable.configMaps, what).toBeUndefined();
  expect(r.snapshot.unavailable.secrets, what).toBeUndefined();
}

describe('the number and rounds of reads of a Service target', () => {
  const fake = useFakeApi();

  async function gather(w: World, delaysMs?: Record<string, number>) {
    fake.reset(answers(w), delaysMs);
    const g = new Gatherer(fake.api);
    const snapshot = await g.gather(target);
    // What the gatherer counts is what the server saw.
    expect(g.requests).toBe(fake.requested.length);
    return { requests: g.requests, rounds: g.rounds, snapshot, paths: [...fake.requested] };
  }

  it('makes the same reads, in two rounds, for 50 or 5,000 backends on many nodes', async () => {
    const small = await gather({ pods: 50, nodes: 40, claims: false });
    const large = await gather({ pods: 5000, nodes: 40, claims: false });
    expect(large.snapshot.pods).toHaveLength(5000);
    expect(large.snapshot.nodes).toHaveLength(40);
    expect(large.requests).toBe(small.requests);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
    expect(large.paths.filter((p) => p.startsWith('/api/v1/nodes/'))).toEqual([]);
  });

  it("reads a StatefulSet's claims as one list beside the backends: two rounds, 50 or 5,000", async () => {
    const small = await gather({ pods: 50, nodes: 3, claims: true, statefulSet: true });
    const large = await gather({ pods: 5000, nodes: 3, claims: true, statefulSet: true });
    expect(large.snapshot.pvcs).toHaveLength(5000);
    expect(small.snapshot.pvcs).toHaveLength(50);
    expect(large.requests).toBe(small.requests);
    expect(large.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
  });

  it('does not read by name a claim the complete list does not hold: it does not exist', async () => {
    const r = await gather({
      pods: 50,
      nodes: 3,
      claims: true,
      statefulSet: true,
      missingClaims: 2,
    });
    expect(r.snapshot.pvcs).toHaveLength(48);
    expect(r.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(r.rounds).toBeLessThanOrEqual(2);
  });

  it("reads bare pods' claims from the namespace's claim list of round one: two rounds, 50 or 5,000", async () => {
    const small = await gather({ pods: 50, nodes: 3, claims: true });
    const large = await gather({ pods: 5000, nodes: 3, claims: true });
    expect(large.snapshot.pvcs).toHaveLength(5000);
    expect(small.snapshot.pvcs).toHaveLength(50);
    expect(large.requests).toBe(small.requests);
    expect(large.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
  });

  it("takes a DaemonSet's backends' owner from the namespace's DaemonSet list: two rounds", async () => {
    const small = await gather({ pods: 50, nodes: 3, claims: false, owner: 'DaemonSet' });
    const large = await gather({ pods: 5000, nodes: 3, claims: false, owner: 'DaemonSet' });
    // The owner is kept, the namespace's other DaemonSet is not.
    expect(large.snapshot.daemonSets.map((d) => d.metadata.name)).toEqual(['web']);
    expect(large.paths.filter((p) => p.includes('/daemonsets/'))).toEqual(
      small.paths.filter((p) => p.includes('/daemonsets/')),
    );
    expect(
      large.paths.filter((p) => p.startsWith(`/apis/apps/v1/namespaces/${NS}/daemonsets/`)),
    ).toEqual([]);
    expect(large.requests).toBe(small.requests);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
  });

  it("reads a crash-looping container's previous log beside the backends when the kubelet's BackOff event names it", async () => {
    for (const container of ['app', 'init'] as const) {
      const name = container === 'init' ? 'migrate' : 'web';
      const small = await gather({
        pods: 50,
        nodes: 3,
        claims: false,
        crash: { container, pods: 50, events: true },
        slices: true,
      });
      const large = await gather({
        pods: 5000,
        nodes: 3,
        claims: false,
        crash: { container, pods: 5000, events: true },
        slices: true,
      });
      for (const r of [small, large]) {
        expect(r.rounds, container).toBeLessThanOrEqual(2);
        expect(r.snapshot.logs, container).toHaveLength(2);
        for (const l of r.snapshot.logs) {
          expect(l.container).toBe(name);
          expect(l.text).toContain(CRASH_LOG);
        }
        // Bounded: two logs, however many crash.
        expect(r.paths.filter((p) => p.includes('/log?'))).toHaveLength(2);
        expect(
          r.paths.filter((p) => p.includes('/log?')).every((p) => p.includes('previous=true')),
        ).toBe(true);
      }
      expect(large.requests).toBe(small.requests);
    }
  });

  it("counts a read ahead one round after the answers it starts from, whichever of round one's answers last", async () => {
    // A busy API server answers some of round one after the backends (seen live: the events
    // list answered after the backends' metrics, and the crash log it names counted a third
    // round by time). A read ahead starts from its own answers and is counted after those.
    const workloads = ['deployments', 'statefulsets', 'daemonsets'].map(
      (k) => `/apis/apps/v1/namespaces/${NS}/${k}`,
    );
    const lateLists: Record<string, string[]> = {
      events: [`/api/v1/namespaces/${NS}/events`],
      slices: [`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`],
      workloads,
      'other workloads': workloads.filter((p) => !p.endsWith('/deployments')),
    };
    for (const [which, paths] of Object.entries(lateLists)) {
      const late = Object.fromEntries(paths.map((p) => [p, 150]));
      for (const container of ['app', 'init'] as const) {
        const what = `${which} late, ${container} crash-loops`;
        const r = await gather(
          {
            pods: 5,
            nodes: 3,
            claims: false,
            owner: 'Deployment',
            crash: { container, pods: 5, events: true },
            slices: true,
          },
          late,
        );
        expect(r.snapshot.logs, what).toHaveLength(2);
        expect(
          r.paths.filter((p) => p.includes('/log?')),
          what,
        ).toHaveLength(2);
        expect(r.rounds, what).toBeLessThanOrEqual(2);
      }
      for (const missing of ['configmap', 'secret'] as const) {
        // The missing object the kubelet names is read from its event, the other one only the
        // pod template names from the Deployment list; each once.
        const what = `${which} late, ${missing} missing`;
        const r = await gather(
          {
            pods: 5,
            nodes: 3,
            claims: false,
            owner: 'Deployment',
            configError: { missing, events: true },
            slices: true,
          },
          late,
        );
        expectConfigRead(r, missing, what);
        expect(
          r.paths.filter((p) => p.includes('/configmaps/app-config')),
          what,
        ).toHaveLength(1);
        expect(
          r.paths.filter((p) => p.includes('/secrets/db-credentials')),
          what,
        ).toHaveLength(1);
      }
    }
  });

  it('keeps a log read ahead only for a container that really crash-loops', async () => {
    // web-0 crash-loops (its event is older); web-2 backed off once and runs now (the newest event).
    const r = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      crash: { container: 'app', pods: 1, events: true },
      staleBackOff: true,
      slices: true,
    });
    expect(r.rounds).toBeLessThanOrEqual(2);
    expect(r.snapshot.logs.map((l) => `${l.pod}/${l.container}`)).toEqual(['web-0/web']);
    // The read ahead was made, and counted, but its log is not kept.
    expect(r.paths.filter((p) => p.includes('/pods/web-2/log'))).toHaveLength(1);
    // The image pull's BackOff event about web-0 makes no read of its own.
    expect(r.paths.filter((p) => p.includes('/log?'))).toHaveLength(2);
  });

  it('still reads a crash log without the BackOff event, one round after the backends', async () => {
    const r = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      crash: { container: 'app', pods: 1, events: false },
      slices: true,
    });
    expect(r.snapshot.logs.map((l) => `${l.pod}/${l.container}`)).toEqual(['web-0/web']);
    expect(r.rounds).toBe(3);
  });

  it("reads the ConfigMaps and Secrets behind CreateContainerConfigError beside the backends when the kubelet's Failed event names one", async () => {
    for (const missing of ['configmap', 'secret'] as const) {
      for (const owner of ['Deployment', 'DaemonSet'] as const) {
        const what = `${missing} missing, ${owner}`;
        const small = await gather({
          pods: 50,
          nodes: 3,
          claims: false,
          owner,
          configError: { missing, events: true },
          slices: true,
        });
        const large = await gather({
          pods: 5000,
          nodes: 3,
          claims: false,
          owner,
          configError: { missing, events: true },
          slices: true,
        });
        for (const r of [small, large]) {
          expectConfigRead(r, missing, what);
        }
        expect(large.requests, what).toBe(small.requests);
      }
    }
    // Without the event: the same objects, one round after the backends.
    const r = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      owner: 'Deployment',
      configError: { missing: 'secret', events: false },
      slices: true,
    });
    expect(r.snapshot.configMaps.map((c) => c.metadata.name)).toEqual(['app-config']);
    expect(r.rounds).toBe(3);
  });

  it('reads where the pods are beside the backends when the target has no endpoint: two rounds', async () => {
    const nsPods = `/api/v1/namespaces/${NS}/pods?limit=500`;
    const elsewhere = '/api/v1/pods?labelSelector=app%3Dweb-svc&limit=20';
    // The seed incident: the selector matches none of the pods, so the Service has no endpoint.
    const mismatch = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      selector: { app: 'web-svc' },
      emptySlices: true,
    });
    expect(mismatch.rounds).toBe(2);
    expect(mismatch.paths.filter((p) => p === nsPods || p === elsewhere).sort()).toEqual(
      [elsewhere, nsPods].sort(),
    );
    // The nearest labels come from the namespace's pods, which are not taken for backends.
    expect(mismatch.snapshot.pods.map((p) => p.metadata.name)).toHaveLength(3);
    // Without the slices' word (none read), the reads wait for the backends' answer: three rounds.
    const unknown = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      selector: { app: 'web-svc' },
    });
    expect(unknown.rounds).toBe(3);
    expect(unknown.paths.filter((p) => p === nsPods || p === elsewhere)).toHaveLength(2);
    // A Service with endpoints makes neither read.
    const healthy = await gather({ pods: 3, nodes: 3, claims: false });
    expect(healthy.paths.filter((p) => p === nsPods || p.startsWith('/api/v1/pods?'))).toEqual([]);
  });

  it('reads the nodes past the first page as one list, not one by one', async () => {
    const r = await gather({ pods: 5000, nodes: 40, claims: false, pagedNodes: true });
    expect(r.paths.filter((p) => p.startsWith('/api/v1/nodes/'))).toEqual([]);
    expect(r.paths.filter((p) => p.startsWith('/api/v1/nodes'))).toHaveLength(2);
  });

  // A seeded sweep over world shapes: whenever round one names what the backends need, the
  // diagnosis takes at most two rounds, the needed objects are in the snapshot, and the requests
  // are the same for few and many backends.
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
    it(`two rounds whenever round one names the need (seed ${seed})`, async () => {
      const rng = new Rng(seed);
      for (let i = 0; i < 12; i++) {
        const owner = rng.pick([undefined, 'Deployment', 'DaemonSet'] as const);
        const problem = rng.pick(['none', 'crash', 'config'] as const);
        const events = rng.chance(0.8);
        const slices = rng.chance(0.7);
        const base: World = {
          pods: rng.int(1, 8),
          nodes: rng.int(1, 4),
          claims: rng.chance(0.4),
          owner,
          slices,
          ...(problem === 'crash'
            ? { crash: { container: rng.pick(['app', 'init'] as const), pods: 1, events } }
            : {}),
          ...(problem === 'config'
            ? { configError: { missing: rng.pick(['configmap', 'secret'] as const), events } }
            : {}),
          staleBackOff: rng.chance(0.2),
        };
        if (base.crash) base.crash.pods = rng.int(1, base.pods);
        const shape = JSON.stringify(base);
        const few = await gather(base);
        // As many crash (so as many logs are read), among a hundred times the backends.
        const many = await gather({ ...base, pods: base.pods * 100 });
        // A stale event about a pod that runs fine may take the place of a crashing pod's, and
        // bare pods' failing configuration names only the first missing object.
        const named =
          problem === 'none' ||
          (events && problem === 'crash' && !base.staleBackOff) ||
          (events && problem === 'config' && owner !== undefined);
        for (const r of [few, many]) {
          if (named) expect(r.rounds, shape).toBeLessThanOrEqual(2);
          else expect(r.rounds, shape).toBeLessThanOrEqual(3);
          const crashing = base.crash ? Math.min(2, base.crash.pods) : 0;
          expect(r.snapshot.logs, shape).toHaveLength(crashing);
          if (base.claims) expect(r.snapshot.pvcs.length, shape).toBeGreaterThan(0);
          expect(
            r.snapshot.daemonSets.map((d) => d.metadata.name),
            shape,
          ).toEqual(owner === 'DaemonSet' ? ['web'] : []);
          if (base.configError)
            expect(
              [...r.snapshot.configMaps, ...r.snapshot.secrets].map((o) => o.metadata.name),
              shape,
            ).toEqual([base.configError.missing === 'secret' ? 'app-config' : 'db-credentials']);
        }
        if (named) expect(many.requests, shape).toBe(few.requests);
      }
    });
  }
});
