// Issue 10: the ordinary shapes of real clusters that no hand-written scenario resembles. One test
// (or a small table) per class the issue names, each from a state built by the seeded generator
// (plain, with only the shape under test turned on) and, where a fault is needed, broken the way
// the kubelet and controllers report it. A check that throws fails the test: production reports it
// as skipped, but here it is a bug.
import { describe, expect, it } from 'vitest';
import {
  CONTROLLERS,
  type ClusterState,
  type ControllerKind,
  type Features,
  type Json,
  NOW,
  OPTIONAL,
  describeReport,
  diagnoseState,
  exceptionsOf,
  generate,
} from '../generator/cluster-gen.js';
import { FAULTS, faultState } from '../generator/faults.js';
import { type Finding, type Report, type Target, parseQuantity } from '../generator/support.js';

const SEEDS = [1, 2, 3];
const at = (secondsAgo: number) => new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString();

/** Every optional shape off: the state holds only what a test turns on. */
const PLAIN: Partial<Features> = {
  ...Object.fromEntries(OPTIONAL.map((k) => [k, false])),
  owner: 'Deployment',
  replicas: 3,
  slices: 1,
  targetKind: 'selecting',
};

function plain(seed: number, overrides: Partial<Features> = {}): ClusterState {
  return generate(seed, { ...PLAIN, ...overrides });
}

/** A plain state with one fault of test/generator/faults.ts injected (with the shapes it needs). */
function faulty(name: string, seed: number, overrides: Partial<Features> = {}): ClusterState {
  return faultState(name, seed, { ...PLAIN, ...FAULTS[name]?.needs, ...overrides });
}

/** Diagnoses and fails on any check exception, with the whole report in the message. */
function run(state: ClusterState, target?: Target): Report {
  const report = diagnoseState(state, target);
  expect(
    exceptionsOf(report),
    `seed ${state.seed}: check exceptions\n${describeReport(report)}`,
  ).toEqual([]);
  return report;
}

/** Ids as strings: the gateway ids are not in CheckId yet. */
function findingOf(report: Report, id: string): Finding | undefined {
  return report.findings.find((f) => f.check === id);
}

function expectHealthy(state: ClusterState, target?: Target): Report {
  const report = run(state, target);
  const why = `seed ${state.seed}\n${describeReport(report)}`;
  expect(report.verdict, why).toBe('healthy');
  expect(
    report.findings.filter((f) => f.severity === 'critical').map((f) => f.check),
    why,
  ).toEqual([]);
  return report;
}

function expectRoot(state: ClusterState, id: string, target?: Target): Finding {
  const report = run(state, target);
  const why = `seed ${state.seed}\n${describeReport(report)}`;
  expect(report.rootCause, why).toBe(id);
  const f = findingOf(report, id);
  expect(f, why).toBeDefined();
  return f as Finding;
}

/** All the words a finding shows: where a container's name must appear. */
const text = (f: Finding) =>
  `${f.title}\n${f.detail}\n${f.evidence.map((e) => e.output).join('\n')}`;

// ---- Breaking pods as the kubelet reports it -------------------------------------------------

