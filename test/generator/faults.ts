// One fault at a time, injected into a generated healthy state the way it happens on a cluster:
// each injector changes the objects the fault changes (the broken object and what controllers and
// the kubelet then report: pod statuses, EndpointSlices, workload status, events) and returns the
// check id that must be ranked first. Faults that need a shape (an Ingress, a StatefulSet) ask
// the generator for it through `needs`.
import {
  type ClusterState,
  type Features,
  type Json,
  NOW,
  Rng,
  diagnoseState,
  exceptionsOf,
  generate,
} from './cluster-gen.js';
import type { Report } from './support.js';

const at = (secondsAgo: number) => new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString();

export interface Fault {
  /** The SPEC section 3 check id expected as root cause. */
  expected: string;
  /** Seed classes must be right every time; the rest at least 95%. */
  seed: boolean;
  needs?: Partial<Features>;
  inject(state: ClusterState, rng: Rng): void;
}

function event(
  state: ClusterState,
  kind: string,
  name: string,
  reason: string,
  message: string,
  type = 'Warning',
): void {
  state.objects.push({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason.toLowerCase()}`, namespace: state.namespace },
    involvedObject: { kind, name, namespace: state.namespace },
    reason,
    message,
    type,
    count: 12,
    lastTimestamp: at(20),
  });
}

/** The endpoints controller's view after pods stop being ready (or lose their IP). */
function drainEndpoints(state: ClusterState, keepPods: Json[] = []): void {
  const keep = new Set(keepPods.map((p) => p.metadata.name));
  for (const s of state.refs.slices)
    for (const e of s.endpoints ?? [])
      if (!keep.has(e.targetRef?.name))
        e.conditions = {
          ready: false,
          serving: false,
          terminating: Boolean(e.conditions?.terminating),
        };
}

function removeEndpoints(state: ClusterState): void {
  for (const s of state.refs.slices) s.endpoints = [];
}

function setReady(pod: Json, ready: boolean, reason = 'ContainersNotReady'): void {
  for (const c of pod.status.conditions ?? [])
    if (c.type === 'Ready' || c.type === 'ContainersReady')
      Object.assign(c, {
        status: ready ? 'True' : 'False',
        reason: ready ? undefined : reason,
        lastTransitionTime: at(240),
      });
}

/** The workload's status once none of its pods is available. */
function workloadDown(state: ClusterState, available = 0): void {
  const w = state.refs.workload;
  if (!w) return;
  if (w.kind === 'DaemonSet')
    Object.assign(w.status, {
      numberReady: available,
      numberAvailable: available,
      numberUnavailable: w.status.desiredNumberScheduled - available,
    });
  else {
    Object.assign(w.status, { readyReplicas: available, availableReplicas: available });
    if (w.kind === 'Deployment') {
      w.status.unavailableReplicas = w.spec.replicas - available;
      const a = w.status.conditions.find((c: Json) => c.type === 'Available');
      if (available === 0)
        Object.assign(a, {
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        });
    }
  }
  if (state.refs.currentRs)
    Object.assign(state.refs.currentRs.status, {
      readyReplicas: available,
      availableReplicas: available,
    });
}

/** Puts the app container of every backend in a state (crash, waiting, not ready). */
function breakApp(state: ClusterState, f: (status: Json, pod: Json) => void, phase?: string): void {
  for (const p of state.refs.backends) {
    const s = p.status.containerStatuses[0];
    s.ready = false;
    f(s, p);
    setReady(p, false);
    if (phase) p.status.phase = phase;
  }
  drainEndpoints(state);
  workloadDown(state);
}

function crash(reason: string, exitCode: number) {
  return (s: Json) => {
    s.started = false;
    s.restartCount = 7;
    s.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off 5m0s restarting failed container=${s.name}`,
      },
    };
    s.lastState = { terminated: { reason, exitCode, startedAt: at(100), finishedAt: at(90) } };
  };
}

