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
import { formatSelector } from '../diagnosis/model/labels.js';
import { formatBytes } from '../diagnosis/model/quantity.js';
import { parseQuantity } from '../diagnosis/model/quantity.js';
import type { CheckId } from '../diagnosis/types.js';
import { shellJoin, shellJoinWithStdin } from '../shell.js';
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

type Command = Pick<RemediationPlan, 'kubectl' | 'kubectlArgv' | 'kubectlStdin'>;

/** The kubectl command a plan shows, built from its arguments (and stdin) and shell-quoted. */
function command(args: string[], stdin?: string): Command {
  const argv = ['kubectl', ...args];
  return stdin === undefined
    ? { kubectl: shellJoin(argv), kubectlArgv: argv }
    : { kubectl: shellJoinWithStdin(argv, stdin), kubectlArgv: argv, kubectlStdin: stdin };
}

function patchCommand(kind: string, o: KubeObject, ops: JsonPatchOp[]): Command {
  return command([
    'patch',
    RESOURCE[kind] ?? kind.toLowerCase(),
    o.metadata.name,
    '-n',
    o.metadata.namespace ?? '',
    '--type=json',
    '-p',
    JSON.stringify(ops),
  ]);
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
    title: `Set the selector of Service ${svc.metadata.name} to ${formatSelector(wanted)}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    ...patchCommand('Service', svc, ops),
    expectedEffect: `Service ${svc.metadata.name} selects the pods labelled ${formatSelector(wanted)} and gets their ready endpoints.`,
    precondition: `the selector is still ${formatSelector(old)}`,
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
  // The port number pins which entry the index names; a missing targetPort (only in hand-written
  // dumps: the API server defaults it) is added rather than tested.
  const identity: JsonPatchOp[] =
    port !== undefined
      ? [{ op: 'test', path: pointer('spec', 'ports', portIndex, 'port'), value: port.port }]
      : [];
  const ops: JsonPatchOp[] =
    port?.targetPort === undefined
      ? [...identity, { op: 'add', path, value: wanted }]
      : [...identity, { op: 'test', path, value: old }, { op: 'replace', path, value: wanted }];
  return {
    id: 'patch-service-target-port',
    title: `Point port ${port?.name ?? port?.port} of Service ${svc.metadata.name} at container port ${wanted}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    ...patchCommand('Service', svc, ops),
    expectedEffect: `traffic to port ${port?.port} reaches the pods on ${wanted}, where they listen.`,
    precondition: `targetPort is still ${String(old)}`,
    inverse: jsonPatch([
      ...identity,
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

/** The restartedAt value as kubectl writes it: RFC 3339 to the second. */
export function restartStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The restartedAt template annotation, as `kubectl rollout restart` sets it. JSON patch cannot test
 * that a member is absent, so when the map holding the annotation must be created, the op is
 * preceded by a test of its parent as the diagnosis saw it: an `add` never clobbers annotations
 * (or labels) written since.
 */
function restartOps(w: TemplatedWorkload, at: string): JsonPatchOp[] {
  const meta = w.spec.template.metadata;
  const ops = sameObject(w);
  if (!meta)
    ops.push(
      { op: 'test', path: '/spec/template', value: w.spec.template },
      {
        op: 'add',
        path: '/spec/template/metadata',
        value: { annotations: { [RESTARTED_AT]: at } },
      },
    );
  else if (!meta.annotations)
    ops.push(
      { op: 'test', path: '/spec/template/metadata', value: meta },
      { op: 'add', path: '/spec/template/metadata/annotations', value: { [RESTARTED_AT]: at } },
    );
  else
    ops.push({
      op: 'add',
      path: pointer('spec', 'template', 'metadata', 'annotations', RESTARTED_AT),
      value: at,
    });
  return ops;
}

/** The same restart, stamped with the time it is applied (kubectl stamps the time it runs). */
export function restamp(plan: RemediationPlan, at: Date): RemediationPlan {
  if (plan.id !== 'rollout-restart' && plan.id !== 'restart-coredns') return plan;
  if (plan.mutation.type !== 'json-patch') return plan;
  const stamp = restartStamp(at);
  const annotationPath = pointer('spec', 'template', 'metadata', 'annotations', RESTARTED_AT);
  const ops = plan.mutation.ops.map((op): JsonPatchOp => {
    if (op.op !== 'add') return op;
    if (op.path === annotationPath) return { ...op, value: stamp };
    if (op.path === '/spec/template/metadata/annotations')
      return { ...op, value: { ...(op.value as object), [RESTARTED_AT]: stamp } };
    if (op.path === '/spec/template/metadata')
      return { ...op, value: { annotations: { [RESTARTED_AT]: stamp } } };
    return op;
  });
  return { ...plan, mutation: jsonPatch(ops) };
}

export function rolloutRestart(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  at: Date,
  checks: CheckId[],
): RemediationPlan {
  const ops = restartOps(w, restartStamp(at));
  const coredns = w.metadata.namespace === 'kube-system' && w.metadata.name === 'coredns';
  return {
    id: coredns ? 'restart-coredns' : 'rollout-restart',
    title: `Restart ${kind} ${w.metadata.name}${coredns ? ' (CoreDNS)' : ''} with a rolling restart`,
    risk: coredns ? 'medium' : 'low',
    object: address(kind, w),
    mutation: jsonPatch(ops),
    ...command([
      'rollout',
      'restart',
      `${RESOURCE[kind]}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
    ]),
    expectedEffect: `new pods replace the old ones one by one; pods stuck in a bad state start afresh.`,
    precondition: `${kind} ${w.metadata.name} is the same object (uid ${w.metadata.uid ?? 'unknown'})`,
    verify: { waitFor: 'rollout-complete', checks },
  };
}

/** Deployment annotations `kubectl rollout undo` neither copies from the ReplicaSet nor drops. */
const UNDO_SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** Per-key ops that make `from`'s annotations carry `to`'s (skipped keys untouched). */
function annotationOps(from: Record<string, string>, to: Record<string, string>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
  for (const k of [...keys].sort()) {
    if (UNDO_SKIPPED_ANNOTATIONS.has(k) || from[k] === to[k]) continue;
    const path = pointer('metadata', 'annotations', k);
    ops.push(to[k] === undefined ? { op: 'remove', path } : { op: 'add', path, value: to[k] });
  }
  return ops;
}

/**
 * Rolls a Deployment back to the previous ReplicaSet's pod template, as `kubectl rollout undo`
 * does: the template without its pod-template-hash label, and the ReplicaSet's annotations
 * (change-cause and the like) on the Deployment.
 */
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
  // A Deployment read from the API always carries its revision annotation, so the map exists.
  const deployAnnotations = d.metadata.annotations;
  const rsAnnotations = previous.metadata.annotations ?? {};
  const restore = deployAnnotations ? annotationOps(deployAnnotations, rsAnnotations) : [];
  const rolledBack = deployAnnotations && {
    ...Object.fromEntries(
      Object.entries(deployAnnotations).filter(([k]) => UNDO_SKIPPED_ANNOTATIONS.has(k)),
    ),
    ...pickOwn(rsAnnotations),
  };
  const back = deployAnnotations && rolledBack ? annotationOps(rolledBack, deployAnnotations) : [];
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/spec/template', value: now },
    { op: 'replace', path: '/spec/template', value: wanted },
    ...restore,
  ];
  return {
    id: 'rollout-undo',
    title: `Roll Deployment ${d.metadata.name} back to revision ${rev(previous)}`,
    risk: 'medium',
    object: address('Deployment', d),
    mutation: jsonPatch(ops),
    ...command([
      'rollout',
      'undo',
      `deployment/${d.metadata.name}`,
      '-n',
      d.metadata.namespace ?? '',
      `--to-revision=${rev(previous)}`,
    ]),
    expectedEffect: `pods return to the template of revision ${rev(previous)} (${images(wanted.spec.containers)}).`,
    precondition: `the pod template is still revision ${rev(current)}'s`,
    inverse: jsonPatch([
      { op: 'test', path: '/spec/template', value: wanted },
      { op: 'replace', path: '/spec/template', value: now },
      ...back,
    ]),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

/** The annotations a rollback copies from a ReplicaSet (everything but the skipped keys). */
function pickOwn(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).filter(([k]) => !UNDO_SKIPPED_ANNOTATIONS.has(k)),
  );
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
    ...command([
      'scale',
      `${RESOURCE[kind]}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
      `--current-replicas=${old}`,
      `--replicas=${replicas}`,
    ]),
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
  // The whole strategy is replaced (a merge patch cannot turn Recreate into RollingUpdate).
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/spec/strategy', value: old },
    { op: 'replace', path: '/spec/strategy', value: wanted },
  ];
  return {
    id: 'patch-rollout-strategy',
    title: `Make Deployment ${d.metadata.name} keep every pod until its replacement is ready (maxUnavailable 0, maxSurge 25%)`,
    risk: 'low',
    object: address('Deployment', d),
    mutation: jsonPatch(ops),
    ...patchCommand('Deployment', d, ops),
    expectedEffect:
      'later rollouts add new pods before removing old ones, so ready endpoints never drop to zero.',
    precondition: `the strategy is still ${JSON.stringify(old)}`,
    inverse: jsonPatch([
      { op: 'test', path: '/spec/strategy', value: wanted },
      { op: 'replace', path: '/spec/strategy', value: old },
    ]),
    // The strategy governs the next rollout; it starts none, so there is no rollout to wait for.
    verify: { waitFor: 'none', checks },
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
  const containerPath = pointer('spec', 'template', 'spec', 'containers', containerIndex);
  const path = `${containerPath}/startupProbe`;
  const had = c.startupProbe !== undefined;
  // The whole container is pinned: JSON patch cannot test that startupProbe is still absent.
  const ops: JsonPatchOp[] = [
    ...sameObject(w),
    { op: 'test', path: containerPath, value: c },
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
    ...patchCommand(kind, w, ops),
    expectedEffect:
      'slow starts are no longer killed or marked unready before the app is up; a new rollout starts.',
    precondition: `container ${containerIndex} (${c.name}) is unchanged since the diagnosis`,
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
    ...command([
      'set',
      'resources',
      `${RESOURCE[kind]}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
      '-c',
      c.name,
      `--limits=memory=${memoryLimit}`,
    ]),
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
    ...command(
      ['create', '-n', svc.metadata.namespace ?? '', '-f', '-'],
      `${JSON.stringify(manifest, null, 2)}\n`,
    ),
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
    ...patchCommand('Ingress', ing, ops),
    expectedEffect: `the ingress controller routes this rule to ${wanted.name}, which has ready endpoints.`,
    precondition: `the backend is still ${current.name}:${portText(current.port)}`,
    inverse: jsonPatch([
      { op: 'test', path: backendPath, value: wanted },
      { op: 'replace', path: backendPath, value: current },
    ]),
    verify: { waitFor: 'none', checks },
  };
}

/** The policy's bounds on scale and resource plans. */
export interface PlanBounds {
  maxReplicas: number;
  /** As written in the policy ("4Gi"), and in bytes. */
  maxMemory: string;
  maxMemoryBytes: number;
}

export type BoundedPlan =
  { ok: true; plan: RemediationPlan; clamped?: string } | { ok: false; reason: string };

function testValue(plan: RemediationPlan, path: string | RegExp): unknown {
  if (plan.mutation.type !== 'json-patch') return undefined;
  return plan.mutation.ops.find(
    (o) => o.op === 'test' && (typeof path === 'string' ? o.path === path : path.test(o.path)),
  )?.value;
}

/**
 * Clamps a scale or resource plan to the policy's bounds, rebuilt with the same builder so its
 * patch, inverse, title and kubectl line agree. Refuses when the bound allows no increase at all.
 */
export function clampToBounds(plan: RemediationPlan, bounds: PlanBounds): BoundedPlan {
  const { object } = plan;
  if (plan.id === 'scale-workload' && plan.bounds?.replicas !== undefined) {
    const wanted = plan.bounds.replicas;
    if (wanted <= bounds.maxReplicas) return { ok: true, plan };
    const old = Number(testValue(plan, '/spec/replicas') ?? 0);
    if (bounds.maxReplicas <= old)
      return {
        ok: false,
        reason: `the approval policy allows at most ${bounds.maxReplicas} replica(s) and ${object.kind} ${object.name} already has ${old}; raise maxReplicas in the policy to scale it further`,
      };
    const kind = object.kind === 'StatefulSet' ? 'StatefulSet' : 'Deployment';
    const w = {
      metadata: { name: object.name, namespace: object.namespace },
      spec: { replicas: old },
    };
    return {
      ok: true,
      plan: scaleWorkload(kind, w, bounds.maxReplicas, plan.verify.checks),
      clamped: `clamped from ${wanted} to ${bounds.maxReplicas} replicas by the policy's maxReplicas`,
    };
  }
  if (plan.id === 'patch-resources' && plan.bounds?.memoryBytes !== undefined) {
    const wanted = plan.bounds.memoryBytes;
    if (wanted <= bounds.maxMemoryBytes) return { ok: true, plan };
    const resourcesTest =
      plan.mutation.type === 'json-patch'
        ? plan.mutation.ops.find(
            (o) => o.op === 'test' && /\/containers\/\d+\/resources$/.test(o.path),
          )
        : undefined;
    const index = Number(/\/containers\/(\d+)\/resources$/.exec(resourcesTest?.path ?? '')?.[1]);
    const name = testValue(plan, /\/containers\/\d+\/name$/);
    const old = (resourcesTest?.value ?? {}) as NonNullable<Container['resources']>;
    const current = parseQuantity(old.limits?.memory) ?? 0;
    if (bounds.maxMemoryBytes <= current)
      return {
        ok: false,
        reason: `the approval policy allows a memory limit of at most ${bounds.maxMemory} and ${String(name)} in ${object.kind} ${object.name} already has ${old.limits?.memory ?? 'more'}; raise maxMemory in the policy to allow more`,
      };
    if (typeof name !== 'string' || !Number.isInteger(index))
      return { ok: false, reason: 'the resource plan is malformed (no container to patch)' };
    const containers: Container[] = [];
    containers[index] = { name, resources: old };
    const kind = (['Deployment', 'StatefulSet', 'DaemonSet'] as const).find(
      (k) => k === object.kind,
    );
    if (!kind) return { ok: false, reason: `cannot patch resources of a ${object.kind}` };
    const w = {
      metadata: { name: object.name, namespace: object.namespace },
      spec: { template: { spec: { containers } } },
    };
    return {
      ok: true,
      plan: patchResources(
        kind,
        w,
        index,
        bounds.maxMemory,
        bounds.maxMemoryBytes,
        plan.verify.checks,
      ),
      clamped: `clamped from ${formatBytes(wanted)} to ${bounds.maxMemory} by the policy's maxMemory`,
    };
  }
  return { ok: true, plan };
}

function rev(rs: ReplicaSet): string {
  return rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?';
}

function images(containers: Container[]): string {
  return containers.map((c) => `${c.name}=${c.image ?? '?'}`).join(', ');
}
