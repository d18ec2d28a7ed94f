// Pure builders of remediation plans from the objects a diagnosis read. Applying them is
// remediation/apply.ts; nothing here does I/O.
import type {
  Container,
  Deployment,
  Ingress,
  KubeObject,
  NetworkPolicy,
  Probe,
  ReplicaSet,
  Service,
} from '../cluster/k8s-types.js';
import type { CheckId } from '../diagnosis/types.js';
import type { JsonPatchOp, Mutation, ObjectAddress, RemediationPlan } from './plan-types.js';

const API_VERSION: Record<string, string> = {
  Service: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

const RESOURCE: Record<string, string> = {
  Service: 'service',
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  Ingress: 'ingress',
  NetworkPolicy: 'networkpolicy',
};

function address(kind: string, o: KubeObject): ObjectAddress {
  return {
    kind,
    apiVersion: API_VERSION[kind] ?? 'v1',
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  };
}

/** JSON-pointer escaping of one path segment. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function patchCommand(kind: string, o: KubeObject, ops: JsonPatchOp[]): string {
  return `kubectl patch ${RESOURCE[kind]} ${o.metadata.name} -n ${o.metadata.namespace} --type=json -p ${shellQuote(JSON.stringify(ops))}`;
}

function jsonPatch(ops: JsonPatchOp[]): Mutation {
  return { type: 'json-patch', ops };
}

/** A test op that pins the object's identity, so a deleted-and-recreated object is not patched. */
function sameObject(o: KubeObject): JsonPatchOp[] {
  return o.metadata.uid ? [{ op: 'test', path: '/metadata/uid', value: o.metadata.uid }] : [];
}

export function patchServiceSelector(
  svc: Service,
  wanted: Record<string, string>,
  checks: CheckId[],
): RemediationPlan {
  const old = svc.spec.selector ?? {};
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/spec/selector', value: old },
    { op: 'replace', path: '/spec/selector', value: wanted },
  ];
  const inverse: JsonPatchOp[] = [
    { op: 'test', path: '/spec/selector', value: wanted },
    { op: 'replace', path: '/spec/selector', value: old },
  ];
  return {
    id: 'patch-service-selector',
    title: `Set the selector of Service ${svc.metadata.name} to ${fmt(wanted)}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    kubectl: patchCommand('Service', svc, ops),
    expectedEffect: `Service ${svc.metadata.name} selects the pods labelled ${fmt(wanted)} and gets their ready endpoints.`,
    precondition: `the selector is still ${fmt(old)}`,
    inverse: jsonPatch(inverse),
    verify: { waitFor: 'endpoints-ready', checks },
  };
}

export function patchServiceTargetPort(
  svc: Service,
  portIndex: number,
  wanted: number | string,
  checks: CheckId[],
): RemediationPlan {
  const port = svc.spec.ports?.[portIndex];
  const path = pointer('spec', 'ports', portIndex, 'targetPort');
  const old = port?.targetPort ?? port?.port;
  const ops: JsonPatchOp[] = [
    { op: 'test', path, value: old },
    { op: 'replace', path, value: wanted },
  ];
  return {
    id: 'patch-service-target-port',
    title: `Point port ${port?.name ?? port?.port} of Service ${svc.metadata.name} at container port ${wanted}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    kubectl: patchCommand('Service', svc, ops),
    expectedEffect: `traffic to port ${port?.port} reaches the pods on ${wanted}, where they listen.`,
    precondition: `targetPort is still ${String(old)}`,
    inverse: jsonPatch([
      { op: 'test', path, value: wanted },
      { op: 'replace', path, value: old },
    ]),
    verify: { waitFor: 'endpoints-ready', checks },
  };
}