function typo(name: string, rng: Rng): string {
  const variants = [`${name}s`, name.replace(/-/, '_'), `${name}-v2`, name.slice(0, -1)];
  const v = rng.pick(variants);
  return v === name ? `${name}x` : v;
}

export const FAULTS: Record<string, Fault> = {
  'selector mismatch': {
    expected: 'service.selector-mismatch',
    seed: true,
    needs: { targetKind: 'selecting', owner: 'Deployment', jobPods: false },
    inject(state, rng) {
      const sel = state.refs.svc.spec.selector;
      const key = Object.keys(sel)[0] as string;
      const wrong = rng.pick([
        `${sel[key]}-svc`,
        sel[key].replace(/-/g, ''),
        `${sel[key]}s`,
        sel[key].toUpperCase(),
      ]);
      sel[key] = wrong === sel[key] ? `${wrong}-svc` : wrong;
      removeEndpoints(state);
    },
  },
  'port mismatch': {
    expected: 'service.port-mismatch',
    seed: false,
    needs: { targetKind: 'selecting', metricsPort: false },
    inject(state, rng) {
      const p = state.refs.svc.spec.ports[0];
      p.targetPort =
        typeof p.targetPort === 'string'
          ? rng.pick(['htpp', 'web', 'https'])
          : state.refs.containerPort + 1;
      for (const s of state.refs.slices)
        s.ports[0].port = typeof p.targetPort === 'number' ? p.targetPort : undefined;
    },
  },
  'no endpoints: pods not ready': {
    expected: 'pod.not-ready',
    seed: true,
    needs: { targetKind: 'selecting' },
    inject(state) {
      breakApp(state, () => undefined);
      for (const p of state.refs.backends)
        event(
          state,
          'Pod',
          p.metadata.name,
          'Unhealthy',
          'Readiness probe failed: HTTP probe failed with statuscode: 503',
        );
    },
  },
  crashloop: {
    expected: 'pod.crashloop',
    seed: true,
    needs: { targetKind: 'selecting' },
    inject(state) {
      breakApp(state, crash('Error', 1));
    },
  },
  'oom killed': {
    expected: 'pod.oom-killed',
    seed: true,
    needs: { targetKind: 'selecting' },
    inject(state) {
      breakApp(state, crash('OOMKilled', 137));
    },
  },
  'image pull': {
    expected: 'pod.image-pull',
    seed: false,
    needs: { targetKind: 'selecting' },
    inject(state) {
      breakApp(
        state,
        (s) => {
          s.started = false;
          s.state = {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${s.image}"` },
          };
          delete s.lastState;
        },
        'Pending',
      );
    },
  },
  'config error': {
    expected: 'pod.config-error',
    seed: false,
    needs: { targetKind: 'selecting' },
    inject(state) {
      const cm = state.refs.configMap;
      state.objects.splice(state.objects.indexOf(cm), 1);
      breakApp(
        state,
        (s) => {
          s.started = false;
          s.state = {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: `configmap "${cm.metadata.name}" not found`,
            },
          };
          delete s.lastState;
        },
        'Pending',
      );
    },
  },
  unschedulable: {
    expected: 'pod.unschedulable',
    seed: false,
    needs: { targetKind: 'selecting', owner: 'Deployment' },
    inject(state) {
      for (const p of state.refs.backends) {
        p.status = {
          phase: 'Pending',
          qosClass: 'Burstable',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message:
                '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
              lastTransitionTime: at(300),
            },
          ],
        };
        delete p.spec.nodeName;
        event(state, 'Pod', p.metadata.name, 'FailedScheduling', p.status.conditions[0].message);
      }
      removeEndpoints(state);
      workloadDown(state);
    },
  },
  'netpol ingress blocked': {
    expected: 'netpol.ingress-blocked',
    seed: true,
    needs: { targetKind: 'selecting' },
    inject(state) {
      for (const np of state.refs.netpols.filter((n) => n.spec.ingress))
        state.objects.splice(state.objects.indexOf(np), 1);
      if (!state.refs.netpols.some((n) => n.metadata.name === 'default-deny'))
        state.objects.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'default-deny', namespace: state.namespace },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        });
    },
  },
  'dns egress blocked': {
    expected: 'netpol.dns-egress-blocked',
    seed: true,
    needs: { targetKind: 'selecting' },
    inject(state) {
      for (const np of state.refs.netpols.filter((n) => n.spec.egress))
        state.objects.splice(state.objects.indexOf(np), 1);
      state.objects.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'restrict-egress', namespace: state.namespace },
        spec: {
          podSelector: { matchLabels: { ...state.refs.selector } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: {} }] }],
        },
      });
    },
  },
  'coredns unhealthy': {
    expected: 'dns.coredns-unhealthy',
    seed: true,
    inject(state, rng) {
      const oom = rng.chance(0.5);
      for (const p of state.refs.coredns) {
        crash(oom ? 'OOMKilled' : 'Error', oom ? 137 : 1)(p.status.containerStatuses[0]);
        p.status.containerStatuses[0].ready = false;
        setReady(p, false);
      }
      for (const e of state.refs.kubeDnsSlice.endpoints)
        e.conditions = { ready: false, serving: false, terminating: false };
    },
  },
  'kube-proxy unhealthy': {
    expected: 'dns.kube-proxy-unhealthy',
    seed: false,
    inject(state) {
      for (const p of state.refs.kubeProxyPods) {
        crash('Error', 1)(p.status.containerStatuses[0]);
        p.status.containerStatuses[0].ready = false;
        setReady(p, false);
      }
      Object.assign(state.refs.kubeProxyDs.status, {
        numberAvailable: 0,
        numberReady: 0,
        numberUnavailable: 3,
      });
    },
  },
  'ingress backend missing': {
    expected: 'ingress.backend-missing',
    seed: true,
    needs: { ingress: true, targetKind: 'selecting' },
    inject(state, rng) {
      const b = state.refs.ingress.spec.rules[0].http.paths[0].backend.service;
      b.name = typo(b.name, rng);
    },
  },
  'ingress backend port mismatch': {
    expected: 'ingress.backend-port-mismatch',
    seed: false,
    needs: { ingress: true, targetKind: 'selecting' },
    inject(state, rng) {
      const b = state.refs.ingress.spec.rules[0].http.paths[0].backend.service;
      // The classic: the container port instead of the Service port, or a port name typo.
      b.port =
        rng.chance(0.5) && state.refs.svc.spec.ports[0].port !== state.refs.containerPort
          ? { number: state.refs.containerPort }
          : { name: 'web' };
    },
  },
  'ingress tls secret missing': {
    expected: 'ingress.tls-secret-missing',
    seed: false,
    needs: { ingress: true, targetKind: 'selecting' },
    inject(state) {
      state.objects.splice(state.objects.indexOf(state.refs.tlsSecret), 1);
    },
  },
  'ingress controller unhealthy': {
    expected: 'ingress.controller-unhealthy',
    seed: false,
    needs: { ingress: true, targetKind: 'selecting' },
    inject(state) {
      for (const p of state.refs.controllerPods) {
        crash('Error', 1)(p.status.containerStatuses[0]);
        p.status.containerStatuses[0].ready = false;
        setReady(p, false);
      }
    },
  },
  'rollout stalled': {
    expected: 'rollout.stalled',
    seed: true,
    needs: { owner: 'Deployment', targetKind: 'selecting', terminating: false, hpa: false },
    inject(state, rng) {
      const d = state.refs.workload;
      const rs = state.refs.currentRs;
      const hash = rng.hex(10);
      d.metadata.generation += 1;
      const template = structuredClone(d.spec.template);
      template.spec.containers[0].image = template.spec.containers[0].image.replace(
        /:.*$/,
        ':2.0.0',
      );
      d.spec.template = template;
      const newRs = structuredClone(rs);
      newRs.metadata.name = `${d.metadata.name}-${hash}`;
      newRs.metadata.creationTimestamp = at(1200);
      newRs.metadata.annotations['deployment.kubernetes.io/revision'] = String(
        d.metadata.generation,
      );
      newRs.spec.replicas = 1;
      newRs.spec.template = {
        ...template,
        metadata: {
          ...template.metadata,
          labels: { ...template.metadata.labels, 'pod-template-hash': hash },
        },
      };
      newRs.status = { replicas: 1, readyReplicas: 0, availableReplicas: 0 };
      state.objects.push(newRs);
      const pod = structuredClone(state.refs.backends[0]);
      pod.metadata.name = `${d.metadata.name}-${hash}-${rng.hex(5)}`;
      pod.metadata.labels['pod-template-hash'] = hash;
      pod.metadata.ownerReferences[0].name = newRs.metadata.name;
      pod.metadata.creationTimestamp = at(1100);
      pod.spec.containers[0].image = template.spec.containers[0].image;
      pod.status.containerStatuses[0].ready = false;
      pod.status.containerStatuses[0].image = template.spec.containers[0].image;
      setReady(pod, false);
      state.objects.push(pod);
      event(
        state,
        'Pod',
        pod.metadata.name,
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 500',
      );
      state.refs.slices[0].endpoints.push({
        addresses: [`10.244.9.${rng.int(2, 250)}`],
        conditions: { ready: false, serving: false, terminating: false },
        nodeName: pod.spec.nodeName,
        targetRef: { kind: 'Pod', namespace: state.namespace, name: pod.metadata.name },
      });
      const n = d.spec.replicas;
      Object.assign(d.status, {
        replicas: n + 1,
        updatedReplicas: 1,
        readyReplicas: n,
        availableReplicas: n,
        unavailableReplicas: 1,
      });
      const prog = d.status.conditions.find((c: Json) => c.type === 'Progressing');
      Object.assign(prog, {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.`,
        lastTransitionTime: at(60),
      });
    },
  },
  'rollout unsafe strategy': {
    expected: 'rollout.unsafe-strategy',
    seed: true,
    needs: { owner: 'Deployment', targetKind: 'selecting', terminating: false },
    inject(state, rng) {
      const d = state.refs.workload;
      d.spec.strategy = rng.chance(0.5)
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 } };
      d.metadata.generation += 1;
      d.status.observedGeneration = d.metadata.generation;
      // Mid-rollout: every pod was replaced at once and none is ready yet.
      breakApp(state, (s) => {
        s.state = { running: { startedAt: at(20) } };
      });
      for (const p of state.refs.backends) p.metadata.creationTimestamp = at(30);
      const prog = d.status.conditions.find((c: Json) => c.type === 'Progressing');
      Object.assign(prog, {
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: 'ReplicaSet is progressing.',
      });
    },
  },
  'hpa maxed': {
    expected: 'autoscaling.hpa-maxed',
    seed: false,
    // Degraded, not down: one pod fails readiness under load while the others still serve, which
    // needs more than one replica (with one, nothing serves, and the hpa-maxed scenario says the
    // root cause is then pod.not-ready).
    needs: {
      hpa: true,
      owner: 'Deployment',
      replicas: 3,
      targetKind: 'selecting',
      terminating: false,
      metrics: false,
    },
    inject(state) {
      const h = state.refs.hpa;
      h.spec.maxReplicas = h.status.currentReplicas;
      h.status.desiredReplicas = h.spec.maxReplicas;
      h.status.currentMetrics[0].resource.current.averageUtilization = 180;
      // Overloaded: one pod fails readiness on timeouts; the others still serve.
      const p = state.refs.backends[0];
      p.status.containerStatuses[0].ready = false;
      setReady(p, false);
      drainEndpoints(state, state.refs.backends.slice(1));
      event(
        state,
        'Pod',
        p.metadata.name,
        'Unhealthy',
        'Readiness probe failed: Get "http://10.244.1.5:8080/ready": context deadline exceeded',
      );
    },
  },
  'virtualservice misrouted': {
    expected: 'mesh.virtualservice-misrouted',
    seed: false,
    needs: { istio: true, targetKind: 'selecting' },
    inject(state, rng) {
      const d = state.refs.vs.spec.http[0].route[0].destination;
      if (rng.chance(0.5))
        d.port.number =
          state.refs.containerPort === d.port.number ? 9999 : state.refs.containerPort;
      else d.host = typo(d.host, rng);
    },
  },
  'destinationrule subset missing': {
    expected: 'mesh.destinationrule-subset-missing',
    seed: false,
    needs: { istio: true, targetKind: 'selecting' },
    inject(state, rng) {
      const d = state.refs.vs.spec.http[0].route[0].destination;
      d.subset = 'v2';
      // Either no subset v2 at all, or one whose labels select no pod (no healthy upstream).
      if (rng.chance(0.5))
        state.refs.dr.spec.subsets.push({ name: 'v2', labels: { version: 'v2' } });
    },
  },
  'node not ready': {
    expected: 'node.not-ready',
    seed: false,
    needs: { targetKind: 'selecting' },
    inject(state) {
      const names = new Set(state.refs.backends.map((p) => p.spec.nodeName));
      for (const n of state.refs.nodes.filter((x) => names.has(x.metadata.name))) {
        for (const c of n.status.conditions)
          Object.assign(c, {
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: at(300),
          });
        n.spec.taints = [
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(300) },
        ];
      }
      for (const p of state.refs.backends) {
        p.status.containerStatuses[0].ready = false;
        setReady(p, false, 'NodeNotReady');
      }
      drainEndpoints(state);
      workloadDown(state);
    },
  },
  'pvc unbound': {
    expected: 'storage.pvc-unbound',
    seed: false,
    needs: { owner: 'StatefulSet', pvc: true, targetKind: 'selecting', terminating: false },
    inject(state) {
      for (const c of state.refs.pvcs) {
        c.status = { phase: 'Pending' };
        delete c.spec.volumeName;
        event(
          state,
          'PersistentVolumeClaim',
          c.metadata.name,
          'ProvisioningFailed',
          'storageclass.storage.k8s.io "gp3" not found',
        );
      }
      for (const p of state.refs.backends) {
        p.status = {
          phase: 'Pending',
          qosClass: 'Burstable',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message:
                '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
              lastTransitionTime: at(300),
            },
          ],
        };
        delete p.spec.nodeName;
      }
      removeEndpoints(state);
      workloadDown(state);
    },
  },
  'probe misconfigured': {
    expected: 'pod.probe-misconfigured',
    seed: false,
    needs: { targetKind: 'selecting', injectedSidecar: false },
    inject(state) {
      for (const p of state.refs.backends)
        p.spec.containers[0].readinessProbe.httpGet.port = 'htpp';
      breakApp(state, () => undefined);
    },
  },
  'resource starvation': {
    expected: 'pod.resource-starvation',
    seed: false,
    needs: { targetKind: 'selecting', metrics: true },
    inject(state, rng) {
      const cpu = rng.chance(0.5);
      for (const m of state.refs.metrics)
        m.containers[0].usage = cpu
          ? { cpu: `${rng.int(960, 999)}000000n`, memory: '200000Ki' }
          : { cpu: '224628621n', memory: `${rng.int(500, 510)}Mi` };
    },
  },
  'no pods (scaled to zero)': {
    expected: 'pod.no-pods',
    seed: false,
    needs: {
      owner: 'Deployment',
      targetKind: 'selecting',
      terminating: false,
      finishedPods: false,
      hpa: false,
    },
    inject(state) {
      for (const p of state.refs.backends) state.objects.splice(state.objects.indexOf(p), 1);
      state.refs.workload.spec.replicas = 0;
      Object.assign(state.refs.workload.status, {
        replicas: 0,
        readyReplicas: 0,
        availableReplicas: 0,
        updatedReplicas: 0,
      });
      removeEndpoints(state);
    },
  },
  'gateway backend missing': {
    expected: 'gateway.backend-missing',
    seed: false,
    needs: { gateway: true, targetKind: 'selecting' },
    inject(state, rng) {
      const b = state.refs.route.spec.rules[0].backendRefs[0];
      b.name = typo(b.name, rng);
      const resolved = state.refs.route.status.parents[0].conditions.find(
        (c: Json) => c.type === 'ResolvedRefs',
      );
      Object.assign(resolved, {
        status: 'False',
        reason: 'BackendNotFound',
        message: `Failed to process route rule 0 backendRef 0: service ${state.namespace}/${b.name} not found.`,
      });
    },
  },
  'gateway backend port mismatch': {
    expected: 'gateway.backend-port-mismatch',
    seed: false,
    needs: { gateway: true, targetKind: 'selecting' },
    inject(state) {
      const b = state.refs.route.spec.rules[0].backendRefs[0];
      b.port =
        state.refs.svc.spec.ports[0].port === state.refs.containerPort
          ? 9999
          : state.refs.containerPort;
    },
  },
  'gateway route not accepted': {
    expected: 'gateway.route-not-accepted',
    seed: false,
    needs: { gateway: true, targetKind: 'selecting' },
    inject(state) {
      state.refs.route.spec.hostnames = ['shop.internal.corp'];
      const accepted = state.refs.route.status.parents[0].conditions.find(
        (c: Json) => c.type === 'Accepted',
      );
      Object.assign(accepted, {
        status: 'False',
        reason: 'NoMatchingListenerHostname',
        message: 'No listeners included by this parent ref allowed this attachment.',
      });
    },
  },
};

/** SPEC ids that are not injected as a root cause, and why. */
export const NOT_INJECTED: Record<string, string> = {
  'service.not-found':
    'the target itself is missing: diagnose answers it without a generated state',
  'service.no-endpoints':
    'a symptom: injected as pods not ready, where the pod finding is the cause',
  'ingress.backend-no-endpoints':
    'a symptom ranked after its cause (any pod fault behind an Ingress)',
  'rollout.recent-change': 'context, never the root cause (ranked last by SPEC)',
};

export interface ClassResult {
  name: string;
  expected: string;
  cases: number;
  correct: number;
  exceptions: number;
  /** Seeds that missed, with what came first instead. */
  misses: { seed: number; got: string | null }[];
}

/** Diagnoses `cases` seeded states with the fault injected; seeds are 1..cases offset per class. */
export function runFault(name: string, cases: number): ClassResult {
  const fault = FAULTS[name] as Fault;
  const r: ClassResult = {
    name,
    expected: fault.expected,
    cases,
    correct: 0,
    exceptions: 0,
    misses: [],
  };
  for (let seed = 1; seed <= cases; seed++) {
    const report = faultReport(name, seed);
    r.exceptions += exceptionsOf(report).length;
    if (report.rootCause === fault.expected) r.correct++;
    else r.misses.push({ seed, got: report.rootCause });
  }
  return r;
}

export function faultState(
  name: string,
  seed: number,
  extra: Partial<Features> = {},
): ClusterState {
  const fault = FAULTS[name] as Fault;
  const state = generate(seed, { ...fault.needs, ...extra });
  fault.inject(state, new Rng(seed * 7919));
  return state;
}

/** Not strict: the figures count the check exceptions per class (the test requires none). */
export function faultReport(name: string, seed: number, extra: Partial<Features> = {}): Report {
  return diagnoseState(faultState(name, seed, extra), undefined, { strict: false });
}

export function table(results: ClassResult[]): string {
  const rows = results.map(
    (r) =>
      `${r.name.padEnd(32)} ${r.expected.padEnd(38)} ${String(r.cases).padStart(5)} ${`${((100 * r.correct) / r.cases).toFixed(1)}%`.padStart(7)} ${String(r.exceptions).padStart(5)}`,
  );
  return [
    `${'class'.padEnd(32)} ${'expected root cause'.padEnd(38)} cases accuracy  exc.`,
    ...rows,
  ].join('\n');
}
