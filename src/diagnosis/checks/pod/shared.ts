// Helpers shared by the pod checks.
import type { Container, ContainerStatus, Pod } from '../../../cluster/k8s-types.js';
import type { RemediationPlan } from '../../fixes/types.js';
import { rolloutRestart } from '../../fixes/rollout-restart.js';
import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { type DiagnosisContext, type Workload } from '../../context.js';
import { evidence } from '../../model/evidence.js';
import { podsTable } from '../../model/pods.js';
import { matchesServiceSelector } from '../../selectors.js';
import { formatSelector } from '../../model/labels.js';
import type { CheckId, Evidence } from '../../types.js';

export interface Hit {
  pod: Pod;
  container: Container;
  /** Where the container sits in the POD's spec (containers or initContainers). */
  index: number;
  status: ContainerStatus;
  /** An init container (a native sidecar is one too): the pod shows Init:<reason>. */
  init: boolean;
}

/**
 * Container statuses of the backends that satisfy `test`, with their spec: init containers
 * (status.initContainerStatuses, including native sidecars) first, as the kubelet runs them, then
 * the regular containers. A pod stuck in Init:CrashLoopBackOff has its app containers waiting in
 * PodInitializing; the init container is the one to name.
 */
export function containerHits(
  ctx: DiagnosisContext,
  test: (s: ContainerStatus, p: Pod, init: boolean) => boolean,
): Hit[] {
  const hits: Hit[] = [];
  for (const pod of ctx.allBackends) {
    for (const [init, specs, statuses] of [
      [true, pod.spec.initContainers ?? [], pod.status?.initContainerStatuses ?? []],
      [false, pod.spec.containers, pod.status?.containerStatuses ?? []],
    ] as const) {
      for (const status of statuses) {
        const index = specs.findIndex((c) => c.name === status.name);
        const container = specs[index];
        if (container && test(status, pod, init))
          hits.push({ pod, container, index, status, init });
      }
    }
  }
  return hits;
}

/** "Container app" or "Init container migrate", for titles. */
export function containerLabel(h: Hit): string {
  return `${h.init ? 'Init container' : 'Container'} ${h.container.name}`;
}

/**
 * Where a pod's regular container sits in its workload's pod template, by name. Undefined for a
 * container the template lacks (a sidecar injected at admission: Istio, Linkerd): no patch of the
 * workload can change it, and the pod's own index says nothing about the template's.
 */
export function templateIndex(w: Workload, name: string): number | undefined {
  const i = w.object.spec.template.spec.containers.findIndex((c) => c.name === name);
  return i >= 0 ? i : undefined;
}

export function podsLine(hits: Hit[]): string {
  const pods = [...new Set(hits.map((h) => h.pod.metadata.name))];
  return pods.length > 3
    ? `${pods.slice(0, 3).join(', ')} and ${pods.length - 3} more`
    : pods.join(', ');
}

/**
 * `kubectl get pods` for the pods the hits belong with (the Service's selector, else the
 * namespace), in columns kubectl prints exactly: readiness, phase, restarts and the reason a
 * container waits, one row per pod the command lists.
 */
export function getPodsEvidence(ctx: DiagnosisContext, hits: Hit[]): Evidence {
  const svc = ctx.selectingServices[0];
  const ns = hits[0]?.pod.metadata.namespace ?? ctx.target.namespace;
  const listed = ctx
    .podsIn(ns)
    .filter((p) => !svc || matchesServiceSelector(svc.spec.selector, p.metadata.labels));
  const table = podsTable(listed);
  return evidence(
    svc
      ? ['get', 'pods', '-n', ns, '-l', formatSelector(svc.spec.selector), '-o', table.arg]
      : ['get', 'pods', '-n', ns, '-o', table.arg],
    table.output,
  );
}

/**
 * Where to read the whole story of a pod. kubemedic does not render `kubectl describe` (its
 * layout is kubectl's own and changes between versions), so the command is shown without an
 * output block; the pod table above it and the finding's prose carry what was read.
 */
export function describeEvidence(hit: Hit): Evidence {
  return evidence(
    ['describe', 'pod', hit.pod.metadata.name, '-n', hit.pod.metadata.namespace ?? ''],
    '',
  );
}

/** The workload owning the first hit, for remediations. */
export function ownerOfHits(ctx: DiagnosisContext, hits: Hit[]): Workload | undefined {
  for (const h of hits) {
    const w = ctx.ownerOf(h.pod);
    if (w) return w;
  }
  return undefined;
}

/** Roll back when the failing pods come from a revision newer than one that worked. */
export function undoPlan(
  ctx: DiagnosisContext,
  w: Workload | undefined,
  checks: CheckId[],
): RemediationPlan[] {
  if (w?.kind !== 'Deployment') return [];
  const [current, previous] = ctx.replicaSetsOf(w.object);
  if (!current || !previous) return [];
  return [rolloutUndo(w.object, current, previous, checks)];
}