type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
interface TemplatedWorkload extends KubeObject {
  spec: {
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Container[] };
    };
  };
}

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** The restartedAt template annotation, as `kubectl rollout restart` sets it. */
function restartOps(w: TemplatedWorkload, at: string): JsonPatchOp[] {
  const annotations = w.spec.template.metadata?.annotations;
  const ops = sameObject(w);
  if (!w.spec.template.metadata)
    ops.push({
      op: 'add',
      path: '/spec/template/metadata',
      value: { annotations: { [RESTARTED_AT]: at } },
    });
  else if (!annotations)
    ops.push({
      op: 'add',
      path: '/spec/template/metadata/annotations',
      value: { [RESTARTED_AT]: at },
    });
  else
    ops.push({
      op: 'add',
      path: pointer('spec', 'template', 'metadata', 'annotations', RESTARTED_AT),
      value: at,
    });
  return ops;
}

export function rolloutRestart(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  at: Date,
  checks: CheckId[],
): RemediationPlan {
  const ops = restartOps(w, at.toISOString());
  const coredns = w.metadata.namespace === 'kube-system' && w.metadata.name === 'coredns';
  return {
    id: coredns ? 'restart-coredns' : 'rollout-restart',
    title: `Restart ${kind} ${w.metadata.name}${coredns ? ' (CoreDNS)' : ''} with a rolling restart`,
    risk: coredns ? 'medium' : 'low',
    object: address(kind, w),
    mutation: jsonPatch(ops),
    kubectl: `kubectl rollout restart ${RESOURCE[kind]}/${w.metadata.name} -n ${w.metadata.namespace}`,
    expectedEffect: `new pods replace the old ones one by one; pods stuck in a bad state start afresh.`,
    precondition: `${kind} ${w.metadata.name} is the same object (uid ${w.metadata.uid ?? 'unknown'})`,
    verify: { waitFor: 'rollout-complete', checks },
  };
}

