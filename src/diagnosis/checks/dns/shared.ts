// Helpers shared by the dns checks.
import type { DaemonSet, Deployment, Pod } from '../../../cluster/k8s-types.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import { ago, type DiagnosisContext, isLive, isPodReady } from '../../context.js';

export const KUBE_SYSTEM = 'kube-system';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Restarts older than this are history, not an ongoing problem. */
export const RESTART_WINDOW_MS = 60 * 60 * 1000;
export const OOM_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface PodTrouble {
  pod: Pod;
  ready: boolean;
  oomKilled: boolean;
  restarts: number;
  /** Plain-words problems; empty when the pod is healthy. */
  problems: string[];
}

/** What is wrong with a system pod now: not ready, crash-looping, restarting lately, OOMKilled. */
export function podTrouble(pod: Pod, now: Date): PodTrouble {
  const problems: string[] = [];
  const ready = isPodReady(pod);
  const phase = pod.status?.phase;
  if (!ready) problems.push(phase && phase !== 'Running' ? `not ready (${phase})` : 'not ready');
  let oomKilled = false;
  let restarts = 0;
  for (const cs of pod.status?.containerStatuses ?? []) {
    restarts += cs.restartCount;
    const last = cs.lastState?.terminated;
    // A dump without finishedAt cannot date the restart; count it rather than miss it.
    const within = (ms: number) =>
      !last?.finishedAt || now.getTime() - Date.parse(last.finishedAt) <= ms;
    const when = last?.finishedAt ? `, last ${ago(last.finishedAt, now)}` : '';
    const exit = last ? `, last exit ${last.reason ?? `code ${last.exitCode}`}` : '';
    if (cs.state?.waiting?.reason === 'CrashLoopBackOff') {
      problems.push(
        `container ${cs.name} is in CrashLoopBackOff (${cs.restartCount} restarts${exit}${when})`,
      );
    } else if (cs.restartCount >= 3 && within(RESTART_WINDOW_MS)) {
      problems.push(`container ${cs.name} restarted ${cs.restartCount} times${exit}${when}`);
    }
    if (last?.reason === 'OOMKilled' && within(OOM_WINDOW_MS)) {
      oomKilled = true;
      problems.push(
        `container ${cs.name} was OOMKilled${last.finishedAt ? ` ${ago(last.finishedAt, now)}` : ''}`,
      );
    }
  }
  return { pod, ready, oomKilled, restarts, problems };
}

/** One line per pod, as `kubectl get pods` would show it. */
export function podLine(t: PodTrouble): string {
  const statuses = t.pod.status?.containerStatuses ?? [];
  const readyCount = statuses.filter((c) => c.ready).length;
  const total = statuses.length || t.pod.spec.containers.length;
  const state =
    statuses.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined) ??
    t.pod.status?.phase ??
    'Unknown';
  const node = t.pod.spec.nodeName ? `  node ${t.pod.spec.nodeName}` : '';
  const notes = t.problems.length ? `  (${t.problems.join('; ')})` : '';
  return `${t.pod.metadata.name}  ${readyCount}/${total}  ${state}  restarts ${t.restarts}${node}${notes}`;
}

export function hasLabel(p: Pod, key: string, value: string): boolean {
  return p.metadata.labels?.[key] === value;
}

export function corednsPods(snapshot: Snapshot): Pod[] {
  return snapshot.pods.filter(
    (p) => p.metadata.namespace === KUBE_SYSTEM && isLive(p) && hasLabel(p, 'k8s-app', 'kube-dns'),
  );
}

/** Ready and total addresses of the kube-dns Service, or undefined when none were read. */
export function kubeDnsEndpoints(snapshot: Snapshot): { ready: number; total: number } | undefined {
  const slices = snapshot.endpointSlices.filter(
    (s) =>
      s.metadata.namespace === KUBE_SYSTEM &&
      s.metadata.labels?.[SERVICE_NAME_LABEL] === 'kube-dns',
  );
  if (slices.length > 0) {
    const seen = new Map<string, boolean>();
    for (const ep of slices.flatMap((s) => s.endpoints ?? [])) {
      const addr = ep.addresses[0] ?? '';
      seen.set(addr, (seen.get(addr) ?? false) || ep.conditions?.ready !== false);
    }
    return { ready: [...seen.values()].filter(Boolean).length, total: seen.size };
  }
  const eps = snapshot.endpoints.find(
    (e) => e.metadata.namespace === KUBE_SYSTEM && e.metadata.name === 'kube-dns',
  );
  if (!eps) return undefined;
  const ready = (eps.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = (eps.subsets ?? []).reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  return { ready, total: ready + notReady };
}

export function corednsDeployment(ctx: DiagnosisContext, pods: Pod[]): Deployment | undefined {
  const named = ctx.snapshot.deployments.find(
    (d) => d.metadata.namespace === KUBE_SYSTEM && d.metadata.name === 'coredns',
  );
  if (named) return named;
  for (const p of pods) {
    const owner = ctx.ownerOf(p);
    if (owner?.kind === 'Deployment') return owner.object;
  }
  return undefined;
}

export function isKubeProxyPod(p: Pod): boolean {
  return (
    p.metadata.namespace === KUBE_SYSTEM &&
    (hasLabel(p, 'k8s-app', 'kube-proxy') || hasLabel(p, 'component', 'kube-proxy'))
  );
}

export function kubeProxyDaemonSet(snapshot: Snapshot): DaemonSet | undefined {
  return snapshot.daemonSets.find(
    (d) =>
      d.metadata.namespace === KUBE_SYSTEM &&
      (d.metadata.name === 'kube-proxy' || d.metadata.labels?.['k8s-app'] === 'kube-proxy'),
  );
}