function event(state: ClusterState, kind: string, name: string, reason: string, message: string) {
  state.objects.push({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason.toLowerCase()}`, namespace: state.namespace },
    involvedObject: { kind, name, namespace: state.namespace },
    reason,
    message,
    type: 'Warning',
    count: 9,
    lastTimestamp: at(30),
  });
}

function setCondition(pod: Json, type: string, status: 'True' | 'False', reason?: string) {
  const c = (pod.status.conditions ?? []).find((x: Json) => x.type === type);
  if (c) Object.assign(c, { status, reason, lastTransitionTime: at(300) });
}

/** The endpoints controller's view once no backend is ready. */
function drain(state: ClusterState): void {
  for (const s of state.refs.slices)
    for (const e of s.endpoints ?? [])
      e.conditions = { ready: false, serving: false, terminating: false };
  const w = state.refs.workload;
  if (w?.kind === 'DaemonSet') Object.assign(w.status, { numberReady: 0, numberAvailable: 0 });
  else if (w) Object.assign(w.status, { readyReplicas: 0, availableReplicas: 0 });
  if (state.refs.currentRs)
    Object.assign(state.refs.currentRs.status, { readyReplicas: 0, availableReplicas: 0 });
}

const crashLoop = (name: string, restarts = 7): Json => ({
  ready: false,
  started: false,
  restartCount: restarts,
  state: {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: `back-off 5m0s restarting failed container=${name}`,
    },
  },
  lastState: {
    terminated: { reason: 'Error', exitCode: 1, startedAt: at(100), finishedAt: at(95) },
  },
});

/**
 * An init container stuck in `waiting` (the pod shows Init:<reason>): the pod stays Pending, not
 * initialised, its regular containers wait in PodInitializing.
 */
function stuckInInit(state: ClusterState, init: string, waiting: (pod: Json) => Json): void {
  for (const p of state.refs.backends) {
    const s = p.status.initContainerStatuses.find((c: Json) => c.name === init);
    Object.assign(s, waiting(p));
    if (!s.lastState) delete s.lastState;
    p.status.phase = 'Pending';
    setCondition(p, 'Initialized', 'False', 'ContainersNotInitialized');
    setCondition(p, 'Ready', 'False', 'ContainersNotReady');
    setCondition(p, 'ContainersReady', 'False', 'ContainersNotReady');
    for (const c of p.status.containerStatuses)
      Object.assign(c, {
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'PodInitializing' } },
      });
    for (const c of p.status.containerStatuses) delete c.lastState;
  }
  drain(state);
}

function crashApp(state: ClusterState): void {
  for (const p of state.refs.backends) {
    Object.assign(p.status.containerStatuses[0], crashLoop(p.status.containerStatuses[0].name));
    setCondition(p, 'Ready', 'False', 'ContainersNotReady');
    setCondition(p, 'ContainersReady', 'False', 'ContainersNotReady');
  }
  drain(state);
}

/** Readiness fails on every backend (the app answers, or does not), with the kubelet's events. */
function failReadiness(state: ClusterState, message: (pod: Json) => string): void {
  for (const p of state.refs.backends) {
    p.status.containerStatuses[0].ready = false;
    setCondition(p, 'Ready', 'False', 'ContainersNotReady');
    setCondition(p, 'ContainersReady', 'False', 'ContainersNotReady');
    event(state, 'Pod', p.metadata.name, 'Unhealthy', message(p));
  }
  drain(state);
}

// ---- Injected sidecars -----------------------------------------------------------------------

describe('containers injected at admission (absent from the template)', () => {
  it('an Istio-injected workload is healthy and no check throws', () => {
    for (const seed of SEEDS) {
      expectHealthy(plain(seed, { injectedSidecar: true }));
      expectHealthy(plain(seed, { injectedSidecar: true, probeRewrite: true }));
    }
  });

  it.each([
    ['crashloop', 'pod.crashloop'],
    ['no endpoints: pods not ready', 'pod.not-ready'],
    ['oom killed', 'pod.oom-killed'],
  ])('the sidecar does not change the root cause of %s', (fault, expected) => {
    for (const seed of SEEDS) {
      const without = run(faulty(fault, seed, { injectedSidecar: false }));
      expect(without.rootCause, describeReport(without)).toBe(expected);
      for (const probeRewrite of [false, true])
        expectRoot(faulty(fault, seed, { injectedSidecar: true, probeRewrite }), expected);
    }
  });
});

// ---- Probe ports -----------------------------------------------------------------------------

describe('probe ports', () => {
  it("a numeric probe port no containerPort declares (istio-proxy's 15021) is not critical", () => {
    for (const seed of SEEDS) {
      const report = expectHealthy(plain(seed, { injectedSidecar: true, probeRewrite: true }));
      const probe = findingOf(report, 'pod.probe-misconfigured');
      expect(probe?.severity, describeReport(report)).not.toBe('critical');
    }
  });

  it('an undeclared numeric probe port is not a root cause on its own (the app answers 503)', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { numericProbe: true });
      const port = state.refs.containerPort + 1;
      for (const p of state.refs.backends) p.spec.containers[0].readinessProbe.httpGet.port = port;
      state.refs.template.spec.containers[0].readinessProbe.httpGet.port = port;
      failReadiness(state, () => 'Readiness probe failed: HTTP probe failed with statuscode: 503');
      const report = run(state);
      expect(report.rootCause, describeReport(report)).toBe('pod.not-ready');
      expect(findingOf(report, 'pod.probe-misconfigured')?.severity).not.toBe('critical');
    }
  });

  it('a NAMED probe port that resolves to no container port is critical pod.probe-misconfigured', () => {
    for (const seed of SEEDS) {
      const f = expectRoot(faulty('probe misconfigured', seed), 'pod.probe-misconfigured');
      expect(f.severity).toBe('critical');
      expect(text(f)).toContain('htpp');
    }
  });

  it('an undeclared numeric probe port with `connection refused` probe events is reported', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { numericProbe: true });
      const port = state.refs.containerPort + 1;
      for (const p of state.refs.backends) p.spec.containers[0].readinessProbe.httpGet.port = port;
      state.refs.template.spec.containers[0].readinessProbe.httpGet.port = port;
      failReadiness(
        state,
        (p) =>
          `Readiness probe failed: Get "http://${p.status.podIP}:${port}/ready": dial tcp ${p.status.podIP}:${port}: connect: connection refused`,
      );
      const report = run(state);
      const f = findingOf(report, 'pod.probe-misconfigured');
      expect(f, describeReport(report)).toBeDefined();
      expect(text(f as Finding)).toContain(String(port));
    }
  });
});

// ---- Init containers -------------------------------------------------------------------------

describe('init containers', () => {
  it('Init:CrashLoopBackOff (a failing migration) is pod.crashloop naming the init container', () => {
    for (const seed of SEEDS)
      for (const injectedSidecar of [false, true]) {
        const state = plain(seed, { completedInit: true, injectedSidecar });
        stuckInInit(state, 'migrate', () => crashLoop('migrate', 6));
        for (const p of state.refs.backends)
          event(
            state,
            'Pod',
            p.metadata.name,
            'BackOff',
            'Back-off restarting failed container migrate',
          );
        const f = expectRoot(state, 'pod.crashloop');
        expect(text(f)).toContain('migrate');
      }
  });

  it('a crash-looping native sidecar (init container, restartPolicy Always) is pod.crashloop', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { nativeSidecar: true });
      // Started once, now crashing: the app container runs, the pod is not ready.
      for (const p of state.refs.backends) {
        const s = p.status.initContainerStatuses.find((c: Json) => c.name === 'log-shipper');
        Object.assign(s, crashLoop('log-shipper', 9));
        setCondition(p, 'Ready', 'False', 'ContainersNotReady');
        setCondition(p, 'ContainersReady', 'False', 'ContainersNotReady');
      }
      drain(state);
      const f = expectRoot(state, 'pod.crashloop');
      expect(text(f)).toContain('log-shipper');
    }
  });

  it('an init container that cannot pull its image is pod.image-pull', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { completedInit: true });
      const image = 'registry.example.com/shop/migrate:9.9.9';
      for (const p of state.refs.backends) {
        const spec = p.spec.initContainers.find((c: Json) => c.name === 'migrate');
        spec.image = image;
      }
      stuckInInit(state, 'migrate', () => ({
        ready: false,
        started: false,
        restartCount: 0,
        image,
        state: {
          waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
        },
        lastState: undefined,
      }));
      const f = expectRoot(state, 'pod.image-pull');
      expect(text(f)).toContain('migrate');
    }
  });

  it('an init container that lacks its config is pod.config-error', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { completedInit: true });
      const cm = state.refs.configMap;
      state.objects.splice(state.objects.indexOf(cm), 1);
      stuckInInit(state, 'migrate', () => ({
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          waiting: {
            reason: 'CreateContainerConfigError',
            message: `configmap "${cm.metadata.name}" not found`,
          },
        },
        lastState: undefined,
      }));
      const f = expectRoot(state, 'pod.config-error');
      expect(text(f)).toContain('migrate');
    }
  });

  it('completed init containers and running native sidecars are healthy', () => {
    for (const seed of SEEDS)
      expectHealthy(
        // Without the Istio sidecar, whose undeclared probe port is a class of its own above.
        plain(seed, { completedInit: true, nativeSidecar: true }),
      );
  });
});

// ---- Pods leaving or done --------------------------------------------------------------------

describe('pods that are leaving or finished', () => {
  it.each(['Deployment', 'StatefulSet', 'ReplicaSet'] as const)(
    'a terminating pod in a scale-down keeps a healthy %s-backed Service healthy',
    (owner) => {
      for (const seed of SEEDS) {
        const state = plain(seed, { owner, terminating: true });
        expect(state.objects.some((o: Json) => o.metadata?.deletionTimestamp)).toBe(true);
        expectHealthy(state);
      }
    },
  );

  it('Succeeded, Failed and Evicted pods with the Service labels are not broken backends', () => {
    for (const seed of SEEDS)
      for (const owner of ['Deployment', 'StatefulSet', 'DaemonSet'] as const)
        expectHealthy(plain(seed, { owner, finishedPods: true, jobPods: true }));
  });
});

// ---- Quantities ------------------------------------------------------------------------------

describe('quantities', () => {
  it.each([
    ['224628621n', 0.224628621],
    ['500u', 0.0005],
    ['250m', 0.25],
    ['2', 2],
    ['2k', 2e3],
    ['3M', 3e6],
    ['4G', 4e9],
    ['5T', 5e12],
    ['6P', 6e15],
    ['7E', 7e18],
    ['1Ki', 1024],
    ['1Mi', 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1Ti', 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 1024 ** 6],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['1e3', 1000],
    ['1.5E2', 150],
    ['2e-3', 0.002],
  ] as const)('parseQuantity(%s) = %d', (q, expected) => {
    const got = parseQuantity(q);
    expect(got).toBeDefined();
    expect((got as number) / expected).toBeCloseTo(1, 9);
  });

  it.each([
    ['CPU in nanocores', { cpu: '985000000n', memory: '200000Ki' }],
    ['memory in Ki, CPU in nanocores', { cpu: '224628621n', memory: '515000Ki' }],
  ])('pod.resource-starvation fires on metrics-server data near the limit (%s)', (_, usage) => {
    for (const seed of SEEDS) {
      const state = plain(seed, { metrics: true });
      for (const m of state.refs.metrics) m.containers[0].usage = { ...usage };
      const report = run(state);
      expect(findingOf(report, 'pod.resource-starvation'), describeReport(report)).toBeDefined();
    }
  });

  it('nanocore metrics well below the limits are healthy', () => {
    for (const seed of SEEDS) expectHealthy(plain(seed, { metrics: true }));
  });
});

// ---- Ingress controllers ---------------------------------------------------------------------

describe('ingress controllers recognised by their real labels', () => {
  it.each(Object.keys(CONTROLLERS) as ControllerKind[])(
    'a crash-looping %s controller is ingress.controller-unhealthy',
    (controller) => {
      for (const seed of SEEDS) {
        expectHealthy(plain(seed, { ingress: true, controller }));
        const state = plain(seed, { ingress: true, controller });
        for (const p of state.refs.controllerPods) {
          Object.assign(p.status.containerStatuses[0], crashLoop('controller'));
          setCondition(p, 'Ready', 'False', 'ContainersNotReady');
          setCondition(p, 'ContainersReady', 'False', 'ContainersNotReady');
        }
        expectRoot(state, 'ingress.controller-unhealthy');
      }
    },
  );
});

// ---- Istio -----------------------------------------------------------------------------------

describe('Istio', () => {
  it('a DestinationRule subset whose labels select no pod is mesh.destinationrule-subset-missing', () => {
    for (const seed of SEEDS) {
      // No injected sidecar here: its undeclared probe port is tested above, apart.
      expectHealthy(plain(seed, { istio: true }));
      const state = plain(seed, { istio: true });
      state.refs.vs.spec.http[0].route[0].destination.subset = 'v2';
      state.refs.dr.spec.subsets.push({ name: 'v2', labels: { version: 'v2' } });
      const f = expectRoot(state, 'mesh.destinationrule-subset-missing');
      expect(text(f)).toContain('v2');
    }
  });
});

// ---- Owner kinds -----------------------------------------------------------------------------

/** Re-owns a bare-pod state's backends by a Job (a long-running Job pod that serves). */
function jobOwned(seed: number): ClusterState {
  const state = plain(seed, { owner: 'Pod', replicas: 1 });
  const name = `${state.service}-worker`;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: state.namespace, uid: `job-${seed}`, creationTimestamp: at(7200) },
    spec: {
      backoffLimit: 6,
      template: {
        metadata: { labels: state.refs.template.metadata.labels },
        spec: { ...state.refs.template.spec, restartPolicy: 'OnFailure' },
      },
    },
    status: { active: 1, startTime: at(7200) },
  };
  state.objects.push(job);
  for (const p of state.refs.backends) {
    p.spec.restartPolicy = 'OnFailure';
    p.metadata.labels['batch.kubernetes.io/job-name'] = name;
    p.metadata.ownerReferences = [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name,
        uid: job.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  return state;
}

describe('every owner kind', () => {
  const owners = ['StatefulSet', 'DaemonSet', 'Pod', 'ReplicaSet', 'Job'] as const;
  const stateFor = (owner: (typeof owners)[number], seed: number) =>
    owner === 'Job' ? jobOwned(seed) : plain(seed, { owner });

  it.each(owners)('%s: healthy when healthy', (owner) => {
    for (const seed of SEEDS) expectHealthy(stateFor(owner, seed));
  });

  it.each(owners)('%s: crash-looping pods are pod.crashloop', (owner) => {
    for (const seed of SEEDS) {
      const state = stateFor(owner, seed);
      crashApp(state);
      expectRoot(state, 'pod.crashloop');
    }
  });
});

// ---- Services and endpoints ------------------------------------------------------------------

describe('Services and their endpoints', () => {
  it.each(['selectorless', 'externalName'] as const)(
    'a %s Service is not a selector mismatch',
    (targetKind) => {
      for (const seed of SEEDS) {
        const report = expectHealthy(plain(seed, { extraServices: true, targetKind }));
        expect(findingOf(report, 'service.selector-mismatch')).toBeUndefined();
        expect(findingOf(report, 'pod.no-pods')).toBeUndefined();
      }
    },
  );

  it('several EndpointSlices per Service count each endpoint once', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { replicas: 5, slices: 3 });
      expect(state.refs.slices.length).toBe(3);
      // The controller may hold an endpoint in two slices for a moment while it rebalances.
      const first = state.refs.slices[0].endpoints[0];
      state.refs.slices[1].endpoints.push(structuredClone(first));
      const report = expectHealthy(state);
      expect(report.summary).toMatch(/\b5 ready endpoint/);
    }
  });

  it('dual-stack addresses count once per pod', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { replicas: 3, dualStack: true, slices: 2 });
      const report = expectHealthy(state);
      expect(report.summary).toMatch(/\b3 ready endpoint/);
    }
  });
});

// ---- Gateway API -----------------------------------------------------------------------------

/** An HTTPRoute target; the kind is not in TargetKind yet (added with the gateway checks). */
function routeTarget(state: ClusterState): Target {
  return {
    kind: 'HTTPRoute' as never,
    name: state.refs.route.metadata.name,
    namespace: state.namespace,
    cluster: 'generated',
  };
}

const remediationIds = (f: Finding): string[] => f.remediations.map((r) => r.id);
const plansText = (f: Finding) => JSON.stringify(f.remediations);

describe('Gateway API', () => {
  it('an accepted HTTPRoute to a healthy Service: the Service is healthy', () => {
    for (const seed of SEEDS) expectHealthy(plain(seed, { gateway: true }));
  });

  it('an accepted HTTPRoute to a healthy Service: the route target is healthy', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { gateway: true });
      const report = expectHealthy(state, routeTarget(state));
      expect(report.target.kind).toBe('HTTPRoute');
    }
  });

  it('an HTTPRoute backendRef naming a missing Service is gateway.backend-missing, fixed by patch-route-backend', () => {
    for (const seed of SEEDS) {
      const state = faulty('gateway backend missing', seed);
      const report = run(state, routeTarget(state));
      expect(report.target.kind, describeReport(report)).toBe('HTTPRoute');
      expect(report.rootCause, describeReport(report)).toBe('gateway.backend-missing');
      const f = findingOf(report, 'gateway.backend-missing') as Finding;
      expect(text(f)).toContain(state.refs.route.spec.rules[0].backendRefs[0].name);
      // The typo has one near Service: the plan points the backendRef at it.
      expect(remediationIds(f)).toContain('patch-route-backend');
      expect(plansText(f)).toContain(state.service);
    }
  });

  it('a Service target takes in the routes that send to it: a wrong backendRef port is gateway.backend-port-mismatch', () => {
    for (const seed of SEEDS) {
      const state = faulty('gateway backend port mismatch', seed);
      const f = expectRoot(state, 'gateway.backend-port-mismatch');
      expect(f.objects.some((o) => o.kind === 'HTTPRoute')).toBe(true);
      // The Service has one port: the plan sets the backendRef to it.
      expect(remediationIds(f)).toContain('patch-route-backend');
      expect(plansText(f)).toContain(String(state.refs.svc.spec.ports[0].port));
      // The same from the route's side.
      expectRoot(state, 'gateway.backend-port-mismatch', routeTarget(state));
    }
  });

  it('a route whose parent reports Accepted=False is gateway.route-not-accepted with the controller message', () => {
    for (const seed of SEEDS) {
      const state = faulty('gateway route not accepted', seed);
      const message = 'No listeners included by this parent ref allowed this attachment.';
      expect(text(expectRoot(state, 'gateway.route-not-accepted'))).toContain(message);
      expect(text(expectRoot(state, 'gateway.route-not-accepted', routeTarget(state)))).toContain(
        message,
      );
    }
  });

  it('a route whose parent reports ResolvedRefs=False is gateway.route-not-accepted with the controller message', () => {
    for (const seed of SEEDS) {
      const state = plain(seed, { gateway: true });
      const message =
        'Failed to process route rule 0 backendRef 0: unsupported appProtocol kubernetes.io/ws.';
      const resolved = state.refs.route.status.parents[0].conditions.find(
        (c: Json) => c.type === 'ResolvedRefs',
      );
      Object.assign(resolved, { status: 'False', reason: 'UnsupportedProtocol', message });
      expect(text(expectRoot(state, 'gateway.route-not-accepted'))).toContain(message);
      expect(text(expectRoot(state, 'gateway.route-not-accepted', routeTarget(state)))).toContain(
        message,
      );
    }
  });
});