/** Rolls a Deployment back to the previous ReplicaSet's pod template, as `kubectl rollout undo` does. */
export function rolloutUndo(
  d: Deployment,
  current: ReplicaSet,
  previous: ReplicaSet,
  checks: CheckId[],
): RemediationPlan {
  const strip = (t: ReplicaSet['spec']['template']) => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    return { ...t, metadata: { ...t.metadata, labels } };
  };
  const wanted = strip(previous.spec.template);
  const now = d.spec.template;
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/spec/template', value: now },
    { op: 'replace', path: '/spec/template', value: wanted },
  ];
  return {
    id: 'rollout-undo',
    title: `Roll Deployment ${d.metadata.name} back to revision ${rev(previous)}`,
    risk: 'medium',
    object: address('Deployment', d),
    mutation: jsonPatch(ops),
    kubectl: `kubectl rollout undo deployment/${d.metadata.name} -n ${d.metadata.namespace} --to-revision=${rev(previous)}`,
    expectedEffect: `pods return to the template of revision ${rev(previous)} (${images(wanted.spec.containers)}).`,
    precondition: `the pod template is still revision ${rev(current)}'s`,
    inverse: jsonPatch([
      { op: 'test', path: '/spec/template', value: wanted },
      { op: 'replace', path: '/spec/template', value: now },
    ]),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

export function scaleWorkload(
  kind: 'Deployment' | 'StatefulSet',
  w: KubeObject & { spec: { replicas?: number } },
  replicas: number,
  checks: CheckId[],
): RemediationPlan {
  const old = w.spec.replicas ?? 1;
  return {
    id: 'scale-workload',
    title: `Scale ${kind} ${w.metadata.name} from ${old} to ${replicas} replicas`,
    risk: 'low',
    object: address(kind, w),
    mutation: jsonPatch([
      { op: 'test', path: '/spec/replicas', value: old },
      { op: 'replace', path: '/spec/replicas', value: replicas },
    ]),
    kubectl: `kubectl scale ${RESOURCE[kind]}/${w.metadata.name} -n ${w.metadata.namespace} --current-replicas=${old} --replicas=${replicas}`,
    expectedEffect: `${replicas - old} more pod(s) share the load and restore ready endpoints.`,
    precondition: `replicas is still ${old}`,
    inverse: jsonPatch([
      { op: 'test', path: '/spec/replicas', value: replicas },
      { op: 'replace', path: '/spec/replicas', value: old },
    ]),
    verify: { waitFor: 'rollout-complete', checks },
    bounds: { replicas },
  };
}

export function patchRolloutStrategy(d: Deployment, checks: CheckId[]): RemediationPlan {
  const old = d.spec.strategy ?? {};
  const wanted = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } };
  return {
    id: 'patch-rollout-strategy',
    title: `Make Deployment ${d.metadata.name} keep every pod until its replacement is ready (maxUnavailable 0, maxSurge 25%)`,
    risk: 'low',
    object: address('Deployment', d),
    mutation: jsonPatch([
      { op: 'test', path: '/spec/strategy', value: old },
      { op: 'replace', path: '/spec/strategy', value: wanted },
    ]),
    kubectl: `kubectl patch deployment ${d.metadata.name} -n ${d.metadata.namespace} -p '{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":"25%"}}}}'`,
    expectedEffect:
      'later rollouts add new pods before removing old ones, so ready endpoints never drop to zero.',
    precondition: `the strategy is still ${JSON.stringify(old)}`,
    inverse: jsonPatch([
      { op: 'test', path: '/spec/strategy', value: wanted },
      { op: 'replace', path: '/spec/strategy', value: old },
    ]),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

/** A startupProbe with the readiness/liveness handler and a budget of 5 minutes to start. */
export function addStartupProbe(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  containerIndex: number,
  checks: CheckId[],
): RemediationPlan {
  const c = w.spec.template.spec.containers[containerIndex] as Container;
  const handler = pickHandler(c.livenessProbe ?? c.readinessProbe);
  const probe: Probe = { ...handler, periodSeconds: 10, failureThreshold: 30 };
  const path = pointer('spec', 'template', 'spec', 'containers', containerIndex, 'startupProbe');
  const had = c.startupProbe !== undefined;
  const ops: JsonPatchOp[] = [
    ...sameObject(w),
    {
      op: 'test',
      path: pointer('spec', 'template', 'spec', 'containers', containerIndex, 'name'),
      value: c.name,
    },
    had ? { op: 'replace', path, value: probe } : { op: 'add', path, value: probe },
  ];
  const inverse: JsonPatchOp[] = [
    { op: 'test', path, value: probe },
    had ? { op: 'replace', path, value: c.startupProbe } : { op: 'remove', path },
  ];
  return {
    id: 'add-startup-probe',
    title: `${had ? 'Relax the' : 'Add a'} startupProbe on ${c.name} in ${kind} ${w.metadata.name} (up to 300 s to start)`,
    risk: 'low',
    object: address(kind, w),
    mutation: jsonPatch(ops),
    kubectl: patchCommand(kind, w, ops),
    expectedEffect:
      'slow starts are no longer killed or marked unready before the app is up; a new rollout starts.',
    precondition: `container ${containerIndex} is still ${c.name}`,
    inverse: jsonPatch(inverse),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

function pickHandler(p: Probe | undefined): Probe {
  if (p?.httpGet) return { httpGet: p.httpGet };
  if (p?.tcpSocket) return { tcpSocket: p.tcpSocket };
  if (p?.grpc) return { grpc: p.grpc };
  if (p?.exec) return { exec: p.exec };
  return { tcpSocket: { port: 8080 } };
}

export function patchResources(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  containerIndex: number,
  memoryLimit: string,
  memoryBytes: number,
  checks: CheckId[],
): RemediationPlan {
  const c = w.spec.template.spec.containers[containerIndex] as Container;
  const old = c.resources ?? {};
  const wanted = { ...old, limits: { ...(old.limits ?? {}), memory: memoryLimit } };
  const path = pointer('spec', 'template', 'spec', 'containers', containerIndex, 'resources');
  return {
    id: 'patch-resources',
    title: `Raise the memory limit of ${c.name} in ${kind} ${w.metadata.name} from ${old.limits?.memory ?? 'none'} to ${memoryLimit}`,
    risk: 'medium',
    object: address(kind, w),
    mutation: jsonPatch([
      {
        op: 'test',
        path: pointer('spec', 'template', 'spec', 'containers', containerIndex, 'name'),
        value: c.name,
      },
      { op: 'test', path, value: old },
      { op: 'replace', path, value: wanted },
    ]),
    kubectl: `kubectl set resources ${RESOURCE[kind]}/${w.metadata.name} -n ${w.metadata.namespace} -c ${c.name} --limits=memory=${memoryLimit}`,
    expectedEffect: `${c.name} gets room above its working set and stops being OOMKilled; a new rollout starts.`,
    precondition: `the resources of ${c.name} are still ${JSON.stringify(old)}`,
    inverse: jsonPatch([
      { op: 'test', path, value: wanted },
      { op: 'replace', path, value: old },
    ]),
    verify: { waitFor: 'rollout-complete', checks },
    bounds: { memoryBytes },
  };
}

/** A NetworkPolicy admitting the backends' target port from anywhere; undone by deleting it. */
export function allowNetpolPort(
  svc: Service,
  podLabels: Record<string, string>,
  port: number | string,
  checks: CheckId[],
): RemediationPlan {
  const name = `kubemedic-allow-${svc.metadata.name}-${port}`.slice(0, 63).replace(/-+$/, '');
  const manifest: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name,
      namespace: svc.metadata.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'kubemedic' },
      annotations: {
        'kubemedic.io/reason': `admit traffic to Service ${svc.metadata.name} on port ${port}`,
      },
    },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port }] }],
    },
  };
  return {
    id: 'allow-netpol-port',
    title: `Add NetworkPolicy ${name} admitting port ${port} to the pods of ${svc.metadata.name}`,
    risk: 'medium',
    object: address('NetworkPolicy', manifest),
    mutation: { type: 'create', manifest },
    kubectl: `kubectl apply -n ${svc.metadata.namespace} -f - <<'EOF'\n${JSON.stringify(manifest, null, 2)}\nEOF`,
    expectedEffect: `connections to port ${port} of the backends are admitted again.`,
    precondition: `no NetworkPolicy named ${name} exists yet`,
    inverse: { type: 'delete' },
    verify: { waitFor: 'none', checks },
  };
}

