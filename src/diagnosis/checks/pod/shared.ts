// Helpers shared by the pod checks.
import type { Container, ContainerStatus, Pod } from '../../../cluster/k8s-types.js';
import type { RemediationPlan } from '../../fixes/types.js';
import { rolloutRestart } from '../../fixes/rollout-restart.js';
import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { type DiagnosisContext, type Workload } from '../../context.js';
import { evidence } from '../../model/evidence.js';
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

export function getPodsEvidence(ctx: DiagnosisContext, hits: Hit[]): Evidence {
  const svc = ctx.selectingServices[0];
  const ns = hits[0]?.pod.metadata.namespace ?? ctx.target.namespace;
  const lines = [...new Map(hits.map((h) => [h.pod.metadata.name, h])).values()]
    .slice(0, 10)
    .map((h) => {
      const ready = (h.pod.status?.containerStatuses ?? []).filter((s) => s.ready).length;
      const total = h.pod.spec.containers.length;
      const waiting = h.status.state?.waiting?.reason;
      const st =
        (waiting && h.init ? `Init:${waiting}` : waiting) ??
        (h.status.state?.running
          ? (h.pod.status?.phase ?? 'Running')
          : (h.status.state?.terminated?.reason ?? h.pod.status?.phase));
      return `${h.pod.metadata.name}  ${ready}/${total}  ${st}  restarts=${h.status.restartCount}  node=${h.pod.spec.nodeName ?? '<none>'}`;
    });
  return evidence(
    svc
      ? ['get', 'pods', '-n', ns, '-l', formatSelector(svc.spec.selector), '-o', 'wide']
      : ['get', 'pods', '-n', ns, '-o', 'wide'],
    lines.join('\n'),
  );
}

/** One container state as `kubectl describe pod` prints it (State / Last State blocks). */
function describeState(
  label: string,
  st: Record<string, Record<string, unknown>> | undefined,
): string[] {
  const [phase, v] = Object.entries(st ?? {})[0] ?? [];
  if (!phase || !v) return [];
  const lines = [`    ${`${label}:`.padEnd(16)}${phase[0]?.toUpperCase()}${phase.slice(1)}`];
  // kubectl prints times as RFC 1123 with a numeric zone, and a waiting state's reason only.
  const time = (t: unknown) =>
    typeof t === 'string' && !Number.isNaN(Date.parse(t))
      ? new Date(t).toUTCString().replace('GMT', '+0000')
      : undefined;
  const fields: [string, unknown][] =
    phase === 'waiting'
      ? [['Reason', v.reason]]
      : [
          ['Reason', v.reason],
          ['Message', v.message],
          ['Exit Code', v.exitCode],
          ['Started', time(v.startedAt)],
          ['Finished', time(v.finishedAt)],
        ];
  for (const [k, x] of fields)
    if (x !== undefined && x !== '') lines.push(`      ${`${k}:`.padEnd(14)}${String(x)}`);
  return lines;
}

/**
 * An excerpt of what `kubectl describe pod` prints, in its own layout: the container's state,
 * last state and restart count, then the newest events. Never a JSON blob: a person compares
 * this with their terminal.
 */
export function describeEvidence(hit: Hit, ctx: DiagnosisContext): Evidence {
  const events = ctx
    .eventsFor('Pod', hit.pod.metadata.name, hit.pod.metadata.namespace)
    .slice(-5)
    .map(
      (e) =>
        `  ${(e.type ?? 'Normal').padEnd(8)}${(e.reason ?? '').padEnd(12)}${e.message ?? e.note ?? ''}`,
    );
  const s = hit.status;
  type States = Record<string, Record<string, unknown>> | undefined;
  const lines = [
    'Containers:',
    `  ${s.name}:`,
    ...describeState('State', s.state as States),
    ...describeState('Last State', s.lastState as States),
    `    ${'Restart Count:'.padEnd(16)}${s.restartCount ?? 0}`,
    ...(events.length
      ? ['Events:', `  ${'Type'.padEnd(8)}${'Reason'.padEnd(12)}Message`, ...events]
      : []),
  ];
  return evidence(
    ['describe', 'pod', hit.pod.metadata.name, '-n', hit.pod.metadata.namespace ?? ''],
    lines.join('\n'),
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

export function logEvidence(ctx: DiagnosisContext, hit: Hit): Evidence[] {
  const log = ctx.snapshot.logs.find(
    (l) =>
      l.kind !== 'current' &&
      l.pod === hit.pod.metadata.name &&
      l.namespace === hit.pod.metadata.namespace &&
      l.container === hit.container.name,
  );
  if (!log) return [];
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
        '--tail=20',
      ],
      log.text ?? `(log not available: ${log.error ?? 'unknown reason'})`,
    ),
  ];
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