export function restartPlan(
  ctx: DiagnosisContext,
  w: Workload | undefined,
  checks: CheckId[],
): RemediationPlan[] {
  return w ? [rolloutRestart(w.kind, w.object, ctx.now, checks)] : [];
}

export function describeProbe(p: NonNullable<Container['readinessProbe']>): string {
  const how = p.httpGet
    ? `HTTP GET ${p.httpGet.path ?? '/'} on port ${p.httpGet.port}`
    : p.tcpSocket
      ? `TCP port ${p.tcpSocket.port}`
      : p.grpc
        ? `gRPC port ${p.grpc.port}`
        : 'exec';
  return `${how}, every ${p.periodSeconds ?? 10}s, ${p.failureThreshold ?? 3} failures allowed, initial delay ${p.initialDelaySeconds ?? 0}s`;
}

export function lastTermination(s: ContainerStatus) {
  return s.lastState?.terminated ?? s.state?.terminated;
}

function previousLog(ctx: DiagnosisContext, hit: Hit) {
  return ctx.snapshot.logs.find(
    (l) =>
      l.kind !== 'current' &&
      l.pod === hit.pod.metadata.name &&
      l.namespace === hit.pod.metadata.namespace &&
      l.container === hit.container.name,
  );
}

/**
 * `kubectl logs --previous` for the hit's container when its log was read, shown without an
 * output block: what kubemedic read is redacted and cut to its last bytes. The lines go in the
 * finding's detail (previousLogLines).
 */
export function logEvidence(ctx: DiagnosisContext, hit: Hit): Evidence[] {
  if (!previousLog(ctx, hit)) return [];
  return [
    evidence(
      [
        'logs',
        hit.pod.metadata.name,
        '-n',
        hit.pod.metadata.namespace ?? '',
        '-c',
        hit.container.name,
        '--previous',
        `--tail=${PREVIOUS_LOG_LINES}`,
      ],
      '',
    ),
  ];
}

/** Lines of the previous container's log shown in a detail. */
const PREVIOUS_LOG_LINES = 20;

/** The previous container's last lines as prose for a finding's detail, or why they are missing. */
export function previousLogLines(ctx: DiagnosisContext, hit: Hit): string {
  const log = previousLog(ctx, hit);
  if (!log) return '';
  if (log.text === undefined)
    return `\nIts previous log could not be read: ${log.error ?? 'unknown reason'}.`;
  const lines = log.text.trimEnd().split('\n').slice(-PREVIOUS_LOG_LINES);
  if (lines.join('') === '') return '\nIts previous log is empty.';
  return `\nThe previous container's last lines (secrets redacted):\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

export const PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** ConfigMaps and Secrets a container references that the snapshot holds no trace of. */
export function missingReferences(ctx: DiagnosisContext, pod: Pod, c: Container): string[] {
  if (ctx.snapshot.unavailable.configMaps || ctx.snapshot.unavailable.secrets) return [];
  const ns = pod.metadata.namespace;
  const has = (list: { metadata: { name: string; namespace?: string } }[], name: string) =>
    list.some((o) => o.metadata.name === name && o.metadata.namespace === ns);
  const refs = new Set<string>();
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    const sec = e.valueFrom?.secretKeyRef;
    if (cm && !cm.optional && !has(ctx.snapshot.configMaps, cm.name))
      refs.add(`ConfigMap ${cm.name}`);
    if (sec && !sec.optional && !has(ctx.snapshot.secrets, sec.name))
      refs.add(`Secret ${sec.name}`);
  }
  for (const e of c.envFrom ?? []) {
    if (e.configMapRef && !has(ctx.snapshot.configMaps, e.configMapRef.name))
      refs.add(`ConfigMap ${e.configMapRef.name}`);
    if (e.secretRef && !has(ctx.snapshot.secrets, e.secretRef.name))
      refs.add(`Secret ${e.secretRef.name}`);
  }
  return [...refs];
}

/** A probe's port as a number, resolving names through the container's ports. */
export function probePort(
  p: NonNullable<Container['readinessProbe']>,
): number | string | undefined {
  return p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
}

export function replicaFailure(ctx: DiagnosisContext, w: Workload): string | undefined {
  if (w.kind !== 'Deployment') return undefined;
  const rs = ctx.replicaSetsOf(w.object)[0];
  const c = rs
    ? (
        rs as { status?: { conditions?: { type: string; message?: string }[] } }
      ).status?.conditions?.find((x) => x.type === 'ReplicaFailure')
    : undefined;
  return c?.message;
}