export function patchIngressBackend(
  ing: Ingress,
  backendPath: string,
  current: { name: string; port?: { number?: number; name?: string } },
  wanted: { name: string; port: { number?: number; name?: string } },
  checks: CheckId[],
): RemediationPlan {
  const ops: JsonPatchOp[] = [
    { op: 'test', path: backendPath, value: current },
    { op: 'replace', path: backendPath, value: wanted },
  ];
  const portText = (p?: { number?: number; name?: string }) => String(p?.number ?? p?.name ?? '?');
  return {
    id: 'patch-ingress-backend',
    title: `Point Ingress ${ing.metadata.name} at Service ${wanted.name}:${portText(wanted.port)} (was ${current.name}:${portText(current.port)})`,
    risk: 'low',
    object: address('Ingress', ing),
    mutation: jsonPatch(ops),
    kubectl: patchCommand('Ingress', ing, ops),
    expectedEffect: `the ingress controller routes this rule to ${wanted.name}, which has ready endpoints.`,
    precondition: `the backend is still ${current.name}:${portText(current.port)}`,
    inverse: jsonPatch([
      { op: 'test', path: backendPath, value: wanted },
      { op: 'replace', path: backendPath, value: current },
    ]),
    verify: { waitFor: 'none', checks },
  };
}

function fmt(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function rev(rs: ReplicaSet): string {
  return rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?';
}

function images(containers: Container[]): string {
  return containers.map((c) => `${c.name}=${c.image ?? '?'}`).join(', ');
}
